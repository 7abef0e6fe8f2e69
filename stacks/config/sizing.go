package config

import "github.com/kost-platform/kost/components/cluster"

// Resources are a container's requests and, for stateful components, its volume
// (cluster.Resources, the type the components take).
type Resources = cluster.Resources

// Sizing holds the requests of every pod kost runs for an environment size. Limits equal requests
// for memory (no overcommit on databases); CPU is left unlimited to avoid throttling.
type Sizing struct {
	PD, TiKV, TiDB, TiFlash, TiCDC Resources
	KafkaBroker, KafkaController   Resources
	// Helpers of the data plane: Strimzi's topic and user operators (each), Cruise Control, the
	// TiDB discovery service and the root-password initializer job.
	TopicUserOperator, CruiseControl, TiDBDiscovery, TiDBInitializer Resources
	// BackupJob sizes each BR backup or restore job (the backup manager with BR); TiKV does the
	// heavy lifting, BR coordinates.
	BackupJob Resources
	// CDCSyncJob sizes the job that keeps TiCDC's changefeeds: it compiles cdcsync first (measured:
	// 32 s on one core of the development machine and 290 MB peak, `/usr/bin/time -v go build`
	// with an empty GOCACHE), then waits on TiCDC's API.
	CDCSyncJob Resources
	// Operators sizes each operator's pods separately.
	Operators OperatorSizing
	// Monitoring sizes the bundled monitoring stack's pods.
	Monitoring MonitoringSizing
}

// MonitoringSizing sizes the bundled monitoring stack (kube-prometheus-stack). Its chart sets no
// requests for Prometheus, Alertmanager, Grafana, the operator or kube-state-metrics, so these are
// kost's budgets, not measurements: Prometheus' memory grows with the series in its head block (the
// last two to three hours), which TiKV, TiDB, Kafka, kubelet and cAdvisor multiply on a prod
// cluster; the others cache the cluster's objects or serve a few dashboards. Check them against
// prometheus_tsdb_head_series and the containers' working sets once a cluster runs (README,
// "Monitoring").
type MonitoringSizing struct {
	// Prometheus' server; Storage is replaced by monitoring.storage.
	Prometheus Resources
	// Alertmanager, Grafana (and each of its two sidecars), the Prometheus Operator and
	// kube-state-metrics.
	Alertmanager, Grafana, GrafanaSidecar, Operator, KubeStateMetrics Resources
	// NodeExporter runs on every node.
	NodeExporter Resources
	// KafkaExporter is Strimzi's Kafka Exporter (consumer lag), on the system pool.
	KafkaExporter Resources
}

// OperatorSizing sizes each operator from its chart's defaults and its maintainers' guidance.
type OperatorSizing struct {
	// Strimzi's cluster operator. Its chart (1.2.0 values.yaml) requests 200m and 384Mi with a 384Mi
	// limit, raised from 256Mi because the operator was OOM-killed (strimzi-kafka-operator PR #3022);
	// OOM reports at 384Mi continue (issue #11964), and the JVM runs at MaxRAMPercentage=20
	// (docker-images/operator/scripts/launch_java.sh at 1.2.0). kost keeps the chart default on a
	// laptop and gives dev and prod more.
	Strimzi Resources
	// TiDBOperator's controller-manager: its chart (v1.6.6 values.yaml) requests 80m and 50Mi; it
	// caches every TidbCluster's pods, claims and stateful sets, so kost gives it room above that.
	TiDBOperator Resources
	// SparkController runs spark-submit, a JVM, inside its own pod for every submission, up to
	// SparkWorkers at once (kubeflow/spark-operator v2.5.2 internal/controller/sparkapplication/
	// submission.go; the chart warns "higher values might increase memory usage"): about 200Mi a
	// worker over a 300Mi base.
	SparkController Resources
	// SparkWorkers is the controller's concurrent reconciles (chart default 10).
	SparkWorkers int
	// SparkWebhook: the chart's own example, 100m and 300Mi (values.yaml, webhook.resources).
	SparkWebhook Resources
}

// sizings are chosen to fit the default instance types of defaults.go, with TiKV and TiFlash sharing a
// tikv node and TiDB and TiCDC sharing a tidb node (e.g. prod r7i.2xlarge: 8 vCPU, 64 GiB); the
// capacity proof checks every one against every pool. Prod's database sizes are below PingCAP's
// production minimums (docs.pingcap.com hardware-and-software-requirements: TiKV 16 cores and 64 GB,
// TiDB 16 and 48, PD 8 and 16): they fit 8-vCPU nodes at two components a node; grow the pools'
// instance types, and these with them, for production load.
var sizings = map[Size]Sizing{
	LocalSize: {
		PD:                Resources{CPU: "100m", Memory: "256Mi", Storage: "1Gi"},
		TiKV:              Resources{CPU: "200m", Memory: "512Mi", Storage: "5Gi"},
		TiDB:              Resources{CPU: "200m", Memory: "512Mi"},
		TiFlash:           Resources{CPU: "200m", Memory: "512Mi", Storage: "5Gi"},
		TiCDC:             Resources{CPU: "100m", Memory: "256Mi"},
		KafkaBroker:       Resources{CPU: "200m", Memory: "1Gi", Storage: "5Gi"},
		KafkaController:   Resources{CPU: "100m", Memory: "512Mi", Storage: "1Gi"},
		TopicUserOperator: Resources{CPU: "50m", Memory: "256Mi"},
		TiDBDiscovery:     Resources{CPU: "50m", Memory: "128Mi"},
		TiDBInitializer:   Resources{CPU: "50m", Memory: "128Mi"},
		BackupJob:         Resources{CPU: "100m", Memory: "512Mi"},
		CDCSyncJob:        Resources{CPU: "500m", Memory: "512Mi"},
		Operators: OperatorSizing{
			Strimzi:         Resources{CPU: "200m", Memory: "384Mi"},
			TiDBOperator:    Resources{CPU: "80m", Memory: "128Mi"},
			SparkController: Resources{CPU: "100m", Memory: "700Mi"},
			SparkWorkers:    2,
			SparkWebhook:    Resources{CPU: "100m", Memory: "300Mi"},
		},
		Monitoring: MonitoringSizing{
			Prometheus:       Resources{CPU: "200m", Memory: "1Gi"},
			Alertmanager:     Resources{CPU: "20m", Memory: "64Mi"},
			Grafana:          Resources{CPU: "50m", Memory: "256Mi"},
			GrafanaSidecar:   Resources{CPU: "20m", Memory: "96Mi"},
			Operator:         Resources{CPU: "50m", Memory: "128Mi"},
			KubeStateMetrics: Resources{CPU: "20m", Memory: "64Mi"},
			NodeExporter:     Resources{CPU: "20m", Memory: "32Mi"},
			KafkaExporter:    Resources{CPU: "50m", Memory: "64Mi"},
		},
	},
	Dev: {
		PD:                Resources{CPU: "500m", Memory: "1Gi", Storage: "10Gi"},
		TiKV:              Resources{CPU: "1", Memory: "4Gi", Storage: "100Gi"},
		TiDB:              Resources{CPU: "1", Memory: "2Gi"},
		TiFlash:           Resources{CPU: "1", Memory: "4Gi", Storage: "100Gi"},
		TiCDC:             Resources{CPU: "500m", Memory: "1Gi"},
		KafkaBroker:       Resources{CPU: "500m", Memory: "2Gi", Storage: "50Gi"},
		KafkaController:   Resources{CPU: "250m", Memory: "1Gi", Storage: "10Gi"},
		TopicUserOperator: Resources{CPU: "100m", Memory: "256Mi"},
		TiDBDiscovery:     Resources{CPU: "80m", Memory: "128Mi"},
		TiDBInitializer:   Resources{CPU: "100m", Memory: "128Mi"},
		BackupJob:         Resources{CPU: "250m", Memory: "1Gi"},
		CDCSyncJob:        Resources{CPU: "500m", Memory: "512Mi"},
		Operators: OperatorSizing{
			Strimzi:         Resources{CPU: "200m", Memory: "512Mi"},
			TiDBOperator:    Resources{CPU: "80m", Memory: "256Mi"},
			SparkController: Resources{CPU: "200m", Memory: "1100Mi"},
			SparkWorkers:    4,
			SparkWebhook:    Resources{CPU: "100m", Memory: "300Mi"},
		},
		Monitoring: MonitoringSizing{
			Prometheus:       Resources{CPU: "500m", Memory: "3Gi"},
			Alertmanager:     Resources{CPU: "50m", Memory: "128Mi"},
			Grafana:          Resources{CPU: "100m", Memory: "384Mi"},
			GrafanaSidecar:   Resources{CPU: "20m", Memory: "128Mi"},
			Operator:         Resources{CPU: "100m", Memory: "256Mi"},
			KubeStateMetrics: Resources{CPU: "50m", Memory: "128Mi"},
			NodeExporter:     Resources{CPU: "50m", Memory: "64Mi"},
			KafkaExporter:    Resources{CPU: "100m", Memory: "128Mi"},
		},
	},
	Prod: {
		PD:                Resources{CPU: "2", Memory: "8Gi", Storage: "50Gi"},
		TiKV:              Resources{CPU: "3", Memory: "24Gi", Storage: "1000Gi"},
		TiDB:              Resources{CPU: "8", Memory: "16Gi"},
		TiFlash:           Resources{CPU: "3", Memory: "24Gi", Storage: "1000Gi"},
		TiCDC:             Resources{CPU: "2", Memory: "8Gi"},
		KafkaBroker:       Resources{CPU: "2", Memory: "16Gi", Storage: "500Gi"},
		KafkaController:   Resources{CPU: "1", Memory: "4Gi", Storage: "20Gi"},
		TopicUserOperator: Resources{CPU: "200m", Memory: "384Mi"},
		CruiseControl:     Resources{CPU: "500m", Memory: "1Gi"},
		TiDBDiscovery:     Resources{CPU: "80m", Memory: "128Mi"},
		TiDBInitializer:   Resources{CPU: "100m", Memory: "128Mi"},
		BackupJob:         Resources{CPU: "500m", Memory: "2Gi"},
		CDCSyncJob:        Resources{CPU: "500m", Memory: "512Mi"},
		Operators: OperatorSizing{
			Strimzi:         Resources{CPU: "500m", Memory: "768Mi"},
			TiDBOperator:    Resources{CPU: "200m", Memory: "512Mi"},
			SparkController: Resources{CPU: "500m", Memory: "1900Mi"},
			SparkWorkers:    8,
			SparkWebhook:    Resources{CPU: "100m", Memory: "300Mi"},
		},
		Monitoring: MonitoringSizing{
			Prometheus:       Resources{CPU: "1", Memory: "8Gi"},
			Alertmanager:     Resources{CPU: "100m", Memory: "256Mi"},
			Grafana:          Resources{CPU: "200m", Memory: "512Mi"},
			GrafanaSidecar:   Resources{CPU: "50m", Memory: "128Mi"},
			Operator:         Resources{CPU: "200m", Memory: "512Mi"},
			KubeStateMetrics: Resources{CPU: "100m", Memory: "256Mi"},
			NodeExporter:     Resources{CPU: "100m", Memory: "64Mi"},
			KafkaExporter:    Resources{CPU: "200m", Memory: "256Mi"},
		},
	},
}

// SizingFor returns the requests for an environment size.
func SizingFor(s Size) Sizing { return sizings[s] }
