package config

import (
	"fmt"
	"sort"
	"strings"
)

// This file is the one place where versions are pinned. Every chart, operator, image, Kubernetes,
// EKS add-on and node package version kost deploys comes from here, each with the upstream source
// that confirmed it (Pins lists them; the README's versions table and `go run ./cmd/pins`, which
// the pin-check workflow resolves against the live registries every week, are rendered from it). A
// stack may choose another version only from the Supported lists below.
//
// Checked on 2026-11-28 against stored copies of the upstream sources, none newer than about
// September 2026. A source that says "unconfirmed" names the best evidence there was; the pin check
// confirms or refutes it against the live registry.

// Versions are the versions one environment deploys. The zero value of a field means "the pin".
type Versions struct {
	// Kubernetes minor version for regions that do not set kubernetes.version. Default: Pinned.Kubernetes.
	Kubernetes string `json:"kubernetes,omitempty"`
	// Strimzi operator chart version. Default: Pinned.Strimzi.
	Strimzi string `json:"strimzi,omitempty"`
	// Kafka version run by Strimzi (KRaft). Default: Pinned.Kafka.
	Kafka string `json:"kafka,omitempty"`
	// TiDBOperator chart and CRD version. Default: Pinned.TiDBOperator.
	TiDBOperator string `json:"tidbOperator,omitempty"`
	// TiDB version of PD, TiKV, TiDB, TiFlash and TiCDC. Default: Pinned.TiDB.
	TiDB string `json:"tidb,omitempty"`
	// SparkOperator chart version. Default: Pinned.SparkOperator.
	SparkOperator string `json:"sparkOperator,omitempty"`
}

// Pinned are the default versions.
var Pinned = Versions{
	Kubernetes:    "1.36",
	Strimzi:       "1.2.0",
	Kafka:         "4.3.1",
	TiDBOperator:  "v1.6.6",
	TiDB:          "v8.5.7",
	SparkOperator: "2.5.2",
}

// Supported lists, per field of Versions, every version a stack may choose. Adding one means checking
// it against the others (Strimzi's supported Kafka versions, the TiDB Operator's supported TiDB
// versions, the EKS add-on and kubeadm pins below).
var Supported = map[string][]string{
	"kubernetes":    {"1.35", "1.36"},
	"strimzi":       {"1.2.0"},
	"kafka":         {"4.2.0", "4.2.1", "4.3.0", "4.3.1"},
	"tidbOperator":  {"v1.6.6"},
	"tidb":          {"v8.5.0", "v8.5.1", "v8.5.2", "v8.5.3", "v8.5.4", "v8.5.5", "v8.5.6", "v8.5.7"},
	"sparkOperator": {"2.5.2"},
}

// versionSources say where each of Versions was confirmed.
var versionSources = map[string]string{
	"kubernetes": "standard support on all three clouds on 2026-11-28: EKS user guide kubernetes-versions (1.35 to 2027-03-27, " +
		"1.36 to 2027-08-02), AKS supported-kubernetes-versions calendar (1.35 to Mar 2027, 1.36 to Jun 2027), GKE release " +
		"schedule, Regular channel (1.35 to 2027-04-11, 1.36 to 2027-08-09); kubernetes.io/releases (end of life: 1.35 " +
		"2027-02-28, 1.36 2027-06-28). 1.33 and 1.34 are past upstream end of life; 1.37 is not GA on EKS and AKS",
	"strimzi": "strimzi/strimzi-kafka-operator tag 1.2.0, helm-charts/helm3/strimzi-kafka-operator (published as " +
		"oci://quay.io/strimzi-helm/strimzi-kafka-operator; the OCI artifact itself unconfirmed here)",
	"kafka":        "strimzi/strimzi-kafka-operator tag 1.2.0, kafka-versions.yaml: 4.2.0, 4.2.1, 4.3.0, 4.3.1 supported, 4.3.1 default",
	"tidbOperator": "pingcap/tidb-operator tag v1.6.6 (charts/tidb-operator, manifests/crd.yaml); chart repository charts.pingcap.com (docs.pingcap.com tidb-in-kubernetes cheat sheet)",
	"tidb": "tikv/tikv tags v8.5.0 to v8.5.7 (v8.5.7: 2026-06-26; images pingcap/pd, tikv, tidb, tiflash, ticdc, br at the tag); " +
		"TiDB >= 8.0 pairs with TiDB Operator 1.6 (docs-tidb-operator release-1.6 en/tidb-operator-overview.md). v8.5.7 is the " +
		"default: its TiKV reaches GCS with workload identity (components/cloud/gcp_v2, new in v8.5.7) and Azure Blob with " +
		"managed identity (DefaultAzureCredential, from v8.5.5), which backups without static keys need",
	"sparkOperator": "kubeflow/spark-operator tag v2.5.2, charts/spark-operator-chart (the newest 2.x in its gh-pages index.yaml)",
}

// Chart says where an operator's chart comes from.
type Chart struct {
	// Name of the chart in its repository.
	Name string
	// Repo is the Helm repository URL, or empty for an OCI reference in Name.
	Repo string
}

// Charts are the operators' chart locations; their versions are in Versions.
var Charts = map[string]Chart{
	"strimzi":      {Name: "oci://quay.io/strimzi-helm/strimzi-kafka-operator"},
	"tidbOperator": {Name: "tidb-operator", Repo: "https://charts.pingcap.com/"},
	// The chart's gh-pages index (kubeflow/spark-operator).
	"sparkOperator": {Name: "spark-operator", Repo: "https://kubeflow.github.io/spark-operator"},
}

// Images kost names itself (the operators pin the rest through their versions above).
var Images = map[string]string{
	// The TiDB Operator's TidbInitializer runs this client to set the root password.
	"tidbInitializer": "tnir/mysqlclient:1.4.6",
	// The example SparkApplication (PySpark: the tag is the python3 variant).
	"spark": "docker.io/library/spark:4.0.0",
	// The Go toolchain the changefeed sync job compiles and runs kost's cdcsync with.
	"cdcSync": "docker.io/library/golang:1.26.7-alpine3.24",
}

// imageSources say where each of Images was confirmed.
var imageSources = map[string]string{
	"tidbInitializer": "unconfirmed tag: PingCAP's TidbInitializer docs and examples name tnir/mysqlclient untagged (latest); " +
		"1.4.6 is the tag another TiDB Operator integration pins (DefaultMysqlclientImage); the pin check resolves it",
	"spark": "apache/spark-docker versions/4.0.0 (the official image spark:4.0.0, Java 17, Scala 2.13)",
	"cdcSync": "docker-library/official-images library/golang at 37079fb3 (2026-08-21): 1.26.7-alpine3.24, the newest 1.26 " +
		"listed (the language version kost builds with; 1.27.0 is listed too); GOTOOLCHAIN=local in the image, std compiled on " +
		"demand into GOCACHE (Go 1.20 and later ship no precompiled std)",
}

// SparkPackages are the Maven packages of the example SparkApplication, by key: the Kafka source
// built for the image's Spark and Scala, and the MySQL JDBC driver.
var SparkPackages = map[string]string{
	"sparkSqlKafka":   "org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.0",
	"mysqlConnectorJ": "com.mysql:mysql-connector-j:26.10.0",
}

// sparkPackageSources say where each of SparkPackages was confirmed.
var sparkPackageSources = map[string]string{
	"sparkSqlKafka": "apache/spark docs/streaming/structured-streaming-kafka-integration.md (Linking: org.apache.spark:" +
		"spark-sql-kafka-0-10_<Scala binary version>:<Spark version>), Spark 4.0.0 with Scala 2.13 (Images spark); the artifact " +
		"itself unconfirmed here (Maven Central unreachable), its sibling spark-token-provider-kafka-0-10_2.13 4.0.0 is served; " +
		"the pin check resolves it",
	"mysqlConnectorJ": "Maven Central com.mysql:mysql-connector-j as this machine's package list saw it on 2026-11-25 " +
		"(/work/.library/env/packages/maven-partial.tsv): served 8.3.0 to 9.7.0, 26.7.0 and 26.10.0, the newest resolving with its " +
		"dependencies under Java 17 (the image's Java)",
}

// SparkExamplePackages lists SparkPackages, sorted.
func SparkExamplePackages() []string {
	out := make([]string, 0, len(SparkPackages))
	for _, p := range SparkPackages {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// SparkVersion is the Spark version of Images["spark"].
const SparkVersion = "4.0.0"

// EKSAddons pins the EKS managed add-ons per Kubernetes minor version. Every supported Kubernetes
// version must have an entry; a test checks it.
var EKSAddons = map[string]map[string]string{
	"1.35": {
		"vpc-cni":            "v1.21.1-eksbuild.7",
		"kube-proxy":         "v1.35.3-eksbuild.13",
		"coredns":            "v1.14.3-eksbuild.3",
		"aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
	},
	"1.36": {
		"vpc-cni":            "v1.21.1-eksbuild.7",
		"kube-proxy":         "v1.36.0-eksbuild.14",
		"coredns":            "v1.14.3-eksbuild.3",
		"aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
	},
}

// eksAddonSources say where the EKS add-on pins were confirmed.
var eksAddonSources = map[string]string{
	"vpc-cni": "EKS user guide managing-vpc-cni (one version for every Kubernetes row; the 1.36 row is not in the stored " +
		"copy: unconfirmed for 1.36)",
	"kube-proxy": "EKS user guide managing-kube-proxy, version table (1.36: v1.36.0-eksbuild.14, 1.35: v1.35.3-eksbuild.13)",
	"coredns":    "EKS user guide managing-coredns, version table (1.35 and 1.36: v1.14.3-eksbuild.3)",
	"aws-ebs-csi-driver": "unconfirmed in the EKS user guide: describe-addon-versions output (defaultVersion for 1.36) " +
		"recorded in a public infrastructure repository; upstream driver v1.64.0 is the newest tag seen",
}

// EKSAddonNames lists the managed add-ons in install order.
var EKSAddonNames = []string{"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"}

// Resolve returns v with every empty field replaced by its pin.
func (v *Versions) Resolve() Versions {
	out := Pinned
	if v == nil {
		return out
	}
	set := func(dst *string, src string) {
		if src != "" {
			*dst = src
		}
	}
	set(&out.Kubernetes, v.Kubernetes)
	set(&out.Strimzi, v.Strimzi)
	set(&out.Kafka, v.Kafka)
	set(&out.TiDBOperator, v.TiDBOperator)
	set(&out.TiDB, v.TiDB)
	set(&out.SparkOperator, v.SparkOperator)
	return out
}

// fields returns the versions keyed by their config name.
func (v Versions) fields() map[string]string {
	return map[string]string{
		"kubernetes":    v.Kubernetes,
		"strimzi":       v.Strimzi,
		"kafka":         v.Kafka,
		"tidbOperator":  v.TiDBOperator,
		"tidb":          v.TiDB,
		"sparkOperator": v.SparkOperator,
	}
}

// KubernetesEndOfLife is each supported minor's upstream end of life (kubernetes.io/releases): the
// date by which an environment must have moved on. GKE clusters hold their minor with a maintenance
// exclusion until this date (GKE's own end of support comes later).
var KubernetesEndOfLife = map[string]string{
	"1.35": "2027-02-28",
	"1.36": "2027-06-28",
}

// TiDBOperatorCRDs is the release manifest of the TiDB Operator's CRDs, which its chart does not
// carry. The Kubernetes provider fetches it at preview and update time.
func TiDBOperatorCRDs(version string) string {
	return "https://raw.githubusercontent.com/pingcap/tidb-operator/" + version + "/manifests/crd.yaml"
}

// AddonChart pins a chart of a self-managed cluster's add-ons.
type AddonChart struct {
	// Name of the chart in Repo.
	Name string
	// Repo is the Helm repository URL.
	Repo string
	// Version is the exact chart version.
	Version string
	// Source says where the version was confirmed.
	Source string
}

// KubeadmRelease pins what the self-managed (kubeadm) clusters of one Kubernetes minor version run.
type KubeadmRelease struct {
	// Kubernetes is the exact release of kubelet, kubeadm, kubectl (apt <version>-1.1 from
	// pkgs.k8s.io) and the control-plane images.
	Kubernetes string
	// Containerd is the apt version of Docker's containerd.io package for Ubuntu 24.04.
	Containerd string
	// CNI is the Cilium chart tested with this minor.
	CNI AddonChart
	// CloudControllerManager is each cloud's cloud-controller-manager image tag for this minor.
	CloudControllerManager map[Cloud]string
}

// KubeadmReleases are the Kubernetes minor versions a self-managed cluster may run; validation refuses
// kubernetes.mode self-managed with any other. Each cloud's cloud-controller-manager follows the
// Kubernetes minor version, so a new minor needs all three tags.
var KubeadmReleases = map[string]KubeadmRelease{
	"1.35": {
		Kubernetes: "1.35.9",
		Containerd: "2.2.4-1~ubuntu.24.04~noble",
		CNI: AddonChart{Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.19.6",
			Source: "cilium/charts index (master 009b5e95): 1.19.6 is the newest 1.19; Cilium 1.19 e2e-tests Kubernetes 1.32-1.35 (compatibility.rst, seen at v1.19.3)"},
		CloudControllerManager: map[Cloud]string{
			AWS:   "v1.35.2",
			GCP:   "v35.0.8",
			Azure: "v1.35.4",
		},
	},
	"1.36": {
		Kubernetes: "1.36.4",
		Containerd: "2.2.4-1~ubuntu.24.04~noble",
		CNI: AddonChart{Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.20.0",
			Source: "cilium/charts index (master 009b5e95): 1.20.0; its tested Kubernetes range (1.33-1.36) is unconfirmed here"},
		CloudControllerManager: map[Cloud]string{
			AWS:   "v1.36.1",
			GCP:   "v36.2.4",
			Azure: "v1.36.0",
		},
	},
}

// Sources of the kubeadm releases.
const (
	kubeadmSource = "kubernetes.io/releases: 1.36.4 (2026-08-11) and 1.35.9 (2026-09-15) are the newest patches seen; " +
		"pkgs.k8s.io builds every patch as revision -1.1"
	containerdSource = "containerd.io 2.2.4 for noble in Docker's apt pool (the file name is seen in public offline-install " +
		"records); containerd RELEASES.md (Aug 2026) recommends 2.2+ for 1.35 and 1.36 and ends 2.2 on 2026-11-06: move to " +
		"a 2.3 build (LTS to 2028-04-30) once the pin check lists one for noble"
	ccmSource = "AWS: registry.k8s.io/provider-aws v1.35.2, v1.36.1 (kubernetes/k8s.io#9796: the only usable 1.36 build); GCP: " +
		"registry.k8s.io/cloud-provider-gcp v35.0.8 (promoted, k8s.io#9333), v36.2.4 (promoted, k8s.io#9714); Azure: the " +
		"default tags of cloud-provider-azure chart 1.36.0 for minors 35 and 36 (MCR itself unchecked)"
)

// AddonCharts are the add-on charts the stack installs on self-managed clusters besides the CNI:
// metrics-server everywhere, each cloud's cloud-controller-manager and CSI driver where the cloud
// publishes a chart. GCP publishes none for either; their manifests are built in components/gcp from
// GCPAddonImages.
var AddonCharts = map[string]AddonChart{
	"metricsServer": {Name: "metrics-server", Repo: "https://kubernetes-sigs.github.io/metrics-server/", Version: "3.13.1",
		Source: "kubernetes-sigs/metrics-server tag metrics-server-helm-chart-3.13.1 (appVersion 0.8.1)"},
	"awsCCM": {Name: "aws-cloud-controller-manager", Repo: "https://kubernetes.github.io/cloud-provider-aws", Version: "0.0.11",
		Source: "kubernetes/cloud-provider-aws gh-pages index.yaml: 0.0.11 (appVersion v1.35.0; image.tag set per minor)"},
	"awsEBSCSI": {Name: "aws-ebs-csi-driver", Repo: "https://kubernetes-sigs.github.io/aws-ebs-csi-driver", Version: "2.64.0",
		Source: "kubernetes-sigs/aws-ebs-csi-driver tag helm-chart-aws-ebs-csi-driver-2.64.0 (driver v1.64.0)"},
	"azureCCM": {Name: "cloud-provider-azure", Repo: "https://raw.githubusercontent.com/kubernetes-sigs/cloud-provider-azure/master/helm/repo", Version: "1.36.0",
		Source: "kubernetes-sigs/cloud-provider-azure helm/repo/index.yaml: 1.36.0 (image tags per Kubernetes minor; kost sets them)"},
	"azureDiskCSI": {Name: "azuredisk-csi-driver", Repo: "https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts", Version: "1.34.5",
		Source: "kubernetes-sigs/azuredisk-csi-driver charts/index.yaml: 1.34.5, the newest line (built on Kubernetes 1.35 libraries; no 1.35 line exists)"},
	"clusterAutoscaler": {Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0",
		Source: "kubernetes/autoscaler gh-pages index.yaml: 9.59.0 (appVersion 1.35.0); the image follows the cluster's minor (ClusterAutoscalerImages)"},
}

// Dashboard is a Grafana dashboard kost provisions, pinned to a tag of its upstream repository:
// Grafana downloads it when it starts (monitoring.stack bundled), from URL or from
// mirror.dashboards.
type Dashboard struct {
	// Key names it (Grafana's file name); Folder is the Grafana folder it is shown in.
	Key, Folder string
	// Version is the upstream tag; URL the file at that tag.
	Version, URL string
	// SHA256 is the digest of the file at the tag (the pin check compares it).
	SHA256 string
	// Source says where it was confirmed.
	Source string
}

// File is the dashboard's file name under mirror.dashboards.
func (d Dashboard) File() string { return d.Key + "-" + d.Version + ".json" }

// Sources of the dashboards.
const (
	pingcapDashboardSource = "pingcap/monitoring tag v8.5.7 (fd29374e, the TiDB version kost pins) " +
		"monitor-snapshot/release-8.5/operator/dashboards: the dashboards PingCAP builds for the TiDB Operator's TidbMonitor " +
		"(labels tidb_cluster=<namespace>-<cluster>, instance=<pod>, and a data source named tidb-cluster)"
	strimziDashboardSource = "strimzi/strimzi-kafka-operator tag 1.2.0 examples/metrics/grafana-dashboards (the Strimzi " +
		"version kost pins; data source chosen by their DS_PROMETHEUS variable)"
)

// Dashboards are the Grafana dashboards of the bundled stack, besides kube-prometheus-stack's own
// Kubernetes dashboards: PingCAP's for TiDB and Strimzi's for Kafka.
var Dashboards = []Dashboard{
	{Key: "tidb-overview", Folder: "TiDB", Version: "v8.5.7", Source: pingcapDashboardSource,
		URL:    "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/monitor-snapshot/release-8.5/operator/dashboards/overview.json",
		SHA256: "3e5020700bf1dd40f1b43f2981e3d118008848a4e63ab16200221796c6340cc5"},
	{Key: "tidb", Folder: "TiDB", Version: "v8.5.7", Source: pingcapDashboardSource,
		URL:    "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/monitor-snapshot/release-8.5/operator/dashboards/tidb.json",
		SHA256: "f9bd02d055aa0f58949e6b6a2bbf4633ac118e75a621afbfb49f6b87150585ac"},
	{Key: "pd", Folder: "TiDB", Version: "v8.5.7", Source: pingcapDashboardSource,
		URL:    "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/monitor-snapshot/release-8.5/operator/dashboards/pd.json",
		SHA256: "c736293875c7001988dc70f10f4d66b2d63441436e253efbc093171d43c10bae"},
	{Key: "tikv-summary", Folder: "TiDB", Version: "v8.5.7", Source: pingcapDashboardSource,
		URL:    "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/monitor-snapshot/release-8.5/operator/dashboards/tikv_summary.json",
		SHA256: "ae02512b3d0bee0580f3506e42e496430695bd21af8c8d500ea72d9ab419cccd"},
	{Key: "tikv-details", Folder: "TiDB", Version: "v8.5.7", Source: pingcapDashboardSource,
		URL:    "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/monitor-snapshot/release-8.5/operator/dashboards/tikv_details.json",
		SHA256: "8881d877743816d43deeb426669d075cdedfa1ea70921cf6d97cf126aa3f487e"},
	{Key: "tiflash-summary", Folder: "TiDB", Version: "v8.5.7", Source: pingcapDashboardSource,
		URL:    "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/monitor-snapshot/release-8.5/operator/dashboards/tiflash_summary.json",
		SHA256: "26e0efcbfacafde2534fe91d715e3a964d46d12d71a02244b3d23bfdcdd30b89"},
	{Key: "ticdc", Folder: "TiDB", Version: "v8.5.7", Source: pingcapDashboardSource,
		URL:    "https://raw.githubusercontent.com/pingcap/monitoring/v8.5.7/monitor-snapshot/release-8.5/operator/dashboards/ticdc.json",
		SHA256: "2b095278ccf23086de72be59588226f99e38938fd74e90cf52659ad1272db1db"},
	{Key: "strimzi-kafka", Folder: "Kafka", Version: "1.2.0", Source: strimziDashboardSource,
		URL:    "https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/1.2.0/examples/metrics/grafana-dashboards/strimzi-kafka.json",
		SHA256: "7eb67dbe453a37ba11157cf62ebbbe83664b28f60354fb1f2b93737541fe63ec"},
	{Key: "strimzi-kraft", Folder: "Kafka", Version: "1.2.0", Source: strimziDashboardSource,
		URL:    "https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/1.2.0/examples/metrics/grafana-dashboards/strimzi-kraft.json",
		SHA256: "40e475f4c04a372b6798803221bb4de85e52e737fa6e753522e6b2207b567c05"},
	{Key: "strimzi-kafka-exporter", Folder: "Kafka", Version: "1.2.0", Source: strimziDashboardSource,
		URL:    "https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/1.2.0/examples/metrics/grafana-dashboards/strimzi-kafka-exporter.json",
		SHA256: "92c0f574461a4aa38d80c5b800392f1d5f720df92747d91ff916ff2ec7c45431"},
	{Key: "strimzi-operators", Folder: "Kafka", Version: "1.2.0", Source: strimziDashboardSource,
		URL:    "https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/1.2.0/examples/metrics/grafana-dashboards/strimzi-operators.json",
		SHA256: "442ab5c6de8c60e55663b1c6831c4f706eac859e78640d38bc59aaed5ab256ba"},
	{Key: "strimzi-cruise-control", Folder: "Kafka", Version: "1.2.0", Source: strimziDashboardSource,
		URL:    "https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/1.2.0/examples/metrics/grafana-dashboards/strimzi-cruise-control.json",
		SHA256: "cbf0897b359bb0061da033a34b2b6ca2b27786b87da7e0bfcbf5d5ceb993304b"},
}

// MonitoringChart is kube-prometheus-stack, the monitoring stack of every cluster (monitoring.stack
// bundled): the Prometheus Operator with its CRDs, Prometheus, Alertmanager, Grafana,
// kube-state-metrics and the node exporter. Its Prometheus Operator is the version whose CRDs kost's
// monitors and rules are validated against (../shared/crds/prometheus-operator-v0.93.0).
var MonitoringChart = AddonChart{Name: "kube-prometheus-stack", Repo: "https://prometheus-community.github.io/helm-charts",
	Version: "88.3.0", Source: "prometheus-community/helm-charts tag kube-prometheus-stack-88.3.0 (54199b5b): appVersion v0.93.0, " +
		"Prometheus v3.13.2, Alertmanager v0.33.1; dependencies kube-state-metrics 8.2.0, prometheus-node-exporter 4.56.1 and " +
		"grafana 12.10.4 (grafana-community/helm-charts e3b4194f, Grafana 13.1.3); its index.yaml entry was not readable offline"}

// ClusterAutoscalerImages are the cluster-autoscaler releases per Kubernetes minor ("use the release
// that corresponds to the minor version of Kubernetes": kubernetes/autoscaler cluster-autoscaler/
// README.md). Tags cluster-autoscaler-1.35.2 and -1.36.1 (2026-07-22).
var ClusterAutoscalerImages = map[string]string{
	"1.35": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.2",
	"1.36": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1",
}

// GCPAddonImages are the images of the add-ons kost installs from its own manifests on GCP
// self-managed clusters (Google publishes no chart for them): the PD CSI driver and the Kubernetes
// CSI sidecars that driver release deploys (its deploy/kubernetes/images/stable-master/image.yaml).
// The cloud-controller-manager's tag is in KubeadmReleases.
var GCPAddonImages = map[string]string{
	"pdCSIDriver":            "registry.k8s.io/cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver:v1.26.4",
	"csiProvisioner":         "registry.k8s.io/sig-storage/csi-provisioner:v6.0.0",
	"csiAttacher":            "registry.k8s.io/sig-storage/csi-attacher:v4.8.1",
	"csiResizer":             "registry.k8s.io/sig-storage/csi-resizer:v2.0.0",
	"csiNodeDriverRegistrar": "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0",
}

const gcpAddonImagesSource = "kubernetes-sigs/gcp-compute-persistent-disk-csi-driver tag v1.26.4 (2026-07-08, the " +
	"newest release); the sidecars of its deploy/kubernetes/images/stable-master/image.yaml, whose flags kost's manifest uses"

// Pin is one version kost deploys, with where it comes from and the source that confirmed it.
type Pin struct {
	// Kind is chart, image, maven, eks-addon, kubernetes, apt, dashboard or version.
	Kind string `json:"kind"`
	// Key names the pin in this file.
	Key string `json:"key"`
	// Name is the chart, image repository, add-on or package.
	Name string `json:"name"`
	// Version is the exact version or tag.
	Version string `json:"version"`
	// Repo is the chart repository (charts), the Kubernetes minor (EKS add-ons, kubeadm packages).
	Repo string `json:"repo,omitempty"`
	// SHA256 is the content's digest where kost pins it (dashboards: the file at the tag).
	SHA256 string `json:"sha256,omitempty"`
	// Source says where the pin was confirmed.
	Source string `json:"source"`
}

// Pins lists every pinned version, sorted by kind and key.
func Pins() []Pin {
	var out []Pin
	for k, v := range Pinned.fields() {
		p := Pin{Kind: "version", Key: k, Name: k, Version: v, Source: versionSources[k]}
		if c, ok := Charts[k]; ok {
			p.Kind, p.Name, p.Repo = "chart", c.Name, c.Repo
		}
		out = append(out, p)
	}
	for k, img := range Images {
		name, tag, _ := strings.Cut(img, ":")
		out = append(out, Pin{Kind: "image", Key: k, Name: name, Version: tag, Source: imageSources[k]})
	}
	for k, coord := range SparkPackages {
		i := strings.LastIndex(coord, ":")
		out = append(out, Pin{Kind: "maven", Key: k, Name: coord[:i], Version: coord[i+1:], Repo: "https://repo1.maven.org/maven2",
			Source: sparkPackageSources[k]})
	}
	for minor, addons := range EKSAddons {
		for _, a := range EKSAddonNames {
			out = append(out, Pin{Kind: "eks-addon", Key: a + "@" + minor, Name: a, Version: addons[a], Repo: minor, Source: eksAddonSources[a]})
		}
	}
	for minor, r := range KubeadmReleases {
		out = append(out,
			Pin{Kind: "apt", Key: "kubeadm@" + minor, Name: "kubelet kubeadm kubectl", Version: r.Kubernetes + "-1.1", Repo: "https://pkgs.k8s.io/core:/stable:/v" + minor + "/deb/", Source: kubeadmSource},
			Pin{Kind: "apt", Key: "containerd@" + minor, Name: "containerd.io", Version: r.Containerd, Repo: "https://download.docker.com/linux/ubuntu noble", Source: containerdSource},
			Pin{Kind: "chart", Key: "cilium@" + minor, Name: r.CNI.Name, Version: r.CNI.Version, Repo: r.CNI.Repo, Source: r.CNI.Source},
			Pin{Kind: "image", Key: "awsCCM@" + minor, Name: "registry.k8s.io/provider-aws/cloud-controller-manager", Version: r.CloudControllerManager[AWS], Source: ccmSource},
			Pin{Kind: "image", Key: "gcpCCM@" + minor, Name: "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager", Version: r.CloudControllerManager[GCP], Source: ccmSource},
			Pin{Kind: "image", Key: "azureCCM@" + minor, Name: "mcr.microsoft.com/oss/kubernetes/azure-cloud-controller-manager", Version: r.CloudControllerManager[Azure], Source: ccmSource},
		)
	}
	for k, c := range AddonCharts {
		out = append(out, Pin{Kind: "chart", Key: k, Name: c.Name, Version: c.Version, Repo: c.Repo, Source: c.Source})
	}
	out = append(out, Pin{Kind: "chart", Key: "kubePrometheusStack", Name: MonitoringChart.Name, Version: MonitoringChart.Version,
		Repo: MonitoringChart.Repo, Source: MonitoringChart.Source})
	for _, d := range Dashboards {
		out = append(out, Pin{Kind: "dashboard", Key: d.Key, Name: d.URL, Version: d.Version, SHA256: d.SHA256, Source: d.Source})
	}
	for minor, img := range ClusterAutoscalerImages {
		name, tag, _ := strings.Cut(img, ":")
		out = append(out, Pin{Kind: "image", Key: "clusterAutoscaler@" + minor, Name: name, Version: tag,
			Source: "kubernetes/autoscaler tag cluster-autoscaler-" + strings.TrimPrefix(tag, "v") + " (registry promotion unconfirmed)"})
	}
	for k, img := range GCPAddonImages {
		name, tag, _ := strings.Cut(img, ":")
		out = append(out, Pin{Kind: "image", Key: k, Name: name, Version: tag, Source: gcpAddonImagesSource})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// VersionRow is one line of the versions table.
type VersionRow struct {
	Key, Component, Pinned, Source string
	Supported                      []string
}

// VersionTable lists every pinned version with where it comes from, sorted by key; the README's table
// is rendered from it.
func VersionTable() []VersionRow {
	desc := map[string]string{
		"kubernetes":    "Kubernetes (EKS, GKE, AKS, kubeadm)",
		"strimzi":       "Strimzi operator chart",
		"kafka":         "Kafka (KRaft)",
		"tidbOperator":  "TiDB Operator chart and CRDs",
		"tidb":          "TiDB (PD, TiKV, TiDB, TiFlash, TiCDC)",
		"sparkOperator": "Spark operator chart",
	}
	pins := Pinned.fields()
	rows := make([]VersionRow, 0, len(pins))
	for k, p := range pins {
		rows = append(rows, VersionRow{Key: k, Component: desc[k], Pinned: p, Source: versionSources[k], Supported: Supported[k]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
	return rows
}

// VersionsMarkdown renders the versions tables the README carries between its versions markers.
func VersionsMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | component | pinned | may be set to |\n|---|---|---|---|\n")
	for _, r := range VersionTable() {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", r.Key, r.Component, r.Pinned, "`"+strings.Join(r.Supported, "`, `")+"`")
	}
	b.WriteString("\nKubernetes upstream end of life (move `versions.kubernetes` before it): ")
	var eol []string
	for _, k := range sortedKeys(KubernetesEndOfLife) {
		eol = append(eol, fmt.Sprintf("%s on %s", k, KubernetesEndOfLife[k]))
	}
	b.WriteString(strings.Join(eol, ", ") + ".\n")
	b.WriteString("\nEKS managed add-ons, per Kubernetes version:\n\n| Kubernetes | " + strings.Join(EKSAddonNames, " | ") + " |\n|---|" + strings.Repeat("---|", len(EKSAddonNames)) + "\n")
	for _, k := range Supported["kubernetes"] {
		b.WriteString("| " + k)
		for _, a := range EKSAddonNames {
			b.WriteString(" | `" + EKSAddons[k][a] + "`")
		}
		b.WriteString(" |\n")
	}
	b.WriteString("\nSelf-managed (kubeadm) clusters, per Kubernetes version:\n\n| Kubernetes | release | containerd.io | Cilium | AWS CCM | GCP CCM | Azure CCM | cluster-autoscaler |\n|---|---|---|---|---|---|---|---|\n")
	for _, k := range sortedKeys(KubeadmReleases) {
		r := KubeadmReleases[k]
		fmt.Fprintf(&b, "| %s | `%s` | `%s` | `%s` | `%s` | `%s` | `%s` | `%s` |\n", k, r.Kubernetes, r.Containerd, r.CNI.Version,
			r.CloudControllerManager[AWS], r.CloudControllerManager[GCP], r.CloudControllerManager[Azure], ClusterAutoscalerImages[k])
	}
	b.WriteString("\nSelf-managed add-on charts:\n\n| key | chart | version | repository |\n|---|---|---|---|\n")
	for _, k := range sortedKeys(AddonCharts) {
		c := AddonCharts[k]
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", k, c.Name, c.Version, c.Repo)
	}
	fmt.Fprintf(&b, "\nMonitoring (every cluster, `monitoring.stack: bundled`): chart %s `%s` from %s, and the Grafana dashboards "+
		"(a `mirror.dashboards` base URL holds each as its file name):\n\n| key | folder | file | upstream at the pinned tag | sha256 |\n|---|---|---|---|---|\n",
		MonitoringChart.Name, MonitoringChart.Version, MonitoringChart.Repo)
	for _, d := range Dashboards {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | `%s` |\n", d.Key, d.Folder, d.File(), d.URL, d.SHA256[:12])
	}
	b.WriteString("\nGCP self-managed add-on images (kost's manifests):\n\n| key | image |\n|---|---|\n")
	for _, k := range sortedKeys(GCPAddonImages) {
		fmt.Fprintf(&b, "| `%s` | `%s` |\n", k, GCPAddonImages[k])
	}
	b.WriteString("\nWhere each pin was confirmed:\n\n| kind | key | version | source |\n|---|---|---|---|\n")
	for _, p := range Pins() {
		fmt.Fprintf(&b, "| %s | `%s` | `%s` | %s |\n", p.Kind, p.Key, p.Version, p.Source)
	}
	return b.String()
}
