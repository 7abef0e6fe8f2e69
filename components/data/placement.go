package data

import "github.com/kost-platform/kost/components/cluster"

// Well-known labels.
const (
	poolLabel = "kost.io/pool"
	zoneLabel = "topology.kubernetes.io/zone"
	hostLabel = "kubernetes.io/hostname"
)

// placement returns the node selector and tolerations that put a workload on its pool, or nils on a
// cluster without kost's pools.
func placement(c cluster.Cluster, pool string) (map[string]any, []any) {
	if !c.DedicatedPools {
		return nil, nil
	}
	tolerations := []any{map[string]any{"key": poolLabel, "operator": "Equal", "value": pool, "effect": "NoSchedule"}}
	for _, t := range c.PoolTolerations[pool] {
		tolerations = append(tolerations, map[string]any{"key": t.Key, "operator": "Equal", "value": t.Value, "effect": t.Effect})
	}
	return map[string]any{poolLabel: pool}, tolerations
}

// spreadsZones reports whether workloads spread over zones: on clusters spanning 3 zones. A local
// cluster's nodes carry no zone label, and a spread constraint on a missing label never schedules.
func spreadsZones(c cluster.Cluster) bool { return len(c.Zones) >= 3 }

// requests renders Resources as Kubernetes requests and limits: memory limited to its request, CPU
// unlimited.
func requests(r Resources, withStorage bool) (map[string]any, map[string]any) {
	req := map[string]any{"cpu": r.CPU, "memory": r.Memory}
	if withStorage && r.Storage != "" {
		req["storage"] = r.Storage
	}
	return req, map[string]any{"memory": r.Memory}
}

// setIf sets m[k] = v when v is not nil.
func setIf(m map[string]any, k string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case map[string]any:
		if x == nil {
			return
		}
	case []any:
		if x == nil {
			return
		}
	}
	m[k] = v
}
