package kubeadm

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/kost-platform/kost/components/cluster"
	"sigs.k8s.io/yaml"
)

// The kubeadm configuration API kost writes; kubeadm 1.31 and later read it.
const (
	kubeadmAPIVersion = "kubeadm.k8s.io/v1beta4"
	kubeletAPIVersion = "kubelet.config.k8s.io/v1beta1"
)

// Fixed facts of every kost kubeadm cluster.
const (
	// criSocket is containerd's socket.
	criSocket = "unix:///var/run/containerd/containerd.sock"
	// dnsDomain is the cluster's DNS domain.
	dnsDomain = "cluster.local"
	// pkiDir is where kubeadm reads and writes certificates.
	pkiDir = "/etc/kubernetes/pki"
	// configDir holds kost's kubeadm configuration on each node.
	configDir = "/etc/kubernetes/kubeadm"
	// encryptionAlgorithm is the key type of what kubeadm generates itself (API server serving
	// certificate, kubelet client certificates, etcd certificates), matching kost's ECDSA CAs.
	encryptionAlgorithm = "ECDSA-P256"
	// discoveryTimeout is how long a joining node waits for the cluster: nodes boot together and the
	// first control plane needs minutes to install packages, pull images and start.
	discoveryTimeout = 30 * time.Minute
	// bootstrapGroup is the group kubeadm's bootstrap tokens authenticate as; kubeadm init binds it to
	// node bootstrapping and CSR auto-approval.
	bootstrapGroup = "system:bootstrappers:kubeadm:default-node-token"
)

// arg is one command-line flag of a component (v1beta4 lists them, replacing v1beta3's maps).
type arg struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

type taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

type nodeRegistration struct {
	CRISocket        string `json:"criSocket"`
	KubeletExtraArgs []arg  `json:"kubeletExtraArgs,omitempty"`
	// Taints nil means kubeadm's default (the control-plane taint on control-plane nodes, none on
	// workers); workers get theirs through register-with-taints in KubeletExtraArgs.
	Taints []taint `json:"taints,omitempty"`
}

type apiEndpoint struct {
	AdvertiseAddress string `json:"advertiseAddress,omitempty"`
	BindPort         int    `json:"bindPort"`
}

type bootstrapToken struct {
	Token       string   `json:"token"`
	Description string   `json:"description,omitempty"`
	TTL         string   `json:"ttl"`
	Usages      []string `json:"usages"`
	Groups      []string `json:"groups"`
}

type initConfiguration struct {
	typeMeta
	BootstrapTokens  []bootstrapToken `json:"bootstrapTokens"`
	NodeRegistration nodeRegistration `json:"nodeRegistration"`
	LocalAPIEndpoint apiEndpoint      `json:"localAPIEndpoint"`
}

type networking struct {
	ServiceSubnet string `json:"serviceSubnet"`
	PodSubnet     string `json:"podSubnet"`
	DNSDomain     string `json:"dnsDomain"`
}

type apiServer struct {
	CertSANs []string `json:"certSANs"`
}

type localEtcd struct {
	DataDir string `json:"dataDir"`
}

type etcd struct {
	Local localEtcd `json:"local"`
}

type clusterConfiguration struct {
	typeMeta
	ClusterName          string     `json:"clusterName"`
	KubernetesVersion    string     `json:"kubernetesVersion"`
	ControlPlaneEndpoint string     `json:"controlPlaneEndpoint"`
	CertificatesDir      string     `json:"certificatesDir"`
	EncryptionAlgorithm  string     `json:"encryptionAlgorithm"`
	Networking           networking `json:"networking"`
	APIServer            apiServer  `json:"apiServer"`
	Etcd                 etcd       `json:"etcd"`
}

type kubeletConfiguration struct {
	typeMeta
	CgroupDriver string `json:"cgroupDriver"`
}

type bootstrapTokenDiscovery struct {
	APIServerEndpoint string   `json:"apiServerEndpoint"`
	Token             string   `json:"token"`
	CACertHashes      []string `json:"caCertHashes"`
}

type discovery struct {
	BootstrapToken    bootstrapTokenDiscovery `json:"bootstrapToken"`
	TLSBootstrapToken string                  `json:"tlsBootstrapToken"`
}

type controlPlaneJoin struct {
	LocalAPIEndpoint apiEndpoint `json:"localAPIEndpoint"`
}

type timeouts struct {
	Discovery string `json:"discovery"`
}

type joinConfiguration struct {
	typeMeta
	Discovery        discovery         `json:"discovery"`
	NodeRegistration nodeRegistration  `json:"nodeRegistration"`
	ControlPlane     *controlPlaneJoin `json:"controlPlane,omitempty"`
	Timeouts         timeouts          `json:"timeouts"`
}

// APIServerSANs are the names the API server's serving certificate must carry beyond the node's own
// (kubeadm adds each node's hostname and address when it makes the certificate from the shared CA):
// the load balancer's address, the kubernetes Service's names, the Service's cluster IP (the first
// address of serviceCIDR, e.g. 172.20.0.1 for 172.20.0.0/16), 127.0.0.1 and extra. Duplicates are
// dropped; the order is stable.
func APIServerSANs(endpoint, serviceCIDR string, extra []string) ([]string, error) {
	svcIP, err := firstServiceIP(serviceCIDR)
	if err != nil {
		return nil, err
	}
	all := []string{endpoint, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc." + dnsDomain, svcIP, "127.0.0.1"}
	var out []string
	for _, s := range append(all, extra...) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// firstServiceIP is the kubernetes Service's cluster IP: the first usable address of the range.
func firstServiceIP(cidr string) (string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "", fmt.Errorf("service CIDR: %w", err)
	}
	return p.Masked().Addr().Next().String(), nil
}

// hostPort joins the endpoint and the API server port, bracketing IPv6 addresses.
func hostPort(endpoint string) string {
	return net.JoinHostPort(endpoint, fmt.Sprint(cluster.APIServerPort))
}

// nodeConfig is everything the kubeadm configuration of one node depends on.
type nodeConfig struct {
	ClusterName, KubernetesVersion string
	Endpoint                       string
	PodCIDR, ServiceCIDR           string
	ExtraSANs                      []string
	CAHash                         string
	// KubeletArgs are the kubelet flags of the node beyond cloud-provider=external.
	KubeletArgs []arg
}

func (c nodeConfig) kubeletArgs() []arg {
	return append([]arg{{Name: "cloud-provider", Value: "external"}}, c.KubeletArgs...)
}

// initConfig renders the first control-plane node's configuration: InitConfiguration (the bootstrap
// token), ClusterConfiguration and KubeletConfiguration, as one multi-document YAML file.
func initConfig(c nodeConfig) (string, error) {
	sans, err := APIServerSANs(c.Endpoint, c.ServiceCIDR, c.ExtraSANs)
	if err != nil {
		return "", err
	}
	docs := []any{
		initConfiguration{
			typeMeta: typeMeta{kubeadmAPIVersion, "InitConfiguration"},
			// The first token is made on the node (kubeadm token generate) and published to the secret
			// store once kubeadm init has registered it; the placeholder stands for it here. An explicit
			// token also keeps kubeadm from making its own default one.
			BootstrapTokens: []bootstrapToken{{
				Token:       joinTokenPlaceholder,
				Description: "kost: joins the nodes of " + c.ClusterName + " (published to the secret store)",
				TTL:         JoinTokenTTL.String(),
				Usages:      []string{"signing", "authentication"},
				Groups:      []string{bootstrapGroup},
			}},
			NodeRegistration: nodeRegistration{CRISocket: criSocket, KubeletExtraArgs: c.kubeletArgs()},
			LocalAPIEndpoint: apiEndpoint{BindPort: cluster.APIServerPort},
		},
		clusterConfiguration{
			typeMeta:             typeMeta{kubeadmAPIVersion, "ClusterConfiguration"},
			ClusterName:          c.ClusterName,
			KubernetesVersion:    "v" + c.KubernetesVersion,
			ControlPlaneEndpoint: hostPort(c.Endpoint),
			CertificatesDir:      pkiDir,
			EncryptionAlgorithm:  encryptionAlgorithm,
			Networking:           networking{ServiceSubnet: c.ServiceCIDR, PodSubnet: c.PodCIDR, DNSDomain: dnsDomain},
			APIServer:            apiServer{CertSANs: sans},
			Etcd:                 etcd{Local: localEtcd{DataDir: "/var/lib/etcd"}},
		},
		kubeletConfiguration{
			typeMeta:     typeMeta{kubeletAPIVersion, "KubeletConfiguration"},
			CgroupDriver: "systemd",
		},
	}
	return yamlDocs(docs...)
}

// joinTokenPlaceholder stands for the join token in a JoinConfiguration: the node replaces it with
// the newest token from the secret store just before kubeadm join.
const joinTokenPlaceholder = "KOST_JOIN_TOKEN"

// joinConfig renders a JoinConfiguration: token discovery pinned to the CA's public key, the token
// itself a placeholder (joinTokenPlaceholder), and for a control-plane node a local API endpoint (the
// shared certificates are already on disk).
func joinConfig(c nodeConfig, controlPlane bool) (string, error) {
	j := joinConfiguration{
		typeMeta: typeMeta{kubeadmAPIVersion, "JoinConfiguration"},
		Discovery: discovery{
			BootstrapToken: bootstrapTokenDiscovery{
				APIServerEndpoint: hostPort(c.Endpoint),
				Token:             joinTokenPlaceholder,
				CACertHashes:      []string{c.CAHash},
			},
			TLSBootstrapToken: joinTokenPlaceholder,
		},
		NodeRegistration: nodeRegistration{CRISocket: criSocket, KubeletExtraArgs: c.kubeletArgs()},
		Timeouts:         timeouts{Discovery: discoveryTimeout.String()},
	}
	if controlPlane {
		j.ControlPlane = &controlPlaneJoin{LocalAPIEndpoint: apiEndpoint{BindPort: cluster.APIServerPort}}
	}
	return yamlDocs(j)
}

// yamlDocs renders objects as a multi-document YAML stream (keys sorted, so stable).
func yamlDocs(docs ...any) (string, error) {
	var b bytes.Buffer
	for i, d := range docs {
		y, err := yaml.Marshal(d)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return b.String(), nil
}
