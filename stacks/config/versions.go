package config

import (
	"fmt"
	"sort"
	"strings"
)

// This file is the one place where versions are pinned. Every chart, operator, Kubernetes and
// database version kost deploys comes from here; a stack may choose another version only from the
// Supported lists below. The README's versions table is checked against Pinned by the tests.

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
	Kubernetes:    "1.33",
	Strimzi:       "1.2.0",
	Kafka:         "4.3.1",
	TiDBOperator:  "v1.6.6",
	TiDB:          "v8.5.2",
	SparkOperator: "2.5.2",
}

// Supported lists, per field of Versions, every version a stack may choose. Adding one means checking
// it against the others (Strimzi's supported Kafka versions, the TiDB Operator's supported TiDB
// versions, the EKS add-on pins below).
var Supported = map[string][]string{
	"kubernetes":    {"1.32", "1.33"},
	"strimzi":       {"1.2.0"},
	"kafka":         {"4.2.0", "4.3.0", "4.3.1"},
	"tidbOperator":  {"v1.6.6"},
	"tidb":          {"v8.5.0", "v8.5.1", "v8.5.2"},
	"sparkOperator": {"2.5.2"},
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
	"strimzi":       {Name: "oci://quay.io/strimzi-helm/strimzi-kafka-operator"},
	"tidbOperator":  {Name: "tidb-operator", Repo: "https://charts.pingcap.org/"},
	"sparkOperator": {Name: "spark-operator", Repo: "https://kubeflow.github.io/spark-operator"},
}

// Images kost names itself (the operators pin the rest through their versions above).
var Images = map[string]string{
	// The TiDB Operator's TidbInitializer runs this client to set the root password.
	"tidbInitializer": "tnir/mysqlclient:1.4.6",
	// The example SparkApplication.
	"spark": "docker.io/library/spark:4.0.0",
}

// SparkVersion is the Spark version of Images["spark"].
const SparkVersion = "4.0.0"

// EKSAddons pins the EKS managed add-ons per Kubernetes minor version (from the EKS user guide's
// add-on version tables). Every supported Kubernetes version must have an entry; a test checks it.
var EKSAddons = map[string]map[string]string{
	"1.32": {
		"vpc-cni":            "v1.20.4-eksbuild.1",
		"kube-proxy":         "v1.32.9-eksbuild.2",
		"coredns":            "v1.11.4-eksbuild.24",
		"aws-ebs-csi-driver": "v1.56.0-eksbuild.1",
	},
	"1.33": {
		"vpc-cni":            "v1.20.4-eksbuild.1",
		"kube-proxy":         "v1.33.5-eksbuild.2",
		"coredns":            "v1.12.4-eksbuild.1",
		"aws-ebs-csi-driver": "v1.56.0-eksbuild.1",
	},
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

// VersionRow is one line of the versions table.
type VersionRow struct {
	Key, Component, Pinned, Source string
	Supported                      []string
}

// VersionTable lists every pinned version with where it comes from, sorted by key; the README's table
// is rendered from it.
func VersionTable() []VersionRow {
	desc := map[string][2]string{
		"kubernetes":    {"Kubernetes (EKS, GKE, AKS, kubeadm)", "cloud release channels"},
		"strimzi":       {"Strimzi operator chart", Charts["strimzi"].Name},
		"kafka":         {"Kafka (KRaft)", "Strimzi " + Pinned.Strimzi},
		"tidbOperator":  {"TiDB Operator chart and CRDs", Charts["tidbOperator"].Repo},
		"tidb":          {"TiDB (PD, TiKV, TiDB, TiFlash, TiCDC)", "PingCAP images"},
		"sparkOperator": {"Spark operator chart", Charts["sparkOperator"].Repo},
	}
	pins := Pinned.fields()
	rows := make([]VersionRow, 0, len(pins))
	for k, p := range pins {
		rows = append(rows, VersionRow{Key: k, Component: desc[k][0], Pinned: p, Source: desc[k][1], Supported: Supported[k]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
	return rows
}

// VersionsMarkdown renders the versions table the README carries between its versions markers.
func VersionsMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | component | pinned | may be set to | source |\n|---|---|---|---|---|\n")
	for _, r := range VersionTable() {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s |\n", r.Key, r.Component, r.Pinned, "`"+strings.Join(r.Supported, "`, `")+"`", r.Source)
	}
	b.WriteString("\nEKS managed add-ons, per Kubernetes version:\n\n| Kubernetes | " + strings.Join(EKSAddonNames, " | ") + " |\n|---|" + strings.Repeat("---|", len(EKSAddonNames)) + "\n")
	for _, k := range Supported["kubernetes"] {
		b.WriteString("| " + k)
		for _, a := range EKSAddonNames {
			b.WriteString(" | `" + EKSAddons[k][a] + "`")
		}
		b.WriteString(" |\n")
	}
	selfManagedMarkdown(&b)
	return b.String()
}

// TiDBOperatorCRDs is the release manifest of the TiDB Operator's CRDs, which its chart does not
// carry. The Kubernetes provider fetches it at preview and update time.
func TiDBOperatorCRDs(version string) string {
	return "https://raw.githubusercontent.com/pingcap/tidb-operator/" + version + "/manifests/crd.yaml"
}

// KubeadmRelease pins what the self-managed (kubeadm) clusters of one Kubernetes minor version run.
type KubeadmRelease struct {
	// Kubernetes is the exact release of kubelet, kubeadm, kubectl (apt <version>-1.1 from
	// pkgs.k8s.io) and the control-plane images.
	Kubernetes string
	// Containerd is the apt version of Docker's containerd.io package for Ubuntu 24.04.
	Containerd string
	// CloudControllerManager is each cloud's cloud-controller-manager image tag for this minor.
	CloudControllerManager map[Cloud]string
}

// KubeadmReleases are the Kubernetes minor versions a self-managed cluster may run; validation refuses
// kubernetes.mode self-managed with any other. Each cloud's cloud-controller-manager follows the
// Kubernetes minor version, so a new minor needs all three tags.
var KubeadmReleases = map[string]KubeadmRelease{
	"1.33": {
		Kubernetes: "1.33.5",
		Containerd: "1.7.28-1~ubuntu.24.04~noble",
		CloudControllerManager: map[Cloud]string{
			// registry.k8s.io/provider-aws/cloud-controller-manager
			AWS: "v1.33.3",
			// registry.k8s.io/cloud-provider-gcp/cloud-controller-manager
			GCP: "v33.1.1",
			// mcr.microsoft.com/oss/kubernetes/azure-cloud-controller-manager and azure-cloud-node-manager
			Azure: "v1.33.3",
		},
	},
}

// AddonChart pins a chart of a self-managed cluster's add-ons.
type AddonChart struct {
	// Name of the chart in Repo.
	Name string
	// Repo is the Helm repository URL.
	Repo string
	// Version is the exact chart version.
	Version string
}

// AddonCharts are the add-on charts the stack installs on self-managed clusters: the CNI and
// metrics-server everywhere, each cloud's cloud-controller-manager and CSI driver where the cloud
// publishes a chart. GCP publishes none for either; their manifests are built in components/gcp from
// GCPAddonImages.
var AddonCharts = map[string]AddonChart{
	"cilium":        {Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.18.14"},
	"metricsServer": {Name: "metrics-server", Repo: "https://kubernetes-sigs.github.io/metrics-server/", Version: "3.13.0"},
	"awsCCM":        {Name: "aws-cloud-controller-manager", Repo: "https://kubernetes.github.io/cloud-provider-aws", Version: "0.0.10"},
	"awsEBSCSI":     {Name: "aws-ebs-csi-driver", Repo: "https://kubernetes-sigs.github.io/aws-ebs-csi-driver", Version: "2.53.0"},
	"azureCCM":      {Name: "cloud-provider-azure", Repo: "https://raw.githubusercontent.com/kubernetes-sigs/cloud-provider-azure/master/helm/repo", Version: "1.33.4"},
	"azureDiskCSI":  {Name: "azuredisk-csi-driver", Repo: "https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts", Version: "1.33.13"},
}

// GCPAddonImages are the images of the add-ons kost installs from its own manifests on GCP
// self-managed clusters (Google publishes no chart for them): the PD CSI driver and the Kubernetes
// CSI sidecars of that driver release. The cloud-controller-manager's tag is in KubeadmReleases.
var GCPAddonImages = map[string]string{
	"pdCSIDriver":            "registry.k8s.io/cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver:v1.17.3",
	"csiProvisioner":         "registry.k8s.io/sig-storage/csi-provisioner:v5.2.0",
	"csiAttacher":            "registry.k8s.io/sig-storage/csi-attacher:v4.8.1",
	"csiResizer":             "registry.k8s.io/sig-storage/csi-resizer:v1.13.2",
	"csiNodeDriverRegistrar": "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0",
}

// selfManagedMarkdown renders the self-managed clusters' pins for the README.
func selfManagedMarkdown(b *strings.Builder) {
	b.WriteString("\nSelf-managed (kubeadm) clusters, per Kubernetes version:\n\n| Kubernetes | release | containerd.io | AWS CCM | GCP CCM | Azure CCM |\n|---|---|---|---|---|---|\n")
	for _, k := range sortedKeys(KubeadmReleases) {
		r := KubeadmReleases[k]
		fmt.Fprintf(b, "| %s | `%s` | `%s` | `%s` | `%s` | `%s` |\n", k, r.Kubernetes, r.Containerd,
			r.CloudControllerManager[AWS], r.CloudControllerManager[GCP], r.CloudControllerManager[Azure])
	}
	b.WriteString("\nSelf-managed add-on charts:\n\n| key | chart | version | repository |\n|---|---|---|---|\n")
	for _, k := range sortedKeys(AddonCharts) {
		c := AddonCharts[k]
		fmt.Fprintf(b, "| `%s` | %s | `%s` | %s |\n", k, c.Name, c.Version, c.Repo)
	}
	b.WriteString("\nGCP self-managed add-on images (kost's manifests):\n\n| key | image |\n|---|---|\n")
	for _, k := range sortedKeys(GCPAddonImages) {
		fmt.Fprintf(b, "| `%s` | `%s` |\n", k, GCPAddonImages[k])
	}
}
