package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestMonitoringDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size                              string
		retention, storage, retentionSize string
	}{
		{"dev", "7d", "50Gi", "43520MiB"},
		{"prod", "30d", "200Gi", "174080MiB"},
		{"local", "1d", "5Gi", "4352MiB"},
	} {
		t.Run(tc.size, func(t *testing.T) {
			m := base()
			m["size"] = tc.size
			if tc.size == "local" {
				m["regions"] = []any{map[string]any{"cloud": "local", "region": "kind", "local": map[string]any{"context": "kind-kost"}}}
				delete(m, "network")
			}
			if tc.size != "prod" {
				m["database"] = map[string]any{"backup": map[string]any{"enabled": false}}
				delete(m, "kafka")
			}
			rs := resolve(t, m)
			got := rs[0].Layers.Monitoring
			if !got.Enabled || !got.Bundled || got.Retention != tc.retention || got.Storage != tc.storage || got.RetentionSize != tc.retentionSize {
				t.Errorf("monitoring = %+v; want bundled, %s, %s, %s", got, tc.retention, tc.storage, tc.retentionSize)
			}
			if got.Chart.Name != MonitoringChart.Name || got.Chart.Version != MonitoringChart.Version {
				t.Errorf("chart %+v, want %s %s", got.Chart, MonitoringChart.Name, MonitoringChart.Version)
			}
			if len(got.Dashboards) != len(Dashboards) || !strings.HasPrefix(got.Dashboards[0].URL, "https://raw.githubusercontent.com/") {
				t.Errorf("dashboards %+v: want every pinned one from upstream", got.Dashboards)
			}
		})
	}
}

func TestMonitoringResolve(t *testing.T) {
	t.Parallel()
	m := base()
	m["monitoring"] = map[string]any{"stack": "existing", "retention": "12h", "storage": "10Gi"}
	got := resolve(t, m)[0].Layers.Monitoring
	if !got.Enabled || got.Bundled || got.Chart.Name != "" || len(got.Dashboards) != 0 || got.RetentionSize != "8704MiB" {
		t.Errorf("existing: %+v; want no chart, no dashboards, 85%% of 10Gi", got)
	}
	m = base()
	m["monitoring"] = map[string]any{"enabled": false}
	if got := resolve(t, m)[0].Layers.Monitoring; got.Enabled {
		t.Errorf("disabled: %+v", got)
	}
	m = base()
	m["mirror"] = map[string]any{"dashboards": "https://mirror.example.com/grafana/"}
	got = resolve(t, m)[0].Layers.Monitoring
	want := "https://mirror.example.com/grafana/" + Dashboards[0].Key + "-" + Dashboards[0].Version + ".json"
	if got.Dashboards[0].URL != want {
		t.Errorf("mirrored dashboard URL %s, want %s", got.Dashboards[0].URL, want)
	}
}

func TestMonitoringValidation(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		monitoring map[string]any
		mirror     map[string]any
		wantPaths  []string
	}{
		"UnknownStack":  {monitoring: map[string]any{"stack": "kube-prometheus"}, wantPaths: []string{"monitoring.stack"}},
		"BadRetention":  {monitoring: map[string]any{"retention": "30 days"}, wantPaths: []string{"monitoring.retention"}},
		"ZeroRetention": {monitoring: map[string]any{"retention": "0"}, wantPaths: []string{"monitoring.retention"}},
		"TinyVolume":    {monitoring: map[string]any{"storage": "500Mi"}, wantPaths: []string{"monitoring.storage"}},
		"NotAQuantity":  {monitoring: map[string]any{"storage": "lots"}, wantPaths: []string{"monitoring.storage"}},
		"PlainHTTPDashboards": {mirror: map[string]any{"dashboards": "http://mirror.example.com"},
			wantPaths: []string{"mirror.dashboards"}},
		"AllAtOnce": {monitoring: map[string]any{"stack": "x", "retention": "x", "storage": "x"},
			wantPaths: []string{"monitoring.retention", "monitoring.stack", "monitoring.storage"}},
		"Fine": {monitoring: map[string]any{"stack": "existing", "retention": "1w2d", "storage": "1Gi"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := base()
			if tc.monitoring != nil {
				m["monitoring"] = tc.monitoring
			}
			if tc.mirror != nil {
				m["mirror"] = tc.mirror
			}
			_, err := load(t, m)
			var ps Problems
			if err != nil && !errors.As(err, &ps) {
				t.Fatal(err)
			}
			got := ps.Paths()
			want := slices.Clone(tc.wantPaths)
			slices.Sort(want)
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("problem paths (-want +got):\n%s\n%v", d, err)
			}
		})
	}
}

// A mirror directory needs kube-prometheus-stack only where kost installs it.
func TestMonitoringChartInMirror(t *testing.T) {
	t.Parallel()
	dir := publishedMirror(t)
	m := base()
	m["mirror"] = map[string]any{"charts": dir, "manifests": dir}
	if _, err := load(t, m); err != nil {
		t.Fatalf("every chart published: %v", err)
	}
	bare := t.TempDir()
	publish(t, bare, "strimzi-kafka-operator", Pinned.Strimzi, Pinned.Strimzi, true)
	publish(t, bare, "tidb-operator", Pinned.TiDBOperator, Pinned.TiDBOperator, false)
	publish(t, bare, "spark-operator", Pinned.SparkOperator, Pinned.SparkOperator, true)
	m["mirror"] = map[string]any{"charts": bare}
	m["monitoring"] = map[string]any{"stack": "existing"}
	if _, err := load(t, m); err != nil {
		t.Errorf("existing stack, no kube-prometheus-stack in the mirror: %v", err)
	}
	m["monitoring"] = map[string]any{"stack": "bundled"}
	if _, err := load(t, m); err == nil || !strings.Contains(err.Error(), "holds no kubePrometheusStack chart") {
		t.Errorf("bundled stack without its chart in the mirror: %v; want the chart named", err)
	}
}
