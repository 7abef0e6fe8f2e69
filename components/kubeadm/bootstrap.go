package kubeadm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Join tokens: the control planes mint one every JoinTokenPeriod, valid JoinTokenTTL, into the
// cloud's secret store; every node joining later (a scale-out on day 400, a replaced spot node)
// reads the newest. TTL is four periods, so the store always holds a token valid for a day and a
// half even when one or two rounds fail.
const (
	JoinTokenPeriod = 12 * time.Hour
	JoinTokenTTL    = 48 * time.Hour
)

// MinKubernetesMinor is the oldest Kubernetes minor whose kubeadm reads kubeadm.k8s.io/v1beta4.
const MinKubernetesMinor = 31

// Cloud providers a Bootstrap can be for; each runs its external cloud-controller-manager.
var cloudProviders = []string{string(cluster.AWS), string(cluster.GCP), string(cluster.Azure)}

// BootstrapArgs configure the bootstrap of one self-managed cluster.
type BootstrapArgs struct {
	// ClusterName is the cluster's name (kubeadm clusterName, kubeconfig cluster). Required: letters,
	// digits, '.', '_' and '-'.
	ClusterName string
	// KubernetesVersion is the exact release, e.g. "1.33.5"; kubelet, kubeadm and kubectl are pinned to
	// it (apt version 1.33.5-1.1 from the pkgs.k8s.io v1.33 repository). Required: 1.31 or later
	// (kubeadm.k8s.io/v1beta4).
	KubernetesVersion string
	// ContainerdVersion is the exact apt version of Docker's containerd.io package as that repository
	// lists it for the image's Ubuntu release, e.g. "1.7.28-1~ubuntu.24.04~noble" (releases before
	// 1.7.28 were plain "1.7.27-1"). Required.
	ContainerdVersion string
	// ControlPlaneEndpoint is the internal load balancer's DNS name or IP address in front of the API
	// servers (port 6443). Required. The control-plane nodes' own addresses are not needed: kubeadm
	// adds each node's name and address to the serving certificate it makes on that node.
	ControlPlaneEndpoint pulumi.StringInput
	// PodCIDR is the pod network (kubeadm podSubnet), e.g. cluster.OverlayPodCIDR.String(). Required;
	// must not overlap ServiceCIDR.
	PodCIDR string
	// ServiceCIDR is the Service network (kubeadm serviceSubnet), e.g. cluster.ServiceCIDR.String().
	// Required. Its first address is the kubernetes Service's cluster IP and a certificate SAN.
	ServiceCIDR string
	// CloudProvider is "aws", "gcp" or "azure"; every kubelet runs with --cloud-provider=external and
	// waits for that cloud's cloud-controller-manager. Required.
	CloudProvider string
	// Pools are the worker pools; each gets its user data in Bootstrap.Workers. Its nodes carry the
	// label kost.io/pool=<pool> and, when Dedicated, the taint kost.io/pool=<pool>:NoSchedule (kubelet
	// --node-labels and --register-with-taints). Default: none. Pool names must be unique label values.
	Pools []cluster.PoolSpec
	// ExtraSANs are further names or IP addresses for the API server's certificate. Default: none.
	ExtraSANs []string
	// Secrets say where the PKI and the join token live in the cloud's secret store (see SecretRefs):
	// the user data carries these references, never a key or a token. Required; Secrets.Cloud must
	// be CloudProvider.
	Secrets SecretRefs
	// FormerName is a name this bootstrap had before (its children were named <FormerName>-ca and so
	// on): the bootstrap and its children keep their identity through aliases. Default: "" (none).
	FormerName string
}

// Bootstrap is the PKI, the bootstrap token and the node configuration of one cluster.
type Bootstrap struct {
	pulumi.ResourceState

	// FirstControlPlane is the cloud-init user data of the node that runs kubeadm init: it fetches the
	// shared PKI from the secret store with the machine's identity, runs kubeadm init over it and
	// then mints join tokens on a timer (JoinTokenPeriod) into the store. No key, no token: the user
	// data is readable by anyone who may describe the instance, and by hostNetwork processes.
	FirstControlPlane pulumi.StringOutput
	// JoinControlPlane is the user data of the further control-plane nodes: the same PKI from the
	// store, the current join token from the store, kubeadm join with a control-plane section, and the
	// same token timer.
	JoinControlPlane pulumi.StringOutput
	// Workers is the user data of each pool's workers: the current join token from the store (never
	// the PKI), then kubeadm join pinned to the CA hash.
	Workers map[string]pulumi.StringOutput
	// PKIBundle is what the store keeps for the control planes: a JSON object of file name (as under
	// /etc/kubernetes/pki) to PEM, with the cluster, front-proxy and etcd CAs and their keys and the
	// service-account key pair. Secret.
	PKIBundle pulumi.StringOutput
	// AdminKubeconfig reaches the API at https://<ControlPlaneEndpoint>:6443 as kubernetes-admin in
	// kubeadm:cluster-admins (see AdminOrganization). Secret.
	AdminKubeconfig pulumi.StringOutput
	// CACertPEM is the cluster CA certificate.
	CACertPEM pulumi.StringOutput
	// AdminCertPEM and AdminKeyPEM are the admin client certificate and key of AdminKubeconfig, for
	// the readiness gates' API calls. The key is secret.
	AdminCertPEM, AdminKeyPEM pulumi.StringOutput
	// CAHash pins the cluster CA for kubeadm join: "sha256:<hex>" over its SubjectPublicKeyInfo.
	CAHash pulumi.StringOutput
	// ServiceAccountJWKS is the service-account signing key as the API server's JWKS (public).
	ServiceAccountJWKS pulumi.StringOutput
}

// ServiceAccountIssuer is the issuer kubeadm gives the API server: https://kubernetes.default.svc.<dns
// domain> (k8s.io/kubernetes cmd/kubeadm/app/phases/controlplane/manifests.go at v1.36.4).
const ServiceAccountIssuer = "https://kubernetes.default.svc." + dnsDomain

var (
	clusterNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	versionRE     = regexp.MustCompile(`^1\.([0-9]+)\.([0-9]+)$`)
	debVersionRE  = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~:-]*$`)
	labelValueRE  = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
	dnsNameRE     = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// Validate reports every problem with the args at once, as an *cluster.ArgsError. Nil args are invalid (the
// required fields are missing).
func (a *BootstrapArgs) Validate() error {
	var ps []cluster.Problem
	bad := func(field, format string, v ...any) {
		ps = append(ps, cluster.Problem{Field: field, Reason: fmt.Sprintf(format, v...)})
	}
	if a == nil {
		a = &BootstrapArgs{}
	}
	switch {
	case a.ClusterName == "":
		bad("ClusterName", "required")
	case !clusterNameRE.MatchString(a.ClusterName):
		bad("ClusterName", "%q: use letters, digits, '.', '_' and '-'", a.ClusterName)
	}
	if a.KubernetesVersion == "" {
		bad("KubernetesVersion", "required")
	} else if m := versionRE.FindStringSubmatch(a.KubernetesVersion); m == nil {
		bad("KubernetesVersion", "%q: want an exact release such as 1.33.5", a.KubernetesVersion)
	} else if n, _ := strconv.Atoi(m[1]); n < MinKubernetesMinor {
		bad("KubernetesVersion", "%q: kubeadm.k8s.io/v1beta4 needs 1.%d or later", a.KubernetesVersion, MinKubernetesMinor)
	}
	switch {
	case a.ContainerdVersion == "":
		bad("ContainerdVersion", "required")
	case !debVersionRE.MatchString(a.ContainerdVersion):
		bad("ContainerdVersion", "%q is not an apt package version", a.ContainerdVersion)
	}
	if a.ControlPlaneEndpoint == nil {
		bad("ControlPlaneEndpoint", "required")
	}
	pod := checkCIDR(a.PodCIDR, "PodCIDR", bad)
	svc := checkCIDR(a.ServiceCIDR, "ServiceCIDR", bad)
	if pod.IsValid() && svc.IsValid() && pod.Overlaps(svc) {
		bad("ServiceCIDR", "%s overlaps PodCIDR %s", svc, pod)
	}
	switch {
	case a.CloudProvider == "":
		bad("CloudProvider", "required")
	case !slices.Contains(cloudProviders, a.CloudProvider):
		bad("CloudProvider", "%q: want one of %s", a.CloudProvider, strings.Join(cloudProviders, ", "))
	}
	seen := map[string]bool{}
	for i, p := range a.Pools {
		field := fmt.Sprintf("Pools[%d].Pool", i)
		switch {
		case p.Pool == "":
			bad(field, "required")
		case !labelValueRE.MatchString(p.Pool):
			bad(field, "%q is not a valid label value", p.Pool)
		case seen[p.Pool]:
			bad(field, "%q appears twice", p.Pool)
		}
		seen[p.Pool] = true
	}
	for i, s := range a.ExtraSANs {
		if _, err := netip.ParseAddr(s); err != nil && !dnsNameRE.MatchString(s) {
			bad(fmt.Sprintf("ExtraSANs[%d]", i), "%q is neither an IP address nor a DNS name", s)
		}
	}
	switch {
	case a.Secrets.PKI == "" || a.Secrets.Token == "":
		bad("Secrets", "the PKI's and the join token's references are required")
	case a.Secrets.Cloud != a.CloudProvider:
		bad("Secrets.Cloud", "%q is not the cloud provider %q", a.Secrets.Cloud, a.CloudProvider)
	}
	if len(ps) > 0 {
		return &cluster.ArgsError{What: "bootstrap args", Problems: ps}
	}
	return nil
}

// checkCIDR parses a required network prefix.
func checkCIDR(s, field string, bad func(field, format string, v ...any)) netip.Prefix {
	if s == "" {
		bad(field, "required")
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		bad(field, "%q is not a CIDR", s)
		return netip.Prefix{}
	}
	if p != p.Masked() {
		bad(field, "%q has host bits set (want %s)", s, p.Masked())
		return netip.Prefix{}
	}
	return p
}

// poolKubeletArgs are the kubelet flags of a pool's workers: its label and, when dedicated, its taint.
func poolKubeletArgs(p cluster.PoolSpec) []arg {
	args := []arg{{Name: "node-labels", Value: cluster.PoolLabel + "=" + p.Pool}}
	if p.Dedicated {
		args = append(args, arg{Name: "register-with-taints", Value: cluster.PoolLabel + "=" + p.Pool + ":NoSchedule"})
	}
	return args
}

// aliasFor is the alias option of a child named <name><suffix> ("" for the bootstrap itself).
type aliasFor func(suffix string) pulumi.ResourceOption

// formerNames aliases the bootstrap and its children to the names they had under former; with no
// former name it aliases nothing.
func formerNames(former string) aliasFor {
	return func(suffix string) pulumi.ResourceOption {
		if former == "" {
			return pulumi.Composite()
		}
		return pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(former + suffix)}})
	}
}

// NewBootstrap makes the PKI and the node configuration of one cluster. It makes its own explicit tls
// provider (a child named name-tls), so no caller repeats it and nothing falls back to a default
// provider. The join token is not Pulumi's: the control planes mint it (see JoinTokenPeriod).
func NewBootstrap(ctx *pulumi.Context, name string, args *BootstrapArgs, opts ...pulumi.ResourceOption) (*Bootstrap, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("kubeadm %s: %w", name, err)
	}
	b := &Bootstrap{Workers: map[string]pulumi.StringOutput{}}
	alias := formerNames(args.FormerName)
	if err := ctx.RegisterComponentResource("kost:kubeadm:Bootstrap", name, b, append(opts, alias(""))...); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("kubeadm %s: %w", name, err) }
	tlsP, err := tls.NewProvider(ctx, name+"-tls", nil, pulumi.Parent(b), alias("-tls"))
	if err != nil {
		return nil, wrap(err)
	}
	parent := pulumi.Composite(pulumi.Parent(b), pulumi.Providers(tlsP))

	keys, err := newPKI(ctx, name, alias, parent)
	if err != nil {
		return nil, wrap(err)
	}
	refs, err := json.Marshal(args.Secrets)
	if err != nil {
		return nil, wrap(err)
	}
	endpoint := args.ControlPlaneEndpoint.ToStringOutput().ApplyT(func(e string) (string, error) {
		if e == "" {
			return "", wrap(errors.New("ControlPlaneEndpoint is empty"))
		}
		return e, nil
	}).(pulumi.StringOutput)
	caHash := keys.ca.certPEM.ApplyT(CAHash).(pulumi.StringOutput)

	cfg := func(endpoint, hash string, kubelet []arg) nodeConfig {
		return nodeConfig{
			ClusterName: args.ClusterName, KubernetesVersion: args.KubernetesVersion, Endpoint: endpoint,
			PodCIDR: args.PodCIDR, ServiceCIDR: args.ServiceCIDR, ExtraSANs: args.ExtraSANs,
			CAHash: hash, KubeletArgs: kubelet,
		}
	}
	nodeData := func(r role, kubeadmConfig string) (string, error) {
		return userData(node{
			Role: r, ClusterName: args.ClusterName, CloudProvider: args.CloudProvider,
			KubernetesVersion: args.KubernetesVersion, ContainerdVersion: args.ContainerdVersion,
			KubeadmConfig: kubeadmConfig, SecretRefs: string(refs),
		})
	}
	secret := func(o pulumi.Output) pulumi.StringOutput { return pulumi.ToSecret(o).(pulumi.StringOutput) }

	b.FirstControlPlane = endpoint.ApplyT(func(e string) (string, error) {
		c, err := initConfig(cfg(e, "", nil))
		if err != nil {
			return "", wrap(err)
		}
		return nodeData(firstControlPlane, c)
	}).(pulumi.StringOutput)
	b.JoinControlPlane = pulumi.All(endpoint, caHash).ApplyT(func(xs []any) (string, error) {
		c, err := joinConfig(cfg(xs[0].(string), xs[1].(string), nil), true)
		if err != nil {
			return "", wrap(err)
		}
		return nodeData(joinControlPlane, c)
	}).(pulumi.StringOutput)
	workers := pulumi.StringMap{}
	for _, p := range args.Pools {
		kubelet := poolKubeletArgs(p)
		w := pulumi.All(endpoint, caHash).ApplyT(func(xs []any) (string, error) {
			c, err := joinConfig(cfg(xs[0].(string), xs[1].(string), kubelet), false)
			if err != nil {
				return "", wrap(err)
			}
			return nodeData(worker, c)
		}).(pulumi.StringOutput)
		b.Workers[p.Pool] = w
		workers[p.Pool] = w
	}
	b.PKIBundle = secret(keys.files().ApplyT(func(f any) (string, error) { return f.(pkiFiles).bundle() }))
	b.AdminKubeconfig = secret(pulumi.All(endpoint, keys.ca.certPEM, keys.admin.certPEM, keys.admin.key.PrivateKeyPem).ApplyT(
		func(xs []any) (string, error) {
			return adminKubeconfig(args.ClusterName, xs[0].(string), xs[1].(string), xs[2].(string), xs[3].(string))
		}))
	b.CACertPEM = keys.ca.certPEM
	b.AdminCertPEM = keys.admin.certPEM
	b.AdminKeyPEM = pulumi.ToSecret(keys.admin.key.PrivateKeyPem).(pulumi.StringOutput)
	b.CAHash = caHash
	b.ServiceAccountJWKS = keys.sa.PublicKeyPem.ApplyT(cluster.JWKS).(pulumi.StringOutput)

	if err := ctx.RegisterResourceOutputs(b, pulumi.Map{
		"firstControlPlane": b.FirstControlPlane,
		"joinControlPlane":  b.JoinControlPlane,
		"workers":           workers,
		"adminKubeconfig":   b.AdminKubeconfig,
		"caCertPem":         b.CACertPEM,
		"caHash":            b.CAHash,
		"pkiBundle":         b.PKIBundle,
	}); err != nil {
		return nil, err
	}
	return b, nil
}
