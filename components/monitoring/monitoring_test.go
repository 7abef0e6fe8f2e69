package monitoring_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/monitoring"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
)

func res(cpu, mem string) monitoring.Resources { return monitoring.Resources{CPU: cpu, Memory: mem} }

// args are a prod-like cluster's: TLS between TiDB's components, TiCDC and TiFlash, Kafka with its
// exporter, the three operators, a Spark job namespace and one certificate.
func args(k8s *kubernetes.Provider) *monitoring.MonitoringArgs {
	prom := res("1", "8Gi")
	prom.Storage = "200Gi"
	return &monitoring.MonitoringArgs{
		Cluster:       cluster.Cluster{Name: "c", Provider: k8s, DedicatedPools: true},
		Chart:         &cluster.ChartRef{Name: "kube-prometheus-stack", Repo: "https://prometheus-community.github.io/helm-charts", Version: "88.3.0"},
		Retention:     "30d",
		RetentionSize: "174080MiB",
		Sizing: monitoring.Sizing{Prometheus: prom, Alertmanager: res("100m", "256Mi"), Grafana: res("200m", "512Mi"),
			GrafanaSidecar: res("50m", "128Mi"), Operator: res("200m", "512Mi"), KubeStateMetrics: res("100m", "256Mi"),
			NodeExporter: res("100m", "64Mi")},
		Dashboards: []monitoring.Dashboard{
			{Key: "pd", Folder: "TiDB", URL: "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/pd.json"},
			{Key: "strimzi-kafka", Folder: "Kafka", URL: "https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/1.2.0/k.json"},
		},
		Targets: monitoring.Targets{
			TiDB:  &monitoring.TiDBTarget{Cluster: "kost", Namespace: "tidb", Components: []string{"pd", "tikv", "tidb", "tiflash", "ticdc"}, ClientSecret: "kost-cluster-client-secret"},
			Kafka: &monitoring.KafkaTarget{Cluster: "kost", Namespace: "kafka", Exporter: true},
			Operators: []monitoring.Operator{
				{Name: "Strimzi", Namespace: "strimzi", Selector: map[string]string{"name": "strimzi-cluster-operator"}, Port: "http"},
				{Name: "TiDB Operator", Namespace: "tidb-admin"},
			},
			VolumeNamespaces: []string{"tidb", "kafka"},
			CDCSyncNamespace: "tidb",
			SparkNamespaces:  []string{"spark-jobs"},
			SparkDriverLabel: "kost.io/metrics",
		},
		Certificates: []monitoring.Certificate{{Name: "kost TiDB CA", NotAfter: pulumi.String("2036-11-28T10:00:00Z")}},
	}
}

func run(t *testing.T, mutate func(a *monitoring.MonitoringArgs)) (*graph.Graph, error) {
	t.Helper()
	return offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.ToSecret(pulumi.String("{}")).(pulumi.StringOutput)})
		if err != nil {
			return err
		}
		a := args(k8s)
		mutate(a)
		_, err = monitoring.NewMonitoring(ctx, "m", a)
		return err
	})
}

func TestBundledStack(t *testing.T) {
	t.Parallel()
	g, err := run(t, func(*monitoring.MonitoringArgs) {})
	if err != nil {
		t.Fatal(err)
	}
	chart, ok := g.Named("kubernetes:helm.sh/v4:Chart", "m-stack")
	if !ok {
		t.Fatal("no kube-prometheus-stack chart")
	}
	if chart.Transforms != 1 {
		t.Errorf("the chart has %d transforms, want the CRD transform", chart.Transforms)
	}
	for path, want := range map[string]any{
		// The webhook's Secret comes from a Helm hook that helm/v4.Chart does not order: both off.
		"values.prometheusOperator.tls.enabled":                                                  false,
		"values.prometheusOperator.admissionWebhooks.enabled":                                    false,
		"values.prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues":                   false,
		"values.prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues":                         false,
		"values.prometheus.prometheusSpec.retention":                                             "30d",
		"values.prometheus.prometheusSpec.retentionSize":                                         "174080MiB",
		"values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName": "kost-standard",
		"values.prometheus.service.type":                                                         "ClusterIP",
		"values.grafana.service.type":                                                            "ClusterIP",
		"values.grafana.admin.existingSecret":                                                    monitoring.GrafanaAdminSecret,
		"values.kubeControllerManager.enabled":                                                   false,
	} {
		if got, _ := chart.Input(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	for _, path := range []string{"values.prometheus.prometheusSpec.nodeSelector", "values.grafana.nodeSelector",
		"values.alertmanager.alertmanagerSpec.nodeSelector", "values.prometheusOperator.nodeSelector", "values.kube-state-metrics.nodeSelector"} {
		if got := chart.Map(path)["kost.io/pool"]; got != "system" {
			t.Errorf("%s places the pod on %v, want the system pool", path, got)
		}
	}
	// Grafana's password: random, a secret, in the Secret the chart is told to read.
	sec, _ := g.Named("kubernetes:core/v1:Secret", "m-grafana-admin")
	if sec == nil || !sec.IsSecret("stringData") {
		t.Errorf("the Grafana admin Secret's password must be a Pulumi secret: %+v", sec)
	}
	if !g.DependsOn(chart.URN, sec.URN) {
		t.Error("the chart must wait for Grafana's admin Secret")
	}
	ns, _ := g.Named("kubernetes:core/v1:Namespace", "m-monitoring")
	if ns.Map("metadata.labels")["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Error("the node exporter needs the privileged Pod Security level")
	}
	// Every custom resource waits for the chart, which brings the CRDs.
	crs := g.OfType("kubernetes:monitoring.coreos.com/v1:PodMonitor")
	crs = append(crs, g.OfType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")...)
	if len(crs) == 0 {
		t.Fatal("no monitors or rules")
	}
	for _, cr := range crs {
		if !g.DependsOn(cr.URN, chart.URN) {
			t.Errorf("%s does not wait for the chart", cr.Name)
		}
	}
	dash := chart.Map("values.grafana.dashboards")
	if d := cmp.Diff([]string{"kost-kafka", "kost-tidb"}, keys(dash)); d != "" {
		t.Errorf("dashboard providers (-want +got):\n%s", d)
	}
}

func TestMonitors(t *testing.T) {
	t.Parallel()
	g, err := run(t, func(*monitoring.MonitoringArgs) {})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pm := range g.OfType("kubernetes:monitoring.coreos.com/v1:PodMonitor") {
		names = append(names, pm.String("metadata.namespace")+"/"+pm.String("metadata.name"))
	}
	slices.Sort(names)
	want := []string{"kafka/kost-kafka", "spark-jobs/kost-spark-drivers", "strimzi/kost-operator",
		"tidb/kost-tidb-pd", "tidb/kost-tidb-ticdc", "tidb/kost-tidb-tidb", "tidb/kost-tidb-tiflash", "tidb/kost-tidb-tikv"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("PodMonitors (-want +got); the TiDB Operator serves no metrics port:\n%s", d)
	}
	tikv, _ := g.Named("kubernetes:monitoring.coreos.com/v1:PodMonitor", "m-pm-tidb-kost-tidb-tikv")
	ep := tikv.List("spec.podMetricsEndpoints")[0].(map[string]any)
	if ep["scheme"] != "https" || ep["tlsConfig"].(map[string]any)["keySecret"].(map[string]any)["name"] != "kost-cluster-client-secret" {
		t.Errorf("with TLS the status ports are scraped over https with the client certificate: %v", ep)
	}
	// The address is the pod's name under the peer Service: what the certificates are issued for.
	found := false
	for _, r := range ep["relabelings"].([]any) {
		if m := r.(map[string]any); m["targetLabel"] == "__address__" && m["replacement"] == "$1.kost-tikv-peer.tidb:$2" {
			found = true
		}
	}
	if !found {
		t.Errorf("TiKV's target address is not <pod>.kost-tikv-peer.tidb:<annotated port>: %v", ep["relabelings"])
	}
	tiflash, _ := g.Named("kubernetes:monitoring.coreos.com/v1:PodMonitor", "m-pm-tidb-kost-tidb-tiflash")
	if n := len(tiflash.List("spec.podMetricsEndpoints")); n != 2 {
		t.Errorf("TiFlash has %d endpoints, want 2 (TiFlash and its proxy)", n)
	}
}

func TestExistingOperator(t *testing.T) {
	t.Parallel()
	g, err := run(t, func(a *monitoring.MonitoringArgs) {
		a.Chart = nil
		a.Sizing = monitoring.Sizing{}
		a.Retention, a.RetentionSize = "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.OfType("kubernetes:helm.sh/v4:Chart")); n != 0 {
		t.Errorf("%d charts with an existing Prometheus Operator, want none", n)
	}
	if _, ok := g.Named("kubernetes:core/v1:Secret", "m-grafana-admin"); ok {
		t.Error("no Grafana of kost's, no admin Secret")
	}
	ns, _ := g.Named("kubernetes:core/v1:Namespace", "m-monitoring")
	if ns.String("metadata.name") != monitoring.ExistingNamespace || ns.Map("metadata.labels")["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("the rules' namespace: %s %v", ns.String("metadata.name"), ns.Map("metadata.labels"))
	}
	rules, _ := g.Named("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "m-rules")
	if rules.String("metadata.namespace") != monitoring.ExistingNamespace {
		t.Errorf("rules in %s", rules.String("metadata.namespace"))
	}
}

func TestCertificateRules(t *testing.T) {
	t.Parallel()
	g, err := run(t, func(*monitoring.MonitoringArgs) {})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := g.Named("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "m-certificates")
	rule := r.List("spec.groups")[0].(map[string]any)["rules"].([]any)[0].(map[string]any)
	// 2036-11-28T10:00:00Z
	if rule["record"] != "kost_certificate_expiry_timestamp_seconds" || rule["expr"] != "vector(2111479200)" {
		t.Errorf("certificate rule %v", rule)
	}
	if _, err := run(t, func(a *monitoring.MonitoringArgs) {
		a.Certificates[0].NotAfter = pulumi.String("soon")
	}); err == nil || !strings.Contains(err.Error(), "kost TiDB CA") {
		t.Errorf("an unreadable validity end: %v; want the certificate named", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	err := (&monitoring.MonitoringArgs{
		Chart:      &cluster.ChartRef{Name: "kube-prometheus-stack"},
		Dashboards: []monitoring.Dashboard{{Key: "a"}, {Key: "a", Folder: "F", URL: "u"}},
		Targets:    monitoring.Targets{TiDB: &monitoring.TiDBTarget{Cluster: "kost", Namespace: "tidb", Components: []string{"tidb", "pump"}}},
	}).Validate()
	want := []string{"Cluster.Provider", "Chart", "Retention", "RetentionSize", "Sizing.Prometheus", "Sizing.Alertmanager", "Sizing.Grafana",
		"Sizing.GrafanaSidecar", "Sizing.Operator", "Sizing.KubeStateMetrics", "Sizing.NodeExporter", "Sizing.Prometheus.Storage",
		"Dashboards[0].Folder", "Dashboards[0].URL", "Dashboards[1].Key", "Targets.TiDB.Components", "Targets.TiDB.Components"}
	if d := cmp.Diff(want, cluster.ProblemFields(err)); d != "" {
		t.Errorf("problems (-want +got):\n%s\n%v", d, err)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
