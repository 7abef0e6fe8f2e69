package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/kost-platform/kost/graph"
)

// Project is the Pulumi project name (Pulumi.yaml).
const Project = "kost"

// Run evaluates a Pulumi program under the mocks with a stack's config (keys like "kost:environment",
// structured values as JSON, as the Pulumi CLI passes them) and returns what it registered. The
// graph is returned even when the program fails, holding what was registered before the failure.
func Run(stack string, config map[string]string, secretKeys []string, program pulumi.RunFunc) (*graph.Graph, error) {
	mocks := NewMocks(Project, stack)
	err := pulumi.RunErr(program,
		pulumi.WithMocks(Project, stack, mocks),
		func(info *pulumi.RunInfo) {
			info.Config = config
			info.ConfigSecretKeys = secretKeys
		})
	return mocks.Graph(), err
}

// StackConfig is the config of a Pulumi.<stack>.yaml as the CLI hands it to a program.
type StackConfig struct {
	// Values by full key ("kost:environment"); structured values are JSON.
	Values map[string]string
	// SecretKeys are keys whose values were `secure:` in the file. Offline their value is unknown and
	// stands as graph.Masked.
	SecretKeys []string
}

// ErrNoStackFile is returned when Pulumi.<stack>.yaml does not exist.
var ErrNoStackFile = errors.New("no stack file")

// ReadStackConfig reads Pulumi.<stack>.yaml from dir.
func ReadStackConfig(dir, stack string) (StackConfig, error) {
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return StackConfig{}, fmt.Errorf("%w: %s (stacks here: %s)", ErrNoStackFile, path, strings.Join(ListStacks(dir), ", "))
	}
	if err != nil {
		return StackConfig{}, err
	}
	return ParseStackConfig(data)
}

// ParseStackConfig parses the text of a stack file.
func ParseStackConfig(data []byte) (StackConfig, error) {
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return StackConfig{}, fmt.Errorf("stack file: %w", err)
	}
	sc := StackConfig{Values: map[string]string{}}
	for k, v := range doc.Config {
		key := k
		if !strings.Contains(k, ":") {
			key = Project + ":" + k
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 && m["secure"] != nil {
			sc.Values[key] = graph.Masked
			sc.SecretKeys = append(sc.SecretKeys, key)
			continue
		}
		switch x := v.(type) {
		case string:
			sc.Values[key] = x
		default:
			b, err := json.Marshal(jsonable(x))
			if err != nil {
				return StackConfig{}, fmt.Errorf("stack file: config %s: %w", key, err)
			}
			sc.Values[key] = string(b)
		}
	}
	sort.Strings(sc.SecretKeys)
	return sc, nil
}

// jsonable turns YAML-decoded maps with any keys into maps with string keys.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}

// ListStacks lists the stacks that have a Pulumi.<stack>.yaml in dir.
func ListStacks(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var out []string
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// Evaluate runs a program against Pulumi.<stack>.yaml in dir.
func Evaluate(dir, stack string, program pulumi.RunFunc) (*graph.Graph, error) {
	sc, err := ReadStackConfig(dir, stack)
	if err != nil {
		return nil, err
	}
	return Run(stack, sc.Values, sc.SecretKeys, program)
}
