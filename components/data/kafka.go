package data

import (
	"strconv"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Kafka names.
const (
	KafkaClusterName = "kost"
	kafkaAPIVersion  = "kafka.strimzi.io/v1"
	// CDCTopic receives TiCDC's change events; CDCUser is the identity TiCDC produces with.
	CDCTopic = "tidb-cdc"
	CDCUser  = "ticdc"
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
	spec := map[string]any{"kafka": kafka, "entityOperator": entity}
	if k.CruiseControl {
		cc := map[string]any{"resources": res(k.CruiseControlResources, Resources{CPU: "500m", Memory: "1Gi"})}
		if sel, tol := placement(c, "system"); sel != nil {
			cc["template"] = map[string]any{"pod": map[string]any{"affinity": nodeAffinity("system"), "tolerations": tol}}
		}
		spec["cruiseControl"] = cc
	}
	return spec
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

// CDCUserSpec is TiCDC's Kafka user: TLS authentication, allowed to produce to the change topic and
// to read the cluster metadata and configs its Kafka sink checks.
func CDCUserSpec() map[string]any {
	return map[string]any{
		"authentication": map[string]any{"type": "tls"},
		"authorization": map[string]any{"type": "simple", "acls": []any{
			map[string]any{"resource": map[string]any{"type": "topic", "name": CDCTopic, "patternType": "prefix"},
				"operations": []any{"Write", "Create", "Describe", "DescribeConfigs"}},
			map[string]any{"resource": map[string]any{"type": "cluster"},
				"operations": []any{"Describe", "DescribeConfigs", "IdempotentWrite"}},
		}},
	}
}

// newKafka creates the Kafka, its node pools, the change-event topic and TiCDC's user.
func newKafka(ctx *pulumi.Context, name string, args *DataArgs, ns string, stateful []pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
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
	kafka, err := cr("kafka", "Kafka", KafkaClusterName, nil, KafkaSpec(args.Cluster, args.Kafka, args.TLS),
		append([]pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{ctrl, brokers})}, stateful...)...)
	if err != nil {
		return nil, err
	}
	after := pulumi.DependsOn([]pulumi.Resource{kafka})
	if _, err := cr("kafka-cdc-topic", "KafkaTopic", CDCTopic, clusterLabel, map[string]any{
		"partitions": 12,
		"replicas":   args.Kafka.ReplicationFactor,
		"config": map[string]any{
			"min.insync.replicas": strconv.Itoa(args.Kafka.MinInsyncReplicas),
			"retention.ms":        strconv.Itoa(7 * 24 * 3600 * 1000),
			"cleanup.policy":      "delete",
		},
	}, append([]pulumi.ResourceOption{after}, stateful...)...); err != nil {
		return nil, err
	}
	if args.TLS {
		// Users need TLS client authentication and ACLs, which only the TLS listener has.
		if _, err := cr("kafka-cdc-user", "KafkaUser", CDCUser, clusterLabel, CDCUserSpec(), after); err != nil {
			return nil, err
		}
	}
	return kafka, nil
}
