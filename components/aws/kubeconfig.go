package aws

import (
	"encoding/json"
)

// KubeconfigArgs describe how to reach an EKS cluster with `aws eks get-token`.
type KubeconfigArgs struct {
	ClusterName, Endpoint, CAData, Region string
	// Profile and RoleARN are passed to the aws CLI when set.
	Profile, RoleARN string
}

// Kubeconfig renders a kubeconfig (JSON, which every client reads) that authenticates with the aws
// CLI's exec plugin: no long-lived token is stored anywhere.
func Kubeconfig(a KubeconfigArgs) string {
	args := []string{"eks", "get-token", "--cluster-name", a.ClusterName, "--region", a.Region, "--output", "json"}
	if a.RoleARN != "" {
		args = append(args, "--role-arn", a.RoleARN)
	}
	exec := map[string]any{
		"apiVersion":         "client.authentication.k8s.io/v1beta1",
		"command":            "aws",
		"args":               args,
		"interactiveMode":    "Never",
		"provideClusterInfo": false,
	}
	if a.Profile != "" {
		exec["env"] = []map[string]string{{"name": "AWS_PROFILE", "value": a.Profile}}
	}
	cfg := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": a.ClusterName,
		"clusters": []any{map[string]any{
			"name":    a.ClusterName,
			"cluster": map[string]any{"server": a.Endpoint, "certificate-authority-data": a.CAData},
		}},
		"contexts": []any{map[string]any{
			"name":    a.ClusterName,
			"context": map[string]any{"cluster": a.ClusterName, "user": a.ClusterName},
		}},
		"users": []any{map[string]any{
			"name": a.ClusterName,
			"user": map[string]any{"exec": exec},
		}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // maps of strings only
	}
	return string(b)
}
