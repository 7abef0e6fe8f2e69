package capacity

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReservationsMatchPublishedNodes checks the formulas against nodes whose allocatable the
// clouds' own tooling or a measurement published.
func TestReservationsMatchPublishedNodes(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason   string
		platform Platform
		instance Instance
		// want is kube-reserved plus eviction.
		want Resources
	}{
		"EKSr5xlarge": {reason: "a measured EKS r5.xlarge (58 pods): capacity - allocatable = 80m, 993 MiB (2i2c node-capacity-info.json)",
			platform: EKS, instance: Instance{"r5.xlarge", 4, gib(32), 58}, want: Resources{CPUMilli: 80, MemoryMiB: 993}},
		"EKSr54xlarge": {reason: "a measured EKS r5.4xlarge (234 pods): 110m, 2929 MiB",
			platform: EKS, instance: Instance{"r5.4xlarge", 16, gib(128), 234}, want: Resources{CPUMilli: 110, MemoryMiB: 2929}},
		"GKE32GiB": {reason: "GKE's table on 32 GiB: 1024 + 819 + 819 + 983 MiB, 100 MiB eviction",
			platform: GKE, instance: Instance{"n2-highmem-4", 4, gib(32), 110}, want: Resources{CPUMilli: 80, MemoryMiB: 3745}},
		"GKETiny": {reason: "GKE reserves 255 MiB on nodes under 1 GiB",
			platform: GKE, instance: Instance{"e2-micro", 2, 1000, 110}, want: Resources{CPUMilli: 70, MemoryMiB: 355}},
		"AKSOverlay": {reason: "AKS at 250 pods: min(20 x 250 + 50, 25%) = 5050 MiB; 8 cores 180m",
			platform: AKS, instance: Instance{"Standard_E8s_v5", 8, gib(64), 250}, want: Resources{CPUMilli: 180, MemoryMiB: 5150}},
		"AKSSmall": {reason: "AKS caps the reservation at 25% of memory",
			platform: AKS, instance: Instance{"Standard_D2s_v5", 2, gib(8), 250}, want: Resources{CPUMilli: 100, MemoryMiB: 2148}},
		"Kubeadm": {reason: "the kubelet reserves nothing by default; eviction only",
			platform: Kubeadm, instance: Instance{"m7i.xlarge", 4, gib(16), 58}, want: Resources{MemoryMiB: 100}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := kubeReserved(tc.platform, tc.instance)
			got.MemoryMiB += evictionMiB
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

// TestAllocatableMatchesKarpenter compares EKS allocatable before DaemonSets with the table
// Karpenter generates from the EC2 API with the same assumptions (instance-types.md).
func TestAllocatableMatchesKarpenter(t *testing.T) {
	t.Parallel()
	want := map[string]Resources{
		"m7i.large": {CPUMilli: 1930, MemoryMiB: 6903}, "m7i.xlarge": {CPUMilli: 3920, MemoryMiB: 14162},
		"r7i.2xlarge": {CPUMilli: 7910, MemoryMiB: 59627}, "c7i.4xlarge": {CPUMilli: 15890, MemoryMiB: 27381},
		"t3.nano": {CPUMilli: 1930, MemoryMiB: 74},
	}
	for name, w := range want {
		i, ok := Lookup("aws", name)
		if !ok {
			t.Fatalf("%s is not in the catalogue", name)
		}
		got := Allocatable(EKS, i).Sub(Resources{}).Sub(Resources{CPUMilli: -daemonSets[EKS].CPUMilli, MemoryMiB: -daemonSets[EKS].MemoryMiB})
		if got.CPUMilli != w.CPUMilli || got.MemoryMiB < w.MemoryMiB-1 || got.MemoryMiB > w.MemoryMiB+1 {
			t.Errorf("%s: %dm, %d MiB before DaemonSets; Karpenter says %dm, %d MiB", name, got.CPUMilli, got.MemoryMiB, w.CPUMilli, w.MemoryMiB)
		}
	}
}

func TestProve(t *testing.T) {
	t.Parallel()
	zones := []string{"a", "b", "c"}
	node := Resources{CPUMilli: 7900, MemoryMiB: 60000, Pods: 58}
	cases := map[string]struct {
		reason   string
		pools    []Pool
		pods     []Pod
		wantFail []string // phrases, one per failure
		want     map[string]Resources
	}{
		"Fits": {reason: "three TiKV and three TiFlash, one of each per node",
			pools: []Pool{{Name: "tikv", Nodes: 3, Zones: zones, Allocatable: node}},
			pods: []Pod{{Name: "TiKV", Pool: "tikv", Replicas: 3, CPUMilli: 3000, MemoryMiB: 24576, HostSpread: true, ZoneSpread: true},
				{Name: "TiFlash", Pool: "tikv", Replicas: 3, CPUMilli: 3000, MemoryMiB: 24576, HostSpread: true, ZoneSpread: true}},
			want: map[string]Resources{"tikv": {CPUMilli: 18000, MemoryMiB: 6 * 24576, Pods: 6}}},
		"TooBig": {reason: "a pod larger than any node never schedules (the old GCP prod tidb pool: 16 GiB nodes)",
			pools:    []Pool{{Name: "tidb", Nodes: 3, Zones: zones, Allocatable: Resources{CPUMilli: 15390, MemoryMiB: 10200, Pods: 104}}},
			pods:     []Pod{{Name: "TiDB", Pool: "tidb", Replicas: 2, CPUMilli: 8000, MemoryMiB: 16384, HostSpread: true}},
			wantFail: []string{"TiDB (8000m CPU, 16384 MiB each, 2 replicas) does not fit the tidb pool: replica 1 of 2: no node has room: the roomiest has 15390m CPU, 10200 MiB"}},
		"SpreadBlocks": {reason: "room in one zone only: a second replica there would break the zone spread (maxSkew 1)",
			pools: []Pool{{Name: "kafka", Nodes: 3, Zones: zones, Allocatable: node}},
			pods: []Pod{{Name: "filler", Pool: "kafka", Replicas: 2, CPUMilli: 7900, MemoryMiB: 60000, HostSpread: true},
				{Name: "broker", Pool: "kafka", Replicas: 2, CPUMilli: 100, MemoryMiB: 100, ZoneSpread: true}},
			wantFail: []string{"broker", "replica 2 of 2", "spread (even over the zones)"}},
		"SkewAllowsTwoPerNode": {reason: "as the scheduler: three replicas spread over hosts with maxSkew 1 fit two nodes (validation asks for a node per quorum member)",
			pools: []Pool{{Name: "pd", Nodes: 2, Zones: zones, Allocatable: node}},
			pods:  []Pod{{Name: "PD", Pool: "pd", Replicas: 3, CPUMilli: 100, MemoryMiB: 100, HostSpread: true}},
			want:  map[string]Resources{"pd": {CPUMilli: 300, MemoryMiB: 300, Pods: 3}}},
		"SecondFitsSecondNode": {reason: "two pods that each need most of a node take two nodes, not one",
			pools: []Pool{{Name: "system", Nodes: 2, Allocatable: Resources{CPUMilli: 1000, MemoryMiB: 1000, Pods: 10}}},
			pods:  []Pod{{Name: "op", Pool: "system", Replicas: 2, CPUMilli: 600, MemoryMiB: 600}},
			want:  map[string]Resources{"system": {CPUMilli: 1200, MemoryMiB: 1200, Pods: 2}}},
		"PodSlots": {reason: "max pods counts too",
			pools:    []Pool{{Name: "system", Nodes: 1, Allocatable: Resources{CPUMilli: 8000, MemoryMiB: 8000, Pods: 2}}},
			pods:     []Pod{{Name: "op", Pool: "system", Replicas: 3, CPUMilli: 10, MemoryMiB: 10}},
			wantFail: []string{"replica 3 of 3", "0 pods free"}},
		"NoPool": {reason: "a workload on a pool the cluster does not have",
			pods: []Pod{{Name: "op", Pool: "gpu", Replicas: 1}}, wantFail: []string{"no such pool"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			reports, fails := Prove(tc.pools, tc.pods)
			if len(fails) != min(1, len(tc.wantFail)) {
				t.Fatalf("%s: failures %v, want %d", tc.reason, fails, len(tc.wantFail))
			}
			for _, phrase := range tc.wantFail {
				if !strings.Contains(fails[0].String(), phrase) {
					t.Errorf("%s: %q lacks %q", tc.reason, fails[0], phrase)
				}
			}
			for _, r := range reports {
				if w, ok := tc.want[r.Name]; ok && r.Requested != w {
					t.Errorf("%s: %s requested %v, want %v", tc.reason, r.Name, r.Requested, w)
				}
			}
		})
	}
}
