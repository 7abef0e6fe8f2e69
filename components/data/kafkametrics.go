package data

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KafkaMetricsConfigMap holds kost's rules for Strimzi's JMX Prometheus exporter (namespace kafka):
// which MBeans become which Prometheus metrics. Strimzi 1.2.0 serves them on every broker,
// controller and Cruise Control pod at :9404/metrics, the container port tcp-prometheus (the
// PodMonitor in its examples/metrics/prometheus-install/pod-monitors/kafka-resources-metrics.yaml).
const KafkaMetricsConfigMap = "kost-kafka-metrics"

// Keys of KafkaMetricsConfigMap.
const (
	kafkaMetricsKey         = "kafka.yml"
	cruiseControlMetricsKey = "cruise-control.yml"
)

// kafkaMetricsConfig is a Kafka (or Cruise Control) metricsConfig reading key of
// KafkaMetricsConfigMap (kafka.strimzi.io/v1 metricsConfig type jmxPrometheusExporter).
func kafkaMetricsConfig(key string) map[string]any {
	return map[string]any{"type": "jmxPrometheusExporter", "valueFrom": map[string]any{
		"configMapKeyRef": map[string]any{"name": KafkaMetricsConfigMap, "key": key},
	}}
}

// kafkaJMXRules are kost's JMX exporter rules for brokers and controllers. The exporter matches an
// MBean as `domain<key=value, ...><>attribute` against each pattern in order and the first match
// names the metric (lowercased). The names are the convention Strimzi's dashboards and example
// alerts use (kafka_<domain>_<type>_<name>, e.g. kafka_server_replicamanager_underreplicatedpartitions
// and kafka_controller_kafkacontroller_activecontrollercount in examples/metrics/prometheus-install/
// prometheus-rules/prometheus-kafka-rules.yaml at 1.2.0), so those dashboards work on them; the
// rules themselves are kost's and cover the broker-wide, per-topic and KRaft metrics only (no
// per-client or per-connection series, which grow with the clients).
const kafkaJMXRules = `lowercaseOutputName: true
lowercaseOutputLabelNames: true
rules:
# Per topic and partition (log sizes, under-replicated partitions of a topic).
- pattern: 'kafka.(\w+)<type=([^,]+), name=([^,]+), topic=([^,]+), partition=([^,]+)><>Value'
  name: kafka_$1_$2_$3
  type: GAUGE
  labels: {topic: "$4", partition: "$5"}
# Per topic rates (bytes and messages in and out).
- pattern: 'kafka.(\w+)<type=([^,]+), name=([^,]+), topic=([^,]+)><>Count'
  name: kafka_$1_$2_$3_total
  type: COUNTER
  labels: {topic: "$4"}
# Broker- and controller-wide gauges: ReplicaManager, KafkaController, LogManager, ...
- pattern: 'kafka.(\w+)<type=([^,]+), name=([^,]+)><>Value'
  name: kafka_$1_$2_$3
  type: GAUGE
# Broker- and controller-wide counters.
- pattern: 'kafka.(\w+)<type=([^,]+), name=([^,]+)><>Count'
  name: kafka_$1_$2_$3_total
  type: COUNTER
# Request latencies by request type, as percentiles.
- pattern: 'kafka.network<type=RequestMetrics, name=([^,]+), request=([^,]+)><>(\d+)thPercentile'
  name: kafka_network_requestmetrics_$1
  type: GAUGE
  labels: {request: "$2", quantile: "0.$3"}
# KRaft: the quorum state as a label (leader, follower, candidate, ...) with value 1.
- pattern: 'kafka.server<type=raft-metrics><>current-state: (.+)'
  name: kafka_server_raftmetrics_current_state
  value: 1
  type: GAUGE
  labels: {current_state: "$1"}
# KRaft: leader, epoch, high watermark, commit latency, append and fetch rates.
- pattern: 'kafka.server<type=raft-metrics><>([^:]+):'
  name: kafka_server_raftmetrics_$1
  type: GAUGE
`

// cruiseControlJMXRules name Cruise Control's own MBeans kafka_cruisecontrol_<name>_<attribute>.
const cruiseControlJMXRules = `lowercaseOutputName: true
rules:
- pattern: 'kafka.cruisecontrol<name=([^,]+)><>(\w+)'
  name: kafka_cruisecontrol_$1_$2
  type: GAUGE
`

// newKafkaMetricsConfigMap makes KafkaMetricsConfigMap in ns; the Kafka must wait for it.
func newKafkaMetricsConfigMap(ctx *pulumi.Context, name, ns string, opts ...pulumi.ResourceOption) (*corev1.ConfigMap, error) {
	return corev1.NewConfigMap(ctx, name+"-kafka-metrics", &corev1.ConfigMapArgs{
		Metadata: meta(KafkaMetricsConfigMap, ns),
		Data: pulumi.StringMap{
			kafkaMetricsKey:         pulumi.String(kafkaJMXRules),
			cruiseControlMetricsKey: pulumi.String(cruiseControlJMXRules),
		},
	}, opts...)
}
