// Package monitoring is the monitoring of one cluster: kube-prometheus-stack (the Prometheus
// Operator, Prometheus, Alertmanager, Grafana, kube-state-metrics, the node exporter) or a Prometheus
// Operator the cluster already runs, plus kost's PodMonitors for the data plane and the operators,
// its alert rules (PrometheusRule) and the Grafana dashboards of TiDB and Strimzi.
package monitoring
