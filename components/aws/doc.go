// Package aws builds kost's AWS regions: the regional provider, the VPC (Network), the EKS cluster
// with its add-ons, IRSA and access entries (ManagedCluster), one managed node group per workload
// pool (NodePool), and the kubeconfig, handed up as a cluster.Cluster. SelfManagedCluster is the
// alternative to EKS: kubeadm control planes (components/kubeadm) on EC2 behind an internal NLB and
// an Auto Scaling group per pool, handed up as the same cluster.Cluster.
//
// Every resource takes the region's explicit aws.Provider from its parent (pass it with
// pulumi.Provider on the component) and carries the tags the caller gives.
package aws
