package cluster

import (
	"encoding/json"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tags returns base plus extra (extra wins) as a Pulumi map, for cloud tags and labels; neither
// input is modified.
func Tags(base, extra map[string]string) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range base {
		out[k] = pulumi.String(v)
	}
	for k, v := range extra {
		out[k] = pulumi.String(v)
	}
	return out
}

// ExecUser is a kubeconfig user that gets its credentials from an exec plugin (client-go's
// client.authentication.k8s.io/v1beta1), so no long-lived token is stored anywhere.
type ExecUser struct {
	// Command and Args run the plugin. Command is required.
	Command string
	Args    []string
	// Env is set for the plugin, e.g. AWS_PROFILE. Default: none.
	Env map[string]string
	// InstallHint is what kubectl prints when the plugin is missing. Default: none.
	InstallHint string
	// ProvideClusterInfo passes the cluster to the plugin (gke-gcloud-auth-plugin wants it).
	ProvideClusterInfo bool
}

// User renders the user section of a kubeconfig.
func (e ExecUser) User() map[string]any {
	exec := map[string]any{
		"apiVersion":         "client.authentication.k8s.io/v1beta1",
		"command":            e.Command,
		"interactiveMode":    "Never",
		"provideClusterInfo": e.ProvideClusterInfo,
	}
	if len(e.Args) > 0 {
		exec["args"] = e.Args
	}
	if e.InstallHint != "" {
		exec["installHint"] = e.InstallHint
	}
	if len(e.Env) > 0 {
		var env []map[string]string
		for k, v := range e.Env {
			env = append(env, map[string]string{"name": k, "value": v})
		}
		exec["env"] = env
	}
	return map[string]any{"exec": exec}
}

// Kubeconfig renders a kubeconfig (JSON, which every client reads) with one cluster, one user and
// the context joining them, all named name. caData is the base64 PEM of the cluster CA; user is the
// kubeconfig user section (ExecUser.User, or client certificate data).
func Kubeconfig(name, server, caData string, user map[string]any) string {
	cfg := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": name,
		"clusters": []any{map[string]any{
			"name":    name,
			"cluster": map[string]any{"server": server, "certificate-authority-data": caData},
		}},
		"contexts": []any{map[string]any{
			"name":    name,
			"context": map[string]any{"cluster": name, "user": name},
		}},
		"users": []any{map[string]any{"name": name, "user": user}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // strings, bools, lists and maps of them only
	}
	return string(b)
}

// NewKubernetesProvider is a cluster's own Kubernetes provider: the admin kubeconfig (secret) and
// server-side apply, so fields other controllers own are never overwritten.
func NewKubernetesProvider(ctx *pulumi.Context, name string, kubeconfig pulumi.StringInput, opts ...pulumi.ResourceOption) (*kubernetes.Provider, error) {
	return kubernetes.NewProvider(ctx, name, &kubernetes.ProviderArgs{
		Kubeconfig:            kubeconfig,
		EnableServerSideApply: pulumi.Bool(true),
	}, opts...)
}
