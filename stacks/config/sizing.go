package config

// Resources are a container's requests (and, for stateful components, its volume).
type Resources struct {
	CPU, Memory string
	// Storage is the persistent volume size; empty for stateless components.
	Storage string
}

// Sizing holds the requests of every data-plane component for an environment size. Limits equal
// requests for memory (no overcommit on databases); CPU is left unlimited to avoid throttling.
type Sizing struct {
	PD, TiKV, TiDB, TiFlash, TiCDC Resources
	KafkaBroker, KafkaController   Resources
	// Operator is the request of each operator pod.
	Operator Resources
}

// sizings are chosen to fit the default instance types of defaults.go, with TiKV and TiFlash sharing a
// tikv node and TiDB and TiCDC sharing a tidb node (e.g. prod r7i.2xlarge: 8 vCPU, 64 GiB).
var sizings = map[Size]Sizing{
	LocalSize: {
		PD:              Resources{"100m", "256Mi", "1Gi"},
		TiKV:            Resources{"200m", "512Mi", "5Gi"},
		TiDB:            Resources{"200m", "512Mi", ""},
		TiFlash:         Resources{"200m", "512Mi", "5Gi"},
		TiCDC:           Resources{"100m", "256Mi", ""},
		KafkaBroker:     Resources{"200m", "1Gi", "5Gi"},
		KafkaController: Resources{"100m", "512Mi", "1Gi"},
		Operator:        Resources{"50m", "128Mi", ""},
	},
	Dev: {
		PD:              Resources{"500m", "1Gi", "10Gi"},
		TiKV:            Resources{"1", "4Gi", "100Gi"},
		TiDB:            Resources{"1", "2Gi", ""},
		TiFlash:         Resources{"1", "4Gi", "100Gi"},
		TiCDC:           Resources{"500m", "1Gi", ""},
		KafkaBroker:     Resources{"500m", "2Gi", "50Gi"},
		KafkaController: Resources{"250m", "1Gi", "10Gi"},
		Operator:        Resources{"100m", "256Mi", ""},
	},
	Prod: {
		PD:              Resources{"2", "8Gi", "50Gi"},
		TiKV:            Resources{"3", "24Gi", "1000Gi"},
		TiDB:            Resources{"8", "16Gi", ""},
		TiFlash:         Resources{"3", "24Gi", "1000Gi"},
		TiCDC:           Resources{"2", "8Gi", ""},
		KafkaBroker:     Resources{"2", "16Gi", "500Gi"},
		KafkaController: Resources{"1", "4Gi", "20Gi"},
		Operator:        Resources{"200m", "512Mi", ""},
	},
}

// SizingFor returns the requests for an environment size.
func SizingFor(s Size) Sizing { return sizings[s] }
