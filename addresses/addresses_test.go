package addresses

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSubdivide(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason  string
		prefix  string
		newBits int
		index   int
		want    string
		wantErr error
	}{
		"FirstQuarter":  {reason: "index 0 starts at the base", prefix: "10.1.0.0/16", newBits: 2, index: 0, want: "10.1.0.0/18"},
		"LastQuarter":   {reason: "index 3 of 4", prefix: "10.1.0.0/16", newBits: 2, index: 3, want: "10.1.192.0/18"},
		"Masked":        {reason: "host bits of the input are ignored", prefix: "10.1.2.3/16", newBits: 8, index: 5, want: "10.1.5.0/24"},
		"CrossOctet":    {reason: "carries across octets", prefix: "10.0.0.0/8", newBits: 8, index: 255, want: "10.255.0.0/16"},
		"IPv6":          {reason: "works for IPv6 too", prefix: "fd00::/48", newBits: 16, index: 2, want: "fd00:0:0:2::/64"},
		"IndexTooLarge": {reason: "a /16 has four /18s", prefix: "10.1.0.0/16", newBits: 2, index: 4, wantErr: ErrTooSmall},
		"TooManyBits":   {reason: "no /33", prefix: "10.1.0.0/30", newBits: 3, index: 0, wantErr: ErrTooSmall},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Subdivide(netip.MustParsePrefix(tc.prefix), tc.newBits, tc.index)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s: error %v, want %v", tc.reason, err, tc.wantErr)
			}
			if tc.wantErr == nil && got.String() != tc.want {
				t.Errorf("%s: got %s, want %s", tc.reason, got, tc.want)
			}
		})
	}
}

func TestPlanLayout(t *testing.T) {
	t.Parallel()
	l, err := AWS(netip.MustParsePrefix("10.20.0.0/16"), 3)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{"private": strs(l.Private), "public": strs(l.Public), "reserved": {l.Reserved.String()}}
	want := map[string][]string{
		"private":  {"10.20.0.0/18", "10.20.64.0/18", "10.20.128.0/18"},
		"public":   {"10.20.192.0/20", "10.20.208.0/20", "10.20.224.0/20"},
		"reserved": {"10.20.240.0/20"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("layout (-want +got):\n%s", d)
	}
	all := append(append(append([]netip.Prefix{}, l.Private...), l.Public...), l.Reserved)
	for i := range all {
		if !l.Block.Contains(all[i].Addr()) {
			t.Errorf("%s is outside the block %s", all[i], l.Block)
		}
		for j := i + 1; j < len(all); j++ {
			if all[i].Overlaps(all[j]) {
				t.Errorf("%s overlaps %s", all[i], all[j])
			}
		}
	}
}

func TestPlanRefusesSmallBlocks(t *testing.T) {
	t.Parallel()
	if _, err := AWS(netip.MustParsePrefix("10.0.0.0/21"), 3); !errors.Is(err, ErrTooSmall) {
		t.Fatalf("a /21 must be refused, got %v", err)
	}
	if _, err := AWS(netip.MustParsePrefix("10.0.0.0/20"), 3); err != nil {
		t.Fatalf("a /20 is the smallest allowed: %v", err)
	}
}

func TestRegionBlockIsStable(t *testing.T) {
	t.Parallel()
	super := netip.MustParsePrefix("10.0.0.0/8")
	// The block depends only on the slot: planning slot 7 alone or among others gives the same answer.
	a, err := RegionBlock(super, 16, 7)
	if err != nil {
		t.Fatal(err)
	}
	if a.String() != "10.7.0.0/16" {
		t.Errorf("slot 7 = %s, want 10.7.0.0/16", a)
	}
	wrapped, err := RegionBlock(netip.MustParsePrefix("10.0.0.0/12"), 16, 17)
	if err != nil {
		t.Fatal(err)
	}
	if wrapped.String() != "10.1.0.0/16" {
		t.Errorf("slot 17 in a /12 wraps to %s, want 10.1.0.0/16", wrapped)
	}
}

func strs(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestPlanGKEAndAKS(t *testing.T) {
	t.Parallel()
	block := netip.MustParsePrefix("10.40.0.0/16")
	g, err := GCP(block)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"nodes": g.Nodes.String(), "pods": g.Pods.String(), "services": g.Services.String(), "master": g.Master.String()}
	want := map[string]string{"nodes": "10.40.128.0/18", "pods": "10.40.0.0/17", "services": "10.40.192.0/20", "master": "10.40.240.0/28"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GKE layout (-want +got):\n%s", d)
	}
	all := []netip.Prefix{g.Nodes, g.Pods, g.Services, g.Master}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].Overlaps(all[j]) {
				t.Errorf("%s overlaps %s", all[i], all[j])
			}
		}
	}
	a, err := Azure(block)
	if err != nil {
		t.Fatal(err)
	}
	if a.Nodes.String() != "10.40.0.0/17" || a.DNSServiceIP.String() != "172.20.0.10" || a.Pods.Overlaps(a.Block) || a.Services.Overlaps(a.Block) {
		t.Errorf("AKS layout: %+v", a)
	}
	if _, err := GCP(netip.MustParsePrefix("10.0.0.0/22")); !errors.Is(err, ErrTooSmall) {
		t.Errorf("a /22 must be refused for GKE: %v", err)
	}
}
