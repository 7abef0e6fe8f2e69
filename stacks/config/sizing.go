package config

// Resources are a container's requests (and, for stateful components, its volume).
type Resources struct {
	CPU, Memory string
	// Storage is the persistent volume size; empty for stateless components.
	Storage string
}

// Sizing holds the requests of every pod kost runs for an environment size. Limits equal requests
// for memory (no overcommit on databases); CPU is left unlimited to avoid throttling.
type Sizing struct {
	PD, TiKV, TiDB, TiFlash, TiCDC Resources
	KafkaBroker, KafkaController   Resources
	// Helpers of the data plane: Strimzi's topic and user operators (each), Cruise Control, the
	// TiDB discovery service and the root-password initializer job.
	TopicUserOperator, CruiseControl, TiDBDiscovery, TiDBInitializer Resources
	// Operators sizes each operator's pods separately.
	Operators OperatorSizing
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
		PD:                Resources{"100m", "256Mi", "1Gi"},
		TiKV:              Resources{"200m", "512Mi", "5Gi"},
		TiDB:              Resources{"200m", "512Mi", ""},
		TiFlash:           Resources{"200m", "512Mi", "5Gi"},
		TiCDC:             Resources{"100m", "256Mi", ""},
		KafkaBroker:       Resources{"200m", "1Gi", "5Gi"},
		KafkaController:   Resources{"100m", "512Mi", "1Gi"},
		TopicUserOperator: Resources{"50m", "256Mi", ""},
		TiDBDiscovery:     Resources{"50m", "128Mi", ""},
		TiDBInitializer:   Resources{"50m", "128Mi", ""},
		Operators: OperatorSizing{
			Strimzi:         Resources{"200m", "384Mi", ""},
			TiDBOperator:    Resources{"80m", "128Mi", ""},
			SparkController: Resources{"100m", "700Mi", ""},
			SparkWorkers:    2,
			SparkWebhook:    Resources{"100m", "300Mi", ""},
		},
	},
	Dev: {
		PD:                Resources{"500m", "1Gi", "10Gi"},
		TiKV:              Resources{"1", "4Gi", "100Gi"},
		TiDB:              Resources{"1", "2Gi", ""},
		TiFlash:           Resources{"1", "4Gi", "100Gi"},
		TiCDC:             Resources{"500m", "1Gi", ""},
		KafkaBroker:       Resources{"500m", "2Gi", "50Gi"},
		KafkaController:   Resources{"250m", "1Gi", "10Gi"},
		TopicUserOperator: Resources{"100m", "256Mi", ""},
		TiDBDiscovery:     Resources{"80m", "128Mi", ""},
		TiDBInitializer:   Resources{"100m", "128Mi", ""},
		Operators: OperatorSizing{
			Strimzi:         Resources{"200m", "512Mi", ""},
			TiDBOperator:    Resources{"80m", "256Mi", ""},
			SparkController: Resources{"200m", "1100Mi", ""},
			SparkWorkers:    4,
			SparkWebhook:    Resources{"100m", "300Mi", ""},
		},
	},
	Prod: {
		PD:                Resources{"2", "8Gi", "50Gi"},
		TiKV:              Resources{"3", "24Gi", "1000Gi"},
		TiDB:              Resources{"8", "16Gi", ""},
		TiFlash:           Resources{"3", "24Gi", "1000Gi"},
		TiCDC:             Resources{"2", "8Gi", ""},
		KafkaBroker:       Resources{"2", "16Gi", "500Gi"},
		KafkaController:   Resources{"1", "4Gi", "20Gi"},
		TopicUserOperator: Resources{"200m", "384Mi", ""},
		CruiseControl:     Resources{"500m", "1Gi", ""},
		TiDBDiscovery:     Resources{"80m", "128Mi", ""},
		TiDBInitializer:   Resources{"100m", "128Mi", ""},
		Operators: OperatorSizing{
			Strimzi:         Resources{"500m", "768Mi", ""},
			TiDBOperator:    Resources{"200m", "512Mi", ""},
			SparkController: Resources{"500m", "1900Mi", ""},
			SparkWorkers:    8,
			SparkWebhook:    Resources{"100m", "300Mi", ""},
		},
	},
}

// SizingFor returns the requests for an environment size.
func SizingFor(s Size) Sizing { return sizings[s] }
