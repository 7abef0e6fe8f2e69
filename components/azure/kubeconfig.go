package azure

import (
	"encoding/base64"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kost-platform/kost/components/cluster"
)

// AKSServerID is the application id of the AKS Entra ID server application, the audience of the
// tokens kubelogin gets for every AKS cluster with managed Entra ID integration.
const AKSServerID = "6dae42f8-4368-4678-94ff-3960e28e3630"

// KubeconfigArgs describe how to reach an AKS cluster with kubelogin.
type KubeconfigArgs struct {
	// ClusterName names the cluster, context and user in the kubeconfig. Required.
	ClusterName string
	// Server is the API server URL, e.g. https://<fqdn>. Required.
	Server string
	// CAData is the cluster CA certificate, base64 PEM as kubeconfigs hold it. Required.
	CAData string
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *KubeconfigArgs) Validate() error {
	if a == nil {
		a = &KubeconfigArgs{}
	}
	var ps cluster.Problems
	ps.Check(a.ClusterName != "", "ClusterName", "required: the name of the cluster, context and user")
	ps.Check(a.Server != "", "Server", "required: the API server URL, e.g. https://<fqdn>")
	ps.Check(a.CAData != "", "CAData", "required: the cluster CA certificate, base64 PEM")
	return ps.Err("AKS kubeconfig args")
}

// Kubeconfig renders a kubeconfig (JSON, which every client reads) that gets Entra ID tokens with
// `kubelogin get-token --login azurecli`: it reuses the Azure CLI's login (`az login`, in CI with a
// federated identity), never prompts and stores no token. It renders a as given: check it with
// Validate first.
func Kubeconfig(a KubeconfigArgs) string {
	user := cluster.ExecUser{Command: "kubelogin", Args: []string{"get-token", "--login", "azurecli", "--server-id", AKSServerID}}
	return render(a, user.User())
}

// render renders a kubeconfig of one cluster and one user.
func render(a KubeconfigArgs, user map[string]any) string {
	return cluster.Kubeconfig(a.ClusterName, a.Server, a.CAData, user)
}

// rawKubeconfig is the part of an AKS kubeconfig kost reads.
type rawKubeconfig struct {
	Clusters []struct {
		Cluster struct {
			CAData string `yaml:"certificate-authority-data"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
}

// decodeCredential decodes one kubeconfig of listClusterUserCredentials.
func decodeCredential(value string) ([]byte, error) {
	if value == "" {
		return nil, errors.New("AKS returned no kubeconfig")
	}
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("AKS kubeconfig is not base64: %w", err)
	}
	return b, nil
}

// parseCredential decodes one kubeconfig of listClusterUserCredentials (base64 YAML). AKS exposes its CA only through these.
func parseCredential(value string) (rawKubeconfig, error) {
	var kc rawKubeconfig
	b, err := decodeCredential(value)
	if err != nil {
		return kc, err
	}
	if err := yaml.Unmarshal(b, &kc); err != nil {
		return kc, fmt.Errorf("AKS kubeconfig: %w", err)
	}
	if len(kc.Clusters) == 0 || kc.Clusters[0].Cluster.CAData == "" {
		return kc, errors.New("AKS kubeconfig has no cluster CA")
	}
	return kc, nil
}

// userKubeconfig turns AKS's user kubeconfig (kubelogin in device-code mode, which would prompt) into
// Kubeconfig's non-interactive one.
func userKubeconfig(a KubeconfigArgs, value string) (string, error) {
	kc, err := parseCredential(value)
	if err != nil {
		return "", err
	}
	a.CAData = kc.Clusters[0].Cluster.CAData
	if err := a.Validate(); err != nil {
		return "", err
	}
	return Kubeconfig(a), nil
}
