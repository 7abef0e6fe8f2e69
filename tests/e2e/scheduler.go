package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kost-platform/kost/stacks"
	"github.com/kost-platform/kost/stacks/capacity"
	"github.com/kost-platform/kost/stacks/config"
)

// The operators do not run under kwok, so the data plane's pods never appear by themselves. To
// check the capacity proof against the real scheduler, this creates, in a namespace of its own,
// bare pods shaped like the ones the proof placed (requests, pool selector and toleration, the
// same topology spread), and waits for the scheduler to bind every one. Then one pod the proof
// refuses (larger than any node of its pool) must stay Pending.
const proofNamespace = "kost-e2e-proof"

func schedulerAgrees(ctx context.Context, k *Kube, stackFile string) error {
	_, plan, err := loadStack(stackFile)
	if err != nil {
		return err
	}
	pods, err := stacks.PodsOf(plan)
	if err != nil {
		return err
	}
	if err := k.Create(ctx, "/api/v1/namespaces", map[string]any{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": proofNamespace}}); err != nil {
		return err
	}
	defer func() {
		_ = k.Delete(context.Background(), "/api/v1/namespaces/"+proofNamespace)
	}()
	if err := waitFor(ctx, time.Minute, func() error {
		_, err := k.Get(ctx, "/api/v1/namespaces/"+proofNamespace+"/serviceaccounts/default")
		return err
	}); err != nil {
		return fmt.Errorf("no default service account: %w", err)
	}
	var names []string
	for _, p := range pods {
		if p.Layer != "data" { // the operators run for real already
			continue
		}
		for i := range p.Replicas {
			name := fmt.Sprintf("%s-%d", dnsName(p.Name), i)
			if err := k.Create(ctx, "/api/v1/namespaces/"+proofNamespace+"/pods", podFor(name, p)); err != nil {
				return err
			}
			names = append(names, name)
		}
	}
	if err := waitFor(ctx, 2*time.Minute, func() error {
		var pending []string
		for _, n := range names {
			o, err := k.Get(ctx, "/api/v1/namespaces/"+proofNamespace+"/pods/"+n)
			if err != nil {
				return err
			}
			if o.Str("spec.nodeName") == "" {
				pending = append(pending, n+": "+condition(o, "PodScheduled"))
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("%d of %d pods the proof placed are not scheduled:\n  %s", len(pending), len(names), strings.Join(pending, "\n  "))
		}
		return nil
	}); err != nil {
		return err
	}

	// A TiDB server asking for more memory than a tidb node has: the proof refuses it, and so
	// must the scheduler.
	var tidbPool capacity.Resources
	rcs, err := stacks.ProveCapacity([]config.ResolvedRegion{plan})
	if err != nil {
		return fmt.Errorf("the proof refuses the stack the run deployed: %w", err)
	}
	for _, p := range rcs[0].Pools {
		if p.Name == "tidb" {
			tidbPool = p.Allocatable
		}
	}
	big := capacity.Pod{Name: "tidb-too-big", Pool: "tidb", Replicas: 1, CPUMilli: 1000, MemoryMiB: tidbPool.MemoryMiB + 1024, Layer: "data"}
	if _, fails := capacity.Prove(poolsOf(rcs[0]), []capacity.Pod{big}); len(fails) != 1 {
		return errors.New("the proof accepts a pod larger than any tidb node")
	}
	if err := k.Create(ctx, "/api/v1/namespaces/"+proofNamespace+"/pods", podFor(big.Name, big)); err != nil {
		return err
	}
	return waitFor(ctx, time.Minute, func() error {
		o, err := k.Get(ctx, "/api/v1/namespaces/"+proofNamespace+"/pods/"+big.Name)
		if err != nil {
			return err
		}
		if o.Str("spec.nodeName") != "" {
			return stop(fmt.Errorf("the scheduler placed %s on %s, which the proof refuses", big.Name, o.Str("spec.nodeName")))
		}
		if c := condition(o, "PodScheduled"); !strings.Contains(c, "Insufficient memory") {
			return fmt.Errorf("%s is not yet refused for memory: %s", big.Name, c)
		}
		return nil
	})
}

// poolsOf turns a region's reports back into its pools.
func poolsOf(rc stacks.RegionCapacity) []capacity.Pool {
	var out []capacity.Pool
	for _, p := range rc.Pools {
		out = append(out, p.Pool)
	}
	return out
}

// podFor is a bare pod shaped like p.
func podFor(name string, p capacity.Pod) map[string]any {
	group := dnsName(p.Group)
	if group == "" {
		group = dnsName(p.Name)
	}
	spec := map[string]any{
		"containers": []any{map[string]any{"name": "c", "image": "registry.invalid/kost-e2e/never-pulled:1",
			"resources": map[string]any{"requests": map[string]any{
				"cpu": fmt.Sprintf("%dm", p.CPUMilli), "memory": fmt.Sprintf("%dMi", p.MemoryMiB)}}}},
		"automountServiceAccountToken": false,
	}
	if p.Pool != "" {
		spec["nodeSelector"] = map[string]any{"kost.io/pool": p.Pool}
		spec["tolerations"] = []any{map[string]any{"key": "kost.io/pool", "operator": "Equal", "value": p.Pool, "effect": "NoSchedule"}}
	}
	var spread []any
	for key, on := range map[string]bool{"kubernetes.io/hostname": p.HostSpread, "topology.kubernetes.io/zone": p.ZoneSpread} {
		if on {
			spread = append(spread, map[string]any{"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule",
				"labelSelector": map[string]any{"matchLabels": map[string]any{"kost.io/proof-group": group}}})
		}
	}
	if len(spread) > 0 {
		spec["topologySpreadConstraints"] = spread
	}
	return map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"kost.io/proof-group": group}}, "spec": spec}
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

func dnsName(s string) string {
	return strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// condition returns a pod condition's status, reason and message.
func condition(o Object, typ string) string {
	cs, _ := o.Path("status.conditions").([]any)
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			return fmt.Sprintf("%v %v %v", m["status"], m["reason"], m["message"])
		}
	}
	return "no " + typ + " condition yet"
}

// loadStack reads a stack file's environment and its one region's plan, as the program would.
func loadStack(file string) (*config.Environment, config.ResolvedRegion, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, config.ResolvedRegion{}, err
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, config.ResolvedRegion{}, err
	}
	js, err := json.Marshal(doc.Config["kost:environment"])
	if err != nil {
		return nil, config.ResolvedRegion{}, err
	}
	env, err := config.Load(js)
	if err != nil {
		return nil, config.ResolvedRegion{}, err
	}
	plans, err := env.Resolve()
	if err != nil || len(plans) != 1 {
		return nil, config.ResolvedRegion{}, fmt.Errorf("plans %v: %w", len(plans), err)
	}
	return env, plans[0], nil
}

// permanent marks an error waitFor must not retry.
type permanent struct{ error }

// stop makes err end waitFor at once.
func stop(err error) error { return permanent{err} }

// waitFor polls check every second until it succeeds, returns a permanent error, or d passes.
func waitFor(ctx context.Context, d time.Duration, check func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := check()
		var p permanent
		switch {
		case err == nil:
			return nil
		case errors.As(err, &p):
			return p.error
		case time.Now().After(deadline):
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
