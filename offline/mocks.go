package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kost-platform/kost/graph"
)

// Mocks is a pulumi.MockResourceMonitor that records what a program registers and answers like the
// clouds would. Safe for the concurrent calls the Pulumi SDK makes.
type Mocks struct {
	project, stack string

	mu        sync.Mutex
	resources []*graph.Resource
	invokes   []graph.Invoke
	// regions of the explicit cloud providers, by provider URN, for region-shaped outputs.
	regions map[string]string
}

// NewMocks returns mocks for one run of a project's stack.
func NewMocks(project, stack string) *Mocks {
	return &Mocks{project: project, stack: stack, regions: map[string]string{}}
}

// Graph returns what has been recorded so far.
func (m *Mocks) Graph() *graph.Graph {
	m.mu.Lock()
	defer m.mu.Unlock()
	return graph.New(slices.Clone(m.resources), slices.Clone(m.invokes))
}

// urn computes the URN the engine would give, the same way the SDK's mock monitor does.
func (m *Mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// NewResource records a registration and returns the id and outputs the cloud would compute.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := &graph.Resource{
		Type:   args.TypeToken,
		Name:   args.Name,
		Inputs: args.Inputs,
		Custom: args.Custom,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Remote = rpc.GetRemote()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.IgnoreChanges = slices.Clone(rpc.GetIgnoreChanges())
		r.Transforms = len(rpc.GetTransforms())
		r.Aliases = aliases(rpc.GetAliasURNs(), rpc.GetAliases())
		deps := map[string]bool{}
		for _, d := range rpc.GetDependencies() {
			deps[d] = true
		}
		for _, pd := range rpc.GetPropertyDependencies() {
			for _, d := range pd.GetUrns() {
				deps[d] = true
			}
		}
		for d := range deps {
			r.DependsOn = append(r.DependsOn, d)
		}
		slices.Sort(r.DependsOn)
	}
	r.Provider = providerURN(args.Provider)
	r.URN = m.urn(r.Parent, r.Type, r.Name)

	m.mu.Lock()
	region := m.regions[r.Provider]
	m.mu.Unlock()

	id, outs := cloudOutputs(r, region)
	r.ID = id
	r.Outputs = outs

	m.mu.Lock()
	defer m.mu.Unlock()
	if r.IsProvider() {
		for _, k := range []string{"region", "location"} {
			if v, ok := r.Inputs[resource.PropertyKey(k)]; ok {
				if s, ok := graph.Plain(v, false).(string); ok {
					m.regions[r.URN] = s
				}
			}
		}
	}
	m.resources = append(m.resources, r)
	return id, outs, nil
}

// Call records an invoke and answers it like the cloud would (see invokes).
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.invokes = append(m.invokes, graph.Invoke{Token: args.Token, Provider: providerURN(args.Provider), Args: args.Args})
	if f, ok := invokes[args.Token]; ok {
		return f(args.Args), nil
	}
	return resource.PropertyMap{}, nil
}

// providerURN turns a provider reference ("urn::id") into the provider's URN.
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

// hash is a short stable digest, so ids and endpoints are the same on every run (golden files).
func hash(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

// Out is what an output function sees of one registration and how it answers.
type Out struct {
	// R is the resource being registered.
	R *graph.Resource
	// Hash is a stable digest of the URN, for ids and names.
	Hash string
	// Region is the region (or location) of the resource's explicit provider, if known.
	Region string
	// Outputs start as a copy of the inputs (the clouds echo them); set adds computed fields.
	Outputs resource.PropertyMap
	// ID is the resource id to answer with.
	ID string
}

// Set sets an output.
func (o *Out) Set(k string, v any) { o.Outputs[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }

// SetSecret sets a secret output.
func (o *Out) SetSecret(k string, v any) {
	o.Outputs[resource.PropertyKey(k)] = resource.MakeSecret(resource.NewPropertyValue(v))
}

// SetIfAbsent sets an output the inputs did not give.
func (o *Out) SetIfAbsent(k string, v any) {
	if _, ok := o.Outputs[resource.PropertyKey(k)]; !ok {
		o.Set(k, v)
	}
}

// In returns a string input ("" when absent).
func (o *Out) In(k string) string { return o.R.String(k) }

// outputs maps a type token to what the cloud computes for it: the tables of mocks_<cloud>.go and
// mocks_common.go (TLS, random). A type without an entry gets a stable id and its inputs.
var outputs = union(awsOutputs, gcpOutputs, azureOutputs, commonOutputs)

// invokes maps an invoke token to its answer; an invoke without an entry answers with nothing.
var invokes = union(gcpInvokes, azureInvokes)

// union merges the clouds' tables; a token answered twice is a bug in the mocks.
func union[F any](tables ...map[string]F) map[string]F {
	out := map[string]F{}
	for _, t := range tables {
		for k, f := range t {
			if _, dup := out[k]; dup {
				panic("offline: two answers for " + k)
			}
			out[k] = f
		}
	}
	return out
}

// cloudOutputs answers a registration: inputs echoed back plus what the cloud computes for the type.
func cloudOutputs(r *graph.Resource, region string) (string, resource.PropertyMap) {
	h := hash(r.URN)
	o := &Out{R: r, Hash: h, Region: region, Outputs: r.Inputs.Copy()}
	if !r.Custom {
		return "", o.Outputs // components have no id; remote components echo their inputs
	}
	if r.IsProvider() {
		return "provider-" + h[:12], o.Outputs
	}
	o.ID = fmt.Sprintf("%s-%s", shortType(r.Type), h[:17])
	if f, ok := outputs[r.Type]; ok {
		f(o)
	} else if pkg, _, _ := strings.Cut(r.Type, ":"); pkg == "aws" {
		o.SetIfAbsent("arn", awsARN(o, strings.SplitN(strings.TrimPrefix(r.Type, "aws:"), "/", 2)[0], o.ID))
	}
	o.SetIfAbsent("id", o.ID)
	return o.ID, o.Outputs
}

// shortType turns "aws:ec2/vpc:Vpc" into "vpc".
func shortType(t string) string {
	i := strings.LastIndex(t, ":")
	return strings.ToLower(t[i+1:])
}

// aliases are a registration's former identities, readable: alias URNs as they are, alias specs as
// "name=... type=... parent=..." with the fields they set. Aliases that only change the type are
// left out: the provider SDKs add them to every resource whose API version moved (azure-native).
func aliases(urns []string, specs []*pulumirpc.Alias) []string {
	out := slices.Clone(urns)
	for _, a := range specs {
		if u := a.GetUrn(); u != "" {
			out = append(out, u)
		} else if sp := a.GetSpec(); sp != nil && sp.GetName() != "" {
			var parts []string
			for _, kv := range [][2]string{{"name", sp.GetName()}, {"type", sp.GetType()}, {"parent", sp.GetParentUrn()}} {
				if kv[1] != "" {
					parts = append(parts, kv[0]+"="+kv[1])
				}
			}
			if sp.GetNoParent() {
				parts = append(parts, "noParent")
			}
			out = append(out, strings.Join(parts, " "))
		}
	}
	slices.Sort(out)
	return out
}
