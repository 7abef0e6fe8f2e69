package kubeadm

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Certificate lifetimes. The CAs live ten years and are never renewed early: a new CA would reach
// only nodes created afterwards, so CA rotation is a planned operation, not a side effect of
// `pulumi up`. The admin certificate lives a year; a `pulumi up` in its last 30 days reissues it (only
// the kubeconfig changes).
const (
	caValidityHours    = 10 * 365 * 24
	adminValidityHours = 365 * 24
	adminRenewalHours  = 30 * 24
)

// The admin identity. kubeadm 1.29 and later bind the group kubeadm:cluster-admins to cluster-admin
// (ClusterRoleBinding kubeadm:cluster-admins, made by kubeadm init) and keep system:masters for the
// break-glass super-admin.conf on the first control-plane node only. kost's kubeconfig lives in the
// Pulumi state, so it uses the RBAC group: deleting the binding revokes it, which system:masters (it
// bypasses RBAC) never allows short of replacing the CA.
const (
	AdminCommonName   = "kubernetes-admin"
	AdminOrganization = "kubeadm:cluster-admins"
)

// ErrNotCertificate is returned by CAHash for input that is not a PEM certificate.
var ErrNotCertificate = errors.New("not a PEM certificate")

// CAHash is the value kubeadm join's --discovery-token-ca-cert-hash (caCertHashes) expects for a CA:
// "sha256:" and the hex SHA-256 of the certificate's DER SubjectPublicKeyInfo.
func CAHash(certPEM string) (string, error) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return "", ErrNotCertificate
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotCertificate, err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// keyPair is a private key and its certificate.
type keyPair struct {
	key     *tls.PrivateKey
	certPEM pulumi.StringOutput
}

// pki is the cluster's shared key material.
type pki struct {
	ca, frontProxyCA, etcdCA keyPair
	// sa signs and verifies service-account tokens.
	sa *tls.PrivateKey
	// admin is the client certificate of the admin kubeconfig, signed by ca.
	admin keyPair
}

// ecdsaKey makes an ECDSA P-256 key: small and fast, and what kubeadm makes itself with
// encryptionAlgorithm ECDSA-P256.
func ecdsaKey(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*tls.PrivateKey, error) {
	return tls.NewPrivateKey(ctx, name, &tls.PrivateKeyArgs{
		Algorithm: pulumi.String("ECDSA"), EcdsaCurve: pulumi.String("P256"),
	}, opts...)
}

// newCA makes a self-signed CA named like kubeadm's own.
func newCA(ctx *pulumi.Context, name, commonName string, opts ...pulumi.ResourceOption) (keyPair, error) {
	key, err := ecdsaKey(ctx, name, opts...)
	if err != nil {
		return keyPair{}, err
	}
	cert, err := tls.NewSelfSignedCert(ctx, name, &tls.SelfSignedCertArgs{
		PrivateKeyPem:       key.PrivateKeyPem,
		IsCaCertificate:     pulumi.Bool(true),
		SetSubjectKeyId:     pulumi.Bool(true),
		ValidityPeriodHours: pulumi.Int(caValidityHours),
		AllowedUses:         pulumi.ToStringArray([]string{"cert_signing", "key_encipherment", "digital_signature"}),
		Subject:             &tls.SelfSignedCertSubjectArgs{CommonName: pulumi.String(commonName)},
	}, opts...)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{key: key, certPEM: cert.CertPem}, nil
}

// newPKI makes what kubeadm would otherwise make on the first control-plane node and what the other
// control-plane nodes must share: the cluster CA ("kubernetes"), the front-proxy CA, the etcd CA and
// the service-account key pair; plus an admin client certificate, so the kubeconfig is known without
// reaching a node.
func newPKI(ctx *pulumi.Context, name string, alias aliasFor, opts ...pulumi.ResourceOption) (*pki, error) {
	with := func(suffix string) []pulumi.ResourceOption { return append(slices.Clone(opts), alias(suffix)) }
	var p pki
	var err error
	if p.ca, err = newCA(ctx, name+"-ca", "kubernetes", with("-ca")...); err != nil {
		return nil, fmt.Errorf("cluster CA: %w", err)
	}
	if p.frontProxyCA, err = newCA(ctx, name+"-front-proxy-ca", "front-proxy-ca", with("-front-proxy-ca")...); err != nil {
		return nil, fmt.Errorf("front-proxy CA: %w", err)
	}
	if p.etcdCA, err = newCA(ctx, name+"-etcd-ca", "etcd-ca", with("-etcd-ca")...); err != nil {
		return nil, fmt.Errorf("etcd CA: %w", err)
	}
	// RSA, so tokens are signed RS256: every workload identity federation (AWS IAM, GCP, Entra ID,
	// which accepts RS256 only) can trust the cluster's issuer.
	if p.sa, err = tls.NewPrivateKey(ctx, name+"-sa", &tls.PrivateKeyArgs{
		Algorithm: pulumi.String("RSA"), RsaBits: pulumi.Int(2048),
	}, with("-sa")...); err != nil {
		return nil, fmt.Errorf("service-account key: %w", err)
	}

	adminKey, err := ecdsaKey(ctx, name+"-admin", with("-admin")...)
	if err != nil {
		return nil, fmt.Errorf("admin key: %w", err)
	}
	csr, err := tls.NewCertRequest(ctx, name+"-admin", &tls.CertRequestArgs{
		PrivateKeyPem: adminKey.PrivateKeyPem,
		Subject: &tls.CertRequestSubjectArgs{
			CommonName: pulumi.String(AdminCommonName), Organization: pulumi.String(AdminOrganization),
		},
	}, with("-admin")...)
	if err != nil {
		return nil, fmt.Errorf("admin certificate request: %w", err)
	}
	adminCert, err := tls.NewLocallySignedCert(ctx, name+"-admin", &tls.LocallySignedCertArgs{
		CertRequestPem:      csr.CertRequestPem,
		CaPrivateKeyPem:     p.ca.key.PrivateKeyPem,
		CaCertPem:           p.ca.certPEM,
		ValidityPeriodHours: pulumi.Int(adminValidityHours),
		EarlyRenewalHours:   pulumi.Int(adminRenewalHours),
		AllowedUses:         pulumi.ToStringArray([]string{"digital_signature", "key_encipherment", "client_auth"}),
	}, with("-admin")...)
	if err != nil {
		return nil, fmt.Errorf("admin certificate: %w", err)
	}
	p.admin = keyPair{key: adminKey, certPEM: adminCert.CertPem}
	return &p, nil
}

// files resolves the shared control-plane files.
func (p *pki) files() pulumi.AnyOutput {
	return pulumi.All(
		p.ca.certPEM, p.ca.key.PrivateKeyPem,
		p.frontProxyCA.certPEM, p.frontProxyCA.key.PrivateKeyPem,
		p.etcdCA.certPEM, p.etcdCA.key.PrivateKeyPem,
		p.sa.PrivateKeyPem, p.sa.PublicKeyPem,
	).ApplyT(func(xs []any) pkiFiles {
		s := func(i int) string { return xs[i].(string) }
		return pkiFiles{
			CACert: s(0), CAKey: s(1),
			FrontProxyCACert: s(2), FrontProxyCAKey: s(3),
			EtcdCACert: s(4), EtcdCAKey: s(5),
			SAKey: s(6), SAPub: s(7),
		}
	}).(pulumi.AnyOutput)
}

// bundle is what the secret store keeps for the control planes: file name under the certificates
// directory to PEM (kost-secret pki writes them, keys 0600).
func (f pkiFiles) bundle() (string, error) {
	b, err := json.Marshal(map[string]string{
		"ca.crt": f.CACert, "ca.key": f.CAKey,
		"front-proxy-ca.crt": f.FrontProxyCACert, "front-proxy-ca.key": f.FrontProxyCAKey,
		"etcd/ca.crt": f.EtcdCACert, "etcd/ca.key": f.EtcdCAKey,
		"sa.key": f.SAKey, "sa.pub": f.SAPub,
	})
	return string(b), err
}
