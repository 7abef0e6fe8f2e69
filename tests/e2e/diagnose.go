package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Diagnose writes what the cluster looks like (control-plane processes that died, nodes, and pods
// with their phase, node and conditions) to <dir>/cluster-state.txt and returns it, for a failed
// step.
func (cp *ControlPlane) Diagnose(ctx context.Context) string {
	var b strings.Builder
	b.WriteString(cp.Exited())
	nodes, err := cp.Client.List(ctx, "/api/v1/nodes")
	if err != nil {
		return b.String() + "cannot list nodes: " + err.Error()
	}
	for _, n := range nodes {
		ready := ""
		conds, _ := n.Path("status.conditions").([]any)
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Ready" {
				ready = fmt.Sprint(m["status"])
			}
		}
		fmt.Fprintf(&b, "node %s ready=%s taints=%v\n", n.Str("metadata.name"), ready, n.Path("spec.taints"))
	}
	pods, err := cp.Client.List(ctx, "/api/v1/pods")
	if err != nil {
		return b.String() + "cannot list pods: " + err.Error()
	}
	for _, p := range pods {
		var conds []string
		cs, _ := p.Path("status.conditions").([]any)
		for _, c := range cs {
			m, _ := c.(map[string]any)
			s := fmt.Sprintf("%v=%v", m["type"], m["status"])
			if msg, _ := m["message"].(string); msg != "" {
				s += " (" + msg + ")"
			}
			conds = append(conds, s)
		}
		fmt.Fprintf(&b, "pod %s/%s phase=%s node=%s ip=%s %s\n", p.Str("metadata.namespace"), p.Str("metadata.name"),
			p.Str("status.phase"), p.Str("spec.nodeName"), p.Str("status.podIP"), strings.Join(conds, " "))
	}
	_ = os.WriteFile(filepath.Join(cp.Dir, "cluster-state.txt"), []byte(b.String()), 0o600)
	return b.String()
}
