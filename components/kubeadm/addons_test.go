package kubeadm_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
)

var (
	cilium  = kubeadm.ChartRef{Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.18.14"}
	metrics = kubeadm.ChartRef{Name: "metrics-server", Repo: "https://kubernetes-sigs.github.io/metrics-server/", Version: "3.13.0"}
	ccmRef  = kubeadm.ChartRef{Name: "ccm", Repo: "https://example.test/charts", Version: "0.0.10"}
	csiRef  = kubeadm.ChartRef{Name: "csi", Repo: "https://example.test/charts", Version: "2.53.0"}
)

const chartType = "kubernetes:helm.sh/v4:Chart"

// runAddons installs add-ons behind a stand-in first control plane and returns the graph.
func runAddons(t *testing.T, mutate func(*kubeadm.AddonsArgs)) (*graph.Graph, error) {
	t.Helper()
	return offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		// Any custom resource stands in for the first control plane.
		first, err := kubernetes.NewProvider(ctx, "first-control-plane", nil)
		if err != nil {
			return err
		}
		args := &kubeadm.AddonsArgs{
			Provider:  k8s,
			Endpoint:  pulumi.String("https://10.0.0.10:6443"),
			CACertPEM: pulumi.String("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"),
			After:     []pulumi.Resource{first},
			AddonSet: kubeadm.AddonSet{
				CNI:                    kubeadm.Cilium(cilium, "172.21.0.0/16", 2),
				CloudControllerManager: kubeadm.Chart{Ref: ccmRef},
				CSIDriver:              kubeadm.Chart{Ref: csiRef},
				MetricsServer:          kubeadm.MetricsServer(metrics, 2),
				Autoscaler: kubeadm.AutoscalerChart(autoscaler.Pins{
					Chart: autoscaler.ChartRef{Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0"},
					Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1",
				}, autoscaler.Args{CloudProvider: "aws", ClusterName: "c", OnControlPlanes: true}),
			},
		}
		if mutate != nil {
			mutate(args)
		}
		_, err = kubeadm.NewAddons(ctx, "c", args)
		return err
	})
}

func TestAddonsInstallInOrderAfterTheAPIAnswers(t *testing.T) {
	g, err := runAddons(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func(typ, name string) *graph.Resource {
		t.Helper()
		r, ok := g.Named(typ, name)
		if !ok {
			t.Fatalf("no %s %s", typ, name)
		}
		return r
	}
	comp := get("kost:kubeadm:Addons", "c")
	probe := get("command:local:Command", "c-api-ready")
	first := get("pulumi:providers:kubernetes", "first-control-plane")
	k8s := get("pulumi:providers:kubernetes", "k8s")
	if !g.DependsOn(probe.URN, first.URN) {
		t.Error("the readiness probe must wait for the first control plane")
	}
	if p, ok := g.Get(probe.Provider); !ok || p.Name != "c-command" || p.Parent != comp.URN {
		t.Errorf("the probe's provider is %q, want the component's own c-command", probe.Provider)
	}
	script := probe.String("create")
	for _, want := range []string{"/readyz", `--cacert "$ca"`, "KOST_TIMEOUT_SECONDS", "exit 1"} {
		if !strings.Contains(script, want) {
			t.Errorf("probe script lacks %q", want)
		}
	}
	if strings.Contains(script, "--insecure") || strings.Contains(script, " -k ") {
		t.Error("the probe must verify the API server's certificate")
	}
	env, _ := probe.Input("environment")
	if m, _ := env.(map[string]any); m["KOST_ENDPOINT"] != "https://10.0.0.10:6443" || m["KOST_TIMEOUT_SECONDS"] != "1200" {
		t.Errorf("probe environment = %v", env)
	}

	order := []string{"c-cni", "c-ccm", "c-csi", "c-metrics-server", "c-autoscaler"}
	charts := map[string]*graph.Resource{}
	for _, n := range order {
		c := get(chartType, n)
		charts[n] = c
		if c.Parent != comp.URN || c.Provider != k8s.URN {
			t.Errorf("%s: parent %s provider %s, want the component and the cluster's provider", n, c.Parent, c.Provider)
		}
		if ns := c.String("namespace"); ns != "kube-system" {
			t.Errorf("%s installs in %q", n, ns)
		}
		if !g.DependsOn(c.URN, probe.URN) {
			t.Errorf("%s does not wait for the API", n)
		}
	}
	for _, dep := range [][2]string{{"c-ccm", "c-cni"}, {"c-csi", "c-ccm"}, {"c-metrics-server", "c-ccm"}, {"c-autoscaler", "c-ccm"}} {
		if !g.DependsOn(charts[dep[0]].URN, charts[dep[1]].URN) {
			t.Errorf("%s must wait for %s", dep[0], dep[1])
		}
	}
	if g.DependsOn(charts["c-cni"].URN, charts["c-ccm"].URN) {
		t.Error("the CNI must not wait for the cloud-controller-manager (nodes stay NotReady without a CNI)")
	}
	// On a kubeadm cluster the autoscaler runs on the control planes' network with their identity.
	ca := charts["c-autoscaler"]
	for path, want := range map[string]any{
		"values.hostNetwork": true, "values.cloudProvider": "aws", "values.autoDiscovery.clusterName": "c",
		"values.image.repository": "registry.k8s.io/autoscaling/cluster-autoscaler", "values.image.tag": "v1.36.1",
		"values.nodeSelector": map[string]any{"node-role.kubernetes.io/control-plane": ""},
	} {
		if got, _ := ca.Input(path); !reflect.DeepEqual(got, want) {
			t.Errorf("autoscaler %s = %v, want %v", path, got, want)
		}
	}

	cni := charts["c-cni"]
	for path, want := range map[string]any{
		"chart":                    "cilium",
		"version":                  "1.18.14",
		"repositoryOpts.repo":      "https://helm.cilium.io/",
		"values.routingMode":       "tunnel",
		"values.tunnelProtocol":    "vxlan",
		"values.ipam.mode":         "cluster-pool",
		"values.operator.replicas": float64(2),
	} {
		if got, _ := cni.Input(path); got != want {
			t.Errorf("cni %s = %v, want %v", path, got, want)
		}
	}
	if got, _ := cni.Input("values.ipam.operator.clusterPoolIPv4PodCIDRList"); len(got.([]any)) != 1 || got.([]any)[0] != "172.21.0.0/16" {
		t.Errorf("cilium pod CIDRs = %v", got)
	}
	if got, _ := charts["c-metrics-server"].Input("values.args"); !strings.Contains(strings.Join(toStrings(got), " "), "--kubelet-insecure-tls") {
		t.Errorf("metrics-server args = %v", got)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestAddonsRejectBadArgsAllAtOnce(t *testing.T) {
	g, err := runAddons(t, func(a *kubeadm.AddonsArgs) {
		a.Provider = nil
		a.After = nil
		a.CNI = kubeadm.Chart{Ref: kubeadm.ChartRef{Name: "cilium", Repo: "http://helm.cilium.io/", Version: "latest"}}
		a.CSIDriver = nil
		a.ReadyTimeout = -1
	})
	var aerr *cluster.ArgsError
	if !errors.As(err, &aerr) {
		t.Fatalf("error %v, want a *cluster.ArgsError", err)
	}
	// Two problems with the CNI chart (http, not an exact version), each under its field.
	want := []string{"Provider", "After", "ReadyTimeout", "CNI", "CNI", "CSIDriver"}
	if d := cmp.Diff(want, aerr.Fields()); d != "" {
		t.Errorf("fields with problems (-want +got):\n%s\n%v", d, err)
	}
	if n := len(g.OfType("kost:kubeadm:Addons")); n != 0 {
		t.Errorf("%d add-on components registered from bad args", n)
	}
}

func TestAddonPinsProblems(t *testing.T) {
	ca := autoscaler.Pins{Chart: autoscaler.ChartRef{Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0"},
		Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1"}
	good := kubeadm.AddonPins{CNI: cilium, MetricsServer: metrics, CloudControllerManager: ccmRef, CSIDriver: csiRef, CloudControllerManagerTag: "v1.33.3", Autoscaler: ca}
	tests := map[string]struct {
		pins       kubeadm.AddonPins
		withCharts bool
		want       []string
	}{
		"Good":            {pins: good, withCharts: true},
		"GCPNeedsNoChart": {pins: kubeadm.AddonPins{CNI: cilium, MetricsServer: metrics, CloudControllerManagerTag: "v33.1.1", Autoscaler: ca}},
		"MissingCharts": {pins: kubeadm.AddonPins{CNI: cilium, MetricsServer: metrics, CloudControllerManagerTag: "v1.33.3", Autoscaler: ca}, withCharts: true,
			want: []string{"Addons.CloudControllerManager", "Addons.CSIDriver"}},
		"FloatingTag": {pins: func() kubeadm.AddonPins { p := good; p.CloudControllerManagerTag = "latest"; return p }(), withCharts: true,
			want: []string{"Addons.CloudControllerManagerTag"}},
		"RangeVersion": {pins: func() kubeadm.AddonPins { p := good; p.MetricsServer.Version = "^3.13"; return p }(), withCharts: true,
			want: []string{"Addons.MetricsServer"}},
		"NoAutoscaler": {pins: func() kubeadm.AddonPins { p := good; p.Autoscaler = autoscaler.Pins{}; return p }(), withCharts: true,
			want: []string{"Addons.Autoscaler", "Addons.Autoscaler.Image"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ps := tc.pins.Problems("Addons", tc.withCharts)
			fields := map[string]bool{}
			for _, p := range ps {
				fields[p.Field] = true
			}
			for _, f := range tc.want {
				if !fields[f] {
					t.Errorf("no problem on %s in %v", f, ps)
				}
			}
			if len(tc.want) == 0 && len(ps) > 0 {
				t.Errorf("unexpected problems %v", ps)
			}
		})
	}
}
