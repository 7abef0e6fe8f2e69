package kubeadm_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
)

// fakeResource is a custom resource of the fake cloud; the mocks echo its inputs as outputs.
type fakeResource struct {
	pulumi.CustomResourceState
	IP pulumi.StringOutput `pulumi:"ip"`
}

func newFake(ctx *pulumi.Context, typ, name string, props pulumi.Map, opts ...pulumi.ResourceOption) (*fakeResource, error) {
	var r fakeResource
	if props == nil {
		props = pulumi.Map{}
	}
	return &r, ctx.RegisterResource("fake:index:"+typ, name, props, &r, opts...)
}

// fakeInfra is a cloud that makes one fake resource per piece and records what the sequence asked.
type fakeInfra struct {
	mu       sync.Mutex
	calls    []string
	problems []cluster.Problem
	former   string
}

func (f *fakeInfra) record(s string) { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }

func (f *fakeInfra) Profile() kubeadm.Profile {
	return kubeadm.Profile{Cloud: cluster.AWS, Storage: cluster.StorageProfile{Provisioner: "fake.csi"}, FormerBootstrapName: f.former,
		Secrets: kubeadm.SecretRefs{Cloud: "aws", Region: "r", PKI: "kost/c/kubeadm-pki", Token: "kost/c/join-token"}}
}

func (f *fakeInfra) Secrets(ctx *pulumi.Context, pki pulumi.StringOutput, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	f.record("secrets")
	r, err := newFake(ctx, "Secret", "c-pki", pulumi.Map{"value": pki}, opts...)
	return []pulumi.Resource{r}, err
}

func (f *fakeInfra) Problems() []cluster.Problem { return f.problems }

func (f *fakeInfra) Endpoint(ctx *pulumi.Context, opts ...pulumi.ResourceOption) (kubeadm.Endpoint, error) {
	f.record("endpoint")
	lb, err := newFake(ctx, "LoadBalancer", "c-api", pulumi.Map{"ip": pulumi.String("10.0.0.100")}, opts...)
	if err != nil {
		return kubeadm.Endpoint{}, err
	}
	return kubeadm.Endpoint{Address: lb.IP, Resources: []pulumi.Resource{lb}}, nil
}

func (f *fakeInfra) ControlPlane(ctx *pulumi.Context, a kubeadm.ControlPlaneArgs, opts ...pulumi.ResourceOption) (kubeadm.Machine, error) {
	f.record(fmt.Sprintf("control plane %d first=%v", a.Index, a.First != nil))
	vm, err := newFake(ctx, "VM", fmt.Sprintf("c-cp-%d", a.Index+1), pulumi.Map{"ip": pulumi.Sprintf("10.0.0.%d", a.Index+1), "userData": a.UserData},
		append(opts, pulumi.DependsOn(a.After))...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	return kubeadm.Machine{Resources: []pulumi.Resource{vm}, PrivateIP: vm.IP}, nil
}

func (f *fakeInfra) ControlPlanesDone(ctx *pulumi.Context, ms []kubeadm.Machine, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	f.record(fmt.Sprintf("control planes done (%d)", len(ms)))
	r, err := newFake(ctx, "Backends", "c-backends", nil, opts...)
	return []pulumi.Resource{r}, err
}

func (f *fakeInfra) WorkerGroup(ctx *pulumi.Context, a kubeadm.WorkerGroupArgs, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	f.record("workers " + a.Pool.Pool)
	r, err := newFake(ctx, "Group", "c-"+a.Pool.Pool, pulumi.Map{"userData": a.UserData}, append(opts, pulumi.DependsOn(a.After))...)
	return []pulumi.Resource{r}, err
}

func (f *fakeInfra) Addons(*pulumi.Context) (kubeadm.AddonSet, error) {
	f.record("addons")
	ref := func(n string) kubeadm.ChartRef {
		return kubeadm.ChartRef{Name: n, Repo: "https://charts.example", Version: "1.0.0"}
	}
	c := func(n string) kubeadm.Installer { return kubeadm.Chart{Ref: ref(n)} }
	return kubeadm.AddonSet{CNI: c("cni"), CloudControllerManager: c("ccm"), CSIDriver: c("csi"), MetricsServer: c("ms"), Autoscaler: c("ca")}, nil
}

func spec() *kubeadm.ClusterSpec {
	return &kubeadm.ClusterSpec{
		ClusterName: "c", Region: "r", Zones: []string{"a", "b", "c"},
		KubernetesVersion: "1.36.4", ContainerdVersion: "2.2.4-1~ubuntu.24.04~noble",
		RegionBlock: "10.30.0.0/16",
		NodePools: []cluster.PoolSpec{
			{Pool: "system", InstanceType: "t", Desired: 3, Min: 3, Max: 6},
			{Pool: "tikv", InstanceType: "t", Desired: 3, Min: 0, Max: 6, Dedicated: true},
			{Pool: "spark", InstanceType: "t", Desired: 0, Min: 0, Max: 6, Spot: true},
		},
		Addons: kubeadm.AddonPins{
			CNI:                       kubeadm.ChartRef{Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.20.0"},
			MetricsServer:             kubeadm.ChartRef{Name: "metrics-server", Repo: "https://kubernetes-sigs.github.io/metrics-server/", Version: "3.13.1"},
			CloudControllerManagerTag: "v1.36.1",
			Autoscaler:                autoscaler.Pins{Chart: autoscaler.ChartRef{Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0"}, Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1"},
		},
	}
}

// component is the cloud's component the sequence builds under.
type component struct{ pulumi.ResourceState }

func assemble(t *testing.T, s *kubeadm.ClusterSpec, f *fakeInfra) (*graph.Graph, *kubeadm.Cluster, error) {
	t.Helper()
	var out *kubeadm.Cluster
	g, err := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		c := &component{}
		if err := ctx.RegisterComponentResource("fake:index:Cluster", "c", c); err != nil {
			return err
		}
		var err error
		out, err = kubeadm.NewCluster(ctx, "c", c, s, f)
		return err
	})
	return g, out, err
}

func urnOf(t *testing.T, g *graph.Graph, typ, name string) string {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s %s", typ, name)
	}
	return r.URN
}

func TestNewClusterSequence(t *testing.T) {
	t.Parallel()
	f := &fakeInfra{}
	g, c, err := assemble(t, spec(), f)
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "command:local:Command"
	vm := func(i int) string { return urnOf(t, g, "fake:index:VM", fmt.Sprintf("c-cp-%d", i)) }
	gate := func(name string) string { return urnOf(t, g, cmd, name) }

	want := []string{"endpoint", "secrets", "control plane 0 first=false", "control plane 1 first=true", "control plane 2 first=true",
		"control planes done (3)", "workers system", "workers tikv", "workers spark", "addons"}
	if !slices.Equal(f.calls, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(f.calls, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		what, a, b string
		want       bool
	}{
		{"the first control plane waits for the load balancer", vm(1), urnOf(t, g, "fake:index:LoadBalancer", "c-api"), true},
		{"each gate waits for its machine", gate("c-cp-1-ready"), vm(1), true},
		{"control plane 2 joins once control plane 1 serves", vm(2), gate("c-cp-1-ready"), true},
		{"control plane 3 joins once control plane 2 serves", vm(3), gate("c-cp-2-ready"), true},
		{"the first control plane waits for no join", vm(1), vm(2), false},
		{"workers join once the first control plane serves", urnOf(t, g, "fake:index:Group", "c-system"), gate("c-cp-1-ready"), true},
		{"workers wait for what needs every control plane", urnOf(t, g, "fake:index:Group", "c-tikv"), urnOf(t, g, "fake:index:Backends", "c-backends"), true},
		{"the add-ons wait for the first control plane's gate", gate("c-addons-api-ready"), gate("c-cp-1-ready"), true},
		{"a pool's gate waits for its group", gate("c-tikv-ready"), urnOf(t, g, "fake:index:Group", "c-tikv"), true},
		{"a pool's gate waits for the CNI (nodes are Ready only with it)", gate("c-system-ready"), urnOf(t, g, "kubernetes:helm.sh/v4:Chart", "c-addons-cni"), true},
	} {
		if got := g.DependsOn(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: DependsOn = %v", tc.what, got)
		}
	}
	if _, ok := g.Named(cmd, "c-spark-ready"); ok {
		t.Error("a pool of 0 nodes has nothing to wait for")
	}
	for name, wantN := range map[string]string{"c-system-ready": "3", "c-tikv-ready": "1"} {
		r, _ := g.Named(cmd, name)
		if got := r.String("environment.KOST_WANT"); got != wantN {
			t.Errorf("%s waits for %s nodes, want %s (the pool's min, at least one)", name, got, wantN)
		}
		if env := r.Inputs["environment"]; !env.IsObject() || !env.ObjectValue()["KOST_CLIENT_KEY"].ContainsSecrets() {
			t.Errorf("%s: the admin key is not secret", name)
		}
	}
	for i := 1; i <= 3; i++ {
		r, _ := g.Named(cmd, fmt.Sprintf("c-cp-%d-ready", i))
		if got, want := r.String("environment.KOST_ENDPOINT"), fmt.Sprintf("https://10.0.0.%d:6443", i); got != want {
			t.Errorf("gate %d probes %s, want the machine's own API server %s", i, got, want)
		}
		p, _ := g.Get(r.Provider)
		if p == nil || p.Name != "c-gates" {
			t.Errorf("gate %d: provider %q, want the gates' own", i, r.Provider)
		}
	}
	// Control plane 1 runs kubeadm init, the others join.
	for i, w := range map[int]string{1: "kubeadm_run init", 2: "kubeadm_run join", 3: "kubeadm_run join"} {
		r, _ := g.Named("fake:index:VM", fmt.Sprintf("c-cp-%d", i))
		if ud := r.String("userData"); !strings.Contains(ud, w) || strings.Contains(ud, "PRIVATE KEY") {
			t.Errorf("control plane %d: user data does not %s, or holds a key", i, w)
		}
	}
	var ready []string
	for _, r := range c.Contract.Ready {
		ready = append(ready, fmt.Sprintf("%T", r))
	}
	slices.Sort(ready)
	ready = slices.Compact(ready)
	if !slices.Equal(ready, []string{"*kubeadm_test.fakeResource", "*local.Command", "*v4.Chart"}) {
		t.Errorf("Ready holds %v", ready)
	}
	if n := len(c.Contract.Ready); n != 3+3+1+3+5+2 {
		t.Errorf("Ready holds %d resources, want 3 machines, 3 gates, the backends, 3 groups, 5 add-ons, 2 pool gates", n)
	}
	if c.Contract.Storage.Provisioner != "fake.csi" || !c.Contract.DedicatedPools {
		t.Error("the contract does not carry the cloud's profile")
	}
	secret := urnOf(t, g, "fake:index:Secret", "c-pki")
	if !g.DependsOn(vm(1), secret) || !g.DependsOn(urnOf(t, g, "fake:index:Group", "c-system"), secret) {
		t.Error("machines must wait for the secret store's entries and grants")
	}
	if r, _ := g.Named("fake:index:Secret", "c-pki"); !r.IsSecret("value") || !strings.Contains(r.String("value"), "PRIVATE KEY") {
		t.Error("the store gets the PKI bundle, as a secret")
	}
}

func TestNewClusterProtectsTheBootstrap(t *testing.T) {
	t.Parallel()
	s := spec()
	s.Protect = true
	g, _, err := assemble(t, s, &fakeInfra{})
	if err != nil {
		t.Fatal(err)
	}
	boot, _ := g.Named("kost:kubeadm:Bootstrap", "c-kubeadm")
	for _, r := range g.Under(boot.URN, "") {
		if !r.IsProvider() && !r.Protect {
			t.Errorf("%s %s: the CA keys and the token of a protected cluster must be protected", r.Type, r.Name)
		}
	}
}

func TestNewClusterKeepsAFormerBootstrapName(t *testing.T) {
	t.Parallel()
	g, _, err := assemble(t, spec(), &fakeInfra{former: "c"})
	if err != nil {
		t.Fatal(err)
	}
	boot, _ := g.Named("kost:kubeadm:Bootstrap", "c-kubeadm")
	if !slices.Equal(boot.Aliases, []string{"name=c"}) {
		t.Errorf("bootstrap aliases %v", boot.Aliases)
	}
	n := 0
	for _, r := range g.Under(boot.URN, "") {
		former := "name=c" + strings.TrimPrefix(r.Name, "c-kubeadm")
		if !slices.Contains(r.Aliases, former) {
			t.Errorf("%s %s: aliases %v, want %s", r.Type, r.Name, r.Aliases, former)
		}
		n++
	}
	if n < 11 {
		t.Errorf("only %d children under the bootstrap", n)
	}
	// Without a former name nothing is aliased.
	g, _, err = assemble(t, spec(), &fakeInfra{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range g.Resources {
		if len(r.Aliases) > 0 {
			t.Errorf("%s %s has aliases %v", r.Type, r.Name, r.Aliases)
		}
	}
}

func TestNewClusterRefusesBadArgsAtOnce(t *testing.T) {
	t.Parallel()
	s := spec()
	s.Zones = []string{"a", "a"}
	s.RegionBlock = "0.0.0.0/0"
	s.NodePools = s.NodePools[1:]
	s.NodePools[0].Max = 0
	s.KubernetesVersion = "1.30.1"
	s.ReadyTimeout = -1
	f := &fakeInfra{problems: []cluster.Problem{{Field: "VpcID", Reason: "required"}}}
	g, _, err := assemble(t, s, f)
	var ae *cluster.ArgsError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *cluster.ArgsError", err)
	}
	var fields []string
	for _, p := range ae.Problems {
		fields = append(fields, p.Field)
	}
	slices.Sort(fields)
	want := []string{"KubernetesVersion", "NodePools", "NodePools[0].Desired", "ReadyTimeout", "RegionBlock", "VpcID", "Zones", "Zones[1]"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if !strings.Contains(err.Error(), "invalid self-managed cluster args: ") {
		t.Errorf("message %q", err)
	}
	if len(f.calls) != 0 {
		t.Errorf("the cloud was asked %v before the args were checked", f.calls)
	}
	for _, r := range g.Resources {
		if r.Type != "fake:index:Cluster" {
			t.Errorf("%s %s registered before the args were checked", r.Type, r.Name)
		}
	}
}
