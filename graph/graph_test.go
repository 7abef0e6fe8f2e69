package graph

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func TestGraphQueries(t *testing.T) {
	t.Parallel()
	mk := func(urn, parent string, deps ...string) *Resource {
		return &Resource{URN: urn, Type: "t:" + urn, Parent: parent, DependsOn: deps, Custom: true, Inputs: resource.PropertyMap{}}
	}
	g := New([]*Resource{mk("a", "root"), mk("b", "a", "c"), mk("c", "root"), mk("d", "root", "b")}, nil)
	if !g.DependsOn("d", "c") || g.DependsOn("c", "d") {
		t.Error("DependsOn must follow dependencies transitively, one way")
	}
	if g.DependsOn("b", "a") {
		t.Error("a child does not wait for its parent's dependencies, nor for its parent")
	}
	if got := len(g.Under("a", "")); got != 1 || g.Root() != "root" {
		t.Errorf("Under(a) = %d resources, root %q", got, g.Root())
	}
}
