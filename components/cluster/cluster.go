package cluster

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Cloud names where a cluster runs.
type Cloud string

// Clouds a Cluster can come from.
const (
	AWS   Cloud = "aws"
	GCP   Cloud = "gcp"
	Azure Cloud = "azure"
	// Local is an existing cluster reached through a kubeconfig context (kind, k3d, minikube).
	Local Cloud = "local"
)

// Cluster is a ready Kubernetes cluster as the layers above see it.
type Cluster struct {
	// Name is the cluster's name in its cloud; unique per environment.
	Name string
	// Cloud the cluster runs in.
	Cloud Cloud
	// Region the cluster runs in.
	Region string
	// Zones the cluster's nodes span, in order; zone-spread workloads use all of them.
	Zones []string
	// Endpoint is the API server URL.
	Endpoint pulumi.StringOutput
	// Kubeconfig reaches the cluster as an administrator. Always a secret.
	Kubeconfig pulumi.StringOutput
	// Provider is the cluster's own Kubernetes provider; every Kubernetes resource on the cluster
	// must use it (never the default provider).
	Provider *kubernetes.Provider
	// DedicatedPools says the nodes carry kost.io/pool labels and the dedicated pools' taints, so
	// workloads select their pool and tolerate its taint. False for clusters kost did not build.
	DedicatedPools bool
	// PoolTolerations are tolerations, besides kost's own pool taint, that workloads of a pool need on
	// this cloud (AKS taints every spot node kubernetes.azure.com/scalesetpriority=spot). Default: none.
	PoolTolerations map[string][]Toleration
	// Storage says how to make storage classes on this cluster.
	Storage StorageProfile
	// InternalLoadBalancer holds the Service annotations that make a LoadBalancer Service internal on
	// this cloud. Databases and Kafka are only ever exposed through internal load balancers.
	InternalLoadBalancer map[string]string
	// ServiceAccountIssuer is the cluster's token issuer for the cloud to federate with (kubeadm
	// clusters); zero where the cloud federates the cluster itself (EKS, GKE, AKS) and for local ones.
	ServiceAccountIssuer ServiceAccountIssuer
	// Backups is the region's backup bucket and the identity that writes it, made beside the cluster;
	// nil when backups are off. Default: nil.
	Backups *BackupStore
	// Ready lists what must exist before workloads are scheduled (node groups, CNI, CSI driver). Every
	// resource created on the cluster depends on it. It holds custom resources and remote components
	// (helm/v4.Chart) only: the Go SDK keeps those as dependencies, but expands a dependency on a
	// local component to the children registered so far, which is racy.
	Ready []pulumi.Resource
}

// StorageProfile describes the cluster's CSI driver and the parameters of kost's two classes.
type StorageProfile struct {
	// Provisioner is the CSI driver name, e.g. ebs.csi.aws.com.
	Provisioner string
	// DB are the StorageClass parameters for kost-db: fast, encrypted, for TiKV, PD and Kafka.
	DB map[string]string
	// Standard are the StorageClass parameters for kost-standard: general purpose, encrypted.
	Standard map[string]string
}

// PoolSpec sizes one workload node pool; every cloud builds its pools from it.
type PoolSpec struct {
	// Pool name (system, pd, tikv, tidb, kafka, spark). Required.
	Pool string
	// InstanceType of its nodes (AWS instance type, GCP machine type, Azure VM size). Required.
	InstanceType string
	// Desired, Min and Max node counts over all zones. Required: 0 <= Min <= Desired <= Max, Max >= 1.
	Desired, Min, Max int
	// Spot capacity. Default: false.
	Spot bool
	// Dedicated taints the pool kost.io/pool=<pool>:NoSchedule for its workload only. Default: false.
	Dedicated bool
	// DiskGiB of the node's root disk. Default: 50.
	DiskGiB int
}

// PoolLabel is the node label (and taint key) naming a node's workload pool.
const PoolLabel = "kost.io/pool"

// Toleration is a taint that pods of a pool must tolerate.
type Toleration struct {
	Key, Value, Effect string
}

// ChartRef is a Helm chart as every component installs it (helm/v4.Chart's chart, repository and
// version): the platform's operators, the kubeadm add-ons and the cluster-autoscaler.
type ChartRef struct {
	// Name of the chart in Repo, a full oci:// reference, or a local path (a .tgz or an unpacked
	// chart directory). Required.
	Name string
	// Repo is the Helm repository URL. Default: none (OCI references and local paths).
	Repo string
	// Version is the exact chart version. Required: a release, never a range or "latest".
	Version string
}

// Resources are a pod's requests and, for stateful components, its volume size. Memory limits equal
// memory requests; CPU is not limited.
type Resources struct {
	// CPU and Memory requests as Kubernetes quantities. Required.
	CPU, Memory string
	// Storage is the persistent volume size; empty for stateless components.
	Storage string
}

var chartVersionRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// Problems lists what is wrong with the reference: a name, an https repository (none for an OCI
// reference or a local path from a mirror directory) and an exact version.
func (r ChartRef) Problems() []string {
	var ps []string
	if r.Name == "" {
		ps = append(ps, "chart name is required")
	}
	// A chart from a mirror directory is a local path with no repository; an OCI reference names its
	// registry itself.
	local := r.Repo == "" && (strings.HasPrefix(r.Name, "/") || strings.HasPrefix(r.Name, "oci://"))
	if !local && !strings.HasPrefix(r.Repo, "https://") {
		ps = append(ps, fmt.Sprintf("chart %q: repository %q must be an https:// URL", r.Name, r.Repo))
	}
	if !chartVersionRE.MatchString(r.Version) {
		ps = append(ps, fmt.Sprintf("chart %q: version %q must be an exact release such as 1.2.3", r.Name, r.Version))
	}
	return ps
}
