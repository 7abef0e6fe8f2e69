package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	kcluster "github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/stacks"
	"github.com/kost-platform/kost/stacks/capacity"
	"github.com/kost-platform/kost/stacks/config"
)

// repoRoot is the repository root, where the shipped stack files are.
const repoRoot = "../.."

// env is what run.sh hands the test.
type env struct {
	bin, out, shared string
}

func e2eEnv(t *testing.T) env {
	t.Helper()
	bin := os.Getenv("KOST_E2E_BIN")
	if bin == "" {
		t.Skip("end-to-end run: `make e2e` runs it (tools.sh builds the tools, run.sh the network namespace)")
	}
	out := os.Getenv("KOST_E2E_OUT")
	if out == "" {
		out = t.TempDir()
	}
	shared := os.Getenv("KOST_SHARED_DIR")
	if shared == "" {
		shared = filepath.Join(repoRoot, "..", "shared")
	}
	charts, err := filepath.Abs(filepath.Join(shared, "charts"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(charts); err != nil {
		t.Skipf("no published charts in %s (set KOST_SHARED_DIR): the end-to-end run installs them from there", charts)
	}
	return env{bin: bin, out: out, shared: charts}
}

// stepper runs the steps of one stack's run.
type stepper struct {
	t  *testing.T
	cp *ControlPlane
}

// step runs one step, failing with the step's name, the engine's message and what the cluster
// looked like (also written under the run's output folder).
func (s stepper) step(name string, f func() error) {
	s.t.Helper()
	s.t.Logf("step: %s", name)
	start := time.Now()
	if err := f(); err != nil {
		s.t.Fatalf("step %q failed after %s: %v\ncluster:\n%s", name, time.Since(start).Round(time.Second), err,
			s.cp.Diagnose(context.Background()))
	}
	s.t.Logf("step: %s: done in %s", name, time.Since(start).Round(time.Second))
}

// cluster starts a control plane with nodes and the Spark webhook stand-in for one stack, stopped
// (and checked stopped) when the test ends.
func cluster(ctx context.Context, t *testing.T, e env, dir string, nodes []NodeShape) (*ControlPlane, *SparkWebhookStandIn) {
	t.Helper()
	cp, err := StartControlPlane(ctx, e.bin, filepath.Join(dir, "cluster"))
	if err != nil {
		t.Fatal(err)
	}
	pids := cp.PIDs()
	t.Cleanup(func() {
		cp.Stop()
		for _, pid := range pids {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("process %d is still running after Stop", pid)
			}
		}
	})
	if err := CreateNodes(ctx, cp.Client, nodes); err != nil {
		t.Fatal(err)
	}
	wh, err := StartSparkWebhookStandIn(ctx, cp.Client, filepath.Join(dir, "cluster", "pki", "webhook"), "spark-operator", 9443)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wh.Stop)
	return cp, wh
}

// TestLocalStack runs Pulumi.local.yaml exactly as shipped (what a user runs on kind), with the
// charts from a mirror directory, through up, a no-change preview, an upgrade and destroy.
func TestLocalStack(t *testing.T) {
	e := e2eEnv(t)
	ctx := context.Background()
	dir := filepath.Join(e.out, "local")
	// A kind cluster: one node, untainted, sized like a laptop's kind node.
	cp, wh := cluster(ctx, t, e, dir, []NodeShape{{Name: "kost-control-plane", Count: 1, CPUMilli: 8000, MemoryBytes: 16 << 30, Pods: 110}})
	step := stepper{t, cp}.step
	step("the API server's JWKS is the one kost gives a cloud to federate a kubeadm cluster with", func() error {
		return sameJWKS(ctx, cp)
	})
	st := createStack(ctx, t, e, cp, step, StackOptions{Name: "local", StackFile: filepath.Join(repoRoot, "Pulumi.local.yaml"), Dir: dir})
	step("the operators are Ready", func() error {
		return operatorsReady(ctx, cp.Client, []string{"strimzi", "tidb-admin", "spark-operator"})
	})
	step("the SparkApplication went through the Spark operator's webhook (failurePolicy Fail)", func() error {
		return webhookCalled(wh)
	})
	step("pulumi preview --expect-no-changes", func() error { _, err := st.Preview(ctx, true); return err })
	step("upgrade: a new Spark job namespace (a chart value of the Spark operator)", func() error {
		for i, ns := range []string{"spark-jobs", "analytics"} {
			if err := st.SetPath(ctx, fmt.Sprintf("kost:environment.regions[0].spark.jobNamespaces[%d]", i), ns); err != nil {
				return err
			}
		}
		steps, err := st.Up(ctx)
		if err != nil {
			return err
		}
		if err := noReplacement(steps); err != nil {
			return err
		}
		return inCluster(ctx, cp.Client, st)
	})
	step("pulumi preview --expect-no-changes after the upgrade", func() error { _, err := st.Preview(ctx, true); return err })
	step("a pull-request preview as a read-only identity (Kubernetes' view role) shows the next change, and its up changes nothing", func() error {
		return previewReadOnly(ctx, cp, st)
	})
	var before []StateResource
	step("pulumi destroy", func() error {
		var err error
		if before, err = st.Resources(ctx); err != nil {
			return err
		}
		_, err = st.Destroy(ctx)
		return err
	})
	step("nothing is left but what is retained", func() error { return goneUnlessRetained(ctx, cp.Client, before) })
}

// createStack makes the stack (its settings copied from opts.StackFile, the Deploy program, the
// run's tools and cluster), points it at the chart mirror the way a user would (pulumi config set
// --path), previews it, brings it up and checks that every object of its state is in the cluster.
func createStack(ctx context.Context, t *testing.T, e env, cp *ControlPlane, step func(string, func() error), opts StackOptions) *Stack {
	t.Helper()
	opts.Bin, opts.Kubeconfig, opts.Program = e.bin, cp.Kubeconfig, stacks.Deploy
	st, err := NewStack(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	step("point the stack at the chart mirror (pulumi config set --path)", func() error {
		if err := st.SetPath(ctx, "kost:environment.mirror.charts", e.shared); err != nil {
			return err
		}
		return st.SetPath(ctx, "kost:environment.mirror.manifests", e.shared)
	})
	// kube-prometheus-stack is not among the published charts here (../shared/charts): the run
	// monitors with an existing Prometheus Operator instead, whose real CRDs it installs as such a
	// cluster has them, so kost's PodMonitors and PrometheusRules meet the real API server.
	step("monitoring.stack existing, with the Prometheus Operator's CRDs (v0.93.0) installed", func() error {
		if err := installCRDs(ctx, cp.Client, filepath.Join(filepath.Dir(e.shared), "crds", "prometheus-operator-v0.93.0")); err != nil {
			return err
		}
		return st.SetPath(ctx, "kost:environment.monitoring.stack", config.MonitoringExisting)
	})
	step("pulumi preview", func() error { _, err := st.Preview(ctx, false); return err })
	step("pulumi up", func() error { _, err := st.Up(ctx); return err })
	step("every resource exists in the API server", func() error { return inCluster(ctx, cp.Client, st) })
	return st
}

// installCRDs creates every CustomResourceDefinition in the YAML files of dir (or leaves one that
// exists) and waits until each is established.
func installCRDs(ctx context.Context, k *Kube, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no CRD files in %s", dir)
	}
	var names []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var crd map[string]any
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		name := Object(crd).Str("metadata.name")
		if _, err := k.Get(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+name); err == nil {
			continue
		}
		if err := k.Create(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		names = append(names, name)
	}
	deadline := time.Now().Add(time.Minute)
	for _, n := range names {
		for {
			o, err := k.Get(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+n)
			if err == nil && established(o) {
				break
			}
			if time.Now().After(deadline) {
				if err != nil {
					return fmt.Errorf("CRD %s not established after a minute: %w", n, err)
				}
				return fmt.Errorf("CRD %s not established after a minute", n)
			}
			time.Sleep(time.Second)
		}
	}
	return nil
}

// established reports a CRD's Established condition.
func established(o Object) bool {
	conds, _ := o.Path("status.conditions").([]any)
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// webhookCalled checks that the API server called the Spark operator's webhook for the example
// SparkApplication: it reached the stand-in through the chart's Service and caBundle.
func webhookCalled(wh *SparkWebhookStandIn) error {
	if n := wh.Answered("sparkapplications"); n == 0 {
		return errors.New("no admission review for sparkapplications reached the webhook")
	}
	return nil
}

// inCluster checks that every Kubernetes object in the stack's state exists in the API server.
func inCluster(ctx context.Context, k *Kube, st *Stack) error {
	rs, err := st.Resources(ctx)
	if err != nil {
		return err
	}
	n, missing := absent(ctx, k, rs, func(StateResource) bool { return true })
	if n == 0 {
		return errors.New("the state holds no Kubernetes object")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d of %d objects in the state are not in the cluster:\n  %s", len(missing), n, strings.Join(missing, "\n  "))
	}
	return nil
}

// absent reads each Kubernetes object of rs that keep selects from the API server: how many it
// looked for, and the ones it did not find (with why).
func absent(ctx context.Context, k *Kube, rs []StateResource, keep func(StateResource) bool) (int, []string) {
	var missing []string
	n := 0
	for _, r := range rs {
		av, kind, ns, name, ok := r.KubernetesObject()
		if !ok || !keep(r) {
			continue
		}
		n++
		p, err := k.ObjectPath(ctx, av, kind, ns, name)
		if err == nil {
			_, err = k.Get(ctx, p)
		}
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s %s/%s: %v", kind, ns, name, err))
		}
	}
	return n, missing
}

// operatorsReady checks that every Deployment in the namespaces has all its replicas ready.
func operatorsReady(ctx context.Context, k *Kube, namespaces []string) error {
	var bad []string
	found := 0
	for _, ns := range namespaces {
		ds, err := k.List(ctx, "/apis/apps/v1/namespaces/"+ns+"/deployments")
		if err != nil {
			return err
		}
		for _, d := range ds {
			found++
			want, ready := d.Path("spec.replicas"), d.Path("status.readyReplicas")
			if want == nil || ready == nil || want.(float64) != ready.(float64) {
				bad = append(bad, fmt.Sprintf("%s/%s: %v of %v ready", ns, d.Str("metadata.name"), ready, want))
			}
		}
		if len(ds) == 0 {
			bad = append(bad, ns+": no Deployment")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("operators not ready (%d Deployments):\n  %s", found, strings.Join(bad, "\n  "))
	}
	return nil
}

// noReplacement fails on any step that replaces or deletes a resource.
func noReplacement(steps []Step) error {
	var bad []string
	for _, s := range steps {
		if strings.Contains(s.Op, "replace") || s.Op == "delete" {
			bad = append(bad, fmt.Sprintf("%s %s (%s)", s.Op, s.URN, strings.Join(s.Diffs, ", ")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the upgrade replaced or deleted:\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
}

// goneUnlessRetained checks, after a destroy, that every Kubernetes object that was in the state is
// gone from the API server unless it was retained on delete, and that the retained ones are there.
func goneUnlessRetained(ctx context.Context, k *Kube, before []StateResource) error {
	var bad []string
	for _, r := range before {
		av, kind, ns, name, ok := r.KubernetesObject()
		if !ok {
			continue
		}
		p, err := k.ObjectPath(ctx, av, kind, ns, name)
		if err == nil {
			_, err = k.Get(ctx, p)
		}
		exists := err == nil
		switch {
		case exists && !r.RetainOnDelete:
			bad = append(bad, fmt.Sprintf("%s %s/%s is still there", kind, ns, name))
		case !exists && r.RetainOnDelete:
			bad = append(bad, fmt.Sprintf("%s %s/%s was retained on delete but is gone (%v)", kind, ns, name, err))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("after destroy:\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
}

// prodShape describes the prod-shaped cluster's pools: per pool, one node in each of three zones,
// labelled and tainted as kost's clusters are, with the allocatable of the AWS prod default instance
// type after EKS's reservations (the capacity proof's numbers). It returns the nodes for kwok and the
// same pools as the stack's nodePools, so the proof and the real scheduler place against one thing.
func prodShape(t *testing.T) ([]NodeShape, map[string]any) {
	t.Helper()
	zones := []string{"zone-a", "zone-b", "zone-c"}
	var nodes []NodeShape
	pools := map[string]any{}
	for _, pool := range config.PoolNames {
		typ := config.DefaultInstanceType(config.AWS, config.Prod, pool)
		inst, ok := capacity.Lookup("aws", typ)
		if !ok {
			t.Fatalf("%s is not in the catalogue", typ)
		}
		a := capacity.Allocatable(capacity.EKS, inst)
		pools[pool] = map[string]any{"count": len(zones), "allocatable": map[string]any{
			"cpu": fmt.Sprintf("%dm", a.CPUMilli), "memory": fmt.Sprintf("%dMi", a.MemoryMiB), "pods": a.Pods}}
		for _, z := range zones {
			s := NodeShape{Name: pool + "-" + z, Count: 1, CPUMilli: a.CPUMilli, MemoryBytes: a.MemoryMiB << 20, Pods: a.Pods,
				Labels: map[string]string{"kost.io/pool": pool, "topology.kubernetes.io/zone": z}}
			if config.DedicatedPool(pool) {
				s.Taints = []Taint{{Key: "kost.io/pool", Value: pool, Effect: "NoSchedule"}}
			}
			nodes = append(nodes, s)
		}
	}
	return nodes, pools
}

// withPools writes a copy of a stack file whose first region's nodePools are pools.
func withPools(t *testing.T, file string, pools map[string]any) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	env := doc["config"].(map[string]any)["kost:environment"].(map[string]any)
	env["regions"].([]any)[0].(map[string]any)["nodePools"] = pools
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(file))
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestProdShapedStack runs a prod-shaped, protected environment on an existing cluster whose nodes
// are labelled like kost's pools: up, a no-change preview, an upgrade of TiDB and Kafka and of an
// operator's chart values, a destroy that must stop at the protected data without touching the
// operators, and the destroy a person runs after unprotecting, which must leave the data behind.
func TestProdShapedStack(t *testing.T) {
	e := e2eEnv(t)
	ctx := context.Background()
	dir := filepath.Join(e.out, "prod")
	nodes, pools := prodShape(t)
	cp, wh := cluster(ctx, t, e, dir, nodes)
	step := stepper{t, cp}.step
	stackFile := withPools(t, filepath.Join("testdata", "Pulumi.e2e-prod.yaml"), pools)
	st := createStack(ctx, t, e, cp, step, StackOptions{Name: "e2e-prod", StackFile: stackFile, Dir: dir})
	operators := []string{"strimzi", "tidb-admin", "spark-operator"}
	step("the operators are Ready, two replicas each", func() error { return operatorsReady(ctx, cp.Client, operators) })
	step("the SparkApplication went through the Spark operator's webhook", func() error { return webhookCalled(wh) })
	step("pulumi preview --expect-no-changes", func() error { _, err := st.Preview(ctx, true); return err })
	step("the real scheduler places the data plane where the capacity proof did, and refuses what it refuses", func() error {
		return schedulerAgrees(ctx, cp.Client, stackFile)
	})
	step("the kubeadm readiness gates, run as Pulumi runs them, read the real API server and its nodes", func() error {
		return gatesAgree(ctx, cp, "tikv", 3) // one tikv node per zone (prodShape)
	})
	step("upgrade: TiDB and Kafka to the pins, a Spark job namespace more", func() error {
		for path, v := range map[string]string{
			"kost:environment.versions.tidb":                     config.Pinned.TiDB,
			"kost:environment.versions.kafka":                    config.Pinned.Kafka,
			"kost:environment.regions[0].spark.jobNamespaces[0]": "spark-jobs",
			"kost:environment.regions[0].spark.jobNamespaces[1]": "analytics",
		} {
			if err := st.SetPath(ctx, path, v); err != nil {
				return err
			}
		}
		steps, err := st.Up(ctx)
		if err != nil {
			return err
		}
		if err := noReplacement(steps); err != nil {
			return err
		}
		if err := updated(steps, "kubernetes:pingcap.com/v1alpha1:TidbCluster", "kubernetes:kafka.strimzi.io/v1:Kafka"); err != nil {
			return err
		}
		return specIs(ctx, cp.Client, map[string]string{
			"/apis/pingcap.com/v1alpha1/namespaces/tidb/tidbclusters/kost": "spec.version=" + config.Pinned.TiDB,
			"/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas/kost":       "spec.kafka.version=" + config.Pinned.Kafka,
		})
	})
	step("pulumi preview --expect-no-changes after the upgrade", func() error { _, err := st.Preview(ctx, true); return err })
	step("a changed changefeed list: pulumi up runs a new sync Job to completion, then deletes the old one", func() error {
		return changefeedJobRerun(ctx, cp.Client, st)
	})
	step("a restore block: pulumi up waits until the Restore is Complete (done here by hand: no operator runs), then goes on", func() error {
		return restoreAwaited(ctx, cp.Client, st)
	})
	before, err := st.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	step("pulumi destroy stops at the protected data, before the operators", func() error {
		_, err := st.Destroy(ctx)
		if err == nil {
			return errors.New("the destroy of a protected stack succeeded; want Pulumi's refusal to delete a protected resource")
		}
		if !strings.Contains(err.Error(), "protected") {
			return fmt.Errorf("destroy of a protected stack: %w; want Pulumi's refusal to delete a protected resource", err)
		}
		t.Logf("pulumi destroy refused, as it must: %s", firstLine(err.Error(), "protected"))
		// The operators of protected custom resources: Strimzi and the TiDB Operator. (The Spark
		// operator has no protected resource: the destroy may remove it and the Spark example.)
		if err := operatorsReady(ctx, cp.Client, []string{"strimzi", "tidb-admin"}); err != nil {
			return fmt.Errorf("after the refused destroy: %w", err)
		}
		return stillThere(ctx, cp.Client, before, func(r StateResource) bool { return r.Protect })
	})
	step("pulumi state unprotect --all, then pulumi destroy", func() error {
		if err := st.UnprotectAll(ctx); err != nil {
			return err
		}
		_, err := st.Destroy(ctx)
		return err
	})
	step("the data is still there: what was retained, and the namespaces holding it", func() error {
		return goneUnlessRetained(ctx, cp.Client, before)
	})
}

// updated checks that a resource of each type was updated in place.
func updated(steps []Step, types ...string) error {
	for _, typ := range types {
		ok := false
		for _, s := range steps {
			ok = ok || (s.Type == typ && s.Op == "update")
		}
		if !ok {
			return fmt.Errorf("no %s was updated in place", typ)
		}
	}
	return nil
}

// specIs checks "path=value" on objects by API path.
func specIs(ctx context.Context, k *Kube, want map[string]string) error {
	for p, kv := range want {
		field, value, _ := strings.Cut(kv, "=")
		o, err := k.Get(ctx, p)
		if err != nil {
			return err
		}
		if got := o.Str(field); got != value {
			return fmt.Errorf("%s: %s is %q, want %q", p, field, got, value)
		}
	}
	return nil
}

// stillThere checks that the objects of the state matching keep exist in the API server.
func stillThere(ctx context.Context, k *Kube, rs []StateResource, keep func(StateResource) bool) error {
	n, missing := absent(ctx, k, rs, keep)
	if n == 0 {
		return errors.New("no object matched")
	}
	if len(missing) > 0 {
		return fmt.Errorf("gone:\n  %s", strings.Join(missing, "\n  "))
	}
	return nil
}

// firstLine returns the first line of s containing sub.
func firstLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return s
}

// previewReadOnly runs a pull-request preview the way kost's previewers do: as an identity that may
// only read (Kubernetes' built-in view role, no Secrets; what EKS's AmazonEKSViewPolicy, GKE's
// binding and AKS's RBAC Reader give kubernetes.previewers). The preview of a change must succeed
// (the provider falls back to the inputs where a server-side dry run is forbidden), and an up as the
// same identity must be refused without changing anything.
func previewReadOnly(ctx context.Context, cp *ControlPlane, st *Stack) error {
	const bindings = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
	binding := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": "kost-e2e-previewers"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
		"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": PreviewersGroup}},
	}
	if err := cp.Client.Create(ctx, bindings, binding); err != nil {
		return err
	}
	const next = "kost:environment.regions[0].spark.jobNamespaces[2]"
	if err := st.SetPath(ctx, next, "reports"); err != nil {
		return err
	}
	restore := st.As(cp.PreviewerKubeconfig)
	res, err := st.Preview(ctx, false)
	if err != nil {
		restore()
		return fmt.Errorf("a read-only preview failed: %w", err)
	}
	_, upErr := st.Up(ctx)
	restore()
	if res.ChangeSummary["create"] == 0 {
		return fmt.Errorf("the read-only preview shows no creates for a new job namespace: %v", res.ChangeSummary)
	}
	if upErr == nil {
		return errors.New("an up as the read-only identity succeeded")
	}
	if !strings.Contains(upErr.Error(), "forbidden") {
		return fmt.Errorf("an up as the read-only identity failed, but not as forbidden: %w", upErr)
	}
	if err := st.RemovePath(ctx, next); err != nil {
		return err
	}
	if _, err := cp.Client.Get(ctx, "/api/v1/namespaces/reports"); err == nil {
		return fmt.Errorf("the refused up created the namespace reports")
	}
	if err := cp.Client.Delete(ctx, bindings+"/kost-e2e-previewers"); err != nil {
		return err
	}
	// Nothing moved: the state and the cluster agree with the stack as it was.
	_, err = st.Preview(ctx, true)
	return err
}

// sameJWKS compares the API server's /openid/v1/jwks with cluster.JWKS of its service-account key:
// a kubeadm cluster's backups on GCP are federated with exactly that document (the provider checks
// token signatures with it, and never fetches it from the private API server).
func sameJWKS(ctx context.Context, cp *ControlPlane) error {
	served, err := cp.Client.GetAs(ctx, "/openid/v1/jwks", "application/jwk-set+json")
	if err != nil {
		return err
	}
	pub, err := os.ReadFile(filepath.Join(cp.Dir, "pki", "sa.pub"))
	if err != nil {
		return err
	}
	doc, err := kcluster.JWKS(string(pub))
	if err != nil {
		return err
	}
	var ours Object
	if err := json.Unmarshal([]byte(doc), &ours); err != nil {
		return err
	}
	if !reflect.DeepEqual(map[string]any(served), map[string]any(ours)) {
		return fmt.Errorf("the API server serves %v; kost federates %v", served, ours)
	}
	return nil
}

// restoreAwaited adds a restore block and runs pulumi up: the provider must create the Restore and
// wait on its pulumi.com/waitFor annotation until status.phase is Complete, which this run sets after
// checking that the update is still waiting; then the update must finish without replacing anything.
func restoreAwaited(ctx context.Context, k *Kube, st *Stack) error {
	const full, path = "kost/full/kost-pd.tidb-2379-2026-11-27t02-00-00", "/apis/pingcap.com/v1alpha1/namespaces/tidb/restores/kost-restore"
	if err := st.SetPath(ctx, "kost:environment.regions[0].restore.full", full); err != nil {
		return err
	}
	type result struct {
		steps []Step
		err   error
	}
	done := make(chan result, 1)
	go func() { steps, err := st.Up(ctx); done <- result{steps, err} }()
	deadline := time.Now().Add(5 * time.Minute)
	var restore Object
	for {
		o, err := k.Get(ctx, path)
		if err == nil {
			restore = o
			break
		}
		select {
		case r := <-done:
			return fmt.Errorf("pulumi up ended before the Restore existed: %w", r.err)
		case <-time.After(2 * time.Second):
		}
		if time.Now().After(deadline) {
			return errors.New("no Restore after 5 minutes")
		}
	}
	if got := restore.Str("spec.s3.prefix"); got != full || restore.Str("spec.br.clusterNamespace") != "tidb" {
		return fmt.Errorf("the Restore reads %q in namespace %q", got, restore.Str("spec.br.clusterNamespace"))
	}
	select {
	case r := <-done:
		return fmt.Errorf("pulumi up did not wait for the Restore: it ended (%w) while the Restore had no phase", r.err)
	case <-time.After(15 * time.Second):
	}
	if err := k.Patch(ctx, path, map[string]any{"status": map[string]any{"phase": "Complete"}}); err != nil {
		return err
	}
	select {
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		return noReplacement(r.steps)
	case <-time.After(5 * time.Minute):
		return errors.New("pulumi up still waits 5 minutes after the Restore completed")
	}
}

// changefeedJobRerun changes the declared changefeeds and checks that the sync Job of the old list
// (which the first up waited for: kwok completes a Job's pods, the real Job controller marks the Job
// succeeded) gives way to a new one that carries the new list and succeeded before Pulumi went on;
// nothing else is replaced.
func changefeedJobRerun(ctx context.Context, k *Kube, st *Stack) error {
	const jobs = "/apis/batch/v1/namespaces/tidb/jobs?labelSelector=app.kubernetes.io%2Fname%3Dkost-cdc-sync"
	one := func() (Object, error) {
		l, err := k.List(ctx, jobs)
		if err != nil {
			return nil, err
		}
		if len(l) != 1 {
			return nil, fmt.Errorf("%d sync Jobs, want 1", len(l))
		}
		if n, _ := l[0].Path("status.succeeded").(float64); n != 1 {
			return nil, fmt.Errorf("sync Job %s has not succeeded: %v", l[0].Str("metadata.name"), l[0].Path("status"))
		}
		return l[0], nil
	}
	before, err := one()
	if err != nil {
		return fmt.Errorf("before the change: %w", err)
	}
	for path, v := range map[string]string{
		"kost:environment.database.changefeeds[0].id":        "tidb",
		"kost:environment.database.changefeeds[0].tables[0]": "shop.*",
	} {
		if err := st.SetPath(ctx, path, v); err != nil {
			return err
		}
	}
	steps, err := st.Up(ctx)
	if err != nil {
		return err
	}
	var others []Step
	for _, s := range steps {
		if s.Type != "kubernetes:batch/v1:Job" {
			others = append(others, s)
		}
	}
	if err := noReplacement(others); err != nil {
		return err
	}
	after, err := one()
	if err != nil {
		return fmt.Errorf("after the change: %w", err)
	}
	if after.Str("metadata.name") == before.Str("metadata.name") {
		return fmt.Errorf("the sync Job kept its name %s: a changed list would never run", before.Str("metadata.name"))
	}
	containers, _ := after.Path("spec.template.spec.containers").([]any)
	if len(containers) != 1 {
		return fmt.Errorf("the new Job has %d containers", len(containers))
	}
	env, _ := containers[0].(map[string]any)["env"].([]any)
	for _, e := range env {
		if m, _ := e.(map[string]any); m["name"] == "KOST_CDC_FEEDS" {
			if v, _ := m["value"].(string); !strings.Contains(v, `"rules":["shop.*"]`) {
				return fmt.Errorf("the new Job carries %s, not the new list", v)
			}
			return nil
		}
	}
	return errors.New("the new Job carries no KOST_CDC_FEEDS")
}
