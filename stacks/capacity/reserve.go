package capacity

import "fmt"

// Resources are CPU in millicores, memory in MiB and a pod count.
type Resources struct {
	CPUMilli  int64
	MemoryMiB int64
	Pods      int
}

func (r Resources) String() string {
	return fmt.Sprintf("%dm CPU, %d MiB, %d pods", r.CPUMilli, r.MemoryMiB, r.Pods)
}

// Sub returns r - o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{r.CPUMilli - o.CPUMilli, r.MemoryMiB - o.MemoryMiB, r.Pods - o.Pods}
}

// Platform is what runs a node: a cloud's managed service, or kubeadm (self-managed, any cloud).
type Platform string

// Platforms with their own node reservations.
const (
	EKS     Platform = "eks"
	GKE     Platform = "gke"
	AKS     Platform = "aks"
	Kubeadm Platform = "kubeadm"
)

// guestOSPercent of nominal memory is taken by the firmware, kernel and OS before the kubelet counts
// capacity. Karpenter assumes 7.5% (VM_MEMORY_OVERHEAD_PERCENT, karpenter-provider-aws
// pkg/operator/options/options.go); measured nodes show 2-4% (EKS r5.xlarge, GKE n2-highmem-4, AKS:
// 2i2c node-capacity-info.json @1097ae3c, Azure/AKS#3525). kost takes Karpenter's figure.
const guestOSPercent = 7.5

// evictionMiB is the kubelet's hard eviction threshold memory.available: 100Mi on EKS (nodeadm
// internal/kubelet/config.go, v20260724), GKE (autoscaler cloudprovider/gce/reserved.go
// KubeletEvictionHardMemory), AKS (node-resource-reservations.md, Kubernetes 1.29+) and the
// kubelet's own default (k8s.io/kubelet config/v1beta1 types.go).
const evictionMiB = 100

// kubeReserved is what a platform reserves on a node of instance i for the kubelet and the system.
func kubeReserved(p Platform, i Instance) Resources {
	switch p {
	case EKS:
		// nodeadm (amazon-eks-ami v20260724, nodeadm/internal/kubelet/config.go
		// getMemoryMebibytesToReserve, getCPUMillicoresToReserve): 11 MiB per pod + 255 MiB; CPU 6% of
		// the first core, 1% of the second, 0.5% of cores 3-4, 0.25% above.
		return Resources{CPUMilli: cpuTiers(i.VCPU), MemoryMiB: 11*int64(i.MaxPods) + 255}
	case GKE:
		// cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes (as implemented in
		// kubernetes/autoscaler cloudprovider/gce/reserved.go): 255 MiB below 1 GiB; else 25% of the
		// first 4 GiB, 20% of the next 4, 10% of the next 8, 6% up to 128, 2% above. CPU as EKS.
		return Resources{CPUMilli: cpuTiers(i.VCPU), MemoryMiB: gkeMemory(i.MemoryMiB)}
	case AKS:
		// learn.microsoft.com/azure/aks/node-resource-reservations (Kubernetes 1.29+): memory
		// min(20 MB x max pods + 50 MB, 25% of memory), MB taken as MiB; CPU by core count.
		return Resources{CPUMilli: aksCPU(i.VCPU), MemoryMiB: min(20*int64(i.MaxPods)+50, i.MemoryMiB/4)}
	}
	// kubeadm: the kubelet reserves nothing by default (k8s.io/kubelet config/v1beta1:
	// kubeReserved and systemReserved nil); kost's KubeletConfiguration sets none either.
	return Resources{}
}

func cpuTiers(cores int) int64 {
	// In hundredths of a percent of 1000m per core: 600, 100, 50, 50, then 25 each.
	var tenthousandths int64
	for c := 1; c <= cores; c++ {
		switch {
		case c == 1:
			tenthousandths += 600
		case c == 2:
			tenthousandths += 100
		case c <= 4:
			tenthousandths += 50
		default:
			tenthousandths += 25
		}
	}
	return tenthousandths * 1000 / 10000
}

func gkeMemory(mib int64) int64 {
	if mib < 1024 {
		return 255
	}
	tiers := []struct{ upTo, percent int64 }{{4096, 25}, {8192, 20}, {16384, 10}, {131072, 6}, {1 << 40, 2}}
	var out, prev int64
	for _, t := range tiers {
		if mib > prev {
			out += (min(mib, t.upTo) - prev) * t.percent / 100
		}
		prev = t.upTo
	}
	return out
}

func aksCPU(cores int) int64 {
	table := []struct {
		cores int
		milli int64
	}{{1, 60}, {2, 100}, {4, 140}, {8, 180}, {16, 260}, {32, 420}, {64, 740}}
	out := table[0].milli
	for _, t := range table {
		if cores >= t.cores {
			out = t.milli
		}
	}
	return out
}

// daemonSets are the requests of the DaemonSets every node of a platform runs (the cloud's and the
// add-ons kost installs), per node. Where the clouds do not publish them, the figure is a budget
// above what was measured:
//   - EKS: aws-node 50m (amazon-vpc-cni-k8s v1.23.0 chart values), kube-proxy 100m, ebs-csi-node
//     30m/104Mi (aws-ebs-csi-driver chart 2.64.0 values); measured 170m/250Mi (2i2c @1097ae3c).
//   - GKE: measured 454m/656Mi on GKE 1.29 (2i2c PR #4131), with room for Dataplane V2's anetd.
//   - AKS: csi-azuredisk-node and csi-azurefile-node 30m/60Mi each, cloud-node-manager 50m/50Mi
//     (their charts' values), azure-cns and kube-proxy unpublished (Azure/AKS#3525: about 550 MB).
//   - kubeadm: kost's add-ons: the Cilium agent, the cloud's CSI node plugin and node manager.
var daemonSets = map[Platform]Resources{
	EKS:     {CPUMilli: 250, MemoryMiB: 300, Pods: 3},
	GKE:     {CPUMilli: 500, MemoryMiB: 1024, Pods: 6},
	AKS:     {CPUMilli: 500, MemoryMiB: 1024, Pods: 6},
	Kubeadm: {CPUMilli: 300, MemoryMiB: 512, Pods: 4},
}

// kubeadmMaxPods is the kubelet's default maxPods (k8s.io/kubelet config/v1beta1), which kost's
// KubeletConfiguration keeps.
const kubeadmMaxPods = 110

// Allocatable is what the scheduler can place on a node of instance i on platform p, after the
// guest OS, the platform's reservations, the eviction threshold and the DaemonSets every node runs.
func Allocatable(p Platform, i Instance) Resources {
	if p == Kubeadm {
		i.MaxPods = kubeadmMaxPods
	}
	capacity := Resources{
		CPUMilli:  int64(i.VCPU) * 1000,
		MemoryMiB: i.MemoryMiB - int64(float64(i.MemoryMiB)*guestOSPercent/100),
		Pods:      i.MaxPods,
	}
	r := kubeReserved(p, i)
	r.MemoryMiB += evictionMiB
	return capacity.Sub(r).Sub(daemonSets[p])
}

// SystemPods are the Deployments of the cluster's own add-ons on the system pool (replicas counted
// in each), as budgets where the clouds do not publish them:
//   - EKS: CoreDNS 2 x 100m/70Mi (the EKS CoreDNS add-on's requests), the EBS CSI controller 2 x
//     60m/240Mi (six containers at 10m/40Mi, aws-ebs-csi-driver chart 2.64.0 values).
//   - GKE and AKS: CoreDNS or kube-dns, konnectivity, metrics-server and the CSI controllers run by
//     the service, budgeted at 1 CPU and 1 GiB.
//   - kubeadm: CoreDNS 2 x 100m/70Mi (kubeadm's CoreDNS Deployment), metrics-server 100m/200Mi
//     (chart 3.13.1 values), the Cilium operator and the CSI controller, budgeted together.
func SystemPods(p Platform) []Pod {
	switch p {
	case EKS:
		return []Pod{
			{Name: "CoreDNS", Pool: "system", Replicas: 2, CPUMilli: 100, MemoryMiB: 70},
			{Name: "EBS CSI controller", Pool: "system", Replicas: 2, CPUMilli: 60, MemoryMiB: 240},
		}
	case GKE, AKS:
		return []Pod{{Name: string(p) + " system add-ons (budget)", Pool: "system", Replicas: 1, CPUMilli: 1000, MemoryMiB: 1024}}
	case Kubeadm:
		return []Pod{
			{Name: "CoreDNS", Pool: "system", Replicas: 2, CPUMilli: 100, MemoryMiB: 70},
			{Name: "metrics-server", Pool: "system", Replicas: 1, CPUMilli: 100, MemoryMiB: 200},
			{Name: "Cilium operator and CSI controller (budget)", Pool: "system", Replicas: 1, CPUMilli: 200, MemoryMiB: 512},
		}
	}
	return nil
}
