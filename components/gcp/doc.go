// Package gcp builds kost's GCP regions: the regional provider, the custom-mode VPC network with one
// regional subnetwork, Cloud NAT and minimal firewall rules (Network), the private, VPC-native,
// regional GKE cluster with Workload Identity, Dataplane V2, shielded nodes, a least-privilege node
// service account and optional Cloud KMS secrets encryption (ManagedCluster), one node pool per
// workload pool (NodePool), and the kubeconfig, handed up as a cluster.Cluster. SelfManagedCluster is
// the alternative to GKE: kubeadm control planes (components/kubeadm) on Compute Engine behind an
// internal passthrough load balancer and a regional managed instance group per pool.
//
// Every resource takes the region's explicit gcp.Provider from its parent (pass it with
// pulumi.Provider on the component), names its project explicitly and carries the labels the caller
// gives wherever the GCP resource has labels.
//
// Every component's args have a Validate method, which its constructor calls before it registers
// anything: it reports every problem at once as a *cluster.ArgsError, each under the field's Go path
// ("MasterCIDR", "NodePools[2].Pool").
package gcp
