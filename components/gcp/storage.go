package gcp

import "github.com/kost-platform/kost/components/cluster"

// storageProfile is the GCE PD CSI driver's profile, the same for GKE and self-managed clusters.
// Persistent disks are always encrypted at rest (Google-managed keys), so the classes need no
// encryption parameter.
func storageProfile() cluster.StorageProfile {
	return cluster.StorageProfile{
		Provisioner: "pd.csi.storage.gke.io",
		DB:          map[string]string{"type": "pd-ssd"},
		Standard:    map[string]string{"type": "pd-balanced"},
	}
}

// internalLoadBalancer is the Service annotation of an internal passthrough load balancer, read by
// GKE and by the GCP cloud-controller-manager alike.
func internalLoadBalancer() map[string]string {
	return map[string]string{"networking.gke.io/load-balancer-type": "Internal"}
}
