package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kost-platform/kost/offline"
	"github.com/kost-platform/kost/stacks"
	"github.com/kost-platform/kost/stacks/config"
)

// environmentWith returns an environment of n regions, taken in turn from AWS, GCP and Azure
// (three-zone regions in catalogue order).
func environmentWith(b *testing.B, n int) map[string]string {
	b.Helper()
	names := map[config.Cloud][]string{}
	for _, c := range []config.Cloud{config.AWS, config.GCP, config.Azure} {
		for _, name := range config.RegionNames(c) {
			if info, _ := config.LookupRegion(c, name); len(info.Zones) >= 3 {
				names[c] = append(names[c], name)
			}
		}
	}
	var regions []any
	for i := 0; len(regions) < n; i++ {
		c := []config.Cloud{config.AWS, config.GCP, config.Azure}[i%3]
		r := map[string]any{"cloud": string(c), "region": names[c][i/3]}
		switch c {
		case config.GCP:
			r["gcp"] = map[string]any{"project": "acme-kost-bench"}
		case config.Azure:
			r["azure"] = map[string]any{"subscriptionId": "00000000-0000-4000-8000-000000000001"}
		}
		regions = append(regions, r)
	}
	data, err := json.Marshal(map[string]any{"name": "bench", "regions": regions})
	if err != nil {
		b.Fatal(err)
	}
	return map[string]string{stacks.ConfigKey: string(data)}
}

// BenchmarkPlan evaluates whole environments under the mocks as they grow.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{1, 3, 9} {
		b.Run(fmt.Sprintf("regions=%d", n), func(b *testing.B) {
			cfg := environmentWith(b, n)
			b.ReportAllocs()
			var resources int
			for b.Loop() {
				g, err := offline.Run("bench", cfg, nil, stacks.Deploy)
				if err != nil {
					b.Fatal(err)
				}
				resources = len(g.Resources)
			}
			b.ReportMetric(float64(resources), "resources")
		})
	}
}
