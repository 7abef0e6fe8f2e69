package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/kost-platform/kost/graph"
)

// Level is how a violation counts.
type Level string

// Enforcement levels, as in Pulumi policy config.
const (
	Mandatory Level = "mandatory"
	Advisory  Level = "advisory"
	Disabled  Level = "disabled"
)

// Config is one policy's configuration properties.
type Config map[string]any

// Int returns an integer property, or def.
func (c Config) Int(key string, def int) int {
	switch v := c[key].(type) {
	case float64:
		return int(v)
	case int:
		return v
	}
	return def
}

// Bool returns a boolean property, or def.
func (c Config) Bool(key string, def bool) bool {
	if v, ok := c[key].(bool); ok {
		return v
	}
	return def
}

// Strings returns a list of strings property, or def.
func (c Config) Strings(key string, def []string) []string {
	raw, ok := c[key].([]any)
	if !ok {
		if s, ok := c[key].([]string); ok {
			return s
		}
		return def
	}
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Check is what a resource policy sees.
type Check struct {
	// R is the resource: type, name, URN and inputs.
	R *graph.Resource
	// Config of the policy.
	Config Config
	// OptionsKnown says whether R.Protect and R.RetainOnDelete are real (offline) or unknown (engine).
	OptionsKnown bool
}

// ResourcePolicy checks one resource at a time.
type ResourcePolicy struct {
	Name, Description string
	Level             Level
	// Schema documents the config properties (JSON schema per property).
	Schema map[string]map[string]any
	// Check returns one message per violation.
	Check func(c Check) []string
}

// StackPolicy checks the whole stack.
type StackPolicy struct {
	Name, Description string
	Level             Level
	Schema            map[string]map[string]any
	// Check returns violations keyed by the URN they concern.
	Check func(rs []*graph.Resource, cfg Config) []Violation
}

// Violation is one policy failure.
type Violation struct {
	Policy  string
	Level   Level
	URN     string
	Message string
}

func (v Violation) String() string {
	return fmt.Sprintf("[%s] %s: %s (%s)", v.Level, v.Policy, v.Message, v.URN)
}

// PackConfig is a policy pack config file (the format of `--policy-pack-config`): per policy either an
// enforcement level string or an object with "enforcementLevel" and properties; "all" sets the
// default level.
type PackConfig map[string]any

// LoadPackConfig reads a pack config file.
func LoadPackConfig(path string) (PackConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pc PackConfig
	if err := json.Unmarshal(data, &pc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	names := map[string]bool{"all": true}
	for _, p := range ResourcePolicies {
		names[p.Name] = true
	}
	for _, p := range StackPolicies {
		names[p.Name] = true
	}
	var unknown []string
	for k := range pc {
		if !names[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%s: unknown policies %v", path, unknown)
	}
	return pc, nil
}

// For returns a policy's level and properties.
func (pc PackConfig) For(name string, def Level) (Level, Config) {
	level := def
	if all, ok := pc["all"].(string); ok {
		level = Level(all)
	}
	switch v := pc[name].(type) {
	case string:
		return Level(v), Config{}
	case map[string]any:
		cfg := Config{}
		for k, e := range v {
			if k == "enforcementLevel" {
				level = Level(fmt.Sprint(e))
				continue
			}
			cfg[k] = e
		}
		return level, cfg
	}
	return level, Config{}
}

// Evaluate runs every policy over a recorded graph, as the engine would plus the stack policies.
func Evaluate(g *graph.Graph, pc PackConfig) []Violation {
	var out []Violation
	for _, p := range ResourcePolicies {
		level, cfg := pc.For(p.Name, p.Level)
		if level == Disabled {
			continue
		}
		for _, r := range g.Resources {
			for _, msg := range p.Check(Check{R: r, Config: cfg, OptionsKnown: true}) {
				out = append(out, Violation{Policy: p.Name, Level: level, URN: r.URN, Message: msg})
			}
		}
	}
	for _, p := range StackPolicies {
		level, cfg := pc.For(p.Name, p.Level)
		if level == Disabled {
			continue
		}
		for _, v := range p.Check(g.Resources, cfg) {
			v.Policy, v.Level = p.Name, level
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Policy+a.URN+a.Message < b.Policy+b.URN+b.Message
	})
	return out
}

// MandatoryOf returns the mandatory violations.
func MandatoryOf(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Level == Mandatory {
			out = append(out, v)
		}
	}
	return out
}

// Version of the pack.
var Version = semver.MustParse("1.0.0")

// Pack adapts the resource policies to policyx for the engine.
func Pack() (policyx.PolicyPack, error) {
	ps := make([]policyx.Policy, 0, len(ResourcePolicies))
	for _, p := range ResourcePolicies {
		ps = append(ps, Adapt(p))
	}
	return policyx.NewPolicyPack("kost", Version, policyx.EnforcementLevelMandatory, ps)
}

// Adapt turns a resource policy into a policyx policy: the properties the engine sends become the
// resource's inputs; resource options are unknown there.
func Adapt(p ResourcePolicy) policyx.ResourceValidationPolicy {
	var schema *policyx.ConfigSchema
	if len(p.Schema) > 0 {
		schema = &policyx.ConfigSchema{Properties: p.Schema}
	}
	return policyx.NewResourceValidationPolicy(p.Name, policyx.ResourceValidationPolicyArgs{
		Description:      p.Description,
		EnforcementLevel: toPolicyx(p.Level),
		ConfigSchema:     schema,
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			r := &graph.Resource{
				URN: args.Resource.URN, Type: args.Resource.Type, Name: args.Resource.Name, Custom: true,
				Inputs: resource.ToResourcePropertyMap(args.Resource.Properties),
			}
			for _, msg := range p.Check(Check{R: r, Config: Config(args.Config)}) {
				args.Manager.ReportViolation(msg, "")
			}
			return nil
		},
	})
}

func toPolicyx(l Level) policyx.EnforcementLevel {
	switch l {
	case Advisory:
		return policyx.EnforcementLevelAdvisory
	case Disabled:
		return policyx.EnforcementLevelDisabled
	}
	return policyx.EnforcementLevelMandatory
}

// helpers shared by the policies

func isType(r *graph.Resource, types ...string) bool { return slices.Contains(types, r.Type) }

func list(r *graph.Resource, path string) []any {
	v, _ := r.Input(path)
	l, _ := v.([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func num(r *graph.Resource, path string) (int, bool) {
	v, ok := r.Input(path)
	f, isNum := v.(float64)
	return int(f), ok && isNum
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// ConfigPath is where a stack's policy config lives, relative to the project directory.
func ConfigPath(dir, stack string) string {
	return filepath.Join(dir, "policies", "config", stack+".json")
}

// ForStack loads a stack's policy config; a stack without one gets every policy's defaults.
func ForStack(dir, stack string) (PackConfig, error) {
	pc, err := LoadPackConfig(ConfigPath(dir, stack))
	if errors.Is(err, os.ErrNotExist) {
		return PackConfig{}, nil
	}
	return pc, err
}

// Finding is one policy result as the plan command prints it.
type Finding struct {
	// Mandatory findings fail the plan; the others are advice.
	Mandatory bool
	Text      string
}

// Checker is the plan command's policy step: the stack's policy config, every policy, one finding per
// violation.
func Checker(dir, stack string, g *graph.Graph) ([]Finding, error) {
	pc, err := ForStack(dir, stack)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, v := range Evaluate(g, pc) {
		out = append(out, Finding{Mandatory: v.Level == Mandatory, Text: v.String()})
	}
	return out, nil
}
