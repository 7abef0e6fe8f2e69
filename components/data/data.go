package data

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// schemaName is an unquoted MySQL identifier.
var schemaName = regexp.MustCompile(`^[A-Za-z0-9_$]{1,64}$`)

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
	// Changefeeds are the IDs, in TiCDC, of the changefeeds kept (CDCFeedPrefix + each ID).
	Changefeeds []string
	// Certificates are kost's TLS material for the data plane (none without TLS), for expiry alerts.
	Certificates []Certificate
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError.
func (a *DataArgs) Validate() error {
	if a == nil {
		a = &DataArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.Cluster.Provider == nil, "Cluster.Provider")
	ps.Check(len(a.KafkaReady) > 0, "KafkaReady", "required: the Strimzi operator's resources")
	ps.Check(len(a.TiDBReady) > 0, "TiDBReady", "required: the TiDB Operator's resources")
	ps.Check(len(a.SparkReady) > 0, "SparkReady", "required: the Spark operator's resources")
	d, k := a.Database, a.Kafka
	for _, c := range []struct {
		field    string
		n, least int
	}{{"Database.PD", d.PD, 1}, {"Database.TiKV", d.TiKV, 1}, {"Database.TiDB", d.TiDB, 1}, {"Database.TiFlash", d.TiFlash, 0}, {"Database.TiCDC", d.TiCDC, 0}} {
		ps.Check(c.n >= c.least, c.field, "%d: at least %d", c.n, c.least)
	}
	ps.Required(d.Version == "", "Database.Version")
	ps.Required(d.InitializerImage == "", "Database.InitializerImage")
	ps.Check(d.PDResources.Storage != "", "Database.PDResources.Storage", "required: PD keeps its data on a volume")
	ps.Check(d.TiKVResources.Storage != "", "Database.TiKVResources.Storage", "required: TiKV keeps its data on a volume")
	ps.Check(d.TiFlash == 0 || d.TiFlashResources.Storage != "", "Database.TiFlashResources.Storage", "required with TiFlash replicas")
	ps.Check(k.Brokers >= 1, "Kafka.Brokers", "%d: at least 1", k.Brokers)
	ps.Check(k.Controllers >= 1, "Kafka.Controllers", "%d: at least 1", k.Controllers)
	ps.Check(k.ReplicationFactor >= 1 && k.ReplicationFactor <= k.Brokers, "Kafka.ReplicationFactor", "%d: between 1 and the brokers (%d)", k.ReplicationFactor, k.Brokers)
	ps.Check(k.MinInsyncReplicas >= 1 && (k.ReplicationFactor == 1 || k.MinInsyncReplicas < k.ReplicationFactor), "Kafka.MinInsyncReplicas",
		"%d: at least 1 and below the replication factor (%d), so a broker can be down", k.MinInsyncReplicas, k.ReplicationFactor)
	ps.Required(k.Version == "", "Kafka.Version")
	ps.Check(k.BrokerResources.Storage != "", "Kafka.BrokerResources.Storage", "required: brokers keep their logs on a volume")
	ps.Check(k.ControllerResources.Storage != "", "Kafka.ControllerResources.Storage", "required: controllers keep the metadata log on a volume")
	ps.Check(!k.Metrics || (k.ExporterResources.CPU != "" && k.ExporterResources.Memory != ""), "Kafka.ExporterResources",
		"cpu and memory requests are required with Metrics (the Kafka Exporter)")
	a.Backup.problems(&ps)
	if a.Spark.Example {
		ps.Check(a.Spark.Image != "", "Spark.Image", "required with the Spark example")
		ps.Check(a.Spark.Version != "", "Spark.Version", "required with the Spark example")
		ps.Check(len(a.Spark.Packages) > 0, "Spark.Packages", "required with the Spark example: the Kafka source and the JDBC driver")
		ps.Check(len(a.Spark.JobNamespaces) > 0, "Spark.JobNamespaces", "the Spark example needs a job namespace")
		ps.Check(len(a.CDC.Feeds) > 0, "CDC.Feeds", "the Spark example reads the first changefeed's topic: add one")
	}
	for i, sc := range a.Analytics.Schemas {
		// Spliced into the initializer's GRANT statements: plain identifiers only, never mysql.
		ps.Check(schemaName.MatchString(sc) && !strings.EqualFold(sc, "mysql"), fmt.Sprintf("Analytics.Schemas[%d]", i),
			"%q: letters, digits, _ and $ (at most 64), not mysql", sc)
	}
	ps.Check(len(a.CDC.Feeds) == 0 || d.TiCDC > 0, "CDC.Feeds", "%d changefeeds need TiCDC: set Database.TiCDC", len(a.CDC.Feeds))
	ps.Check(d.TiCDC == 0 || a.CDC.SyncImage != "", "CDC.SyncImage", "required with TiCDC: the job that keeps the changefeeds runs it")
	ids := map[string]bool{}
	for i, f := range a.CDC.Feeds {
		p := fmt.Sprintf("CDC.Feeds[%d]", i)
		ps.Check(f.ID != "" && !ids[f.ID], p+".ID", "%q: required and unique", f.ID)
		ids[f.ID] = true
		ps.Check(len(f.Tables) > 0, p+".Tables", "required: TiCDC's table filter rules, e.g. *.*")
		ps.Check(f.Topic != "", p+".Topic", "required")
		ps.Check(f.Protocol != "", p+".Protocol", "required, e.g. canal-json")
		ps.Check(f.Partitions >= 1, p+".Partitions", "%d: at least 1", f.Partitions)
	}
	return ps.Err("data args")
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
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("data %s: %w", name, err)
	}
	d := &Data{
		TiDBEndpoint:   fmt.Sprintf("%s-tidb.%s.svc:4000", TiDBClusterName, NamespaceTiDB),
		KafkaBootstrap: kafkaBootstrap(a.TLS),
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
	var tlsOpts []pulumi.ResourceOption
	var kafkaCerts *kafkaTLS
	if a.TLS {
		tlsProvider, err := newTLSProvider(ctx, name, parent)
		if err != nil {
			return nil, err
		}
		tlsOpts = []pulumi.ResourceOption{parent, pulumi.Providers(tlsProvider, a.Cluster.Provider)}
		// Before the TidbCluster (TiCDC mounts its certificate) and the Kafka (Strimzi needs the CAs).
		namespaces := append(append(append([]pulumi.Resource{}, a.KafkaReady...), a.TiDBReady...), a.SparkReady...)
		if kafkaCerts, err = newKafkaTLS(ctx, name, &a, stateful, with(tlsOpts, pulumi.DependsOn(namespaces))...); err != nil {
			return nil, wrapf(err, "data %s: kafka TLS", name)
		}
	}
	tidb, err := newTiDB(ctx, name, &a, NamespaceTiDB, tlsOpts, kafkaCerts, stateful, parent)
	if err != nil {
		return nil, wrapf(err, "data %s: tidb", name)
	}
	d.TidbCluster, d.RootPassword, d.TiDBCACert = tidb.cluster, tidb.password, tidb.caCert
	d.Certificates = tidb.certificates
	if kafkaCerts != nil {
		d.Certificates = append(d.Certificates, kafkaCerts.certificates...)
	}
	kafka, err := newKafka(ctx, name, &a, NamespaceKafka, kafkaCerts, stateful, parent)
	if err != nil {
		return nil, wrapf(err, "data %s: kafka", name)
	}
	d.Kafka = kafka.kafka
	if a.Database.TiCDC > 0 {
		if err := newChangefeeds(ctx, name, &a, append([]pulumi.Resource{tidb.cluster}, kafka.ready...), parent); err != nil {
			return nil, wrapf(err, "data %s: changefeeds", name)
		}
	}
	if err := newSpark(ctx, name, &a, tidb, kafkaCerts, kafka.sparkReady, parent); err != nil {
		return nil, wrapf(err, "data %s: spark", name)
	}
	for _, f := range a.CDC.Feeds {
		d.Changefeeds = append(d.Changefeeds, CDCFeedPrefix+f.ID)
	}
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"changefeeds":    pulumi.ToStringArray(d.Changefeeds),
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
