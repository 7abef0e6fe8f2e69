package local_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/local"
)

func TestClusterArgsValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		args *local.ClusterArgs
		want []string
	}{
		"Valid":      {args: &local.ClusterArgs{Name: "kind", Context: "kind-kost", Provisioner: "rancher.io/local-path", Zones: []string{"a", "b", "c"}}},
		"Nil":        {want: []string{"Name", "Context", "Provisioner"}},
		"SameZone":   {args: &local.ClusterArgs{Name: "kind", Context: "kind-kost", Provisioner: "p", Zones: []string{"a", "a"}}, want: []string{"Zones[1]"}},
		"NoContext":  {args: &local.ClusterArgs{Name: "kind", Provisioner: "p"}, want: []string{"Context"}},
		"EmptyZone":  {args: &local.ClusterArgs{Name: "kind", Context: "c", Provisioner: "p", Zones: []string{""}}, want: []string{"Zones[0]"}},
		"NoProvName": {args: &local.ClusterArgs{Context: "c"}, want: []string{"Name", "Provisioner"}},
	}
	for name, tc := range cases {
		if d := cmp.Diff(tc.want, cluster.ProblemFields(tc.args.Validate())); d != "" {
			t.Errorf("%s: fields with problems (-want +got):\n%s", name, d)
		}
	}
}
