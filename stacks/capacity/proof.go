package capacity

import (
	"fmt"
	"sort"
	"strings"
)

// Pool is a group of identical nodes spread evenly over zones.
type Pool struct {
	Name string
	// Nodes in the pool when the pods are placed.
	Nodes int
	// MinNodes is the pool's autoscaling minimum, for the report (a pool that scales from zero is
	// proved at its maximum).
	MinNodes int
	// Zones the nodes spread over, round robin; none means one unnamed zone.
	Zones []string
	// Allocatable of each node.
	Allocatable Resources
	// Instance names the node type, for the report ("" where the allocatable was given directly).
	Instance string
}

// Pod is a workload's replicas with the same requests and placement.
type Pod struct {
	// Name of the workload, e.g. "TiKV" or "Strimzi operator".
	Name string
	// Pool the pods must run on (node selector and toleration).
	Pool string
	// Replicas of the pod.
	Replicas int
	// CPUMilli and MemoryMiB are each replica's requests.
	CPUMilli, MemoryMiB int64
	// HostSpread: at most one more replica on any node than on another (a topology spread on
	// kubernetes.io/hostname with maxSkew 1, DoNotSchedule): one per node while there are nodes.
	HostSpread bool
	// ZoneSpread: the same over topology.kubernetes.io/zone.
	ZoneSpread bool
	// Group names the spread group when several workloads share one (default: Name).
	Group string
	// Layer is who runs it: "cluster" (the cloud's add-ons), "platform" (operators), "data" or "monitoring".
	Layer string
}

// PoolReport is one pool after placement.
type PoolReport struct {
	Pool
	// Requested is the sum of the placed pods' requests (Pods counts them).
	Requested Resources
	// Fullest is the node with the least CPU or memory headroom left, as a fraction of its
	// allocatable; headroom is per node because pods never span nodes.
	FullestCPUMilli, FullestMemoryMiB int64
}

// Headroom of the pool: allocatable over all nodes minus requested.
func (r PoolReport) Headroom() Resources {
	total := Resources{r.Allocatable.CPUMilli * int64(r.Nodes), r.Allocatable.MemoryMiB * int64(r.Nodes), r.Allocatable.Pods * r.Nodes}
	return total.Sub(r.Requested)
}

// Failure is a pod replica that fits no node.
type Failure struct {
	Pod  Pod
	Pool string
	// Why explains it with the numbers.
	Why string
}

func (f Failure) String() string {
	return fmt.Sprintf("%s (%dm CPU, %d MiB each, %d replicas) does not fit the %s pool: %s",
		f.Pod.Name, f.Pod.CPUMilli, f.Pod.MemoryMiB, f.Pod.Replicas, f.Pool, f.Why)
}

type node struct {
	name, zone  string
	alloc, free Resources
	perGroup    map[string]int
}

// Prove places every replica of every pod onto its pool's nodes, largest first, as the scheduler
// would under the pods' rules, and returns a report per pool and every replica that does not fit.
func Prove(pools []Pool, pods []Pod) ([]PoolReport, []Failure) {
	byName := map[string][]*node{}
	reports := map[string]*PoolReport{}
	var order []string
	for _, p := range pools {
		order = append(order, p.Name)
		reports[p.Name] = &PoolReport{Pool: p}
		zones := p.Zones
		if len(zones) == 0 {
			zones = []string{""}
		}
		for i := range p.Nodes {
			byName[p.Name] = append(byName[p.Name], &node{
				name: fmt.Sprintf("%s-%d", p.Name, i), zone: zones[i%len(zones)],
				alloc: p.Allocatable, free: p.Allocatable, perGroup: map[string]int{},
			})
		}
	}
	sorted := append([]Pod(nil), pods...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.HostSpread != b.HostSpread {
			return a.HostSpread // constrained pods first
		}
		return a.MemoryMiB*1000+a.CPUMilli > b.MemoryMiB*1000+b.CPUMilli
	})
	var failures []Failure
	for _, pod := range sorted {
		nodes, ok := byName[pod.Pool]
		if !ok {
			failures = append(failures, Failure{Pod: pod, Pool: pod.Pool, Why: "the cluster has no such pool"})
			continue
		}
		group := pod.Group
		if group == "" {
			group = pod.Name
		}
		for r := range pod.Replicas {
			n, why := choose(nodes, pod, group)
			if n == nil {
				failures = append(failures, Failure{Pod: pod, Pool: pod.Pool, Why: fmt.Sprintf("replica %d of %d: %s", r+1, pod.Replicas, why)})
				break
			}
			n.free = n.free.Sub(Resources{pod.CPUMilli, pod.MemoryMiB, 1})
			n.perGroup[group]++
			rep := reports[pod.Pool]
			rep.Requested = Resources{rep.Requested.CPUMilli + pod.CPUMilli, rep.Requested.MemoryMiB + pod.MemoryMiB, rep.Requested.Pods + 1}
		}
	}
	var out []PoolReport
	for _, name := range order {
		rep := reports[name]
		rep.FullestCPUMilli, rep.FullestMemoryMiB = rep.Allocatable.CPUMilli, rep.Allocatable.MemoryMiB
		for _, n := range byName[name] {
			rep.FullestCPUMilli = min(rep.FullestCPUMilli, n.free.CPUMilli)
			rep.FullestMemoryMiB = min(rep.FullestMemoryMiB, n.free.MemoryMiB)
		}
		out = append(out, *rep)
	}
	return out, failures
}

// choose returns the node a replica goes to: among the nodes it fits and whose spread rules allow
// it, the one in the zone with the fewest of its group, then with the fewest of its group itself,
// then the emptiest. Without a node, it says why.
func choose(nodes []*node, pod Pod, group string) (*node, string) {
	if len(nodes) == 0 {
		return nil, "the pool has no nodes"
	}
	perZone := map[string]int{}
	minHost, zones := 1<<30, map[string]bool{}
	for _, n := range nodes {
		perZone[n.zone] += n.perGroup[group]
		zones[n.zone] = true
	}
	minZone := 1 << 30
	for z := range zones {
		minZone = min(minZone, perZone[z])
	}
	var fits []*node
	roomiest := nodes[0]
	for _, n := range nodes {
		if n.free.CPUMilli >= pod.CPUMilli && n.free.MemoryMiB >= pod.MemoryMiB && n.free.Pods >= 1 {
			fits = append(fits, n)
		}
		if n.free.MemoryMiB > roomiest.free.MemoryMiB {
			roomiest = n
		}
		minHost = min(minHost, n.perGroup[group])
	}
	if len(fits) == 0 {
		return nil, fmt.Sprintf("no node has room: the roomiest has %dm CPU, %d MiB and %d pods free of %dm CPU, %d MiB and %d pods allocatable",
			roomiest.free.CPUMilli, roomiest.free.MemoryMiB, roomiest.free.Pods, roomiest.alloc.CPUMilli, roomiest.alloc.MemoryMiB, roomiest.alloc.Pods)
	}
	var allowed []*node
	for _, n := range fits {
		if pod.HostSpread && n.perGroup[group]+1-minHost > 1 {
			continue
		}
		if pod.ZoneSpread && perZone[n.zone]+1-minZone > 1 {
			continue
		}
		allowed = append(allowed, n)
	}
	if len(allowed) == 0 {
		var rules []string
		if pod.HostSpread {
			rules = append(rules, "one per node")
		}
		if pod.ZoneSpread {
			rules = append(rules, "even over the zones")
		}
		return nil, fmt.Sprintf("the nodes with room (%d of %d) would break the spread (%s); add nodes or make them larger",
			len(fits), len(nodes), strings.Join(rules, ", "))
	}
	sort.SliceStable(allowed, func(i, j int) bool {
		a, b := allowed[i], allowed[j]
		if perZone[a.zone] != perZone[b.zone] {
			return perZone[a.zone] < perZone[b.zone]
		}
		if a.perGroup[group] != b.perGroup[group] {
			return a.perGroup[group] < b.perGroup[group]
		}
		return a.free.MemoryMiB > b.free.MemoryMiB
	})
	return allowed[0], ""
}
