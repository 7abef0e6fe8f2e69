package graph

import (
	"reflect"
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

func TestInputPaths(t *testing.T) {
	t.Parallel()
	r := &Resource{Inputs: resource.NewPropertyMapFromMap(map[string]any{
		"permissions": []any{map[string]any{"actions": []any{"a", "b"}}},
		"tags":        map[string]any{"env": "prod"},
	})}
	cases := map[string]struct {
		path string
		want any
		ok   bool
	}{
		"Object":        {path: "tags.env", want: "prod", ok: true},
		"ArrayIndex":    {path: "permissions.0.actions", want: []any{"a", "b"}, ok: true},
		"OutOfRange":    {path: "permissions.1.actions"},
		"NotAnIndex":    {path: "permissions.x"},
		"MissingKey":    {path: "tags.team"},
		"IntoAString":   {path: "tags.env.x"},
		"NegativeIndex": {path: "permissions.-1"},
	}
	for name, tc := range cases {
		got, ok := r.Input(tc.path)
		if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Input(%q) = %v, %v; want %v, %v", name, tc.path, got, ok, tc.want, tc.ok)
		}
	}
}
