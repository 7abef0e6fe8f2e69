package monitoring

import (
	"fmt"
	"strings"
)

// Facts of kube-prometheus-stack 88.3.0 (prometheus-community/helm-charts tag
// kube-prometheus-stack-88.3.0, commit 54199b5b; charts/kube-prometheus-stack/values.yaml) and its
// grafana dependency 12.10.4 (grafana-community/helm-charts e3b4194f) the values below rely on:
//   - prometheusOperator.tls.enabled and admissionWebhooks.enabled default to true: the operator then
//     mounts the Secret <fullname>-admission, which only the chart's Helm hook Jobs create. Pulumi's
//     helm/v4.Chart renders hooks as plain resources without Helm's ordering, so kost turns both off
//     (the webhook only validates PrometheusRules, which kost's tests validate against the CRDs).
//   - The five *SelectorNilUsesHelmValues default to true, which makes Prometheus pick only the
//     chart's own monitors and rules; false makes it pick every one in every namespace.
//   - grafana.admin.existingSecret names a Secret with admin-user and admin-password; otherwise the
//     grafana chart reuses or invents a password with `lookup`, which helm/v4.Chart cannot run, so it
//     would change on every update.
//   - A url dashboard is downloaded by the download-dashboards init container (grafana
//     templates/_pod.tpl, curl image docker.io/curlimages/curl:8.21.0) into the path of its
//     provider, which must be in dashboardProviders' dashboardproviders.yaml.
//   - additionalDataSources adds Grafana data sources beside the chart's own (named Prometheus);
//     the Prometheus Service listens on 9090 (prometheus.service.port).
//   - The chart sets no requests anywhere and passes 0 for the config reloader's (so it asks for none).
//   - prometheus-node-exporter 4.56.1 tolerates only NoSchedule taints by default (tolerations:
//     [{effect: NoSchedule, operator: Exists}]); kost's DaemonSet must run on every node.

// tidbDatasource is the data source PingCAP's TiDB Operator dashboards query.
const tidbDatasource = "tidb-cluster"

// systemPool is the pool the stack runs on where the cluster has kost's pools.
const systemPool = "system"

// chartValues are kube-prometheus-stack's values for args.
func chartValues(args *MonitoringArgs) map[string]any {
	s := args.Sizing
	nodeSelector := map[string]any{}
	if args.Cluster.DedicatedPools {
		// The system pool carries no taint: a node selector places the pods.
		nodeSelector["kost.io/pool"] = systemPool
	}
	sc := args.StorageClass
	if sc == "" {
		sc = "kost-standard"
	}
	selectAll := map[string]any{}
	for _, k := range []string{"podMonitorSelectorNilUsesHelmValues", "serviceMonitorSelectorNilUsesHelmValues",
		"ruleSelectorNilUsesHelmValues", "probeSelectorNilUsesHelmValues", "scrapeConfigSelectorNilUsesHelmValues"} {
		selectAll[k] = false
	}
	prometheusSpec := map[string]any{
		"retention":     args.Retention,
		"retentionSize": args.RetentionSize,
		"storageSpec": map[string]any{"volumeClaimTemplate": map[string]any{"spec": map[string]any{
			"storageClassName": sc,
			"accessModes":      []any{"ReadWriteOnce"},
			"resources":        map[string]any{"requests": map[string]any{"storage": s.Prometheus.Storage}},
		}}},
		"nodeSelector": nodeSelector,
		"resources":    requests(s.Prometheus),
	}
	for k, v := range selectAll {
		prometheusSpec[k] = v
	}

	providers := []any{}
	dashboards := map[string]any{}
	seen := map[string]bool{}
	for _, d := range args.Dashboards {
		p := providerName(d.Folder)
		if !seen[p] {
			seen[p] = true
			providers = append(providers, map[string]any{
				"name": p, "orgId": 1, "folder": d.Folder, "type": "file", "disableDeletion": true, "editable": false,
				"options": map[string]any{"path": "/var/lib/grafana/dashboards/" + p},
			})
			dashboards[p] = map[string]any{}
		}
		dashboards[p].(map[string]any)[d.Key] = map[string]any{"url": d.URL}
	}
	grafana := map[string]any{
		"fullnameOverride": GrafanaService,
		"admin":            map[string]any{"existingSecret": GrafanaAdminSecret, "userKey": "admin-user", "passwordKey": "admin-password"},
		"nodeSelector":     nodeSelector,
		"resources":        requests(s.Grafana),
		"service":          map[string]any{"type": "ClusterIP"},
		"sidecar":          map[string]any{"resources": requests(s.GrafanaSidecar)},
		// The Kubernetes overview dashboards of kube-prometheus-stack itself.
		"defaultDashboardsEnabled": true,
		// PingCAP's dashboards for the TiDB Operator name their data source tidb-cluster (what
		// TidbMonitor provisions): the same Prometheus under that name.
		"additionalDataSources": []any{map[string]any{
			"name": tidbDatasource, "type": "prometheus", "access": "proxy", "editable": false,
			"url": fmt.Sprintf("http://%s.%s.svc:9090/", PrometheusService, args.namespace()),
		}},
	}
	if len(providers) > 0 {
		grafana["dashboardProviders"] = map[string]any{"dashboardproviders.yaml": map[string]any{"apiVersion": 1, "providers": providers}}
		grafana["dashboards"] = dashboards
	}

	return map[string]any{
		"fullnameOverride": fullname,
		"crds":             map[string]any{"enabled": true},
		// Managed control planes expose no scheduler, controller manager, etcd or kube-proxy metrics,
		// and kubeadm's bind them to the node's loopback: their monitors and rules would only ever
		// report them down.
		"kubeControllerManager": map[string]any{"enabled": false},
		"kubeScheduler":         map[string]any{"enabled": false},
		"kubeEtcd":              map[string]any{"enabled": false},
		"kubeProxy":             map[string]any{"enabled": false},
		"defaultRules": map[string]any{"create": true, "rules": map[string]any{
			"etcd": false, "kubeControllerManager": false, "kubeSchedulerAlerting": false, "kubeSchedulerRecording": false, "kubeProxy": false,
		}},
		"prometheusOperator": map[string]any{
			"tls":               map[string]any{"enabled": false},
			"admissionWebhooks": map[string]any{"enabled": false, "patch": map[string]any{"enabled": false}},
			"nodeSelector":      nodeSelector,
			"resources":         requests(s.Operator),
		},
		"prometheus": map[string]any{
			"service":        map[string]any{"type": "ClusterIP"},
			"prometheusSpec": prometheusSpec,
		},
		"alertmanager": map[string]any{
			"service": map[string]any{"type": "ClusterIP"},
			"alertmanagerSpec": map[string]any{
				"nodeSelector": nodeSelector,
				"resources":    requests(s.Alertmanager),
			},
		},
		"grafana": grafana,
		"kube-state-metrics": map[string]any{
			"nodeSelector": nodeSelector,
			"resources":    requests(s.KubeStateMetrics),
		},
		"prometheus-node-exporter": map[string]any{
			"tolerations": []any{map[string]any{"operator": "Exists"}},
			"resources":   requests(s.NodeExporter),
		},
	}
}

// providerName is the Grafana dashboard provider of a folder.
func providerName(folder string) string {
	return "kost-" + strings.ToLower(strings.ReplaceAll(folder, " ", "-"))
}

// requests are a container's requests with a memory limit of the same size (no overcommit), no CPU
// limit (no throttling).
func requests(r Resources) map[string]any {
	return map[string]any{
		"requests": map[string]any{"cpu": r.CPU, "memory": r.Memory},
		"limits":   map[string]any{"memory": r.Memory},
	}
}

// Workload is a kind of pod the bundled stack runs, from the same sizing chartValues gives the chart:
// what the capacity proof places.
type Workload struct {
	Name     string
	Replicas int
	// Pool the pods are placed on; "" on a cluster without kost's pools.
	Pool string
	// Containers' requests (a pod's request is their sum).
	Containers []Resources
}

// Workloads lists the bundled stack's pods besides the node exporter (see PerNode); none with an
// existing Prometheus Operator. The config reloaders beside Prometheus and Alertmanager request
// nothing (the chart passes 0), and Grafana runs its dashboard and data source sidecars.
func (a *MonitoringArgs) Workloads() []Workload {
	if !a.bundled() {
		return nil
	}
	pool := ""
	if a.Cluster.DedicatedPools {
		pool = systemPool
	}
	s := a.Sizing
	return []Workload{
		{"Prometheus", 1, pool, []Resources{s.Prometheus}},
		{"Alertmanager", 1, pool, []Resources{s.Alertmanager}},
		{"Grafana", 1, pool, []Resources{s.Grafana, s.GrafanaSidecar, s.GrafanaSidecar}},
		{"Prometheus Operator", 1, pool, []Resources{s.Operator}},
		{"kube-state-metrics", 1, pool, []Resources{s.KubeStateMetrics}},
	}
}

// PerNode is what the stack runs on every node (the node exporter), or nothing with an existing
// Prometheus Operator.
func (a *MonitoringArgs) PerNode() (Resources, bool) {
	if !a.bundled() {
		return Resources{}, false
	}
	return a.Sizing.NodeExporter, true
}
