package e2e

import (
	"context"
	"fmt"
	"strconv"
)

// kwok manages the nodes carrying this label (--manage-nodes-with-label-selector).
const (
	kwokNodeLabel = "kost.io/e2e-node"
	kwokNodeValue = "kwok"
)

// NodeShape is a group of identical fake nodes: a pool's nodes in one zone, or a kind node.
type NodeShape struct {
	// Name prefix of the nodes; each is <Name>-<i>.
	Name string
	// Count of nodes.
	Count int
	// Labels besides the hostname and kwok's own (kost.io/pool, topology.kubernetes.io/zone).
	Labels map[string]string
	// Taints as key, value, effect.
	Taints []Taint
	// CPU in millicores, Memory in bytes, and Pods: the node's allocatable, what the scheduler
	// places against (capacity is set equal).
	CPUMilli, MemoryBytes int64
	Pods                  int
}

// Taint is a node taint.
type Taint struct{ Key, Value, Effect string }

// CreateNodes registers the fake nodes. kwok, watching the label, marks them Ready and runs their
// pods.
func CreateNodes(ctx context.Context, k *Kube, shapes []NodeShape) error {
	for _, s := range shapes {
		for i := range s.Count {
			name := fmt.Sprintf("%s-%d", s.Name, i)
			labels := map[string]string{
				kwokNodeLabel:            kwokNodeValue,
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			}
			for k, v := range s.Labels {
				labels[k] = v
			}
			var taints []map[string]string
			for _, t := range s.Taints {
				taints = append(taints, map[string]string{"key": t.Key, "value": t.Value, "effect": t.Effect})
			}
			resources := map[string]string{
				"cpu":    strconv.FormatInt(s.CPUMilli, 10) + "m",
				"memory": strconv.FormatInt(s.MemoryBytes, 10),
				"pods":   strconv.Itoa(s.Pods),
			}
			node := map[string]any{
				"apiVersion": "v1", "kind": "Node",
				"metadata": map[string]any{
					"name": name, "labels": labels,
					"annotations": map[string]string{"kwok.x-k8s.io/node": "fake"},
				},
				"spec":   map[string]any{"taints": taints},
				"status": map[string]any{"capacity": resources, "allocatable": resources},
			}
			if err := k.Create(ctx, "/api/v1/nodes", node); err != nil {
				return fmt.Errorf("node %s: %w", name, err)
			}
		}
	}
	return nil
}
