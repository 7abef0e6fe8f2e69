package cluster

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPoolProblems(t *testing.T) {
	t.Parallel()
	system := PoolSpec{Pool: "system", InstanceType: "m7i.large", Desired: 3, Min: 3, Max: 6}
	tikv := PoolSpec{Pool: "tikv", InstanceType: "r7i.2xlarge", Desired: 3, Min: 3, Max: 3, DiskGiB: 100}
	cases := map[string]struct {
		pools []PoolSpec
		want  []string
	}{
		"Valid":         {pools: []PoolSpec{system, tikv}},
		"None":          {want: []string{"NodePools"}},
		"NoSystem":      {pools: []PoolSpec{tikv}, want: []string{"NodePools"}},
		"Twice":         {pools: []PoolSpec{system, tikv, tikv}, want: []string{"NodePools[2].Pool"}},
		"Empty":         {pools: []PoolSpec{system, {}}, want: []string{"NodePools[1].Pool", "NodePools[1].InstanceType", "NodePools[1].Desired"}},
		"MinOverMax":    {pools: []PoolSpec{system, {Pool: "pd", InstanceType: "x", Desired: 3, Min: 4, Max: 3}}, want: []string{"NodePools[1].Desired"}},
		"DesiredOver":   {pools: []PoolSpec{system, {Pool: "pd", InstanceType: "x", Desired: 4, Min: 1, Max: 3}}, want: []string{"NodePools[1].Desired"}},
		"ZeroMax":       {pools: []PoolSpec{system, {Pool: "spark", InstanceType: "x"}}, want: []string{"NodePools[1].Desired"}},
		"ScaleFromZero": {pools: []PoolSpec{system, {Pool: "spark", InstanceType: "x", Max: 3}}},
		"TinyDisk":      {pools: []PoolSpec{system, {Pool: "pd", InstanceType: "x", Desired: 1, Max: 1, DiskGiB: 8}}, want: []string{"NodePools[1].DiskGiB"}},
	}
	for name, tc := range cases {
		var ps Problems
		ps = append(ps, PoolProblems("NodePools", tc.pools)...)
		if d := cmp.Diff(tc.want, ProblemFields(ps.Err("test args"))); d != "" {
			t.Errorf("%s: fields with problems (-want +got):\n%s", name, d)
		}
	}
}

func TestProblemFields(t *testing.T) {
	t.Parallel()
	if got := ProblemFields(nil); got != nil {
		t.Errorf("nil error: %v", got)
	}
	if got := ProblemFields(errors.New("boom")); len(got) != 1 || got[0] != "not a *cluster.ArgsError: boom" {
		t.Errorf("a plain error: %v, want it named as not an ArgsError", got)
	}
	wrapped := fmt.Errorf("eks e: %w", &ArgsError{What: "x", Problems: []Problem{{Field: "A"}, {Field: "B"}}})
	if got := ProblemFields(wrapped); !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("a wrapped ArgsError: %v", got)
	}
}

func TestDisk(t *testing.T) {
	t.Parallel()
	if d := (PoolSpec{}).Disk(); d != DefaultDiskGiB {
		t.Errorf("unset disk = %d, want the default %d", d, DefaultDiskGiB)
	}
	if d := (PoolSpec{DiskGiB: 200}).Disk(); d != 200 {
		t.Errorf("disk 200 = %d", d)
	}
}

func TestArgsErrorMessage(t *testing.T) {
	t.Parallel()
	var ps Problems
	ps.Required(true, "ClusterName")
	ps.Nest("NodePools[0]", []Problem{{Field: "Max", Reason: "too small"}})
	want := "invalid cluster args: ClusterName: required; NodePools[0].Max: too small"
	if err := ps.Err("cluster args"); err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if err := (Problems{}).Err("cluster args"); err != nil {
		t.Errorf("no problems gave %v", err)
	}
}
