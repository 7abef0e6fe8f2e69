package kubeadm_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
)

var update = os.Getenv("UPDATE_GOLDEN") != ""

const endpoint = "internal-kost-api-0123456789.elb.eu-west-1.amazonaws.com"

func baseArgs() *kubeadm.BootstrapArgs {
	return &kubeadm.BootstrapArgs{
		ClusterName:          "kost-dev-aws-eu-west-1",
		KubernetesVersion:    "1.33.5",
		ContainerdVersion:    "1.7.28-1~ubuntu.24.04~noble",
		ControlPlaneEndpoint: pulumi.String(endpoint),
		PodCIDR:              cluster.OverlayPodCIDR.String(),
		ServiceCIDR:          cluster.ServiceCIDR.String(),
		CloudProvider:        "aws",
		Pools: []cluster.PoolSpec{
			{Pool: "system", InstanceType: "m7i.large", Desired: 3, Min: 3, Max: 6},
			{Pool: "tikv", InstanceType: "i4i.xlarge", Desired: 3, Min: 3, Max: 9, Dedicated: true},
		},
		Secrets: kubeadm.SecretRefs{Cloud: "aws", Region: "eu-west-1", PKI: "kost/c/kubeadm-pki", Token: "kost/c/join-token"},
	}
}

// outputs is what a Bootstrap resolved to, and which of its outputs are secret.
type outputs struct {
	mu                                           sync.Mutex
	first, join, kubeconfig, caCert, caHash, pki string
	workers                                      map[string]string
	secret                                       map[string]bool
}

// run builds a Bootstrap under the mocks; it makes its own tls provider.
func run(t *testing.T, mutate func(a *kubeadm.BootstrapArgs)) (*graph.Graph, *outputs, error) {
	t.Helper()
	out := &outputs{workers: map[string]string{}, secret: map[string]bool{}}
	g, err := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		a := baseArgs()
		if mutate != nil {
			mutate(a)
		}
		b, err := kubeadm.NewBootstrap(ctx, "k", a)
		if err != nil {
			return err
		}
		capture := func(name string, o pulumi.StringOutput, set func(string)) {
			// Exported, so the run waits for the capture (an apply nothing consumes may still be
			// pending when the program returns).
			ctx.Export("capture-"+name, o.ApplyT(func(s string) string {
				out.mu.Lock()
				defer out.mu.Unlock()
				set(s)
				return s
			}))
			s := pulumi.IsSecret(o)
			out.mu.Lock()
			out.secret[name] = s
			out.mu.Unlock()
		}
		capture("FirstControlPlane", b.FirstControlPlane, func(s string) { out.first = s })
		capture("JoinControlPlane", b.JoinControlPlane, func(s string) { out.join = s })
		capture("AdminKubeconfig", b.AdminKubeconfig, func(s string) { out.kubeconfig = s })
		capture("CACertPEM", b.CACertPEM, func(s string) { out.caCert = s })
		capture("CAHash", b.CAHash, func(s string) { out.caHash = s })
		capture("PKIBundle", b.PKIBundle, func(s string) { out.pki = s })
		for pool, w := range b.Workers {
			capture("Workers["+pool+"]", w, func(s string) { out.workers[pool] = s })
		}
		return nil
	})
	if err == nil && slices.Contains([]string{out.first, out.join, out.kubeconfig, out.caCert, out.caHash, out.pki}, "") {
		t.Fatal("the Bootstrap's outputs did not resolve")
	}
	return g, out, err
}

func mustRun(t *testing.T, mutate func(a *kubeadm.BootstrapArgs)) (*graph.Graph, *outputs) {
	t.Helper()
	g, out, err := run(t, mutate)
	if err != nil {
		t.Fatal(err)
	}
	return g, out
}

// cloudConfig is what the tests read of a node's #cloud-config.
type cloudConfig struct {
	WriteFiles []struct {
		Path        string `json:"path"`
		Owner       string `json:"owner"`
		Permissions string `json:"permissions"`
		Content     string `json:"content"`
	} `json:"write_files"`
	RunCmd [][]string `json:"runcmd"`
}

func parseUserData(t *testing.T, s string) cloudConfig {
	t.Helper()
	body, ok := strings.CutPrefix(s, "#cloud-config\n")
	if !ok {
		t.Fatalf("user data does not start with #cloud-config:\n%.200s", s)
	}
	var c cloudConfig
	if err := yaml.UnmarshalStrict([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c cloudConfig) file(t *testing.T, path string) string {
	t.Helper()
	for _, f := range c.WriteFiles {
		if f.Path == path {
			return f.Content
		}
	}
	t.Fatalf("no %s in the user data", path)
	return ""
}

// kubeadmDoc returns the kubeadm configuration document of a kind from a node's user data.
func kubeadmDoc(t *testing.T, userData, kind string) map[string]any {
	t.Helper()
	cfg := parseUserData(t, userData).file(t, "/etc/kubernetes/kubeadm/kubeadm.yaml")
	for _, doc := range strings.Split(cfg, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		if m["kind"] == kind {
			if m["apiVersion"] != "kubeadm.k8s.io/v1beta4" && kind != "KubeletConfiguration" {
				t.Errorf("%s is %v, want kubeadm.k8s.io/v1beta4", kind, m["apiVersion"])
			}
			return m
		}
	}
	t.Fatalf("no %s in:\n%s", kind, cfg)
	return nil
}

// at follows a path of map keys and list indexes through decoded YAML.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func parseCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("not a PEM certificate: %.80q", s)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func parseKey(t *testing.T, s string) crypto.Signer {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		t.Fatalf("not a PEM key: %.80q", s)
	}
	if block.Type == "RSA PRIVATE KEY" { // pulumi-tls gives RSA keys (sa.key) as PKCS#1
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(crypto.Signer)
}

func TestCertificatesChainToTheirCA(t *testing.T) {
	t.Parallel()
	_, out := mustRun(t, nil)
	var files map[string]string
	if err := json.Unmarshal([]byte(out.pki), &files); err != nil {
		t.Fatal(err)
	}
	pki := func(name string) string { return files[name] }
	var kc struct {
		Users []struct {
			User struct {
				Cert string `json:"client-certificate-data"`
				Key  string `json:"client-key-data"`
			} `json:"user"`
		} `json:"users"`
	}
	if err := yaml.Unmarshal([]byte(out.kubeconfig), &kc); err != nil || len(kc.Users) != 1 {
		t.Fatalf("admin kubeconfig: %v %s", err, out.kubeconfig)
	}
	adminCert, _ := base64.StdEncoding.DecodeString(kc.Users[0].User.Cert)
	adminKey, _ := base64.StdEncoding.DecodeString(kc.Users[0].User.Key)

	cases := map[string]struct {
		reason     string
		cert, key  string
		ca         string
		wrongCA    string
		isCA       bool
		usage      x509.KeyUsage
		ext        []x509.ExtKeyUsage
		cn         string
		org        []string
		notAfterIn time.Duration
	}{
		"ClusterCA": {reason: "signs the API server, kubelet and admin certificates", cert: pki("ca.crt"), key: pki("ca.key"),
			ca: pki("ca.crt"), wrongCA: pki("etcd/ca.crt"), isCA: true, usage: x509.KeyUsageCertSign, cn: "kubernetes", notAfterIn: 87600 * time.Hour},
		"FrontProxyCA": {reason: "signs the aggregation layer's client certificate", cert: pki("front-proxy-ca.crt"), key: pki("front-proxy-ca.key"),
			ca: pki("front-proxy-ca.crt"), wrongCA: pki("ca.crt"), isCA: true, usage: x509.KeyUsageCertSign, cn: "front-proxy-ca", notAfterIn: 87600 * time.Hour},
		"EtcdCA": {reason: "signs etcd's server and peer certificates", cert: pki("etcd/ca.crt"), key: pki("etcd/ca.key"),
			ca: pki("etcd/ca.crt"), wrongCA: pki("ca.crt"), isCA: true, usage: x509.KeyUsageCertSign, cn: "etcd-ca", notAfterIn: 87600 * time.Hour},
		"Admin": {reason: "the kubeconfig's client certificate, from the cluster CA", cert: string(adminCert), key: string(adminKey),
			ca: out.caCert, wrongCA: pki("front-proxy-ca.crt"), usage: x509.KeyUsageDigitalSignature,
			ext: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, cn: kubeadm.AdminCommonName, org: []string{kubeadm.AdminOrganization}, notAfterIn: 8760 * time.Hour},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cert := parseCert(t, tc.cert)
			verify := func(caPEM string) error {
				roots := x509.NewCertPool()
				roots.AddCert(parseCert(t, caPEM))
				_, err := cert.Verify(x509.VerifyOptions{
					Roots: roots, CurrentTime: cert.NotBefore.Add(time.Hour), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
				})
				return err
			}
			if err := verify(tc.ca); err != nil {
				t.Errorf("%s: does not chain to its CA: %v", tc.reason, err)
			}
			if verify(tc.wrongCA) == nil {
				t.Errorf("%s: chains to the wrong CA", tc.reason)
			}
			if cert.IsCA != tc.isCA || cert.KeyUsage&tc.usage == 0 {
				t.Errorf("%s: IsCA %v, key usage %b, want IsCA %v with %b", tc.reason, cert.IsCA, cert.KeyUsage, tc.isCA, tc.usage)
			}
			if d := cmp.Diff(tc.ext, cert.ExtKeyUsage); d != "" {
				t.Errorf("%s: extended key usages (-want +got):\n%s", tc.reason, d)
			}
			if d := cmp.Diff([]string{tc.cn}, []string{cert.Subject.CommonName}); d != "" {
				t.Errorf("%s: common name (-want +got):\n%s", tc.reason, d)
			}
			if d := cmp.Diff(tc.org, cert.Subject.Organization); d != "" {
				t.Errorf("%s: organization (-want +got):\n%s", tc.reason, d)
			}
			if got := cert.NotAfter.Sub(cert.NotBefore); got != tc.notAfterIn {
				t.Errorf("%s: valid for %s, want %s", tc.reason, got, tc.notAfterIn)
			}
			pub := parseKey(t, tc.key).Public().(interface{ Equal(crypto.PublicKey) bool })
			if !pub.Equal(cert.PublicKey) {
				t.Errorf("%s: the key written next to the certificate is not its key", tc.reason)
			}
		})
	}
	// The service-account key pair: sa.pub is sa.key's public half.
	saPub, _ := pem.Decode([]byte(pki("sa.pub")))
	pub, err := x509.ParsePKIXPublicKey(saPub.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !parseKey(t, pki("sa.key")).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
		t.Error("sa.pub is not the public key of sa.key")
	}
}

func TestCertSANs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason   string
		endpoint string
		services string
		extra    []string
		want     []string
	}{
		"DNSName": {reason: "an AWS internal NLB", endpoint: endpoint, services: cluster.ServiceCIDR.String(),
			want: []string{endpoint, "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "172.20.0.1", "127.0.0.1"}},
		"IPAndExtras": {reason: "a GCP or Azure internal LB address, other service range, extra names", endpoint: "10.0.16.5", services: "10.96.0.0/12",
			extra: []string{"api.kost.internal", "10.0.16.5"},
			want:  []string{"10.0.16.5", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1", "127.0.0.1", "api.kost.internal"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, out := mustRun(t, func(a *kubeadm.BootstrapArgs) {
				a.ControlPlaneEndpoint, a.ServiceCIDR, a.ExtraSANs = pulumi.String(tc.endpoint), tc.services, tc.extra
			})
			cc := kubeadmDoc(t, out.first, "ClusterConfiguration")
			var got []string
			for _, s := range at(cc, "apiServer", "certSANs").([]any) {
				got = append(got, s.(string))
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s: certSANs (-want +got):\n%s", tc.reason, d)
			}
			helper, err := kubeadm.APIServerSANs(tc.endpoint, tc.services, tc.extra)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, helper); d != "" {
				t.Errorf("%s: APIServerSANs (-want +got):\n%s", tc.reason, d)
			}
			if got := at(cc, "controlPlaneEndpoint"); got != tc.endpoint+":6443" {
				t.Errorf("%s: controlPlaneEndpoint %v", tc.reason, got)
			}
			if got := at(cc, "networking", "serviceSubnet"); got != tc.services {
				t.Errorf("%s: serviceSubnet %v", tc.reason, got)
			}
		})
	}
}

func TestCAHashAndJoinToken(t *testing.T) {
	t.Parallel()
	_, out := mustRun(t, nil)
	sum := sha256.Sum256(parseCert(t, out.caCert).RawSubjectPublicKeyInfo)
	want := "sha256:" + hex.EncodeToString(sum[:])
	if d := cmp.Diff(want, out.caHash); d != "" {
		t.Errorf("CAHash (-want +got):\n%s", d)
	}
	// The token is made on the first control plane and published; the configuration holds a
	// placeholder the node replaces just before kubeadm runs.
	init := kubeadmDoc(t, out.first, "InitConfiguration")
	if got := at(init, "bootstrapTokens", 0, "token"); got != "KOST_JOIN_TOKEN" {
		t.Errorf("kubeadm init registers token %v, want the placeholder", got)
	}
	if got := at(init, "bootstrapTokens", 0, "ttl"); got != kubeadm.JoinTokenTTL.String() {
		t.Errorf("token TTL %v, want %s", got, kubeadm.JoinTokenTTL)
	}
	for name, ud := range map[string]string{"JoinControlPlane": out.join, "Workers[system]": out.workers["system"]} {
		j := kubeadmDoc(t, ud, "JoinConfiguration")
		got := map[string]any{
			"hash": at(j, "discovery", "bootstrapToken", "caCertHashes", 0), "token": at(j, "discovery", "bootstrapToken", "token"),
			"endpoint": at(j, "discovery", "bootstrapToken", "apiServerEndpoint"), "tlsBootstrapToken": at(j, "discovery", "tlsBootstrapToken"),
		}
		wantJ := map[string]any{"hash": want, "token": "KOST_JOIN_TOKEN", "endpoint": endpoint + ":6443", "tlsBootstrapToken": "KOST_JOIN_TOKEN"}
		if d := cmp.Diff(wantJ, got); d != "" {
			t.Errorf("%s discovery (-want +got):\n%s", name, d)
		}
	}
}

// The PKI goes to the secret store, never into user data; every node knows where to find what it
// needs, and nothing more.
func TestPKIBundleAndSecretReferences(t *testing.T) {
	t.Parallel()
	_, out := mustRun(t, nil)
	var bundle map[string]string
	if err := json.Unmarshal([]byte(out.pki), &bundle); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"ca.crt", "ca.key", "etcd/ca.crt", "etcd/ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.key", "sa.pub"},
		slices.Sorted(maps.Keys(bundle))); d != "" {
		t.Errorf("bundle files (-want +got):\n%s", d)
	}
	if !strings.Contains(bundle["ca.key"], "PRIVATE KEY") || bundle["ca.crt"] != out.caCert {
		t.Error("the bundle does not hold the cluster CA and its key")
	}
	for name, ud := range map[string]string{"first": out.first, "join": out.join, "worker": out.workers["tikv"]} {
		if strings.Contains(ud, "PRIVATE KEY") || regexp.MustCompile(`[a-z0-9]{6}\.[a-z0-9]{16}`).MatchString(ud) {
			t.Errorf("%s: user data holds a key or a token", name)
		}
		c := parseUserData(t, ud)
		var refs kubeadm.SecretRefs
		if err := json.Unmarshal([]byte(c.file(t, "/etc/kost/secrets.json")), &refs); err != nil {
			t.Fatal(err)
		}
		if refs != baseArgs().Secrets {
			t.Errorf("%s: secrets.json %+v", name, refs)
		}
		if tool := c.file(t, "/usr/local/sbin/kost-secret"); !strings.HasPrefix(tool, "#!/usr/bin/env python3") {
			t.Errorf("%s: no secret tool", name)
		}
	}
}

func TestWorkers(t *testing.T) {
	t.Parallel()
	_, out := mustRun(t, nil)
	cases := map[string]struct {
		reason string
		want   []map[string]any
	}{
		"system": {reason: "shared pool: label only", want: []map[string]any{
			{"name": "cloud-provider", "value": "external"},
			{"name": "node-labels", "value": "kost.io/pool=system"},
		}},
		"tikv": {reason: "dedicated pool: label and taint", want: []map[string]any{
			{"name": "cloud-provider", "value": "external"},
			{"name": "node-labels", "value": "kost.io/pool=tikv"},
			{"name": "register-with-taints", "value": "kost.io/pool=tikv:NoSchedule"},
		}},
	}
	if d := cmp.Diff([]string{"system", "tikv"}, slices.Sorted(maps.Keys(out.workers))); d != "" {
		t.Errorf("worker pools (-want +got):\n%s", d)
	}
	for pool, tc := range cases {
		t.Run(pool, func(t *testing.T) {
			t.Parallel()
			ud := out.workers[pool]
			if strings.Contains(ud, "PRIVATE KEY") || strings.Contains(ud, "/etc/kost/pki/") {
				t.Errorf("%s: worker user data holds key material", tc.reason)
			}
			j := kubeadmDoc(t, ud, "JoinConfiguration")
			if at(j, "controlPlane") != nil {
				t.Errorf("%s: a worker joins without a control-plane section", tc.reason)
			}
			var got []map[string]any
			for _, a := range at(j, "nodeRegistration", "kubeletExtraArgs").([]any) {
				got = append(got, a.(map[string]any))
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s: kubelet flags (-want +got):\n%s", tc.reason, d)
			}
		})
	}
	if at(kubeadmDoc(t, out.join, "JoinConfiguration"), "controlPlane", "localAPIEndpoint", "bindPort") != float64(6443) {
		t.Error("further control-plane nodes join with --control-plane semantics")
	}
}

func TestUserData(t *testing.T) {
	t.Parallel()
	_, out := mustRun(t, nil)
	fetchPKI := `/usr/local/sbin/kost-secret pki "$KOST_STAGED_PKI" --wait 900`
	readToken := `token="$(/usr/local/sbin/kost-secret get token --wait 1800)"`
	cases := map[string]struct {
		reason  string
		data    string
		steps   []string // in this order
		absent  []string
		kubeadm string
	}{
		"FirstControlPlane": {reason: "kubeadm init over the PKI from the store, then the first token published", data: out.first,
			steps:  []string{"apt-mark hold", fetchPKI, `token="$(kubeadm token generate)"`, `sed -i "s/KOST_JOIN_TOKEN/${token}/g"`, "kubeadm_run init", `| /usr/local/sbin/kost-secret put token`, "systemctl enable --now kost-join-token.timer"},
			absent: []string{readToken}, kubeadm: "kubeadm_run init --config /etc/kubernetes/kubeadm/kubeadm.yaml --skip-token-print"},
		"JoinControlPlane": {reason: "the same PKI and the newest token from the store, then join, then the timer", data: out.join,
			steps:  []string{"apt-mark hold", fetchPKI, readToken, `sed -i "s/KOST_JOIN_TOKEN/${token}/g"`, "kubeadm_run join", "systemctl enable --now kost-join-token.timer"},
			absent: []string{"kost-secret put token", "kubeadm token generate"}, kubeadm: "kubeadm_run join --config /etc/kubernetes/kubeadm/kubeadm.yaml"},
		"Worker": {reason: "the newest token only, then join", data: out.workers["tikv"],
			steps:  []string{"apt-mark hold", readToken, `sed -i "s/KOST_JOIN_TOKEN/${token}/g"`, "kubeadm_run join", `sed -i "s/${token}/KOST_JOIN_TOKEN/g"`},
			absent: []string{"kost-secret pki", "put token", "kost-join-token.timer"}, kubeadm: "kubeadm_run join --config /etc/kubernetes/kubeadm/kubeadm.yaml"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := parseUserData(t, tc.data)
			for _, f := range c.WriteFiles {
				if strings.HasPrefix(f.Path, "/etc/kost/pki/") || strings.HasPrefix(f.Path, "/etc/kubernetes/pki/") {
					t.Errorf("%s: user data writes %s: the PKI comes from the secret store", tc.reason, f.Path)
				}
				if strings.HasSuffix(f.Path, "kubeadm.yaml") && f.Permissions != "0600" {
					t.Errorf("%s: %s has mode %s, want 0600", tc.reason, f.Path, f.Permissions)
				}
			}
			if d := cmp.Diff([][]string{{"/usr/local/sbin/kost-bootstrap"}}, c.RunCmd); d != "" {
				t.Errorf("%s: runcmd (-want +got):\n%s", tc.reason, d)
			}
			script := c.file(t, "/usr/local/sbin/kost-bootstrap")
			for _, want := range []string{
				"set -euo pipefail",
				"modprobe br_netfilter",
				"https://pkgs.k8s.io/core:/stable:/v1.33/deb/",
				"apt_get install containerd.io=1.7.28-1~ubuntu.24.04~noble kubelet=1.33.5-1.1 kubeadm=1.33.5-1.1 kubectl=1.33.5-1.1",
				"apt-mark hold containerd.io kubelet kubeadm kubectl",
				"SystemdCgroup = true",
				tc.kubeadm,
			} {
				if !strings.Contains(script, want) {
					t.Errorf("%s: the bootstrap script lacks %q", tc.reason, want)
				}
			}
			at := -1
			for _, step := range tc.steps {
				i := strings.Index(script, step)
				if i <= at {
					t.Errorf("%s: %q is missing or out of order", tc.reason, step)
				}
				at = i
			}
			for _, a := range tc.absent {
				if strings.Contains(script, a) {
					t.Errorf("%s: the script runs %q", tc.reason, a)
				}
			}
			if !strings.HasSuffix(script, "echo \"kost: this node joined the cluster\"\n") {
				t.Errorf("%s: the script must end once the node joined", tc.reason)
			}
			if got := c.file(t, "/etc/sysctl.d/99-kubernetes.conf"); !strings.Contains(got, "net.ipv4.ip_forward = 1") {
				t.Errorf("%s: sysctls %q", tc.reason, got)
			}
			if got := c.file(t, "/etc/modules-load.d/kubernetes.conf"); got != "overlay\nbr_netfilter\n" {
				t.Errorf("%s: modules %q", tc.reason, got)
			}
		})
	}
}

// TestUserDataGolden pins each role's user data; the mocks make keys and certificates deterministic.
func TestUserDataGolden(t *testing.T) {
	t.Parallel()
	_, out := mustRun(t, nil)
	_, again := mustRun(t, nil)
	cases := map[string]struct{ got, again string }{
		"aws-first-control-plane.yaml": {out.first, again.first},
		"aws-join-control-plane.yaml":  {out.join, again.join},
		"aws-worker-system.yaml":       {out.workers["system"], again.workers["system"]},
		"aws-worker-tikv.yaml":         {out.workers["tikv"], again.workers["tikv"]},
		"admin-kubeconfig.yaml":        {out.kubeconfig, again.kubeconfig},
	}
	// The other clouds differ in the node's naming step and the header: their first control plane and
	// a worker are kept too.
	for _, cloud := range []string{"gcp", "azure"} {
		set := func(a *kubeadm.BootstrapArgs) { a.CloudProvider, a.Secrets.Cloud = cloud, cloud }
		_, o := mustRun(t, set)
		_, o2 := mustRun(t, set)
		cases[cloud+"-first-control-plane.yaml"] = struct{ got, again string }{o.first, o2.first}
		cases[cloud+"-worker-system.yaml"] = struct{ got, again string }{o.workers["system"], o2.workers["system"]}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if d := cmp.Diff(tc.got, tc.again); d != "" {
				t.Errorf("two runs differ (-first +second):\n%s", d)
			}
			path := filepath.Join("testdata", name)
			if update {
				if err := os.WriteFile(path, []byte(tc.got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if d := cmp.Diff(string(want), tc.got); d != "" {
				t.Errorf("%s differs from the golden file (-want +got); rerun with UPDATE_GOLDEN=1 if the change is intended:\n%s", path, d)
			}
		})
	}
}

func TestSecretsAndProviders(t *testing.T) {
	t.Parallel()
	g, out := mustRun(t, nil)
	want := map[string]bool{
		"FirstControlPlane": false, "JoinControlPlane": false, "Workers[system]": false, "Workers[tikv]": false,
		"AdminKubeconfig": true, "PKIBundle": true, "CACertPEM": false, "CAHash": false,
	}
	if d := cmp.Diff(want, out.secret); d != "" {
		t.Errorf("secret outputs (-want +got):\n%s", d)
	}
	comp, ok := g.Named("kost:kubeadm:Bootstrap", "k")
	if !ok {
		t.Fatal("no kost:kubeadm:Bootstrap component")
	}
	counts := map[string]int{}
	for _, r := range g.Resources {
		if !r.Custom || r.IsProvider() {
			continue
		}
		counts[r.Type]++
		pkg, _, _ := strings.Cut(r.Type, ":")
		if p, ok := g.Get(r.Provider); !ok || p.Parent != comp.URN || p.Type != "pulumi:providers:"+pkg {
			t.Errorf("%s uses provider %q, want the Bootstrap's own %s provider", r.URN, r.Provider, pkg)
		}
		if r.Parent != comp.URN {
			t.Errorf("%s is not a child of the Bootstrap", r.URN)
		}
		if !strings.HasPrefix(r.Name, "k-") {
			t.Errorf("%s is not named after the component", r.URN)
		}
	}
	wantCounts := map[string]int{
		"tls:index/privateKey:PrivateKey":               5, // three CAs, service accounts, admin
		"tls:index/selfSignedCert:SelfSignedCert":       3,
		"tls:index/certRequest:CertRequest":             1,
		"tls:index/locallySignedCert:LocallySignedCert": 1,
	}
	if d := cmp.Diff(wantCounts, counts); d != "" {
		t.Errorf("resources (-want +got):\n%s", d)
	}
	sa, _ := g.Named("tls:index/privateKey:PrivateKey", "k-sa")
	if sa.String("algorithm") != "RSA" {
		t.Errorf("the service-account key is %s, want RSA (RS256 tokens)", sa.String("algorithm"))
	}
}

func TestRejectsBadArgs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		mutate func(a *kubeadm.BootstrapArgs)
		want   []string
	}{
		"Empty": {reason: "every required field is reported at once", mutate: func(a *kubeadm.BootstrapArgs) { *a = kubeadm.BootstrapArgs{} },
			want: []string{"ClusterName", "KubernetesVersion", "ContainerdVersion", "ControlPlaneEndpoint", "PodCIDR", "ServiceCIDR", "CloudProvider", "Secrets"}},
		"Versions": {reason: "minor only, v1beta3-era kubeadm, a shell word as package version", mutate: func(a *kubeadm.BootstrapArgs) {
			a.KubernetesVersion, a.ContainerdVersion = "1.30.4", "1.7; rm -rf /"
		}, want: []string{"KubernetesVersion", "ContainerdVersion"}},
		"NotExact": {reason: "the packages need an exact release", mutate: func(a *kubeadm.BootstrapArgs) { a.KubernetesVersion = "1.33" },
			want: []string{"KubernetesVersion"}},
		"Networks": {reason: "overlapping ranges, host bits", mutate: func(a *kubeadm.BootstrapArgs) {
			a.PodCIDR, a.ServiceCIDR = "172.20.0.0/15", "172.20.0.0/16"
		}, want: []string{"ServiceCIDR"}},
		"HostBits": {reason: "a CIDR with host bits set", mutate: func(a *kubeadm.BootstrapArgs) { a.PodCIDR = "172.21.0.1/16" },
			want: []string{"PodCIDR"}},
		"PoolsCloudSANsSecrets": {reason: "unknown cloud, unnamed and duplicate pools, bad SAN, secrets of another cloud", mutate: func(a *kubeadm.BootstrapArgs) {
			a.CloudProvider = "openstack"
			a.Pools = append(a.Pools, cluster.PoolSpec{}, cluster.PoolSpec{Pool: "tikv"}, cluster.PoolSpec{Pool: "Bad Pool"})
			a.ExtraSANs = []string{"api.kost.internal", "not a name"}
		}, want: []string{"CloudProvider", "Pools[2].Pool", "Pools[3].Pool", "Pools[4].Pool", "ExtraSANs[1]", "Secrets.Cloud"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, _, err := run(t, tc.mutate)
			var ae *cluster.ArgsError
			if !errors.As(err, &ae) {
				t.Fatalf("%s: error %v, want an *cluster.ArgsError", tc.reason, err)
			}
			var got []string
			for _, p := range ae.Problems {
				got = append(got, p.Field)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s: problems (-want +got):\n%s\n%v", tc.reason, d, err)
			}
			if len(g.OfType("kost:kubeadm:Bootstrap")) != 0 {
				t.Errorf("%s: nothing may be created from bad args", tc.reason)
			}
		})
	}
	var ae *cluster.ArgsError
	if err := (*kubeadm.BootstrapArgs)(nil).Validate(); !errors.As(err, &ae) || len(ae.Problems) != 8 {
		t.Errorf("nil args: %v, want the 8 required fields", err)
	}
}

// TestCAHashHelper checks CAHash against crypto/x509 and refuses what is not a certificate.
func TestCAHashHelper(t *testing.T) {
	t.Parallel()
	_, out := mustRun(t, nil)
	got, err := kubeadm.CAHash(out.caCert)
	if err != nil || got != out.caHash {
		t.Errorf("CAHash = %q, %v; want %q", got, err, out.caHash)
	}
	for name, in := range map[string]string{"Empty": "", "Key": "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n",
		"Garbage": "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"} {
		if _, err := kubeadm.CAHash(in); !errors.Is(err, kubeadm.ErrNotCertificate) {
			t.Errorf("%s: %v, want ErrNotCertificate", name, err)
		}
	}
	if !bytes.Contains([]byte(out.kubeconfig), []byte("server: https://"+endpoint+":6443")) {
		t.Errorf("the admin kubeconfig does not go through the load balancer:\n%s", out.kubeconfig)
	}
}

// Every node of every cloud keeps its pods from the instance metadata service (and on Azure from the
// WireServer's agent ports) from its first boot on, before kubeadm starts any pod.
func TestMetadataGuard(t *testing.T) {
	t.Parallel()
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		_, out := mustRun(t, func(a *kubeadm.BootstrapArgs) { a.CloudProvider, a.Secrets.Cloud = cloud, cloud })
		for role, ud := range map[string]string{"first": out.first, "join": out.join, "worker": out.workers["system"]} {
			c := parseUserData(t, ud)
			guard := c.file(t, "/usr/local/sbin/kost-metadata-guard")
			if !strings.Contains(guard, "iptables -t raw -C PREROUTING -d 169.254.169.254/32 -j DROP 2>/dev/null || iptables -t raw -I PREROUTING -d 169.254.169.254/32 -j DROP") {
				t.Errorf("%s %s: no idempotent metadata rule:\n%s", cloud, role, guard)
			}
			if wire := strings.Contains(guard, "168.63.129.16"); wire != (cloud == "azure") {
				t.Errorf("%s %s: WireServer rule present = %v", cloud, role, wire)
			}
			unit := c.file(t, "/etc/systemd/system/kost-metadata-guard.service")
			if !strings.Contains(unit, "Before=kubelet.service") || !strings.Contains(unit, "WantedBy=multi-user.target") {
				t.Errorf("%s %s: the guard does not run on every boot before the kubelet:\n%s", cloud, role, unit)
			}
			script := c.file(t, "/usr/local/sbin/kost-bootstrap")
			if g, k := strings.Index(script, "systemctl enable --now kost-metadata-guard.service"), strings.Index(script, "kubeadm_run "); g < 0 || g > k {
				t.Errorf("%s %s: the guard is not on before kubeadm runs", cloud, role)
			}
		}
	}
}
