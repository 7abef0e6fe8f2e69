package graph

import (
	"reflect"
	"strings"
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

func TestTypedAccessors(t *testing.T) {
	t.Parallel()
	r := &Resource{Inputs: resource.NewPropertyMapFromMap(map[string]any{
		"routes": []any{map[string]any{"natGatewayId": "nat-1"}},
		"zones":  []any{"a", "b", 3},
		"size":   80,
	})}
	if m := r.Map("routes.0"); m["natGatewayId"] != "nat-1" {
		t.Errorf("Map(routes.0) = %v", m)
	}
	if m := r.Map("zones"); m != nil {
		t.Errorf("Map of an array = %v, want nil", m)
	}
	if l := r.List("routes"); len(l) != 1 {
		t.Errorf("List(routes) = %v", l)
	}
	if s := r.Strings("zones"); !reflect.DeepEqual(s, []string{"a", "b"}) {
		t.Errorf("Strings(zones) = %v, want the strings only", s)
	}
	if n, ok := r.Number("size"); !ok || n != 80 {
		t.Errorf("Number(size) = %v, %v", n, ok)
	}
	if _, ok := r.Number("zones.0"); ok {
		t.Error("a string is not a number")
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	p := &Resource{URN: "urn:p", Type: "pulumi:providers:aws", Name: "prov", Custom: true, Inputs: resource.PropertyMap{}}
	r := &Resource{URN: "urn:r", Type: "aws:ec2/vpc:Vpc", Name: "vpc", Parent: "urn:root", Provider: "urn:p", DependsOn: []string{"urn:p", "urn:p"},
		Protect: true, Custom: true, Inputs: resource.NewPropertyMapFromMap(map[string]any{
			"tags":     map[string]any{"team": "data"},
			"cidr":     "10.0.0.0/16",
			"userData": "#cloud-config\nruncmd: []\n",
			"zones":    []any{"a", "b"},
			"empty":    map[string]any{},
		})}
	r.Inputs["password"] = resource.MakeSecret(resource.NewStringProperty("hunter2"))
	got := New([]*Resource{r, p}, nil).Lines()
	want := []string{
		"pulumi:providers:aws::prov inputs = {}",
		"aws:ec2/vpc:Vpc::vpc parent urn:root",
		"aws:ec2/vpc:Vpc::vpc provider pulumi:providers:aws::prov",
		"aws:ec2/vpc:Vpc::vpc dependsOn pulumi:providers:aws::prov",
		"aws:ec2/vpc:Vpc::vpc protect",
		`aws:ec2/vpc:Vpc::vpc inputs.cidr = "10.0.0.0/16"`,
		"aws:ec2/vpc:Vpc::vpc inputs.empty = {}",
		`aws:ec2/vpc:Vpc::vpc inputs.password = "[secret]"`,
		`aws:ec2/vpc:Vpc::vpc inputs.tags.team = "data"`,
		"aws:ec2/vpc:Vpc::vpc inputs.userData | #cloud-config",
		"aws:ec2/vpc:Vpc::vpc inputs.userData | runcmd: []",
		`aws:ec2/vpc:Vpc::vpc inputs.zones.0 = "a"`,
		`aws:ec2/vpc:Vpc::vpc inputs.zones.1 = "b"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
