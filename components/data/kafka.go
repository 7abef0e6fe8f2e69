package data

import (
	"strconv"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Kafka names.
const (
	KafkaClusterName = "kost"
	kafkaAPIVersion  = "kafka.strimzi.io/v1"
	// defaultCDCTopic is the change topic of the default changefeed (config.DefaultCDCTopic).
	defaultCDCTopic = "tidb-cdc"
	// CDCUser is the Kafka user TiCDC produces as.
	CDCUser = "ticdc"
	// cdcTopicRetention keeps change events for 7 days.
	cdcTopicRetention = 7 * 24 * time.Hour
)

// KafkaSpec renders the Kafka's spec: KRaft with node pools, a TLS listener with TLS client
// authentication and simple ACLs (or, without TLS, a plain internal listener), rack awareness on the
// zone label, and replication settings from k.
func KafkaSpec(c cluster.Cluster, k Kafka, tlsOn bool) map[string]any {
	rf, isr := strconv.Itoa(k.ReplicationFactor), strconv.Itoa(k.MinInsyncReplicas)
	listener := map[string]any{"name": "plain", "port": 9092, "type": "internal", "tls": false}
	kafka := map[string]any{
		"version": k.Version,
		"config": map[string]any{
			"default.replication.factor":               rf,
			"min.insync.replicas":                      isr,
			"offsets.topic.replication.factor":         rf,
			"transaction.state.log.replication.factor": rf,
			"transaction.state.log.min.isr":            isr,
			"auto.create.topics.enable":                "false",
		},
	}
	if tlsOn {
		listener = map[string]any{"name": "tls", "port": 9093, "type": "internal", "tls": true,
			"authentication": map[string]any{"type": "tls"}}
		kafka["authorization"] = map[string]any{"type": "simple"}
	}
	kafka["listeners"] = []any{listener}
	spec := map[string]any{"kafka": kafka}
	if k.Metrics {
		kafka["metricsConfig"] = kafkaMetricsConfig(kafkaMetricsKey)
		exporter := map[string]any{
			// Consumer lag of every group on every topic.
			"topicRegex": ".*", "groupRegex": ".*",
			"resources": res0(k.ExporterResources),
		}
		if sel, tol := placement(c, "system"); sel != nil {
			exporter["template"] = map[string]any{"pod": map[string]any{"affinity": nodeAffinity("system"), "tolerations": tol}}
		}
		spec["kafkaExporter"] = exporter
	}
	if tlsOn {
		// kost's own CAs (newKafkaTLS), which Strimzi then neither makes nor renews: kost renews
		// them, raising their generation annotation.
		spec["clusterCa"] = map[string]any{"generateCertificateAuthority": false}
		spec["clientsCa"] = map[string]any{"generateCertificateAuthority": false}
	}
	if spreadsZones(c) {
		kafka["rack"] = map[string]any{"type": "topology-label", "topologyKey": zoneLabel}
	}
	res := func(r, d Resources) map[string]any {
		req, lim := requests(orDefault(r, d), false)
		return map[string]any{"requests": req, "limits": lim}
	}
	eo := res(k.EntityOperatorResources, Resources{CPU: "100m", Memory: "256Mi"})
	entity := map[string]any{"topicOperator": map[string]any{"resources": eo}, "userOperator": map[string]any{"resources": eo}}
	if sel, tol := placement(c, "system"); sel != nil {
		entity["template"] = map[string]any{"pod": map[string]any{"affinity": nodeAffinity("system"), "tolerations": tol}}
	}
	spec["entityOperator"] = entity
	if k.CruiseControl {
		cc := map[string]any{"resources": res(k.CruiseControlResources, Resources{CPU: "500m", Memory: "1Gi"})}
		if k.Metrics {
			cc["metricsConfig"] = kafkaMetricsConfig(cruiseControlMetricsKey)
		}
		if sel, tol := placement(c, "system"); sel != nil {
			cc["template"] = map[string]any{"pod": map[string]any{"affinity": nodeAffinity("system"), "tolerations": tol}}
		}
		spec["cruiseControl"] = cc
	}
	return spec
}

// res0 is a container's requests and memory limit.
func res0(r Resources) map[string]any {
	req, lim := requests(r, false)
	return map[string]any{"requests": req, "limits": lim}
}

// KafkaNodePoolSpec renders a node pool: role controller or broker, persistent volumes that outlive
// the pool (deleteClaim false) on the kafka pool's nodes, spread over zones.
func KafkaNodePoolSpec(c cluster.Cluster, role string, replicas int, r Resources, storageClass string) map[string]any {
	req, lim := requests(r, false)
	spec := map[string]any{
		"replicas":  replicas,
		"roles":     []any{role},
		"resources": map[string]any{"requests": req, "limits": lim},
		"storage": map[string]any{"type": "jbod", "volumes": []any{map[string]any{
			"id": 0, "type": "persistent-claim", "size": r.Storage, "class": storageClass,
			"deleteClaim": false, "kraftMetadata": "shared",
		}}},
	}
	pod := map[string]any{}
	if _, tol := placement(c, "kafka"); tol != nil {
		pod["affinity"] = nodeAffinity("kafka")
		pod["tolerations"] = tol
	}
	if spreadsZones(c) {
		pod["topologySpreadConstraints"] = []any{map[string]any{
			"maxSkew": 1, "topologyKey": zoneLabel, "whenUnsatisfiable": "DoNotSchedule",
			"labelSelector": map[string]any{"matchLabels": map[string]any{
				"strimzi.io/cluster": KafkaClusterName, "strimzi.io/pool-name": role + "s",
			}},
		}}
	}
	if len(pod) > 0 {
		spec["template"] = map[string]any{"pod": pod}
	}
	return spec
}

func nodeAffinity(pool string) map[string]any {
	return map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
		"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{
			"key": poolLabel, "operator": "In", "values": []any{pool},
		}}}},
	}}}
}

// CDCUserSpec is TiCDC's Kafka user: authenticated by the certificate kost issues (tls-external),
// allowed to produce to the change topics and to read the cluster metadata and configurations its
// Kafka sink checks (tiflow v8.5.7 pkg/sink/kafka/options.go AdjustOptions reads the topic's and the
// brokers' configurations). Which cluster operations sarama's DescribeCluster and broker
// DescribeConfigs need exactly is unconfirmed (tiflow pkg/sink/kafka/admin.go); IdempotentWrite is
// kept from kost's earlier user.
func CDCUserSpec(topics []string) map[string]any {
	acls := []any{}
	for _, t := range topics {
		acls = append(acls, map[string]any{"resource": map[string]any{"type": "topic", "name": t, "patternType": "literal"},
			"operations": []any{"Write", "Describe", "DescribeConfigs"}})
	}
	acls = append(acls, map[string]any{"resource": map[string]any{"type": "cluster"},
		"operations": []any{"Describe", "DescribeConfigs", "IdempotentWrite"}})
	return map[string]any{
		"authentication": map[string]any{"type": "tls-external"},
		"authorization":  map[string]any{"type": "simple", "acls": acls},
	}
}

// SparkUserSpec is the Spark jobs' Kafka user: authenticated by kost's certificate, allowed to read
// the change topics under structured streaming's consumer groups (groupIdPrefix spark-kafka-source).
func SparkUserSpec(topics []string) map[string]any {
	acls := []any{}
	for _, t := range topics {
		acls = append(acls, map[string]any{"resource": map[string]any{"type": "topic", "name": t, "patternType": "literal"},
			"operations": []any{"Read", "Describe"}})
	}
	acls = append(acls, map[string]any{"resource": map[string]any{"type": "group", "name": sparkGroupPrefix, "patternType": "prefix"},
		"operations": []any{"Read"}})
	return map[string]any{
		"authentication": map[string]any{"type": "tls-external"},
		"authorization":  map[string]any{"type": "simple", "acls": acls},
	}
}

// cdcTopics are the feeds' topics, each once, with its partitions, in the feeds' order.
func cdcTopics(feeds []Changefeed) (names []string, partitions map[string]int) {
	partitions = map[string]int{}
	for _, f := range feeds {
		if _, ok := partitions[f.Topic]; !ok {
			names = append(names, f.Topic)
			partitions[f.Topic] = f.Partitions
		}
	}
	return names, partitions
}

// kafkaOut is what newKafka hands back.
type kafkaOut struct {
	kafka *apiextensions.CustomResource
	// ready are the change topics and TiCDC's user, which the changefeeds wait for; sparkReady the
	// Spark jobs' user.
	ready, sparkReady []pulumi.Resource
}

// newKafka creates the Kafka (after kost's CAs with TLS), its node pools, the change topics and,
// with TLS, TiCDC's and the Spark jobs' users.
func newKafka(ctx *pulumi.Context, name string, args *DataArgs, ns string, tlsMaterial *kafkaTLS, stateful []pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*kafkaOut, error) {
	k8s := pulumi.Provider(args.Cluster.Provider)
	clusterLabel := map[string]string{"strimzi.io/cluster": KafkaClusterName}
	ready := with(renderedBy(args.KafkaRendered), pulumi.DependsOn(args.KafkaReady))
	cr := func(suffix, kind, objName string, labels map[string]string, spec map[string]any, extra ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
		return apiextensions.NewCustomResource(ctx, name+"-"+suffix, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String(kafkaAPIVersion),
			Kind:        pulumi.String(kind),
			Metadata:    meta(objName, ns, labels),
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, with(with(opts, append(ready, k8s)...), extra...)...)
	}
	// Node pools first: Strimzi requires them when the Kafka appears.
	ctrl, err := cr("kafka-controllers", "KafkaNodePool", "controllers", clusterLabel,
		KafkaNodePoolSpec(args.Cluster, "controller", args.Kafka.Controllers, args.Kafka.ControllerResources, args.StorageClass), stateful...)
	if err != nil {
		return nil, err
	}
	brokers, err := cr("kafka-brokers", "KafkaNodePool", "brokers", clusterLabel,
		KafkaNodePoolSpec(args.Cluster, "broker", args.Kafka.Brokers, args.Kafka.BrokerResources, args.StorageClass), stateful...)
	if err != nil {
		return nil, err
	}
	kafkaDeps := []pulumi.Resource{ctrl, brokers}
	if tlsMaterial != nil {
		kafkaDeps = append(kafkaDeps, tlsMaterial.caSecrets...)
	}
	if args.Kafka.Metrics {
		// Strimzi reads the rules from it when it renders the pods: it exists first.
		cm, err := newKafkaMetricsConfigMap(ctx, name, ns, with(opts, append(ready, k8s)...)...)
		if err != nil {
			return nil, err
		}
		kafkaDeps = append(kafkaDeps, cm)
	}
	kafka, err := cr("kafka", "Kafka", KafkaClusterName, nil, KafkaSpec(args.Cluster, args.Kafka, args.TLS),
		append([]pulumi.ResourceOption{pulumi.DependsOn(kafkaDeps)}, stateful...)...)
	if err != nil {
		return nil, err
	}
	out := &kafkaOut{kafka: kafka}
	after := pulumi.DependsOn([]pulumi.Resource{kafka})
	topics, partitions := cdcTopics(args.CDC.Feeds)
	for _, t := range topics {
		var alias []pulumi.ResourceOption
		if t == defaultCDCTopic {
			// The one topic kost made before feeds were declared, under its former name: the same
			// object, never re-created (or, protected, refused).
			alias = append(alias, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-kafka-cdc-topic")}}))
		}
		topic, err := cr("kafka-topic-"+t, "KafkaTopic", t, clusterLabel, map[string]any{
			"partitions": partitions[t],
			"replicas":   args.Kafka.ReplicationFactor,
			"config": map[string]any{
				"min.insync.replicas": strconv.Itoa(args.Kafka.MinInsyncReplicas),
				"retention.ms":        strconv.FormatInt(cdcTopicRetention.Milliseconds(), 10),
				"cleanup.policy":      "delete",
			},
		}, append(append([]pulumi.ResourceOption{after}, stateful...), alias...)...)
		if err != nil {
			return nil, err
		}
		out.ready = append(out.ready, topic)
	}
	if args.TLS && len(topics) > 0 {
		// Users need TLS client authentication and ACLs, which only the TLS listener has.
		user, err := cr("kafka-cdc-user", "KafkaUser", CDCUser, clusterLabel, CDCUserSpec(topics), after)
		if err != nil {
			return nil, err
		}
		out.ready = append(out.ready, user)
		if len(args.Spark.JobNamespaces) > 0 {
			spark, err := cr("kafka-spark-user", "KafkaUser", SparkKafkaUser, clusterLabel, SparkUserSpec(topics), after)
			if err != nil {
				return nil, err
			}
			out.sparkReady = append(out.sparkReady, spark)
		}
	}
	return out, nil
}
