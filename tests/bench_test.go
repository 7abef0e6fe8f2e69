package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kost-platform/kost/stacks"
	"github.com/kost-platform/kost/stacks/config"
	"github.com/kost-platform/kost/stacks/plan"
)

// environmentWith returns an environment of n AWS regions (catalogue order, three-zone regions).
func environmentWith(b *testing.B, n int) map[string]string {
	b.Helper()
	var regions []any
	for _, name := range config.RegionNames(config.AWS) {
		if info, _ := config.LookupRegion(config.AWS, name); len(info.Zones) < 3 {
			continue
		}
		regions = append(regions, map[string]any{"cloud": "aws", "region": name})
		if len(regions) == n {
			break
		}
	}
	if len(regions) < n {
		b.Fatalf("only %d regions available", len(regions))
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
				g, err := plan.Run("bench", cfg, nil, stacks.Deploy)
				if err != nil {
					b.Fatal(err)
				}
				resources = len(g.Resources)
			}
			b.ReportMetric(float64(resources), "resources")
		})
	}
}
