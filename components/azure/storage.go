package azure

import "github.com/kost-platform/kost/components/cluster"

// storageProfile is the Azure Disk CSI driver's profile, the same for AKS and self-managed clusters.
// Managed disks are always encrypted at rest (platform-managed keys), so the classes need no
// encryption parameter; zone-redundant disks survive a zone and let a pod move with its volume.
func storageProfile() cluster.StorageProfile {
	return cluster.StorageProfile{
		Provisioner: "disk.csi.azure.com",
		DB:          map[string]string{"skuName": "Premium_ZRS"},
		Standard:    map[string]string{"skuName": "StandardSSD_ZRS"},
	}
}

// internalLoadBalancer is the Service annotation of an Azure internal load balancer.
func internalLoadBalancer() map[string]string {
	return map[string]string{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}
}
