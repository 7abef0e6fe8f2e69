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
package gcp
