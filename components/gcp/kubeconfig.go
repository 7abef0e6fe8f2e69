package gcp

import "github.com/kost-platform/kost/components/cluster"

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
	user := cluster.ExecUser{Command: "gke-gcloud-auth-plugin", InstallHint: authPluginInstallHint, ProvideClusterInfo: true}
	return cluster.Kubeconfig(a.ClusterName, a.Endpoint, a.CAData, user.User())
}
