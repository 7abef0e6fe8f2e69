package platform_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/platform"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
)

func args(k8s *kubernetes.Provider, pooled bool) *platform.PlatformArgs {
	return &platform.PlatformArgs{
		Cluster: cluster.Cluster{Name: "c", Provider: k8s, DedicatedPools: pooled,
			Storage: cluster.StorageProfile{Provisioner: "ebs.csi.aws.com", DB: map[string]string{"type": "gp3"}, Standard: map[string]string{"type": "gp3"}}},
		Strimzi:          platform.ChartRef{Name: "oci://quay.io/strimzi-helm/strimzi-kafka-operator", Version: "1.2.0"},
		TiDBOperator:     platform.ChartRef{Name: "tidb-operator", Repo: "https://charts.pingcap.org/", Version: "v1.6.6"},
		SparkOperator:    platform.ChartRef{Name: "spark-operator", Repo: "https://kubeflow.github.io/spark-operator", Version: "2.5.2"},
		TiDBOperatorCRDs: "https://example.invalid/crd.yaml",
	}
}

func run(t *testing.T, mutate func(a *platform.PlatformArgs)) (*graph.Graph, error) {
	t.Helper()
	return offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.ToSecret(pulumi.String("{}")).(pulumi.StringOutput)})
		if err != nil {
			return err
		}
		a := args(k8s, true)
		mutate(a)
		_, err = platform.NewPlatform(ctx, "p", a)
		return err
	})
}

func TestPlatform(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason   string
		mutate   func(a *platform.PlatformArgs)
		replicas float64
		selector any
		// retained are the namespaces kept on delete.
		retained []string
	}{
		"Default":   {reason: "one replica on the system pool", mutate: func(*platform.PlatformArgs) {}, replicas: 1, selector: map[string]any{"kost.io/pool": "system"}},
		"HA":        {reason: "prod runs two replicas", mutate: func(a *platform.PlatformArgs) { a.HA = true }, replicas: 2, selector: map[string]any{"kost.io/pool": "system"}},
		"NoPools":   {reason: "a cluster without kost's pools gets no node selector", mutate: func(a *platform.PlatformArgs) { a.Cluster.DedicatedPools = false }, replicas: 1, selector: map[string]any{}},
		"Protected": {reason: "protected environments keep the data namespaces", mutate: func(a *platform.PlatformArgs) { a.Retain = true }, replicas: 1, selector: map[string]any{"kost.io/pool": "system"}, retained: []string{"kafka", "tidb"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := run(t, tc.mutate)
			if err != nil {
				t.Fatal(err)
			}
			strimzi, _ := g.Named("kubernetes:helm.sh/v4:Chart", "p-strimzi")
			if v, _ := strimzi.Input("values.replicas"); v != tc.replicas {
				t.Errorf("%s: strimzi replicas %v, want %v", tc.reason, v, tc.replicas)
			}
			for _, c := range append(g.OfType("kubernetes:helm.sh/v4:Chart"), g.OfType("kubernetes:yaml/v2:ConfigFile")...) {
				if c.Transforms != 1 {
					t.Errorf("%s: %s has %d transforms, want the CRD transform", tc.reason, c.Name, c.Transforms)
				}
			}
			var retained []string
			for _, n := range g.OfType("kubernetes:core/v1:Namespace") {
				if n.RetainOnDelete {
					retained = append(retained, n.String("metadata.name"))
				}
			}
			slices.Sort(retained)
			if d := cmp.Diff(tc.retained, retained); d != "" {
				t.Errorf("%s: namespaces retained on delete (-want +got):\n%s", tc.reason, d)
			}
			spark, _ := g.Named("kubernetes:helm.sh/v4:Chart", "p-spark-operator")
			sel, _ := spark.Input("values.controller.nodeSelector")
			if d := cmp.Diff(tc.selector, sel); d != "" {
				t.Errorf("%s: spark controller nodeSelector (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestNamespacesAndOrder(t *testing.T) {
	t.Parallel()
	g, err := run(t, func(a *platform.PlatformArgs) { a.SparkJobNamespaces = []string{"etl", "ml"} })
	if err != nil {
		t.Fatal(err)
	}
	enforce := map[string]string{}
	for _, n := range g.OfType("kubernetes:core/v1:Namespace") {
		raw, _ := n.Input("metadata.labels")
		enforce[n.String("metadata.name")] = raw.(map[string]any)["pod-security.kubernetes.io/enforce"].(string)
	}
	want := map[string]string{"strimzi": "restricted", "tidb-admin": "baseline", "spark-operator": "restricted",
		"tidb": "baseline", "kafka": "baseline", "etl": "baseline", "ml": "baseline"}
	if d := cmp.Diff(want, enforce); d != "" {
		t.Errorf("namespaces and pod security (-want +got):\n%s", d)
	}
	chart := func(n string) *graph.Resource { r, _ := g.Named("kubernetes:helm.sh/v4:Chart", n); return r }
	crds, _ := g.Named("kubernetes:yaml/v2:ConfigFile", "p-tidb-crds")
	if !g.DependsOn(chart("p-tidb-operator").URN, crds.URN) {
		t.Error("the TiDB Operator chart must wait for its CRDs")
	}
	for _, ns := range []string{"etl", "ml"} {
		n, _ := g.Named("kubernetes:core/v1:Namespace", "p-"+ns)
		if !g.DependsOn(chart("p-spark-operator").URN, n.URN) {
			t.Errorf("the Spark operator must wait for job namespace %s", ns)
		}
	}
	kafkaNS, _ := g.Named("kubernetes:core/v1:Namespace", "p-kafka")
	if !g.DependsOn(chart("p-strimzi").URN, kafkaNS.URN) {
		t.Error("Strimzi must wait for the namespace it watches")
	}
}

func TestPlatformArgsValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		mutate func(a *platform.PlatformArgs)
		want   []string
	}{
		"Valid":         {mutate: func(*platform.PlatformArgs) {}},
		"NoChart":       {mutate: func(a *platform.PlatformArgs) { a.Strimzi.Version = "" }, want: []string{"Strimzi"}},
		"NoCRDs":        {mutate: func(a *platform.PlatformArgs) { a.TiDBOperatorCRDs = "" }, want: []string{"TiDBOperatorCRDs"}},
		"NoProvider":    {mutate: func(a *platform.PlatformArgs) { a.Cluster.Provider = nil }, want: []string{"Cluster.Provider"}},
		"Both":          {mutate: func(a *platform.PlatformArgs) { a.Strimzi.Version = ""; a.TiDBOperatorCRDs = "" }, want: []string{"Strimzi", "TiDBOperatorCRDs"}},
		"NegativeWorks": {mutate: func(a *platform.PlatformArgs) { a.Operators.SparkWorkers = -1 }, want: []string{"Operators.SparkWorkers"}},
	}
	for name, tc := range cases {
		a := args(&kubernetes.Provider{}, true)
		tc.mutate(a)
		if d := cmp.Diff(tc.want, cluster.ProblemFields(a.Validate())); d != "" {
			t.Errorf("%s: fields with problems (-want +got):\n%s", name, d)
		}
	}
}
