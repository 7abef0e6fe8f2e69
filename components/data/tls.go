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
	caKey, err := tls.NewPrivateKey(ctx, name+"-ca", &tls.PrivateKeyArgs{Algorithm: pulumi.String("ECDSA"), EcdsaCurve: pulumi.String("P256")}, opts...)
	if err != nil {
		return nil, err
	}
	ca, err := tls.NewSelfSignedCert(ctx, name+"-ca", &tls.SelfSignedCertArgs{
		PrivateKeyPem:       caKey.PrivateKeyPem,
		IsCaCertificate:     pulumi.Bool(true),
		ValidityPeriodHours: pulumi.Int(caValidityHours),
		EarlyRenewalHours:   pulumi.Int(earlyRenewalHours),
		AllowedUses:         pulumi.ToStringArray([]string{"cert_signing", "crl_signing", "digital_signature"}),
		Subject:             &tls.SelfSignedCertSubjectArgs{CommonName: pulumi.String(clusterName + " TiDB CA"), Organization: pulumi.String("kost")},
	}, opts...)
	if err != nil {
		return nil, err
	}
	var secrets []pulumi.Resource
	issue := func(suffix, commonName, secretName string, dnsNames []string, uses []string) error {
		key, err := tls.NewPrivateKey(ctx, name+"-"+suffix, &tls.PrivateKeyArgs{Algorithm: pulumi.String("ECDSA"), EcdsaCurve: pulumi.String("P256")}, opts...)
		if err != nil {
			return err
		}
		csr, err := tls.NewCertRequest(ctx, name+"-"+suffix, &tls.CertRequestArgs{
			PrivateKeyPem: key.PrivateKeyPem,
			DnsNames:      pulumi.ToStringArray(dnsNames),
			IpAddresses:   pulumi.ToStringArray([]string{"127.0.0.1", "::1"}),
			Subject:       &tls.CertRequestSubjectArgs{CommonName: pulumi.String(commonName), Organization: pulumi.String("kost")},
		}, opts...)
		if err != nil {
			return err
		}
		cert, err := tls.NewLocallySignedCert(ctx, name+"-"+suffix, &tls.LocallySignedCertArgs{
			CertRequestPem:      csr.CertRequestPem,
			CaPrivateKeyPem:     caKey.PrivateKeyPem,
			CaCertPem:           ca.CertPem,
			ValidityPeriodHours: pulumi.Int(certValidityHours),
			EarlyRenewalHours:   pulumi.Int(earlyRenewalHours),
			AllowedUses:         pulumi.ToStringArray(uses),
		}, opts...)
		if err != nil {
			return err
		}
		sec, err := corev1.NewSecret(ctx, name+"-"+suffix, &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(secretName), Namespace: pulumi.String(ns),
				Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost")}},
			Type: pulumi.String("kubernetes.io/tls"),
			StringData: pulumi.StringMap{
				"tls.crt": cert.CertPem,
				"tls.key": pulumi.ToSecret(key.PrivateKeyPem).(pulumi.StringOutput),
				"ca.crt":  ca.CertPem,
			},
		}, with(opts, keep...)...)
		if err != nil {
			return err
		}
		secrets = append(secrets, sec)
		return nil
	}
	peerUses := []string{"server_auth", "client_auth", "digital_signature", "key_encipherment"}
	for _, comp := range components {
		if err := issue(comp, clusterName+"-"+comp, fmt.Sprintf("%s-%s-cluster-secret", clusterName, comp),
			componentNames(clusterName, comp, ns), peerUses); err != nil {
			return nil, fmt.Errorf("%s certificate: %w", comp, err)
		}
	}
	clientUses := []string{"client_auth", "digital_signature", "key_encipherment"}
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
	return &tidbTLS{Secrets: secrets, CACert: ca.CertPem}, nil
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
