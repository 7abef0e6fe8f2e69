package stacks

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/data"
	"github.com/kost-platform/kost/stacks/capacity"
	"github.com/kost-platform/kost/stacks/config"
)

// RegionCapacity is the capacity proof of one region.
type RegionCapacity struct {
	Key string
	// Platform whose node reservations apply ("" for a local cluster).
	Platform capacity.Platform
	// Pools after placement; empty when the cluster's nodes are not described (a local cluster
	// without local.pools), which Note says.
	Pools []capacity.PoolReport
	Note  string
}

// ProveCapacity places every pod each region's platform, data plane and monitoring will run onto its pools,
// before anything is registered, and returns the reports, or config.Problems naming each pool a pod
// does not fit, with the numbers.
func ProveCapacity(regions []config.ResolvedRegion) ([]RegionCapacity, error) {
	var out []RegionCapacity
	var ps config.Problems
	for i, rp := range regions {
		rc, pools, err := regionCapacity(rp)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", rp.Key, err)
		}
		if pools == nil {
			out = append(out, rc)
			continue
		}
		pods, err := regionPods(rp, rc.Platform)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", rp.Key, err)
		}
		var fails []capacity.Failure
		rc.Pools, fails = capacity.Prove(pools, pods)
		for _, f := range fails {
			ps = append(ps, config.Problem{
				// Regions keep the environment's order: i is the region's index.
				Path:    fmt.Sprintf("regions[%d].nodePools.%s", i, f.Pool),
				Message: f.String() + "; choose a larger instanceType or more nodes (count), or fewer replicas",
			})
		}
		out = append(out, rc)
	}
	if len(ps) > 0 {
		return out, ps
	}
	return out, nil
}

// platformOf names whose node reservations a region's nodes have.
func platformOf(rp config.ResolvedRegion) capacity.Platform {
	if rp.Mode == config.SelfManaged {
		return capacity.Kubeadm
	}
	return map[config.Cloud]capacity.Platform{config.AWS: capacity.EKS, config.GCP: capacity.GKE, config.Azure: capacity.AKS}[rp.Cloud]
}

// regionCapacity returns the region's pools as the proof sees them: nil for a local cluster whose
// nodes are not described.
func regionCapacity(rp config.ResolvedRegion) (RegionCapacity, []capacity.Pool, error) {
	rc := RegionCapacity{Key: rp.Key, Platform: platformOf(rp)}
	if len(rp.Pools) == 0 {
		rc.Note = "not proved: the cluster's nodes are not described (set local.pools and nodePools to prove it)"
		return rc, nil, nil
	}
	daemons, err := perNode(rp)
	if err != nil {
		return rc, nil, err
	}
	var pools []capacity.Pool
	for _, p := range rp.Pools {
		nodes := p.Desired
		if p.Min == 0 {
			// A pool that scales from zero (spark) runs its pods once the autoscaler adds nodes.
			nodes = p.Max
		}
		pool := capacity.Pool{Name: p.Pool, Nodes: nodes, MinNodes: p.Min, Zones: rp.Zones, Instance: p.InstanceType}
		if p.Allocatable != nil {
			a, err := allocatable(p.Allocatable)
			if err != nil {
				return rc, nil, fmt.Errorf("pool %s: %w", p.Pool, err)
			}
			pool.Allocatable = a
		} else {
			i, ok := capacity.Lookup(string(rp.Cloud), p.InstanceType)
			if !ok {
				return rc, nil, fmt.Errorf("pool %s: %s is not in the catalogue (validation admits only catalogue types without allocatable)", p.Pool, p.InstanceType)
			}
			pool.Allocatable = capacity.Allocatable(rc.Platform, i)
		}
		pool.Allocatable = pool.Allocatable.Sub(daemons)
		pools = append(pools, pool)
	}
	return rc, pools, nil
}

// allocatable converts an allocatable override.
func allocatable(a *config.Allocatable) (capacity.Resources, error) {
	cpu, err := resource.ParseQuantity(a.CPU)
	if err != nil {
		return capacity.Resources{}, fmt.Errorf("allocatable cpu: %w", err)
	}
	mem, err := resource.ParseQuantity(a.Memory)
	if err != nil {
		return capacity.Resources{}, fmt.Errorf("allocatable memory: %w", err)
	}
	return capacity.Resources{CPUMilli: cpu.MilliValue(), MemoryMiB: mem.Value() >> 20, Pods: a.Pods}, nil
}

// PodsOf lists the pods the proof places for a region (the end-to-end run hands them to the real
// scheduler).
func PodsOf(rp config.ResolvedRegion) ([]capacity.Pod, error) {
	return regionPods(rp, platformOf(rp))
}

// proofCluster is the shape of a region's cluster as placement sees it: kost's pools and its zones.
func proofCluster(rp config.ResolvedRegion) cluster.Cluster {
	return cluster.Cluster{Name: rp.ClusterName, Zones: rp.Zones, DedicatedPools: len(rp.Pools) > 0}
}

// regionPods lists every pod of the region: the cloud's own add-ons on the system pool, the
// operators and the data plane, from the same arguments buildLayers deploys.
func regionPods(rp config.ResolvedRegion, p capacity.Platform) ([]capacity.Pod, error) {
	pa, da := layerArgs(rp, proofCluster(rp))
	pods := capacity.SystemPods(p)
	for i := range pods {
		pods[i].Layer = "cluster"
	}
	for _, w := range pa.Workloads() {
		cpu, mem, err := sum([]data.Resources{{CPU: w.Resources.CPU, Memory: w.Resources.Memory}})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.Name, err)
		}
		pods = append(pods, capacity.Pod{Name: w.Name, Pool: w.Pool, Replicas: w.Replicas, CPUMilli: cpu, MemoryMiB: mem, Layer: "platform"})
	}
	ws, err := da.Workloads()
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		cpu, mem, err := sum(w.Containers)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.Name, err)
		}
		pods = append(pods, capacity.Pod{Name: w.Name, Pool: w.Pool, Replicas: w.Replicas, CPUMilli: cpu, MemoryMiB: mem,
			HostSpread: w.HostSpread, ZoneSpread: w.ZoneSpread, Layer: "data"})
	}
	if ma := monitoringArgs(rp, proofCluster(rp)); ma != nil {
		for _, w := range ma.Workloads() {
			cpu, mem, err := sum(w.Containers)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", w.Name, err)
			}
			pods = append(pods, capacity.Pod{Name: w.Name, Pool: w.Pool, Replicas: w.Replicas, CPUMilli: cpu, MemoryMiB: mem, Layer: "monitoring"})
		}
	}
	return pods, nil
}

// perNode is what kost runs on every node of the region besides the platform's own DaemonSets (the
// monitoring stack's node exporter), which the proof takes off every node's allocatable.
func perNode(rp config.ResolvedRegion) (capacity.Resources, error) {
	ma := monitoringArgs(rp, proofCluster(rp))
	if ma == nil {
		return capacity.Resources{}, nil
	}
	r, ok := ma.PerNode()
	if !ok {
		return capacity.Resources{}, nil
	}
	cpu, mem, err := sum([]data.Resources{r})
	if err != nil {
		return capacity.Resources{}, fmt.Errorf("node exporter: %w", err)
	}
	return capacity.Resources{CPUMilli: cpu, MemoryMiB: mem, Pods: 1}, nil
}

// sum adds containers' requests: millicores and MiB (rounded up).
func sum(cs []data.Resources) (int64, int64, error) {
	var cpu, mem int64
	for _, c := range cs {
		q, err := resource.ParseQuantity(c.CPU)
		if err != nil {
			return 0, 0, fmt.Errorf("cpu %q: %w", c.CPU, err)
		}
		cpu += q.MilliValue()
		m, err := resource.ParseQuantity(c.Memory)
		if err != nil {
			return 0, 0, fmt.Errorf("memory %q: %w", c.Memory, err)
		}
		mem += (m.Value() + 1<<20 - 1) >> 20
	}
	return cpu, mem, nil
}

// CapacityReport is the plan command's capacity table for a stack's config.
func CapacityReport(values map[string]string) (string, error) {
	env, err := config.Load([]byte(values[ConfigKey]))
	if err != nil {
		return "", err
	}
	regions, err := env.Resolve()
	if err != nil {
		return "", err
	}
	rcs, err := ProveCapacity(regions)
	if err != nil {
		return "", err
	}
	return CapacityText(rcs), nil
}

// CapacityText renders the proof as the plan prints it: per region and pool, nodes, allocatable
// per node, requested and headroom over the pool, and the fullest node's room.
func CapacityText(rcs []RegionCapacity) string {
	var b strings.Builder
	b.WriteString("Capacity (every pod of the platform, data plane and monitoring placed on its pool, as the scheduler would):\n")
	for _, rc := range rcs {
		fmt.Fprintf(&b, "\n  %s", rc.Key)
		if rc.Platform != "" {
			fmt.Fprintf(&b, " (%s node reservations)", rc.Platform)
		}
		b.WriteString("\n")
		if rc.Note != "" {
			fmt.Fprintf(&b, "    %s\n", rc.Note)
			continue
		}
		fmt.Fprintf(&b, "    %-7s %-18s %6s  %-26s %-26s %-26s %s\n", "pool", "instance", "nodes", "allocatable per node", "requested", "headroom", "fullest node left")
		for _, p := range rc.Pools {
			h := p.Headroom()
			inst := p.Instance
			if inst == "" {
				inst = "(given)"
			}
			nodes := fmt.Sprint(p.Nodes)
			if p.MinNodes == 0 {
				nodes = fmt.Sprintf("0-%d", p.Nodes) // proved at its maximum: it scales from zero
			}
			fmt.Fprintf(&b, "    %-7s %-18s %6s  %-26s %-26s %-26s %s\n", p.Name, inst, nodes,
				res(p.Allocatable.CPUMilli, p.Allocatable.MemoryMiB), res(p.Requested.CPUMilli, p.Requested.MemoryMiB),
				res(h.CPUMilli, h.MemoryMiB), res(p.FullestCPUMilli, p.FullestMemoryMiB))
		}
	}
	return b.String()
}

func res(cpu, mib int64) string { return fmt.Sprintf("%dm / %d MiB", cpu, mib) }
