package config

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Monitoring stacks (monitoring.stack).
const (
	// MonitoringBundled installs kube-prometheus-stack on every cluster: the Prometheus Operator,
	// Prometheus, Alertmanager, Grafana with the dashboards, kube-state-metrics and the node exporter.
	MonitoringBundled = "bundled"
	// MonitoringExisting adds kost's monitors and alert rules to a Prometheus Operator the cluster
	// already runs (its CRDs installed); the dashboards are the operator's owner's to import.
	MonitoringExisting = "existing"
)

// monitoringDefaults are Prometheus' retention and volume per size: a laptop keeps a day, dev a week,
// prod a month. The volume bounds retention too: kost sets Prometheus' retentionSize to 85% of it,
// so a full volume drops the oldest blocks instead of stopping Prometheus.
var monitoringDefaults = map[Size]struct{ retention, storage string }{
	LocalSize: {"1d", "5Gi"},
	Dev:       {"7d", "50Gi"},
	Prod:      {"30d", "200Gi"},
}

// Monitoring is the monitoring stack of every cluster: metrics, dashboards and alerts for TiDB,
// Kafka, Spark, the operators and the cluster itself (README, "Monitoring").
type Monitoring struct {
	// Enabled installs monitoring on every cluster. Default: true.
	Enabled *bool `json:"enabled,omitempty"`
	// Stack is bundled (kost installs kube-prometheus-stack) or existing (a Prometheus Operator
	// already in the cluster, with its CRDs, picks up kost's PodMonitors and PrometheusRules;
	// import the dashboards the plan lists yourself). Default: bundled.
	Stack string `json:"stack,omitempty"`
	// Retention is how long Prometheus keeps samples, a Prometheus duration such as 15d or 12h.
	// Default: 1d (local), 7d (dev), 30d (prod).
	Retention string `json:"retention,omitempty"`
	// Storage is the size of Prometheus' volume (storage class kost-standard); the oldest samples are
	// dropped once 85% of it is used, whatever the retention. At least 1Gi. Default: 5Gi (local), 50Gi
	// (dev), 200Gi (prod).
	Storage string `json:"storage,omitempty"`
}

// defaultMonitoring fills monitoring for the environment's size.
func (e *Environment) defaultMonitoring() {
	if e.Monitoring == nil {
		e.Monitoring = &Monitoring{}
	}
	m := e.Monitoring
	if m.Enabled == nil {
		m.Enabled = boolp(true)
	}
	if m.Stack == "" {
		m.Stack = MonitoringBundled
	}
	d, ok := monitoringDefaults[e.Size]
	if !ok {
		d = monitoringDefaults[Dev] // an unknown size is reported by Validate; default as dev meanwhile
	}
	if m.Retention == "" {
		m.Retention = d.retention
	}
	if m.Storage == "" {
		m.Storage = d.storage
	}
}

// prometheusDurationRE is the Prometheus CRD's pattern for spec.retention (prometheus-operator
// v0.93.0 monitoring.coreos.com_prometheuses.yaml), without the zero it also admits.
var prometheusDurationRE = regexp.MustCompile(`^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$`)

// validateMonitoring checks monitoring of a defaulted environment.
func (e *Environment) validateMonitoring(ps *Problems) {
	m := e.Monitoring
	if m.Stack != MonitoringBundled && m.Stack != MonitoringExisting {
		ps.add("monitoring.stack", "%s", oneOf(m.Stack, []string{MonitoringBundled, MonitoringExisting}))
	}
	if m.Retention == "" || m.Retention == "0" || !prometheusDurationRE.MatchString(m.Retention) {
		ps.add("monitoring.retention", "%q: a Prometheus duration such as 15d, 12h or 1w2d", m.Retention)
	}
	if q, err := resource.ParseQuantity(m.Storage); err != nil || q.Cmp(resource.MustParse("1Gi")) < 0 {
		ps.add("monitoring.storage", "%q: a volume size of at least 1Gi, e.g. 50Gi", m.Storage)
	}
	if e.Mirror != nil && e.Mirror.Dashboards != "" && !strings.HasPrefix(e.Mirror.Dashboards, "https://") {
		ps.add("mirror.dashboards", "%q: Grafana downloads the dashboards when it starts, so this is an https:// base URL it can reach",
			e.Mirror.Dashboards)
	}
}

// MonitoringSpec is a cluster's resolved monitoring.
type MonitoringSpec struct {
	// Enabled and Bundled: see Monitoring.Enabled and Monitoring.Stack.
	Enabled, Bundled bool
	// Chart is kube-prometheus-stack, resolved through the mirror (bundled only).
	Chart ChartSource
	// Retention and Storage: see Monitoring; RetentionSize is 85% of Storage in Prometheus' units.
	Retention, Storage, RetentionSize string
	// Dashboards are the Grafana dashboards, with the URLs Grafana downloads them from.
	Dashboards []DashboardSource
}

// DashboardSource is a Grafana dashboard resolved to where Grafana downloads it.
type DashboardSource struct {
	Dashboard
	// URL is the upstream URL at the pinned tag, or the file under mirror.dashboards.
	URL string
}

// monitoringSpec resolves monitoring for a cluster.
func (e *Environment) monitoringSpec() MonitoringSpec {
	m := e.Monitoring
	s := MonitoringSpec{Enabled: *m.Enabled, Bundled: m.Stack == MonitoringBundled, Retention: m.Retention, Storage: m.Storage}
	if !s.Enabled {
		return MonitoringSpec{}
	}
	s.RetentionSize = retentionSize(m.Storage)
	if s.Bundled {
		s.Chart = e.ResolveChart(Chart{Name: MonitoringChart.Name, Repo: MonitoringChart.Repo}, MonitoringChart.Version)
		for _, d := range Dashboards {
			s.Dashboards = append(s.Dashboards, DashboardSource{Dashboard: d, URL: e.dashboardURL(d)})
		}
	}
	return s
}

// dashboardURL is where Grafana downloads a dashboard from: the pinned upstream URL, or
// <mirror.dashboards>/<file> where the mirror is set.
func (e *Environment) dashboardURL(d Dashboard) string {
	if e.Mirror != nil && e.Mirror.Dashboards != "" {
		return strings.TrimSuffix(e.Mirror.Dashboards, "/") + "/" + d.File()
	}
	return d.URL
}

// retentionSize is 85% of a volume size in whole MiB, in Prometheus' units (MiB is 2^20 bytes:
// prometheus-operator passes the value to --storage.tsdb.retention.size, which Prometheus parses as
// a base-2 size).
func retentionSize(storage string) string {
	q, err := resource.ParseQuantity(storage)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%dMiB", q.Value()>>20*85/100)
}
