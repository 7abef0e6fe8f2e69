package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Stack is one kost stack run by the real engine: the Pulumi CLI in bin, a local file backend, the
// program inline (the same function `pulumi up` runs), the providers as plugins on PATH.
type Stack struct {
	Name  string
	Dir   string
	stack auto.Stack
	log   io.Writer
	env   map[string]string
}

// StackOptions configure a Stack.
type StackOptions struct {
	// Name of the stack; its settings are Pulumi.<Name>.yaml, copied from StackFile.
	Name, StackFile string
	// Bin holds pulumi and the provider plugins (tools.sh links them there).
	Bin string
	// Dir is the stack's own folder: work dir, Pulumi home, state, engine log.
	Dir string
	// Kubeconfig the Kubernetes provider reads (KUBECONFIG).
	Kubeconfig string
	// Program is the Pulumi program (stacks.Deploy).
	Program pulumi.RunFunc
}

// NewStack prepares a stack with its settings file copied unchanged from opts.StackFile.
func NewStack(ctx context.Context, opts StackOptions) (*Stack, error) {
	work, home, state := filepath.Join(opts.Dir, "work"), filepath.Join(opts.Dir, "home"), filepath.Join(opts.Dir, "state")
	for _, d := range []string{work, home, state} {
		// A new stack every time: no state of an earlier run.
		if err := os.RemoveAll(d); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	settings, err := os.ReadFile(opts.StackFile)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(work, "Pulumi."+opts.Name+".yaml"), settings, 0o600); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(opts.Dir, "engine.log"))
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"PATH":                     opts.Bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"KUBECONFIG":               opts.Kubeconfig,
		"PULUMI_CONFIG_PASSPHRASE": "kost-e2e",
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_HOME":              home,
		// Pulumi (v3.255.0, pkg/logging/rotation.go) keeps a debug log of every command in
		// $PULUMI_HOME/logs, ~150 MB per update of the prod-shaped stack, and by default up to 500 MB
		// of them; keep only the current command's.
		"PULUMI_LOG_ROTATION_MAX_TOTAL_MB": "1",
		// The plugins on PATH are what runs: no download is attempted for them.
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "false",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// The Kubernetes provider never reads a kubeconfig other than the run's.
		"HOME": home,
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(opts.Bin), SkipVersionCheck: true})
	if err != nil {
		return nil, fmt.Errorf("pulumi CLI in %s: %w", opts.Bin, err)
	}
	proj := workspace.Project{
		Name:    "kost",
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Backend: &workspace.ProjectBackend{URL: "file://" + state},
	}
	ws, err := auto.NewLocalWorkspace(ctx,
		auto.WorkDir(work), auto.PulumiHome(home), auto.Project(proj), auto.Program(opts.Program),
		auto.EnvVars(env), auto.Pulumi(cmd), auto.SecretsProvider("passphrase"))
	if err != nil {
		return nil, err
	}
	st, err := auto.UpsertStack(ctx, opts.Name, ws)
	if err != nil {
		return nil, err
	}
	return &Stack{Name: opts.Name, Dir: opts.Dir, stack: st, log: log, env: env}, nil
}

// SetPath sets a config value at a path of a structured key, as `pulumi config set --path` does.
func (s *Stack) SetPath(ctx context.Context, path, value string) error {
	return s.stack.SetConfigWithOptions(ctx, path, auto.ConfigValue{Value: value}, &auto.ConfigOptions{Path: true})
}

// Step is one resource operation the engine performed.
type Step struct {
	Op, URN, Type string
	Diffs         []string
}

// collect gathers the resource steps of an operation's event stream.
func collect() (chan events.EngineEvent, func() []Step) {
	ch := make(chan events.EngineEvent)
	var mu sync.Mutex
	var steps []Step
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			if e.ResOutputsEvent != nil {
				m := e.ResOutputsEvent.Metadata
				mu.Lock()
				steps = append(steps, Step{Op: string(m.Op), URN: m.URN, Type: m.Type, Diffs: m.Diffs})
				mu.Unlock()
			}
		}
	}()
	return ch, func() []Step {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return steps
	}
}

// RemovePath removes a config value by path (pulumi config rm --path).
func (s *Stack) RemovePath(ctx context.Context, path string) error {
	return s.stack.RemoveConfigWithOptions(ctx, path, &auto.ConfigOptions{Path: true})
}

// As makes the engine and its providers reach the cluster with another kubeconfig (KUBECONFIG)
// until the returned function restores the run's own.
func (s *Stack) As(kubeconfig string) (restore func()) {
	ws := s.stack.Workspace()
	fmt.Fprintf(s.log, "\n=== KUBECONFIG=%s\n", kubeconfig)
	ws.SetEnvVar("KUBECONFIG", kubeconfig)
	return func() {
		fmt.Fprintf(s.log, "\n=== KUBECONFIG=%s\n", s.env["KUBECONFIG"])
		ws.SetEnvVar("KUBECONFIG", s.env["KUBECONFIG"])
	}
}

// Preview runs `pulumi preview`; with expectNoChanges it fails on any change.
func (s *Stack) Preview(ctx context.Context, expectNoChanges bool) (auto.PreviewResult, error) {
	fmt.Fprintf(s.log, "\n=== pulumi preview (expect no changes: %v)\n", expectNoChanges)
	opts := []optpreview.Option{optpreview.ProgressStreams(s.log), optpreview.ErrorProgressStreams(s.log), optpreview.Diff()}
	if expectNoChanges {
		opts = append(opts, optpreview.ExpectNoChanges())
	}
	return s.stack.Preview(ctx, opts...)
}

// Up runs `pulumi up` and returns the steps it performed.
func (s *Stack) Up(ctx context.Context) ([]Step, error) {
	fmt.Fprintf(s.log, "\n=== pulumi up\n")
	ch, steps := collect()
	_, err := s.stack.Up(ctx, optup.ProgressStreams(s.log), optup.ErrorProgressStreams(s.log), optup.Diff(), optup.EventStreams(ch))
	return steps(), err
}

// Destroy runs `pulumi destroy` and returns the steps it performed.
func (s *Stack) Destroy(ctx context.Context) ([]Step, error) {
	fmt.Fprintf(s.log, "\n=== pulumi destroy\n")
	ch, steps := collect()
	_, err := s.stack.Destroy(ctx, optdestroy.ProgressStreams(s.log), optdestroy.ErrorProgressStreams(s.log), optdestroy.EventStreams(ch))
	return steps(), err
}

// UnprotectAll runs `pulumi state unprotect --all`, what a person does before destroying a
// protected stack on purpose.
func (s *Stack) UnprotectAll(ctx context.Context) error {
	fmt.Fprintf(s.log, "\n=== pulumi state unprotect --all\n")
	ws := s.stack.Workspace()
	_, _, _, err := ws.PulumiCommand().Run(ctx, ws.WorkDir(), nil, []io.Writer{s.log}, []io.Writer{s.log}, envList(s.env),
		"state", "unprotect", "--all", "--yes", "--stack", s.Name)
	return err
}

func envList(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// StateResource is a resource in the stack's state.
type StateResource struct {
	URN            string         `json:"urn"`
	Type           string         `json:"type"`
	Custom         bool           `json:"custom"`
	Protect        bool           `json:"protect"`
	RetainOnDelete bool           `json:"retainOnDelete"`
	Outputs        map[string]any `json:"outputs"`
}

// KubernetesObject returns apiVersion, kind, namespace and name of a Kubernetes object in the
// state; ok is false for anything else.
func (r StateResource) KubernetesObject() (apiVersion, kind, namespace, name string, ok bool) {
	if !r.Custom || !strings.HasPrefix(r.Type, "kubernetes:") || strings.HasPrefix(r.Type, "pulumi:providers:") {
		return "", "", "", "", false
	}
	o := Object(r.Outputs)
	apiVersion, kind, name = o.Str("apiVersion"), o.Str("kind"), o.Str("metadata.name")
	return apiVersion, kind, o.Str("metadata.namespace"), name, apiVersion != "" && kind != "" && name != ""
}

// Resources returns the resources in the stack's state.
func (s *Stack) Resources(ctx context.Context) ([]StateResource, error) {
	d, err := s.stack.Export(ctx)
	if err != nil {
		return nil, err
	}
	var dep struct {
		Resources []StateResource `json:"resources"`
	}
	if err := json.Unmarshal(d.Deployment, &dep); err != nil {
		return nil, err
	}
	return dep.Resources, nil
}
