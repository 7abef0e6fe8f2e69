package capacity

import "sort"

// Instance is an instance type (AWS), machine type (GCP) or VM size (Azure).
type Instance struct {
	Name string
	// VCPU and MemoryMiB are the nominal size.
	VCPU      int
	MemoryMiB int64
	// MaxPods is what the managed service allows per node by default (EKS: from the ENI limits).
	MaxPods int
}

// Sources of the catalogue.
const (
	// awsSource: vCPU and memory from the EC2 API as aws/karpenter-provider-aws publishes it
	// (website/content/en/docs/reference/instance-types.md, HEAD 1d927085, 2026-08-21); max pods from
	// awslabs/amazon-eks-ami templates/shared/runtime/eni-max-pods.txt (tag v20260318), which
	// nodeadm computes the same way (tag v20260724, nodeadm/internal/kubelet/eni_max_pods.go).
	awsSource = "EC2 API via karpenter-provider-aws instance-types.md; max pods: amazon-eks-ami eni-max-pods.txt v20260318"
	// gcpSource: Compute Engine machine families (cloud.google.com/compute/docs/general-purpose-machines,
	// memory-optimized-machines, compute-optimized-machines): standard 4 GiB, highmem 8 GiB, highcpu 1
	// GiB per vCPU; n2-standard-4 = 4 vCPU, 16 GB (cloud.google.com/compute/docs/machine-resource).
	// Max pods per node: 110 on GKE Standard (cloud.google.com/kubernetes-engine/quotas).
	gcpSource = "Compute Engine machine families (4/8/1 GiB per vCPU); GKE max pods 110"
	// azureSource: MicrosoftDocs/azure-compute-docs sizes/general-purpose/dsv5-series.md (005f8f6e),
	// memory-optimized/esv5-series.md (0175d5fa), compute-optimized/fsv2-series.md (05e75b14); max
	// pods 250 with Azure CNI Overlay (azure-aks-docs concepts-network-ip-address-planning.md).
	azureSource = "learn.microsoft.com Dsv5, Esv5, Fsv2 series tables; AKS CNI Overlay max pods 250"
)

func gib(n int64) int64 { return n * 1024 }

// catalogue holds every type kost defaults to or accepts without an explicit allocatable.
var catalogue = map[string]map[string]Instance{
	"aws": index(
		Instance{"m7i.large", 2, gib(8), 29}, Instance{"m7i.xlarge", 4, gib(16), 58}, Instance{"m7i.2xlarge", 8, gib(32), 58},
		Instance{"m7i.4xlarge", 16, gib(64), 234},
		Instance{"r7i.xlarge", 4, gib(32), 58}, Instance{"r7i.2xlarge", 8, gib(64), 58}, Instance{"r7i.4xlarge", 16, gib(128), 234},
		Instance{"c7i.2xlarge", 8, gib(16), 58}, Instance{"c7i.4xlarge", 16, gib(32), 234},
		Instance{"m6i.large", 2, gib(8), 29}, Instance{"m6i.xlarge", 4, gib(16), 58}, Instance{"m6i.2xlarge", 8, gib(32), 58},
		Instance{"r6i.xlarge", 4, gib(32), 58}, Instance{"r6i.2xlarge", 8, gib(64), 58},
		Instance{"t3.medium", 2, gib(4), 17}, Instance{"t3.large", 2, gib(8), 35}, Instance{"t3.nano", 2, 512, 4},
	),
	"gcp": index(
		Instance{"e2-standard-2", 2, gib(8), 110}, Instance{"e2-standard-4", 4, gib(16), 110}, Instance{"e2-standard-8", 8, gib(32), 110},
		Instance{"n2-standard-4", 4, gib(16), 110}, Instance{"n2-standard-8", 8, gib(32), 110}, Instance{"n2-standard-16", 16, gib(64), 110},
		Instance{"n2-highmem-4", 4, gib(32), 110}, Instance{"n2-highmem-8", 8, gib(64), 110}, Instance{"n2-highmem-16", 16, gib(128), 110},
		Instance{"n2-highcpu-16", 16, gib(16), 110}, Instance{"n2-highcpu-32", 32, gib(32), 110},
		Instance{"n2d-standard-8", 8, gib(32), 110}, Instance{"c3-standard-8", 8, gib(32), 110},
	),
	"azure": index(
		Instance{"Standard_D2s_v5", 2, gib(8), 250}, Instance{"Standard_D4s_v5", 4, gib(16), 250}, Instance{"Standard_D8s_v5", 8, gib(32), 250},
		Instance{"Standard_D16s_v5", 16, gib(64), 250},
		Instance{"Standard_E4s_v5", 4, gib(32), 250}, Instance{"Standard_E8s_v5", 8, gib(64), 250}, Instance{"Standard_E16s_v5", 16, gib(128), 250},
		Instance{"Standard_F8s_v2", 8, gib(16), 250}, Instance{"Standard_F16s_v2", 16, gib(32), 250}, Instance{"Standard_F32s_v2", 32, gib(64), 250},
	),
}

// CatalogueSource says where a cloud's catalogue comes from.
func CatalogueSource(cloud string) string {
	return map[string]string{"aws": awsSource, "gcp": gcpSource, "azure": azureSource}[cloud]
}

func index(is ...Instance) map[string]Instance {
	out := make(map[string]Instance, len(is))
	for _, i := range is {
		out[i.Name] = i
	}
	return out
}

// Lookup returns a cloud's instance type.
func Lookup(cloud, name string) (Instance, bool) {
	i, ok := catalogue[cloud][name]
	return i, ok
}

// Names lists a cloud's catalogue, sorted.
func Names(cloud string) []string {
	var out []string
	for n := range catalogue[cloud] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
