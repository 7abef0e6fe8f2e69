package cluster

import "net/netip"

// The network contract every cluster keeps, whatever its cloud and mode: the clouds, the address
// planning and the config validation read these, so a region block can be checked against them once.
var (
	// ServiceCIDR holds Kubernetes Service IPs (EKS, AKS and kubeadm clusters; GKE takes a secondary
	// range of the region block instead).
	ServiceCIDR = netip.MustParsePrefix("172.20.0.0/16")
	// DNSServiceIP is the cluster DNS Service's address: the tenth of ServiceCIDR, the one kubeadm
	// derives for CoreDNS (kubernetes v1.36.4 cmd/kubeadm/app/constants/constants.go, GetDNSIP:
	// "Selects the 10th IP in service subnet CIDR range"); AKS is given it explicitly.
	DNSServiceIP = netip.MustParseAddr("172.20.0.10")
	// OverlayPodCIDR holds pod IPs where pods are not VPC addresses (AKS with Azure CNI overlay, and
	// Cilium on kubeadm clusters).
	OverlayPodCIDR = netip.MustParsePrefix("172.21.0.0/16")
)

// APIServerPort is the Kubernetes API servers' port behind a self-managed cluster's load balancer
// (kubeadm's default bind port).
const APIServerPort = 6443
