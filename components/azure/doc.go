// Package azure builds kost's Azure regions: the regional provider, the network (resource group,
// VNet, node subnet with a NAT gateway and an NSG), the AKS cluster with Azure CNI overlay, Entra ID
// integration, workload identity and its System node pool (ManagedCluster), one User agent pool per
// workload pool (NodePool), and the kubeconfig (kubelogin), handed up as a cluster.Cluster.
//
// Every resource takes the region's explicit azure-native provider from its parent (pass it with
// pulumi.Provider on the component) and carries the tags the caller gives, where Azure allows tags
// (subnets and role assignments have none).
package azure
