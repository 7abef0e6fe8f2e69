package tests

import (
	"slices"
	"testing"
)

// Every cluster of every shipped stack is monitored: kube-prometheus-stack, kost's monitors for the
// data plane and its alert rules; with TLS (prod) the certificates' expiry too.
func TestMonitoringOnEveryCluster(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			regions := g.OfType("kost:stacks:Region")
			if len(regions) == 0 {
				t.Fatal("no regions")
			}
			for _, region := range regions {
				mons := g.Under(region.URN, "kost:monitoring:Monitoring")
				if len(mons) != 1 {
					t.Errorf("%s: %d monitoring components, want 1", region.Name, len(mons))
					continue
				}
				m := mons[0]
				var charts []string
				for _, c := range g.Under(m.URN, "kubernetes:helm.sh/v4:Chart") {
					charts = append(charts, c.String("chart"))
				}
				if !slices.Equal(charts, []string{"kube-prometheus-stack"}) {
					t.Errorf("%s: monitoring charts %v, want kube-prometheus-stack", region.Name, charts)
				}
				var monitors, rules []string
				for _, r := range g.Under(m.URN, "kubernetes:monitoring.coreos.com/v1:PodMonitor") {
					monitors = append(monitors, r.String("metadata.namespace")+"/"+r.String("metadata.name"))
				}
				for _, r := range g.Under(m.URN, "kubernetes:monitoring.coreos.com/v1:PrometheusRule") {
					rules = append(rules, r.String("metadata.name"))
				}
				for _, want := range []string{"tidb/kost-tidb-pd", "tidb/kost-tidb-tikv", "tidb/kost-tidb-tidb", "kafka/kost-kafka"} {
					if !slices.Contains(monitors, want) {
						t.Errorf("%s: no PodMonitor %s (has %v)", region.Name, want, monitors)
					}
				}
				if !slices.Contains(rules, "kost-alerts") {
					t.Errorf("%s: no kost-alerts rules", region.Name)
				}
				tls := false
				for _, s := range g.Under(region.URN, "kubernetes:core/v1:Secret") {
					if s.String("metadata.name") == "kost-cluster-client-secret" {
						tls = true
					}
				}
				if tls != slices.Contains(rules, "kost-certificates") {
					t.Errorf("%s: TLS %v but certificate expiry rules %v", region.Name, tls, rules)
				}
			}
		})
	}
}
