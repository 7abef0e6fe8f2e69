package aws

import "github.com/kost-platform/kost/components/cluster"

// storageProfile is the EBS CSI driver's profile, the same for EKS and self-managed clusters: gp3,
// encrypted, with IOPS and throughput above the baseline for TiKV's random I/O on kost-db.
func storageProfile() cluster.StorageProfile {
	return cluster.StorageProfile{
		Provisioner: "ebs.csi.aws.com",
		DB:          map[string]string{"type": "gp3", "iops": "6000", "throughput": "250", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
		Standard:    map[string]string{"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
	}
}

// internalLoadBalancer are the Service annotations of an internal NLB: the in-tree controller reads
// "internal", the cloud-controller-manager and the AWS Load Balancer Controller read "scheme".
func internalLoadBalancer() map[string]string {
	return map[string]string{
		"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
		"service.beta.kubernetes.io/aws-load-balancer-scheme":   "internal",
		"service.beta.kubernetes.io/aws-load-balancer-type":     "nlb",
	}
}
