package monitoring

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kost-platform/kost/components/cluster"
)

// Targets are what kost scrapes and alerts on besides the cluster itself (the bundled stack scrapes
// the API server, kubelets, cAdvisor, kube-state-metrics and the node exporters on its own).
type Targets struct {
	// TiDB is the TidbCluster. Default: nil (none).
	TiDB *TiDBTarget
	// Kafka is Strimzi's Kafka cluster. Default: nil (none).
	Kafka *KafkaTarget
	// Operators are the operators: scraped where they serve metrics, alerted on when a Deployment
	// in their namespace has fewer replicas available than it should. Default: none.
	Operators []Operator
	// VolumeNamespaces hold the data plane's volumes, whose fill level is alerted on. Default: none.
	VolumeNamespaces []string
	// CDCSyncNamespace runs the changefeed sync jobs, whose failure is alerted on ("": none).
	CDCSyncNamespace string
	// SparkNamespaces run Spark applications: the drivers labelled SparkDriverLabel=true are
	// scraped. Default: none.
	SparkNamespaces []string
	// SparkDriverLabel marks the Spark drivers to scrape. Required with SparkNamespaces.
	SparkDriverLabel string
}

// TiDBTarget is a TidbCluster to scrape.
type TiDBTarget struct {
	// Cluster is the TidbCluster's name; Namespace its namespace. Required.
	Cluster, Namespace string
	// Components run in it, of pd, tikv, tidb, tiflash and ticdc. Required: at least pd and tikv.
	Components []string
	// ClientSecret is the Secret (ca.crt, tls.crt, tls.key) of the client certificate the
	// components' status ports require with TLS between components; "" scrapes plain HTTP.
	ClientSecret string
}

// KafkaTarget is a Strimzi Kafka cluster to scrape.
type KafkaTarget struct {
	// Cluster is the Kafka's name; Namespace its namespace. Required.
	Cluster, Namespace string
	// Exporter says the Kafka Exporter runs (consumer lag). Default: false.
	Exporter bool
	// CruiseControl says Cruise Control runs. Default: false.
	CruiseControl bool
}

// Operator is an operator, alone in its namespace.
type Operator struct {
	// Name is what alerts call it, e.g. Strimzi. Required.
	Name string
	// Namespace it runs in, alone. Required.
	Namespace string
	// Selector are its pods' labels; Port the name of the pod port serving Prometheus metrics at
	// Path. Default: none (not scraped: it serves no metrics on a declared port).
	Selector map[string]string
	Port     string
	// Path of the metrics. Default: /metrics.
	Path string
}

// tidbComponents are the components a TidbCluster can run, in order.
var tidbComponents = []string{"pd", "tikv", "tidb", "tiflash", "ticdc"}

func (t *Targets) validate(ps *cluster.Problems) {
	if d := t.TiDB; d != nil {
		ps.Check(d.Cluster != "" && d.Namespace != "", "Targets.TiDB", "the TidbCluster's name and namespace are required")
		for _, c := range d.Components {
			ps.Check(slices.Contains(tidbComponents, c), "Targets.TiDB.Components", "%q: one of %v", c, tidbComponents)
		}
		ps.Check(slices.Contains(d.Components, "pd") && slices.Contains(d.Components, "tikv"), "Targets.TiDB.Components",
			"a TidbCluster runs pd and tikv at least")
	}
	if k := t.Kafka; k != nil {
		ps.Check(k.Cluster != "" && k.Namespace != "", "Targets.Kafka", "the Kafka's name and namespace are required")
	}
	ps.Check(len(t.SparkNamespaces) == 0 || t.SparkDriverLabel != "", "Targets.SparkDriverLabel", "required with SparkNamespaces")
	for i, o := range t.Operators {
		f := fmt.Sprintf("Targets.Operators[%d]", i)
		ps.Check(o.Name != "" && o.Namespace != "", f, "name and namespace are required")
		ps.Check((o.Port == "") == (len(o.Selector) == 0), f+".Port", "a scraped operator needs both its pods' labels and its metrics port's name")
	}
}

// podMonitor is a PodMonitor kost makes: its name, namespace and spec.
type podMonitor struct {
	Name, Namespace string
	Spec            map[string]any
}

// relabel is a relabeling that sets label to a fixed value.
func relabel(label, value string) map[string]any {
	return map[string]any{"action": "replace", "targetLabel": label, "replacement": value}
}

// selector matches pods by labels.
func selector(labels map[string]string) map[string]any {
	m := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		m[k] = labels[k]
	}
	return map[string]any{"matchLabels": m}
}
