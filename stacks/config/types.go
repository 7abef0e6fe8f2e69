package config

import "github.com/kost-platform/kost/components/cluster"

// Cloud names a cloud provider a region runs in (cluster.Cloud, the contract's type).
type Cloud = cluster.Cloud

// Clouds kost can build in.
const (
	AWS   = cluster.AWS
	GCP   = cluster.GCP
	Azure = cluster.Azure
	// Local is an existing cluster reached through a kubeconfig context (kind, k3d, minikube): no
	// network, no node pools, nothing created outside Kubernetes.
	Local = cluster.Local
)

// Clouds lists the supported clouds in a stable order.
var Clouds = []Cloud{AWS, GCP, Azure, Local}

// Size is the environment class that drives defaults.
type Size string

// Environment sizes.
const (
	// Dev: small instances, one NAT gateway, public API endpoint, no TLS between components.
	Dev Size = "dev"
	// Prod: production sizing, NAT per zone, private API endpoint, flow logs, quorum checks.
	Prod Size = "prod"
	// LocalSize: the fewest replicas the operators accept and the smallest requests, for a laptop.
	LocalSize Size = "local"
)

// Sizes lists the supported sizes.
var Sizes = []Size{Dev, Prod, LocalSize}

// Mode is how a region's Kubernetes is provided.
type Mode string

// Kubernetes modes.
const (
	// Managed uses the cloud's service: EKS, GKE or AKS.
	Managed Mode = "managed"
	// SelfManaged bootstraps kubeadm on virtual machines.
	SelfManaged Mode = "self-managed"
)

// Modes lists the supported Kubernetes modes.
var Modes = []Mode{Managed, SelfManaged}

// Environment is the whole `kost:environment` config of one stack.
type Environment struct {
	// Name of the environment; used in resource names and tags. Required; a DNS label of at most 16
	// characters.
	Name string `json:"name"`
	// Size drives defaults: dev or prod. Default: dev.
	Size Size `json:"size,omitempty"`
	// Protect marks stateful resources protected (pulumi protect) and custom resources retained on
	// delete. Default: true for prod, false for dev.
	Protect *bool `json:"protect,omitempty"`
	// Network holds stack-wide network planning settings. Default: supernet 10.0.0.0/8, /16 per region.
	Network *Network `json:"network,omitempty"`
	// Tags are added to every taggable cloud resource, after kost's own tags (environment, region,
	// managed-by). Default: none. Keys kost sets itself cannot be overridden.
	Tags map[string]string `json:"tags,omitempty"`
	// Regions to build, one Kubernetes cluster each. Required: at least one.
	Regions []Region `json:"regions"`
	// Database sizes the TiDB cluster in every region. Defaults per size (see Defaults).
	Database *Database `json:"database,omitempty"`
	// Kafka sizes the Kafka cluster in every region. Defaults per size (see Defaults).
	Kafka *Kafka `json:"kafka,omitempty"`
	// Versions overrides pinned versions; every value must be one kost knows (see versions.go).
	// Default: the pins in versions.go.
	Versions *Versions `json:"versions,omitempty"`
	// Monitoring is the monitoring stack of every cluster. Default: bundled, retention and volume per
	// size (see Monitoring).
	Monitoring *Monitoring `json:"monitoring,omitempty"`
	// Mirror says where charts and manifests come from, for air-gapped and regulated installs.
	// Default: every chart from its upstream repository, the TiDB Operator CRDs from its release.
	Mirror *Mirror `json:"mirror,omitempty"`
}

// Mirror points kost at copies of the charts and manifests it installs. The versions stay the
// pinned ones: a mirror must hold exactly those (see the versions table in the README).
type Mirror struct {
	// Charts is where every chart comes from: an OCI prefix (oci://registry.example.com/charts, each
	// chart at <prefix>/<chart>), a Helm repository URL (https://charts.example.com, holding every
	// chart by name), or a local directory of published charts, each as <chart>-<version>.tgz (what
	// `helm pull` writes) or unpacked as <chart>-<version>/. A relative directory is relative to the
	// project. Default: each chart's upstream repository.
	Charts string `json:"charts,omitempty"`
	// Manifests is where the TiDB Operator's CRD manifest (its chart has none) comes from: a base URL
	// (https://mirror.example.com/manifests) or a local directory, holding it as
	// tidb-operator-crd-<version>.yaml. Default: the manifest of the release on GitHub.
	Manifests string `json:"manifests,omitempty"`
	// Dashboards is an http(s) base URL holding the Grafana dashboards kost provisions, each as the
	// file name the versions table gives (<key>-<version>.json); Grafana downloads them when it
	// starts. Default: each dashboard from its upstream repository at the pinned tag.
	Dashboards string `json:"dashboards,omitempty"`
}

// Network is stack-wide address planning.
type Network struct {
	// Supernet from which regions without an explicit cidr get their block. Default: 10.0.0.0/8.
	Supernet string `json:"supernet,omitempty"`
	// RegionPrefix is the prefix length of a planned region block. Default: 16. Range 8..20.
	RegionPrefix int `json:"regionPrefix,omitempty"`
	// Deployers are the machines that run `pulumi preview` and `pulumi up` (CI runners, a VPN):
	// they create every Kubernetes resource, so every cluster admits them on its API port, and only
	// them from outside its region block. Required when a cluster's API is private (the default, and
	// every self-managed cluster). Default: none.
	Deployers *Deployers `json:"deployers,omitempty"`
}

// Deployers say where `pulumi up` runs from, and what each cloud needs to let it in.
type Deployers struct {
	// CIDRs the deployers connect from, as the clusters see them: private addresses reached over
	// VPC peering, a Transit Gateway, VPN or Interconnect. Required: at least one; never a /0 in prod.
	CIDRs []string `json:"cidrs"`
	// AzureVNetID is the deployers' virtual network in Azure (its resource id): kost peers each Azure
	// region's VNet with it (kost's side of the peering; the other side is the VNet owner's) and links
	// every private AKS cluster's private DNS zone to it, so the API server's private name resolves
	// where the deployers run. Default: none (the network path and DNS are yours: a VPN gateway and a
	// DNS forwarder).
	AzureVNetID string `json:"azureVnetId,omitempty"`
	// GCPNetwork is the deployers' VPC network (a self link, projects/<p>/global/networks/<n>): kost
	// peers each GCP region's network with it (kost's side; the other side is the network owner's).
	// That reaches a self-managed cluster's internal load balancer. A GKE private endpoint is not
	// reachable over peering (peering is not transitive): run the deployers in the region's
	// subnetwork, or reach it over Cloud VPN or Interconnect. Default: none.
	GCPNetwork string `json:"gcpNetwork,omitempty"`
}

// Region is one cloud region with its own network and Kubernetes cluster.
type Region struct {
	// Cloud is aws, gcp or azure. Required.
	Cloud Cloud `json:"cloud"`
	// Region is the cloud's region name, e.g. us-east-1, europe-west4, westeurope. Required.
	Region string `json:"region"`
	// CIDR of the region's network. Default: planned from network.supernet, stable per (cloud, region).
	CIDR string `json:"cidr,omitempty"`
	// Zones to spread over; exactly the zones used for subnets and node pools. Default: the first
	// three zones of the region in the catalogue.
	Zones []string `json:"zones,omitempty"`
	// Kubernetes cluster settings. Default: managed, the pinned version.
	Kubernetes *Kubernetes `json:"kubernetes,omitempty"`
	// NodePools overrides per workload pool (system, pd, tikv, tidb, kafka, spark). Default: sized per
	// cloud and environment size, counts covering the data plane.
	NodePools map[string]*NodePool `json:"nodePools,omitempty"`
	// AWS options; only for cloud aws.
	AWS *AWSOptions `json:"aws,omitempty"`
	// GCP options; required for cloud gcp.
	GCP *GCPOptions `json:"gcp,omitempty"`
	// Azure options; required for cloud azure.
	Azure *AzureOptions `json:"azure,omitempty"`
	// Local options; required for cloud local.
	Local *LocalOptions `json:"local,omitempty"`
	// Spark settings for this region's cluster. Default: one job namespace, no example application.
	Spark *Spark `json:"spark,omitempty"`
	// Restore fills this region's TidbCluster from a backup when the cluster is created; needs
	// database.backup (the region's bucket and its identity). Default: none.
	Restore *Restore `json:"restore,omitempty"`
	// BackupExemption is why this environment accepts the region without backups, where
	// database.backup is on but kost cannot back the region up (Azure regions, kubeadm regions on
	// AWS, local regions without local.backup). Written on the TidbCluster, where the backups policy
	// reads it. Default: none.
	BackupExemption string `json:"backupExemption,omitempty"`
	// Tags added to this region's resources on top of the environment's tags.
	Tags map[string]string `json:"tags,omitempty"`
}

// Kubernetes configures a region's cluster.
type Kubernetes struct {
	// Mode is managed (EKS, GKE, AKS) or self-managed (kubeadm on VMs). Default: managed.
	Mode Mode `json:"mode,omitempty"`
	// Version is the Kubernetes minor version, e.g. "1.33". Default: the pinned version. Must be one of
	// the supported versions in versions.go.
	Version string `json:"version,omitempty"`
	// Endpoint controls API server reachability. Default: the private endpoint only; a public one
	// only where publicCidrs say who may reach it.
	Endpoint *Endpoint `json:"endpoint,omitempty"`
	// TokenRotation is refused: self-managed control planes mint join tokens themselves and publish
	// them to the cloud's secret store (README, "How the bootstrap works"); there is nothing to rotate.
	TokenRotation string `json:"tokenRotation,omitempty"`
	// Admins are principals given cluster-admin: on AWS IAM role or user ARNs (EKS access entries), on
	// GCP IAM members such as group:platform@example.com (roles/container.admin), on Azure Entra ID
	// group object IDs (AKS admin groups). Default: none besides the identity that runs Pulumi.
	Admins []string `json:"admins,omitempty"`
	// Previewers are the identities pull-request previews run as (managed clusters only), given
	// read-only Kubernetes access without Secrets: on AWS IAM role ARNs (an EKS access entry with
	// AmazonEKSViewPolicy), on GCP IAM members (roles/container.viewer on the project), on Azure
	// Entra ID object IDs ("Azure Kubernetes Service RBAC Reader" and "Azure Kubernetes Service
	// Cluster User Role" on the cluster). Default: none.
	Previewers []string `json:"previewers,omitempty"`
}

// Endpoint is the API server endpoint access.
type Endpoint struct {
	// Public enables the public endpoint (managed clusters only). Default: true when publicCidrs are
	// given, false otherwise.
	Public *bool `json:"public,omitempty"`
	// PublicCIDRs are the only ranges that may reach the public endpoint; required with public, never
	// 0.0.0.0/0 in prod. Default: none.
	PublicCIDRs []string `json:"publicCidrs,omitempty"`
}

// NodePool overrides one workload pool.
type NodePool struct {
	// InstanceType (AWS instance type, GCP machine type, Azure VM size). Default: per cloud and size.
	InstanceType string `json:"instanceType,omitempty"`
	// Count is the desired number of nodes over all zones. Default: what the data plane needs.
	Count *int `json:"count,omitempty"`
	// Min nodes for autoscaling. Default: count (spark: 0).
	Min *int `json:"min,omitempty"`
	// Max nodes for autoscaling. Default: count (spark and tidb: 3 x count).
	Max *int `json:"max,omitempty"`
	// Spot uses spot/preemptible capacity; allowed for spark only. Default: true for spark.
	Spot *bool `json:"spot,omitempty"`
	// DiskGiB is the node root disk size. Default: 50 (spark: 100).
	DiskGiB int `json:"diskGiB,omitempty"`
	// Allocatable is what the scheduler can place on one node of the pool, for an instance type that
	// is not in kost's catalogue (stacks/capacity/catalogue.go), and on a local cluster whose nodes
	// carry kost's pools: the capacity proof places every pod against it. Default: computed from the
	// catalogue and the cloud's node reservations; required for other types and on local clusters.
	Allocatable *Allocatable `json:"allocatable,omitempty"`

	// countDefaulted records that Count came from the data plane's needs, so a problem with it is
	// reported once, on the database or kafka field that caused it.
	countDefaulted bool
}

// Allocatable is one node's schedulable resources, as `kubectl get node -o
// jsonpath={.status.allocatable}` shows them, less what the cloud's DaemonSets request.
type Allocatable struct {
	// CPU as a Kubernetes quantity, e.g. "7910m" or "8". Required.
	CPU string `json:"cpu"`
	// Memory as a Kubernetes quantity, e.g. "58Gi". Required.
	Memory string `json:"memory"`
	// Pods the node takes. Required.
	Pods int `json:"pods"`
}

// AWSOptions are AWS-only region settings.
type AWSOptions struct {
	// Profile is the AWS CLI profile for the provider and the kubeconfig. Default: none (ambient credentials).
	Profile string `json:"profile,omitempty"`
	// RoleARN is assumed by the provider and the kubeconfig. Default: none.
	RoleARN string `json:"roleArn,omitempty"`
}

// GCPOptions are GCP-only region settings.
type GCPOptions struct {
	// Project is the GCP project ID the region's resources live in. Required.
	Project string `json:"project"`
}

// AzureOptions are Azure-only region settings.
type AzureOptions struct {
	// SubscriptionID the region's resources live in. Required.
	SubscriptionID string `json:"subscriptionId"`
	// ResourceGroup to create for the region. Default: kost-<environment>-<region>.
	ResourceGroup string `json:"resourceGroup,omitempty"`
}

// LocalOptions reach an existing cluster.
type LocalOptions struct {
	// Context is the kubeconfig context to use, e.g. kind-kost. Required.
	Context string `json:"context"`
	// Kubeconfig is the kubeconfig file. Default: the Kubernetes provider's default ($KUBECONFIG or
	// ~/.kube/config).
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// Provisioner is the cluster's storage provisioner for kost's storage classes.
	// Default: rancher.io/local-path (kind and k3d); minikube uses k8s.io/minikube-hostpath.
	Provisioner string `json:"provisioner,omitempty"`
	// Pools says the cluster was prepared like the clusters kost builds: its nodes carry kost's pool
	// label (kost.io/pool=<pool>, for every pool in PoolNames) and the dedicated pools' taint
	// (kost.io/pool=<pool>:NoSchedule, every pool but system), so each workload is placed on its
	// pool. Default: false (workloads run on any node).
	Pools bool `json:"pools,omitempty"`
	// Zones are the values of topology.kubernetes.io/zone on the cluster's nodes. With three of them
	// the data plane spreads over the zones as it does on a cloud. Default: none (no zone spread).
	Zones []string `json:"zones,omitempty"`
	// Backup is the S3-compatible store (MinIO, Ceph RGW, S3) the cluster's backups go to, where
	// database.backup is on: an existing cluster has no cloud identity kost could give BR, so its
	// credentials are a Secret you create. Default: none (the region then needs a backupExemption).
	Backup *LocalBackup `json:"backup,omitempty"`
}

// LocalBackup is an S3-compatible bucket for a local cluster's backups.
type LocalBackup struct {
	// Endpoint is the store's URL, e.g. http://minio.minio.svc:9000. Required.
	Endpoint string `json:"endpoint"`
	// Bucket to write to; it must exist. Required.
	Bucket string `json:"bucket"`
	// Region the store expects in signatures. Default: us-east-1.
	Region string `json:"region,omitempty"`
	// Provider is BR's S3 provider name (TiDB Operator docs: aws, ceph, minio, …). Default: minio.
	Provider string `json:"provider,omitempty"`
	// SecretName is the Secret in namespace tidb holding access_key and secret_key, which you create
	// (kost never sees the key). Required.
	SecretName string `json:"secretName"`
}

// With local.pools, a local region's nodePools describe the nodes the cluster already has (count and
// allocatable per pool, nothing else), so the capacity proof can place the data plane on them.

// Spark configures Spark on a cluster.
type Spark struct {
	// JobNamespaces are the namespaces Spark applications run in; each gets a driver service account
	// and RBAC. Default: [spark-jobs].
	JobNamespaces []string `json:"jobNamespaces,omitempty"`
	// Example adds an example SparkApplication on the spark pool that reads the first changefeed's
	// topic with structured streaming and TiDB over JDBC (needs a changefeed). Default: false.
	Example *bool `json:"example,omitempty"`
}

// Database sizes the TiDB cluster.
type Database struct {
	// PD members; odd. Default: 3 (dev: 1).
	PD *int `json:"pd,omitempty"`
	// TiKV stores. Default: 3 (dev: 1).
	TiKV *int `json:"tikv,omitempty"`
	// TiDB servers. Default: 2 (dev: 1).
	TiDB *int `json:"tidb,omitempty"`
	// TiFlash replicas for the analytical half of HTAP; 0 disables. Default: 1 in prod, 0 in dev.
	TiFlash *int `json:"tiflash,omitempty"`
	// TiCDC captures streaming changes into Kafka; 0 disables. Default: 2 in prod, 0 in dev.
	TiCDC *int `json:"ticdc,omitempty"`
	// Backup schedules BR backups to each region's backup bucket. Default: on where the environment
	// is protected (a daily full backup, log backup for point-in-time recovery, 14 days kept), off
	// elsewhere.
	Backup *Backup `json:"backup,omitempty"`
	// Changefeeds are the TiCDC changefeeds kost keeps in every region, each from TiDB tables to a
	// Kafka topic kost creates. Needs database.ticdc of at least 1. Default: with TiCDC on, one feed
	// "tidb" of every table to the topic tidb-cdc in canal-json; [] keeps none (and removes the ones
	// kost made).
	Changefeeds *[]Changefeed `json:"changefeeds,omitempty"`
	// Analytics is the read-only TiDB user Spark jobs read TiDB as. Default: the user, with no schema
	// to read.
	Analytics *Analytics `json:"analytics,omitempty"`
}

// Changefeed is one TiCDC changefeed from TiDB to Kafka (README, "Changefeeds").
type Changefeed struct {
	// ID names the feed: lowercase letters, digits and dashes, at most 60 characters. TiCDC knows it
	// as kost-<id>. Required.
	ID string `json:"id"`
	// Tables are TiCDC's table filter rules, e.g. ["shop.*", "!shop.audit_*"]; TiCDC always skips
	// its system schemas. Default: ["*.*"] (every table).
	Tables []string `json:"tables,omitempty"`
	// Topic receives the change events; kost creates it (a KafkaTopic, replication and
	// min.insync.replicas from kafka). Lowercase letters, digits, dots and dashes. Default: tidb-cdc.
	Topic string `json:"topic,omitempty"`
	// Protocol of the messages: canal-json, open-protocol, canal, maxwell, debezium or simple.
	// Default: canal-json.
	Protocol string `json:"protocol,omitempty"`
	// Partitions of the topic, 1 to 1000; feeds sharing a topic must agree. Default: 12.
	Partitions *int `json:"partitions,omitempty"`
	// ForceReplicate replicates tables without a primary or a unique key too (TiCDC may then write
	// duplicate events); otherwise such tables are left out. Default: false.
	ForceReplicate bool `json:"forceReplicate,omitempty"`
	// Options are further parameters of TiCDC's Kafka sink URI, e.g. {max-message-bytes: "1048576",
	// compression: zstd} (ChangefeedOptions lists those allowed; the topic, TLS, replication and
	// protocol are kost's). Default: none.
	Options map[string]string `json:"options,omitempty"`
}

// Analytics is the read-only TiDB user for analytics (Spark jobs), which the TidbInitializer
// creates with the cluster.
type Analytics struct {
	// Schemas the user may read (SELECT on every table of each). Never *: that would include the
	// mysql schema's password hashes. Applied when the cluster is created (README, "Spark on fresh
	// data"). Default: none.
	Schemas []string `json:"schemas,omitempty"`
}

// Backup schedules backups of the TiDB cluster with BR (TiDB Operator BackupSchedule) to a bucket kost
// makes in each region.
type Backup struct {
	// Enabled turns backups on. Default: true where the environment is protected, false elsewhere.
	// Regions kost cannot back up (Azure ones, kubeadm ones on AWS, local ones without local.backup:
	// README, Backups) then need a backupExemption.
	Enabled *bool `json:"enabled,omitempty"`
	// Schedule is the cron expression (five fields, UTC) of the full backup. Default: "0 2 * * *"
	// (daily at 02:00 UTC).
	Schedule string `json:"schedule,omitempty"`
	// Log keeps a continuous log backup beside the full backups, which point-in-time recovery needs.
	// Default: true.
	Log *bool `json:"log,omitempty"`
	// RetentionDays is how far back a restore can go: full backups older than this are deleted (the
	// newest older one is kept as the base of the oldest point-in-time restore) and the log is
	// truncated to it; deleted objects stay recoverable in the bucket for as many days again. 1 to
	// 365. Default: 14.
	RetentionDays *int `json:"retentionDays,omitempty"`
}

// Restore fills a region's new TidbCluster from a backup in its backup bucket (TiDB Operator Restore).
// Set it when (re)creating a region's cluster to recover; remove it once the restore is done.
type Restore struct {
	// Full is the path, inside the region's backup bucket, of the full backup to restore: the
	// BackupPath column of `kubectl get backup -n tidb` without its scheme and bucket, e.g.
	// kost/full/kost-pd.tidb-2379-2026-11-27t02-00-00. Required.
	Full string `json:"full"`
	// Log is the path of the log backup (status.logBackup's path, e.g. kost/log/log-2026-11-20t02-00-00).
	// With PointInTime, the restore replays the log after the full backup up to that time. Default:
	// none (restore the full backup only).
	Log string `json:"log,omitempty"`
	// PointInTime is the time to restore to, RFC 3339 (e.g. 2026-11-27T14:30:00Z), between the full
	// backup and the log's checkpoint. Required with Log.
	PointInTime string `json:"pointInTime,omitempty"`
}

// Kafka sizes the Kafka cluster (KRaft).
type Kafka struct {
	// Brokers. Default: 3 (dev: 1).
	Brokers *int `json:"brokers,omitempty"`
	// Controllers form the KRaft quorum; odd. Default: 3 (dev: 1).
	Controllers *int `json:"controllers,omitempty"`
	// ReplicationFactor of topics. Default: min(3, brokers).
	ReplicationFactor *int `json:"replicationFactor,omitempty"`
	// MinInsyncReplicas. Default: replicationFactor - 1, at least 1.
	MinInsyncReplicas *int `json:"minInsyncReplicas,omitempty"`
}

// PoolNames are the workload pools, in a stable order.
var PoolNames = []string{"system", "pd", "tikv", "tidb", "kafka", "spark"}

// Zone-spread pools: the ones holding quorum members.
var quorumPools = map[string]bool{"pd": true, "tikv": true, "kafka": true}

// IsQuorumPool reports whether a pool holds quorum members and so must span three zones.
func IsQuorumPool(pool string) bool { return quorumPools[pool] }

// DedicatedPool reports whether a pool is tainted so that only its workload runs there.
func DedicatedPool(pool string) bool { return pool != "system" }
