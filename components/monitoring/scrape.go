package monitoring

// TiDB Operator v1.6.6 facts the TiDB monitors follow (pingcap/tidb-operator):
//   - Every component's pod carries prometheus.io/scrape "true", prometheus.io/path and
//     prometheus.io/port annotations (pkg/controller/controller_utils.go AnnProm, set by each
//     pkg/manager/member/*_member_manager.go): PD 2379, TiKV 20180, TiDB 10080, TiFlash 8234 and,
//     as tiflash.proxy.prometheus.io/port, its proxy's 20292, TiCDC 8301
//     (pkg/apis/pingcap/v1alpha1/types.go defaults).
//   - TidbMonitor scrapes <pod>.<cluster>-<component>-peer.<namespace>:<annotated port>, https with
//     the <cluster>-cluster-client-secret certificate when TLS is on, and labels the series
//     tidb_cluster=<namespace>-<cluster>, cluster, component, instance=<pod> and
//     kubernetes_namespace (pkg/monitor/monitor/template.go and template_test.go): the labels
//     PingCAP's dashboards filter on. kost's monitors do the same with PodMonitors.
//   - PingCAP's dashboards select components by job="tidb", job="tikv", ... (TidbMonitor's init
//     script rewrites that to component= when it provisions them: pingcap/monitoring cmd/init.sh);
//     kost's monitors name the job after the component instead, so the dashboards work unchanged.
//   - The main container is named after the component; each declares the port below (its other
//     containers and ports would make further targets, so the monitor selects this one).
var tidbScrape = map[string]struct {
	// declared is a port the main container declares (one target a pod); the annotation names the
	// port scraped.
	declared int
}{
	"pd":      {2379},
	"tikv":    {20160},
	"tidb":    {10080},
	"tiflash": {8234},
	"ticdc":   {8301},
}

// podMonitors are kost's PodMonitors for the targets.
func (t *Targets) podMonitors() []podMonitor {
	var out []podMonitor
	if d := t.TiDB; d != nil {
		for _, c := range d.Components {
			eps := []any{tidbEndpoint(d, c, c, "__meta_kubernetes_pod_annotation_prometheus_io_port", tidbScrape[c].declared)}
			if c == "tiflash" {
				// TiFlash's proxy (a TiKV) serves its own metrics on a second annotated port; its
				// declared proxy port 20170 gives the one target.
				eps = append(eps, tidbEndpoint(d, c, "tiflash_proxy", "__meta_kubernetes_pod_annotation_tiflash_proxy_prometheus_io_port", 20170))
			}
			out = append(out, podMonitor{Name: "kost-tidb-" + c, Namespace: d.Namespace, Spec: map[string]any{
				"selector":            selector(map[string]string{"app.kubernetes.io/instance": d.Cluster, "app.kubernetes.io/component": c}),
				"podMetricsEndpoints": eps,
			}})
		}
	}
	if k := t.Kafka; k != nil {
		// Brokers, controllers, Cruise Control and the Kafka Exporter all serve :9404 (tcp-prometheus)
		// and carry strimzi.io/kind=Kafka; Strimzi's example PodMonitor (examples/metrics/
		// prometheus-install/pod-monitors/kafka-resources-metrics.yaml at 1.2.0) maps the strimzi.io
		// labels and names the pod and node the way its dashboards query them.
		out = append(out, podMonitor{Name: "kost-kafka", Namespace: k.Namespace, Spec: map[string]any{
			"selector": selector(map[string]string{"strimzi.io/kind": "Kafka", "strimzi.io/cluster": k.Cluster}),
			"podMetricsEndpoints": []any{map[string]any{
				"port": "tcp-prometheus",
				"path": "/metrics",
				"relabelings": []any{
					map[string]any{"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(strimzi_io_.+)", "replacement": "$1"},
					copyLabel("__meta_kubernetes_namespace", "namespace"),
					copyLabel("__meta_kubernetes_pod_name", "kubernetes_pod_name"),
					copyLabel("__meta_kubernetes_pod_node_name", "node_name"),
				},
			}},
		}})
	}
	for _, ns := range t.SparkNamespaces {
		// Spark on Kubernetes declares the driver UI's port as spark-ui (resource-managers/kubernetes
		// Constants.scala UI_PORT_NAME) and labels the pod spark-role=driver; with
		// spark.ui.prometheus.enabled the executors' metrics are at /metrics/executors/prometheus.
		out = append(out, podMonitor{Name: "kost-spark-drivers", Namespace: ns, Spec: map[string]any{
			"selector":            selector(map[string]string{"spark-role": "driver", t.SparkDriverLabel: "true"}),
			"podMetricsEndpoints": []any{map[string]any{"port": "spark-ui", "path": "/metrics/executors/prometheus"}},
		}})
	}
	for _, o := range t.Operators {
		if o.Port == "" {
			continue
		}
		path := o.Path
		if path == "" {
			path = "/metrics"
		}
		out = append(out, podMonitor{Name: "kost-operator", Namespace: o.Namespace, Spec: map[string]any{
			"selector":            selector(o.Selector),
			"podMetricsEndpoints": []any{map[string]any{"port": o.Port, "path": path}},
		}})
	}
	return out
}

// tidbEndpoint scrapes component c's pods at the port annotated in portLabel, selected by their
// declared port, under job.
func tidbEndpoint(d *TiDBTarget, c, job, portLabel string, declared int) map[string]any {
	peer := d.Cluster + "-" + c + "-peer." + d.Namespace
	ep := map[string]any{
		"portNumber": declared,
		"scheme":     "http",
		"relabelings": []any{
			map[string]any{"action": "keep", "sourceLabels": []any{"__meta_kubernetes_pod_annotation_prometheus_io_scrape"}, "regex": "true"},
			map[string]any{"action": "keep", "sourceLabels": []any{"__meta_kubernetes_pod_container_name"}, "regex": c},
			// The peer Service's name for the pod: what the components' certificates are issued for.
			map[string]any{"action": "replace", "sourceLabels": []any{"__meta_kubernetes_pod_name", portLabel},
				"regex": "(.+);(.+)", "replacement": "$1." + peer + ":$2", "targetLabel": "__address__"},
			map[string]any{"action": "replace", "sourceLabels": []any{"__meta_kubernetes_pod_annotation_prometheus_io_path"},
				"regex": "(.+)", "targetLabel": "__metrics_path__"},
			relabel("job", job),
			relabel("tidb_cluster", d.Namespace+"-"+d.Cluster),
			relabel("cluster", d.Cluster),
			relabel("component", c),
			copyLabel("__meta_kubernetes_pod_name", "instance"),
			copyLabel("__meta_kubernetes_namespace", "kubernetes_namespace"),
		},
	}
	if d.ClientSecret != "" {
		ep["scheme"] = "https"
		key := func(k string) map[string]any { return map[string]any{"name": d.ClientSecret, "key": k} }
		ep["tlsConfig"] = map[string]any{
			"ca":        map[string]any{"secret": key("ca.crt")},
			"cert":      map[string]any{"secret": key("tls.crt")},
			"keySecret": key("tls.key"),
		}
	}
	return ep
}

// copyLabel copies a discovered label to a target label.
func copyLabel(from, to string) map[string]any {
	return map[string]any{"action": "replace", "sourceLabels": []any{from}, "targetLabel": to}
}
