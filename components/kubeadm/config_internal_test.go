package kubeadm

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAddresses(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason   string
		endpoint string
		services string
		wantHost string
		wantSvc  string
	}{
		"DNS":  {reason: "a load balancer's DNS name", endpoint: "api.internal", services: "172.20.0.0/16", wantHost: "api.internal:6443", wantSvc: "172.20.0.1"},
		"IPv4": {reason: "a load balancer's address", endpoint: "10.0.0.5", services: "10.96.0.0/12", wantHost: "10.0.0.5:6443", wantSvc: "10.96.0.1"},
		"IPv6": {reason: "IPv6 addresses are bracketed", endpoint: "fd00::5", services: "fd00:20::/108", wantHost: "[fd00::5]:6443", wantSvc: "fd00:20::1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc, err := firstServiceIP(tc.services)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{tc.wantHost, tc.wantSvc}, []string{hostPort(tc.endpoint), svc}); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
		})
	}
	if _, err := APIServerSANs("api", "not-a-cidr", nil); err == nil {
		t.Error("APIServerSANs accepted a bad service CIDR")
	}
	if got := minor("1.33.5"); got != "1.33" {
		t.Errorf("minor(1.33.5) = %s", got)
	}
}
