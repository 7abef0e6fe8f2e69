package kubeadm

import (
	"encoding/base64"

	"sigs.k8s.io/yaml"
)

type kubeconfigCluster struct {
	Server                   string `json:"server"`
	CertificateAuthorityData string `json:"certificate-authority-data"`
}

type kubeconfigContext struct {
	Cluster string `json:"cluster"`
	User    string `json:"user"`
}

type kubeconfigUser struct {
	ClientCertificateData string `json:"client-certificate-data"`
	ClientKeyData         string `json:"client-key-data"`
}

type namedCluster struct {
	Name    string            `json:"name"`
	Cluster kubeconfigCluster `json:"cluster"`
}

type namedContext struct {
	Name    string            `json:"name"`
	Context kubeconfigContext `json:"context"`
}

type namedUser struct {
	Name string         `json:"name"`
	User kubeconfigUser `json:"user"`
}

type kubeconfig struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	CurrentContext string         `json:"current-context"`
	Clusters       []namedCluster `json:"clusters"`
	Contexts       []namedContext `json:"contexts"`
	Users          []namedUser    `json:"users"`
}

// adminKubeconfig renders the admin kubeconfig (YAML): the API through the load balancer, the cluster
// CA, and the admin client certificate and key, named as kubeadm names its admin.conf.
func adminKubeconfig(clusterName, endpoint, caPEM, certPEM, keyPEM string) (string, error) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	user := AdminCommonName
	ctxName := user + "@" + clusterName
	y, err := yaml.Marshal(kubeconfig{
		APIVersion: "v1", Kind: "Config", CurrentContext: ctxName,
		Clusters: []namedCluster{{clusterName, kubeconfigCluster{Server: "https://" + hostPort(endpoint), CertificateAuthorityData: b64(caPEM)}}},
		Contexts: []namedContext{{ctxName, kubeconfigContext{Cluster: clusterName, User: user}}},
		Users:    []namedUser{{user, kubeconfigUser{ClientCertificateData: b64(certPEM), ClientKeyData: b64(keyPEM)}}},
	})
	if err != nil {
		return "", err
	}
	return string(y), nil
}
