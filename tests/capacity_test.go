package tests

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kost-platform/kost/stacks"
	"github.com/kost-platform/kost/stacks/config"
)

// Every shipped stack passes the capacity proof, and each pool has room left.
func TestShippedStacksFit(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			env := loadEnv(t, stack)
			plans, err := env.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			rcs, err := stacks.ProveCapacity(plans)
			if err != nil {
				t.Fatal(err)
			}
			for _, rc := range rcs {
				for _, p := range rc.Pools {
					if h := p.Headroom(); h.CPUMilli < 0 || h.MemoryMiB < 0 || p.Requested.Pods == 0 && p.Name != "spark" {
						t.Errorf("%s %s: requested %v of %d nodes", rc.Key, p.Name, p.Requested, p.Nodes)
					}
				}
			}
		})
	}
}

// The proof refuses what would never schedule, naming the pool and the numbers; so does validation
// for what is no plan at all.
func TestCapacityRefuses(t *testing.T) {
	t.Parallel()
	gcpProd := func(m map[string]any) {
		m["name"], m["size"] = "prod", "prod"
		m["regions"] = []any{map[string]any{"cloud": "gcp", "region": "europe-west4", "gcp": map[string]any{"project": "acme-kost-prod"}}}
	}
	cases := map[string]struct {
		reason   string
		mutate   func(m map[string]any)
		wantPath string
		wantText []string
	}{
		"OldGCPProdTiDBPool": {reason: "n2-highcpu-16 (16 GiB) cannot hold TiDB's 16Gi request, so TiDB stayed Pending forever",
			mutate: func(m map[string]any) {
				gcpProd(m)
				m["regions"].([]any)[0].(map[string]any)["nodePools"] = map[string]any{"tidb": map[string]any{"instanceType": "n2-highcpu-16"}}
			},
			wantPath: "regions[0].nodePools.tidb", wantText: []string{"TiDB (8000m CPU, 16384 MiB each, 2 replicas) does not fit the tidb pool", "no node has room"}},
		"TinyTiKV": {reason: "t3.nano has 0.5 GiB",
			mutate: func(m map[string]any) {
				m["regions"].([]any)[0].(map[string]any)["nodePools"] = map[string]any{"tikv": map[string]any{"instanceType": "t3.nano"}}
			},
			wantPath: "regions[0].nodePools.tikv", wantText: []string{"TiKV", "does not fit the tikv pool"}},
		"AbsurdReplicas": {reason: "a typo is not a plan", mutate: func(m map[string]any) { m["database"] = map[string]any{"tikv": 100000000} },
			wantPath: "database.tikv", wantText: []string{"beyond kost's bound of 100"}},
		"UnknownType": {reason: "types outside the catalogue need their allocatable",
			mutate: func(m map[string]any) {
				m["regions"].([]any)[0].(map[string]any)["nodePools"] = map[string]any{"pd": map[string]any{"instanceType": "m7i.xlage"}}
			},
			wantPath: "regions[0].nodePools.pd.instanceType", wantText: []string{`did you mean "m7i.xlarge"?`, "allocatable"}},
		"LocalPoolsUndescribed": {reason: "a cluster prepared like kost's must say what its nodes are",
			mutate: func(m map[string]any) {
				m["regions"] = []any{map[string]any{"cloud": "local", "region": "onprem", "local": map[string]any{"context": "c", "pools": true}}}
			},
			wantPath: "regions[0].nodePools.tikv", wantText: []string{"required with local.pools"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := map[string]any{"name": "dev", "network": map[string]any{"deployers": map[string]any{"cidrs": []any{"10.250.0.0/24"}}},
				"regions": []any{map[string]any{"cloud": "aws", "region": "us-east-1"}}}
			tc.mutate(m)
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			env, err := config.Load(data)
			if err == nil {
				var plans []config.ResolvedRegion
				if plans, err = env.Resolve(); err != nil {
					t.Fatal(err)
				}
				_, err = stacks.ProveCapacity(plans)
			}
			var ps config.Problems
			if !errors.As(err, &ps) || !slices.Contains(ps.Paths(), tc.wantPath) {
				t.Fatalf("%s: want a problem at %s, got %v", tc.reason, tc.wantPath, err)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: message lacks %q:\n%v", tc.reason, w, err)
				}
			}
		})
	}
}
