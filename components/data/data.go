package data

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Namespaces of the data plane (made by the platform layer).
const (
	NamespaceTiDB  = "tidb"
	NamespaceKafka = "kafka"
)

// Data is the data plane of one cluster.
type Data struct {
	pulumi.ResourceState

	// TidbCluster and Kafka custom resources.
	TidbCluster, Kafka *apiextensions.CustomResource
	// RootPassword of TiDB. Secret.
	RootPassword pulumi.StringOutput
	// TiDBCACert is the CA (PEM) TiDB's MySQL port is verified with when TLS is on (clients must use
	// TLS then: TiDB refuses plaintext); "" otherwise.
	TiDBCACert pulumi.StringOutput
	// TiDBEndpoint and KafkaBootstrap are the in-cluster addresses clients use.
	TiDBEndpoint, KafkaBootstrap string
	// TLS says whether clients must speak TLS to both (DataArgs.TLS).
	TLS bool
}

func (a *DataArgs) validate() error {
	var problems []string
	add := func(ok bool, msg string) {
		if !ok {
			problems = append(problems, msg)
		}
	}
	add(a.Cluster.Provider != nil, "Cluster.Provider is required")
	add(len(a.KafkaReady) > 0 && len(a.TiDBReady) > 0 && len(a.SparkReady) > 0, "KafkaReady, TiDBReady and SparkReady are required (the platform's operators)")
	d, k := a.Database, a.Kafka
	add(d.PD >= 1 && d.TiKV >= 1 && d.TiDB >= 1 && d.TiFlash >= 0 && d.TiCDC >= 0, "Database replicas: PD, TiKV, TiDB at least 1, TiFlash and TiCDC at least 0")
	add(d.Version != "" && d.InitializerImage != "", "Database.Version and Database.InitializerImage are required")
	add(d.PDResources.Storage != "" && d.TiKVResources.Storage != "" && (d.TiFlash == 0 || d.TiFlashResources.Storage != ""), "PD, TiKV and TiFlash need a storage size")
	add(k.Brokers >= 1 && k.Controllers >= 1, "Kafka brokers and controllers: at least 1")
	add(k.ReplicationFactor >= 1 && k.ReplicationFactor <= k.Brokers, "Kafka replication factor between 1 and the brokers")
	add(k.MinInsyncReplicas >= 1 && (k.ReplicationFactor == 1 || k.MinInsyncReplicas < k.ReplicationFactor), "Kafka min.insync.replicas at least 1 and below the replication factor")
	add(k.Version != "" && k.BrokerResources.Storage != "" && k.ControllerResources.Storage != "", "Kafka version and storage sizes are required")
	add(!a.Spark.Example || (a.Spark.Image != "" && a.Spark.Version != "" && len(a.Spark.JobNamespaces) > 0), "the Spark example needs an image, a version and a job namespace")
	if len(problems) > 0 {
		return fmt.Errorf("%v", problems)
	}
	return nil
}

// NewData creates the data plane of one cluster.
func NewData(ctx *pulumi.Context, name string, args *DataArgs, opts ...pulumi.ResourceOption) (*Data, error) {
	if args == nil {
		return nil, fmt.Errorf("data %s: args are required", name)
	}
	a := *args
	if a.StorageClass == "" {
		a.StorageClass = "kost-db"
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("data %s: %w", name, err)
	}
	d := &Data{
		TiDBEndpoint:   fmt.Sprintf("%s-tidb.%s.svc:4000", TiDBClusterName, NamespaceTiDB),
		KafkaBootstrap: fmt.Sprintf("%s-kafka-bootstrap.%s.svc:%d", KafkaClusterName, NamespaceKafka, map[bool]int{true: 9093, false: 9092}[a.TLS]),
		TLS:            a.TLS,
	}
	if err := ctx.RegisterComponentResource("kost:data:Data", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	// Stateful custom resources: protected, and kept in the cluster if Pulumi ever deletes them, so
	// neither a careless destroy nor a replace touches the data.
	var stateful []pulumi.ResourceOption
	if a.Protect {
		stateful = []pulumi.ResourceOption{pulumi.Protect(true), pulumi.RetainOnDelete(true)}
	}
	tidb, err := newTiDB(ctx, name, &a, NamespaceTiDB, stateful, parent)
	if err != nil {
		return nil, wrapf(err, "data %s: tidb", name)
	}
	d.TidbCluster, d.RootPassword, d.TiDBCACert = tidb.cluster, tidb.password, tidb.caCert
	if d.Kafka, err = newKafka(ctx, name, &a, NamespaceKafka, stateful, parent); err != nil {
		return nil, wrapf(err, "data %s: kafka", name)
	}
	if err := newSpark(ctx, name, &a, parent); err != nil {
		return nil, wrapf(err, "data %s: spark", name)
	}
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"tidbEndpoint":   pulumi.String(d.TiDBEndpoint),
		"kafkaBootstrap": pulumi.String(d.KafkaBootstrap),
		"rootPassword":   d.RootPassword,
		"tidbCaCert":     d.TiDBCACert,
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// renderedBy orders a custom resource after every object an operator's chart rendered (see
// DataArgs.KafkaRendered): on destroy it is deleted before them, and a protected one stops the destroy
// before its operator is touched. Nil rendered adds nothing.
func renderedBy(rendered pulumi.ResourceArrayInput) []pulumi.ResourceOption {
	if rendered == nil {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.DependsOnInputs(rendered)}
}

// with returns opts and more in a new slice, never writing into opts' backing array.
func with(opts []pulumi.ResourceOption, more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append(slices.Clone(opts), more...)
}
