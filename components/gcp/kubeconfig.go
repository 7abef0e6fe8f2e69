package gcp

import (
	"encoding/json"
)

// authPluginInstallHint is what kubectl prints when gke-gcloud-auth-plugin is missing (gcloud's own
// wording).
const authPluginInstallHint = "Install gke-gcloud-auth-plugin for use with kubectl by following " +
	"https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin"

// KubeconfigArgs describe how to reach a GKE cluster with gke-gcloud-auth-plugin.
type KubeconfigArgs struct {
	// ClusterName names the kubeconfig's cluster, context and user.
	ClusterName string
	// Endpoint is the API server URL, https://<endpoint>.
	Endpoint string
	// CAData is the cluster's CA certificate, base64 PEM (masterAuth.clusterCaCertificate).
	CAData string
}

// Kubeconfig renders a kubeconfig (JSON, which every client reads) that authenticates with
// gke-gcloud-auth-plugin, the exec plugin gcloud itself configures: it mints short-lived tokens from
// the caller's Google credentials, so no long-lived token is stored anywhere.
func Kubeconfig(a KubeconfigArgs) string {
	exec := map[string]any{
		"apiVersion":         "client.authentication.k8s.io/v1beta1",
		"command":            "gke-gcloud-auth-plugin",
		"installHint":        authPluginInstallHint,
		"interactiveMode":    "Never",
		"provideClusterInfo": true,
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
		panic(err) // maps of strings and bools only
	}
	return string(b)
}
