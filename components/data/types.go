package data

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Resources are a pod's requests and volume (cluster.Resources, one type for every component).
type Resources = cluster.Resources

// Database sizes the TidbCluster.
type Database struct {
	// PD, TiKV and TiDB replicas. Required: at least 1 each.
	PD, TiKV, TiDB int
	// TiFlash and TiCDC replicas; 0 leaves the component out. Default: 0.
	TiFlash, TiCDC int
	// Version of every component, e.g. v8.5.7. Required.
	Version string
	// Resources per component. Required for every component with replicas.
	PDResources, TiKVResources, TiDBResources, TiFlashResources, TiCDCResources Resources
	// InitializerImage runs the root-password initializer. Required.
	InitializerImage string
	// DiscoveryResources and InitializerResources size the TiDB discovery service and the
	// initializer job (the operator sets none: BestEffort pods). Default: 80m, 128Mi each.
	DiscoveryResources, InitializerResources Resources
}

// Kafka sizes the Kafka cluster.
type Kafka struct {
	// Brokers and Controllers replicas. Required: at least 1 each.
	Brokers, Controllers int
	// ReplicationFactor and MinInsyncReplicas of topics. Required.
	ReplicationFactor, MinInsyncReplicas int
	// Version of Kafka, e.g. 4.3.1. Required.
	Version string
	// BrokerResources and ControllerResources per pod. Required.
	BrokerResources, ControllerResources Resources
	// CruiseControl adds Cruise Control for rebalancing (prod). Default: false.
	CruiseControl bool
	// EntityOperatorResources size each of Strimzi's topic and user operators, CruiseControlResources
	// Cruise Control (Strimzi sets none: BestEffort JVMs starting at -Xms128M). Default: 100m, 256Mi
	// each; Cruise Control 500m, 1Gi.
	EntityOperatorResources, CruiseControlResources Resources
	// Metrics exposes the brokers', controllers' (and Cruise Control's) metrics through Strimzi's
	// JMX Prometheus exporter with kost's rules (KafkaMetricsConfigMap), and runs the Kafka
	// Exporter (consumer lag) with ExporterResources. Default: false.
	Metrics bool
	// ExporterResources size the Kafka Exporter. Required with Metrics.
	ExporterResources Resources
}

// Spark configures the Spark job namespaces.
type Spark struct {
	// JobNamespaces get a driver service account and RBAC each. They must exist (the platform makes
	// them). Default: none.
	JobNamespaces []string
	// Example adds the HTAP example SparkApplication to the first job namespace: it reads the first
	// changefeed's topic with structured streaming and TiDB over JDBC. Needs a changefeed.
	// Default: false.
	Example bool
	// Image and Version of the example (Spark with Python). Required with Example.
	Image, Version string
	// Packages are the Maven coordinates the example resolves at submission (the Kafka source and
	// the MySQL JDBC driver). Required with Example.
	Packages []string
}

// CDC is what TiCDC streams into Kafka: the changefeeds kost keeps, and the job that keeps them.
type CDC struct {
	// Feeds are the changefeeds kost keeps in TiCDC; kost's other feeds (IDs starting with
	// CDCFeedPrefix) are removed, nobody else's. Each feed's topic is created. Needs
	// Database.TiCDC >= 1. Default: none.
	Feeds []Changefeed
	// SyncImage is the Go toolchain image the sync job compiles and runs cdcsync with (kost's own
	// code, from a ConfigMap). Required with TiCDC.
	SyncImage string
	// SyncResources size the sync job. Default: 500m, 512Mi (compiling cdcsync peaks near 300 MiB).
	SyncResources Resources
}

// Changefeed is one TiCDC changefeed to Kafka.
type Changefeed struct {
	// ID is the feed's name; TiCDC knows it as CDCFeedPrefix+ID. Required.
	ID string
	// Tables are TiCDC's table filter rules. Default: ["*.*"].
	Tables []string
	// Topic receives the events; a KafkaTopic is made for it. Default: tidb-cdc.
	Topic string
	// Protocol of the messages (TiCDC's protocol parameter). Default: canal-json.
	Protocol string
	// Partitions of the topic. Default: 12.
	Partitions int
	// ForceReplicate replicates tables without a primary or unique key. Default: false.
	ForceReplicate bool
	// Options are further Kafka sink URI parameters. Default: none.
	Options map[string]string
}

// Analytics is the read-only TiDB user Spark jobs read TiDB as.
type Analytics struct {
	// Schemas it may SELECT from; the TidbInitializer grants them when it creates the cluster.
	// Default: none.
	Schemas []string
}

// DataArgs configure the data plane of one cluster.
type DataArgs struct {
	// Cluster to run on. Required.
	Cluster cluster.Cluster
	// KafkaReady, TiDBReady and SparkReady are what each operator's custom resources wait for
	// (platform.Platform exposes them). Required.
	KafkaReady, TiDBReady, SparkReady []pulumi.Resource
	// KafkaRendered, TiDBRendered and SparkRendered are the objects each operator's chart rendered
	// (platform.Platform exposes them). Each custom resource depends on every one of them, so a destroy
	// deletes it before its operator and CRDs. Default: none.
	KafkaRendered, TiDBRendered, SparkRendered pulumi.ResourceArrayInput
	// Database and Kafka sizing. Required.
	Database Database
	Kafka    Kafka
	// Spark job namespaces. Default: none.
	Spark Spark
	// TLS encrypts traffic between TiDB components and between MySQL clients and TiDB (certificates
	// made here; TiDB refuses plaintext clients), and requires TLS client authentication on Kafka's
	// listener (Strimzi's CAs). Default: false (local clusters).
	TLS bool
	// Protect protects the stateful custom resources and retains them on delete. Default: false.
	Protect bool
	// StorageClass for every volume. Default: kost-db.
	StorageClass string
	// Backup schedules backups to the region's bucket and restores from it. Default: none.
	Backup Backup
	// CDC is TiCDC's changefeeds into Kafka. Default: none.
	CDC CDC
	// Analytics is the read-only TiDB user of the Spark job namespaces. Default: no schema to read.
	Analytics Analytics
}
