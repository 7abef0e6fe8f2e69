package data

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Certificate lifetimes. A `pulumi up` within EarlyRenewalHours of expiry replaces a certificate.
const (
	caValidityHours   = 10 * 365 * 24
	certValidityHours = 365 * 24
	earlyRenewalHours = 30 * 24
)

// tidbTLS is the TLS material of one TidbCluster.
type tidbTLS struct {
	// Secrets are the Kubernetes secrets holding it.
	Secrets []pulumi.Resource
	// CACert is the CA every certificate chains to (PEM, public): what a MySQL client verifies
	// the TiDB server with.
	CACert pulumi.StringOutput
	// Certificates are the CA and every certificate issued, for expiry alerts.
	Certificates []Certificate
}

// tidbCerts makes the TLS material the TiDB Operator (v1.6) expects with tlsCluster and
// tidb.tlsClient enabled (pkg/apis/pingcap/v1alpha1/types.go, TLSCluster and TiDBTLSClient): a
// CA, then one secret per component named <cluster>-<component>-cluster-secret (tls.crt, tls.key,
// ca.crt) valid for the component's service and peer names, <cluster>-cluster-client-secret for the
// operator's own calls to the components, <cluster>-tidb-server-secret for TiDB's MySQL port and
// <cluster>-tidb-client-secret for the operator's MySQL clients (the initializer mounts it:
// pkg/manager/member/tidb_init_manager.go). Keys live only in the Pulumi state, encrypted as
// secrets. The Kubernetes secrets get keep (protected and retained where the TidbCluster is).
func tidbCerts(ctx *pulumi.Context, name, clusterName, ns string, components []string, keep []pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*tidbTLS, error) {
	ca, err := newAuthority(ctx, name+"-ca", clusterName+" TiDB CA", opts...)
	if err != nil {
		return nil, err
	}
	var secrets []pulumi.Resource
	certs := []Certificate{{Name: clusterName + " TiDB CA", NotAfter: ca.end}}
	issue := func(suffix, commonName, secretName string, dnsNames []string, uses []string) error {
		leaf, err := ca.issue(ctx, name+"-"+suffix, leafSpec{commonName: commonName, organization: "kost", dnsNames: dnsNames,
			ips: []string{"127.0.0.1", "::1"}, uses: uses}, opts...)
		if err != nil {
			return err
		}
		sec, err := corev1.NewSecret(ctx, name+"-"+suffix, &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(secretName), Namespace: pulumi.String(ns),
				Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost")}},
			Type: pulumi.String("kubernetes.io/tls"),
			StringData: pulumi.StringMap{
				"tls.crt": leaf.cert,
				"tls.key": pulumi.ToSecret(leaf.key.PrivateKeyPem).(pulumi.StringOutput),
				"ca.crt":  ca.cert,
			},
		}, with(opts, keep...)...)
		if err != nil {
			return err
		}
		secrets = append(secrets, sec)
		certs = append(certs, Certificate{Name: secretName, Secret: secretName, Namespace: ns, NotAfter: leaf.end})
		return nil
	}
	peerUses := []string{"server_auth", "client_auth", "digital_signature", "key_encipherment"}
	for _, comp := range components {
		if err := issue(comp, clusterName+"-"+comp, fmt.Sprintf("%s-%s-cluster-secret", clusterName, comp),
			componentNames(clusterName, comp, ns), peerUses); err != nil {
			return nil, fmt.Errorf("%s certificate: %w", comp, err)
		}
	}
	if err := issue("client", "TiDB", clusterName+"-cluster-client-secret", nil, clientUses); err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	// MySQL protocol: the server certificate answers on the tidb service names (clients in the
	// cluster verify the identity; through the internal load balancer they verify the CA).
	if err := issue("mysql-server", clusterName+"-tidb", clusterName+"-tidb-server-secret", componentNames(clusterName, "tidb", ns),
		[]string{"server_auth", "digital_signature", "key_encipherment"}); err != nil {
		return nil, fmt.Errorf("TiDB server certificate: %w", err)
	}
	if err := issue("mysql-client", "tidb-operator", clusterName+"-tidb-client-secret", nil, clientUses); err != nil {
		return nil, fmt.Errorf("TiDB client certificate: %w", err)
	}
	return &tidbTLS{Secrets: secrets, CACert: ca.cert, Certificates: certs}, nil
}

// Certificate is a certificate of kost's TLS material, for expiry alerts.
type Certificate struct {
	// Name says which it is; Secret and Namespace hold it ("" for a CA kept only in the Pulumi state
	// and in the Secrets of the certificates it signed).
	Name, Secret, Namespace string
	// NotAfter is the end of its validity (RFC 3339).
	NotAfter pulumi.StringOutput
}

// clientUses are a TLS client certificate's key usages.
var clientUses = []string{"client_auth", "digital_signature", "key_encipherment"}

// authority is a CA kost keeps: its key and self-signed certificate, both in the Pulumi state only
// (the key as a secret).
type authority struct {
	key  *tls.PrivateKey
	cert pulumi.StringOutput
	// start and end are the certificate's validity (RFC 3339): they change when a renewal replaces
	// the certificate.
	start, end pulumi.StringOutput
}

// newAuthority makes a P-256 CA valid for caValidityHours, renewed by the first `pulumi up` within
// earlyRenewalHours of its expiry (same key, new certificate).
func newAuthority(ctx *pulumi.Context, name, commonName string, opts ...pulumi.ResourceOption) (*authority, error) {
	key, err := tls.NewPrivateKey(ctx, name, &tls.PrivateKeyArgs{Algorithm: pulumi.String("ECDSA"), EcdsaCurve: pulumi.String("P256")}, opts...)
	if err != nil {
		return nil, err
	}
	cert, err := tls.NewSelfSignedCert(ctx, name, &tls.SelfSignedCertArgs{
		PrivateKeyPem:       key.PrivateKeyPem,
		IsCaCertificate:     pulumi.Bool(true),
		ValidityPeriodHours: pulumi.Int(caValidityHours),
		EarlyRenewalHours:   pulumi.Int(earlyRenewalHours),
		AllowedUses:         pulumi.ToStringArray([]string{"cert_signing", "crl_signing", "digital_signature"}),
		Subject:             &tls.SelfSignedCertSubjectArgs{CommonName: pulumi.String(commonName), Organization: pulumi.String("kost")},
	}, opts...)
	if err != nil {
		return nil, err
	}
	return &authority{key: key, cert: cert.CertPem, start: cert.ValidityStartTime, end: cert.ValidityEndTime}, nil
}

// leafSpec is what a certificate says.
type leafSpec struct {
	// commonName and organization make the subject; organization "" leaves it out (Kafka compares a
	// client's whole subject with its user's name: CN=<user>).
	commonName, organization string
	dnsNames, ips, uses      []string
}

// leaf is an issued certificate and its key.
type leaf struct {
	key  *tls.PrivateKey
	cert pulumi.StringOutput
	// end is the certificate's validity end (RFC 3339).
	end pulumi.StringOutput
}

// issue makes a P-256 key and a certificate for it signed by the authority, valid for
// certValidityHours and renewed within earlyRenewalHours of expiry.
func (a *authority) issue(ctx *pulumi.Context, name string, spec leafSpec, opts ...pulumi.ResourceOption) (*leaf, error) {
	key, err := tls.NewPrivateKey(ctx, name, &tls.PrivateKeyArgs{Algorithm: pulumi.String("ECDSA"), EcdsaCurve: pulumi.String("P256")}, opts...)
	if err != nil {
		return nil, err
	}
	subject := &tls.CertRequestSubjectArgs{CommonName: pulumi.String(spec.commonName)}
	if spec.organization != "" {
		subject.Organization = pulumi.String(spec.organization)
	}
	csr, err := tls.NewCertRequest(ctx, name, &tls.CertRequestArgs{
		PrivateKeyPem: key.PrivateKeyPem,
		DnsNames:      pulumi.ToStringArray(spec.dnsNames),
		IpAddresses:   pulumi.ToStringArray(spec.ips),
		Subject:       subject,
	}, opts...)
	if err != nil {
		return nil, err
	}
	cert, err := tls.NewLocallySignedCert(ctx, name, &tls.LocallySignedCertArgs{
		CertRequestPem:      csr.CertRequestPem,
		CaPrivateKeyPem:     a.key.PrivateKeyPem,
		CaCertPem:           a.cert,
		ValidityPeriodHours: pulumi.Int(certValidityHours),
		EarlyRenewalHours:   pulumi.Int(earlyRenewalHours),
		AllowedUses:         pulumi.ToStringArray(spec.uses),
	}, opts...)
	if err != nil {
		return nil, err
	}
	return &leaf{key: key, cert: cert.CertPem, end: cert.ValidityEndTime}, nil
}

// componentNames are the DNS names a component answers on: its service and its pods through the
// peer (headless) service, short and namespace-qualified.
func componentNames(clusterName, comp, ns string) []string {
	svc, peer := clusterName+"-"+comp, clusterName+"-"+comp+"-peer"
	var out []string
	for _, suffix := range []string{"", "." + ns, "." + ns + ".svc"} {
		out = append(out, svc+suffix, peer+suffix, "*."+peer+suffix)
		if comp == "tidb" {
			out = append(out, "*."+svc+suffix)
		}
	}
	return append(out, "localhost")
}
