package autoscaler_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
)

func TestArgsValidate(t *testing.T) {
	t.Parallel()
	valid := func() *autoscaler.Args {
		return &autoscaler.Args{
			Provider: &kubernetes.Provider{}, Chart: autoscaler.ChartRef{Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0"},
			Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1", CloudProvider: "gce", ClusterName: "c",
			Groups: []autoscaler.Group{{NamePrefix: "c-system-", Min: 1, Max: 2}},
		}
	}
	cases := map[string]struct {
		mutate func(a *autoscaler.Args)
		want   []string
	}{
		"Valid":        {mutate: func(*autoscaler.Args) {}},
		"Latest":       {mutate: func(a *autoscaler.Args) { a.Image = "registry.k8s.io/autoscaling/cluster-autoscaler:latest" }, want: []string{"Image"}},
		"NoTag":        {mutate: func(a *autoscaler.Args) { a.Image = "cluster-autoscaler" }, want: []string{"Image"}},
		"Cloud":        {mutate: func(a *autoscaler.Args) { a.CloudProvider = "gcp" }, want: []string{"CloudProvider"}},
		"GCENoGroups":  {mutate: func(a *autoscaler.Args) { a.Groups = nil }, want: []string{"Groups"}},
		"AWSNoGroups":  {mutate: func(a *autoscaler.Args) { a.CloudProvider, a.Groups = "aws", nil }},
		"BadGroup":     {mutate: func(a *autoscaler.Args) { a.Groups[0] = autoscaler.Group{Min: 3, Max: 2} }, want: []string{"Groups[0].NamePrefix", "Groups[0].Max"}},
		"NoChartOrPro": {mutate: func(a *autoscaler.Args) { a.Chart.Version, a.Provider = "", nil }, want: []string{"Provider", "Chart"}},
	}
	for name, tc := range cases {
		a := valid()
		tc.mutate(a)
		if d := cmp.Diff(tc.want, cluster.ProblemFields(a.Validate())); d != "" {
			t.Errorf("%s: fields with problems (-want +got):\n%s", name, d)
		}
	}
}

// On GCE the autoscaler must look for its groups in every zone of the region: kost makes one group
// per pool and zone, and without --regional cluster-autoscaler 1.36.1 lists only the groups of the
// zone its VM is in (cloudprovider/gce/gce_manager.go, findMigsNamed).
func TestRegionalOnGCE(t *testing.T) {
	t.Parallel()
	for cloud, want := range map[string]bool{"gce": true, "aws": false, "azure": false} {
		a := &autoscaler.Args{CloudProvider: cloud, Image: "r/ca:v1.36.1"}
		v, ok := a.ChartValues()["extraArgs"].(pulumi.Map)["regional"]
		if got := ok && v == pulumi.Bool(true); got != want {
			t.Errorf("%s: extraArgs.regional = %v, want %v", cloud, v, want)
		}
	}
}
