package graph

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Resource is one registered resource as the engine would see it.
type Resource struct {
	URN    string
	Type   string
	Name   string
	ID     string
	Parent string
	// Provider is the URN of the explicit provider, or "" when the resource would use a default
	// provider (always a bug in kost) or is itself a provider or a component.
	Provider string
	// DependsOn lists every URN the resource waits for (explicit dependsOn and input dependencies).
	DependsOn []string
	// Inputs as registered; secret values stay wrapped as secrets.
	Inputs resource.PropertyMap
	// Outputs the mock cloud answered with (inputs plus computed fields).
	Outputs resource.PropertyMap
	// Custom is false for components.
	Custom bool
	// Remote marks a multi-language component (such as helm/v4.Chart).
	Remote         bool
	Protect        bool
	RetainOnDelete bool
	IgnoreChanges  []string
	// Aliases are the resource's former identities (see aliases): a renamed resource keeps its state.
	Aliases []string
	// Transforms counts the resource transforms registered with the resource (for a remote component,
	// they apply to its children in the engine).
	Transforms int
}

// IsProvider reports whether the resource is a provider.
func (r *Resource) IsProvider() bool { return strings.HasPrefix(r.Type, "pulumi:providers:") }

// IsComponent reports whether the resource is a component (local or remote).
func (r *Resource) IsComponent() bool { return !r.Custom }

// Input returns the plain value at a dotted path of the inputs ("vpcConfig.endpointPublicAccess",
// "tags.environment", "permissions.0.actions": a number indexes an array); secrets are unwrapped.
// ok is false when absent.
func (r *Resource) Input(path string) (any, bool) {
	v := resource.NewObjectProperty(r.Inputs)
	for _, part := range strings.Split(path, ".") {
		v = unwrap(v)
		switch {
		case v.IsObject():
			next, ok := v.ObjectValue()[resource.PropertyKey(part)]
			if !ok {
				return nil, false
			}
			v = next
		case v.IsArray():
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v.ArrayValue()) {
				return nil, false
			}
			v = v.ArrayValue()[i]
		default:
			return nil, false
		}
	}
	return Plain(v, false), true
}

// String returns the input at path as a string ("" when absent or not a string).
func (r *Resource) String(path string) string {
	v, _ := r.Input(path)
	s, _ := v.(string)
	return s
}

// IsSecret reports whether the input at a top-level key is a secret.
func (r *Resource) IsSecret(key string) bool {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	return ok && containsSecret(v)
}

func containsSecret(v resource.PropertyValue) bool {
	switch {
	case v.IsSecret():
		return true
	case v.IsOutput():
		return v.OutputValue().Secret
	}
	return false
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

// Masked is what a secret shows as when masked.
const Masked = "[secret]"

// Plain converts a property value to plain Go values (maps, slices, strings, float64, bool, nil).
// With mask, secrets become Masked.
func Plain(v resource.PropertyValue, mask bool) any {
	switch {
	case v.IsSecret():
		if mask {
			return Masked
		}
		return Plain(v.SecretValue().Element, mask)
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret && mask {
			return Masked
		}
		if !o.Known {
			return "[unknown]"
		}
		return Plain(o.Element, mask)
	case v.IsComputed():
		return "[unknown]"
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = Plain(e, mask)
		}
		return out
	case v.IsObject():
		return PlainMap(v.ObjectValue(), mask)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		return "[asset]"
	case v.IsArchive():
		return "[archive]"
	}
	return nil
}

// PlainMap converts a property map with Plain.
func PlainMap(m resource.PropertyMap, mask bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[string(k)] = Plain(e, mask)
	}
	return out
}

// Invoke is one recorded provider function call.
type Invoke struct {
	Token string
	// Provider is the URN of the explicit provider, or "" for a default provider.
	Provider string
	Args     resource.PropertyMap
}

// Graph is everything one program run registered, in URN order.
type Graph struct {
	Resources []*Resource
	Invokes   []Invoke
	byURN     map[string]*Resource
}

func New(rs []*Resource, invokes []Invoke) *Graph {
	slices.SortFunc(rs, func(a, b *Resource) int { return strings.Compare(a.URN, b.URN) })
	g := &Graph{Resources: rs, Invokes: invokes, byURN: map[string]*Resource{}}
	for _, r := range rs {
		g.byURN[r.URN] = r
	}
	return g
}

// Get returns the resource with a URN.
func (g *Graph) Get(urn string) (*Resource, bool) {
	r, ok := g.byURN[urn]
	return r, ok
}

// OfType returns every resource of a type token.
func (g *Graph) OfType(typ string) []*Resource {
	var out []*Resource
	for _, r := range g.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resource of a type with a logical name.
func (g *Graph) Named(typ, name string) (*Resource, bool) {
	for _, r := range g.Resources {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return nil, false
}

// Children returns the direct children of a resource.
func (g *Graph) Children(urn string) []*Resource {
	var out []*Resource
	for _, r := range g.Resources {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

// Under returns every resource below urn (children, their children, ...), optionally of one type.
func (g *Graph) Under(urn, typ string) []*Resource {
	var out []*Resource
	for _, r := range g.Resources {
		if r.URN != urn && g.IsUnder(r.URN, urn) && (typ == "" || r.Type == typ) {
			out = append(out, r)
		}
	}
	return out
}

// IsUnder reports whether urn is ancestor or one of its descendants.
func (g *Graph) IsUnder(urn, ancestor string) bool {
	for cur := urn; cur != ""; {
		if cur == ancestor {
			return true
		}
		r, ok := g.byURN[cur]
		if !ok {
			return false
		}
		cur = r.Parent
	}
	return false
}

// DependsOn reports whether a waits for b, directly or transitively, through its dependencies and its
// provider (a resource waits for its provider, and the provider for its own inputs). A parent's
// dependencies are not inherited: Pulumi does not make children wait for them.
func (g *Graph) DependsOn(a, b string) bool {
	seen := map[string]bool{}
	var visit func(urn string) bool
	visit = func(urn string) bool {
		if seen[urn] {
			return false
		}
		seen[urn] = true
		r, ok := g.byURN[urn]
		if !ok {
			return false
		}
		for _, d := range r.DependsOn {
			if d == b || g.IsUnder(b, d) || visit(d) {
				return true
			}
		}
		return r.Provider != "" && (r.Provider == b || visit(r.Provider))
	}
	return visit(a)
}

// Root returns the stack resource's URN: the parent of the top-level resources, which the mock
// engine registers without recording.
func (g *Graph) Root() string {
	for _, r := range g.Resources {
		if _, ok := g.byURN[r.Parent]; !ok && r.Parent != "" {
			return r.Parent
		}
	}
	return ""
}

// Map returns the object input at path (nil when absent or not an object).
func (r *Resource) Map(path string) map[string]any {
	v, _ := r.Input(path)
	m, _ := v.(map[string]any)
	return m
}

// List returns the array input at path (nil when absent or not an array).
func (r *Resource) List(path string) []any {
	v, _ := r.Input(path)
	l, _ := v.([]any)
	return l
}

// Strings returns the array of strings at path (nil when absent; non-strings are skipped).
func (r *Resource) Strings(path string) []string {
	var out []string
	for _, v := range r.List(path) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Number returns the number input at path (ok false when absent or not a number).
func (r *Resource) Number(path string) (float64, bool) {
	v, _ := r.Input(path)
	f, ok := v.(float64)
	return f, ok
}
