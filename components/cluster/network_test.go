package cluster

import (
	"net/netip"
	"testing"
)

// The network contract is consistent: the DNS address is the tenth of the Service range (what
// kubeadm's and AKS's defaults derive), the two internal ranges do not overlap, and neither overlaps
// the ranges kost plans region blocks from (10.0.0.0/8 is the default supernet).
func TestNetworkContract(t *testing.T) {
	tenth := ServiceCIDR.Masked().Addr()
	for range 10 {
		tenth = tenth.Next()
	}
	if DNSServiceIP != tenth {
		t.Errorf("DNSServiceIP = %s, want the tenth address of %s (%s)", DNSServiceIP, ServiceCIDR, tenth)
	}
	if ServiceCIDR.Overlaps(OverlayPodCIDR) {
		t.Errorf("ServiceCIDR %s overlaps OverlayPodCIDR %s", ServiceCIDR, OverlayPodCIDR)
	}
	supernet := netip.MustParsePrefix("10.0.0.0/8")
	for name, p := range map[string]netip.Prefix{"ServiceCIDR": ServiceCIDR, "OverlayPodCIDR": OverlayPodCIDR} {
		if p.Overlaps(supernet) {
			t.Errorf("%s %s overlaps the default supernet %s", name, p, supernet)
		}
	}
}
