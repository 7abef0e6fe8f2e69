package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func create(t *testing.T, p *provider, typ string, in resource.PropertyMap) props {
	t.Helper()
	s, err := plugin.MarshalProperties(in, opts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: "urn:pulumi:s::p::" + typ + "::r", Properties: s})
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	out, err := plugin.UnmarshalProperties(resp.GetProperties(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return props(out)
}

func cert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatal("no PEM certificate")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestChain makes what kost's TiDB certificates are made of (a CA and a server certificate signed by
// it) and checks that the result verifies with the names and uses asked for.
func TestChain(t *testing.T) {
	p := &provider{}
	ecdsa := resource.PropertyMap{"algorithm": str("ECDSA"), "ecdsaCurve": str("P256")}
	caKey := create(t, p, "tls:index/privateKey:PrivateKey", ecdsa)
	ca := create(t, p, "tls:index/selfSignedCert:SelfSignedCert", resource.PropertyMap{
		"privateKeyPem":       resource.MakeSecret(str(caKey.str("privateKeyPem"))),
		"isCaCertificate":     resource.NewBoolProperty(true),
		"validityPeriodHours": resource.NewNumberProperty(87600),
		"allowedUses":         resource.NewArrayProperty([]resource.PropertyValue{str("cert_signing"), str("crl_signing")}),
		"subject":             resource.NewObjectProperty(resource.PropertyMap{"commonName": str("kost TiDB CA")}),
	})
	key := create(t, p, "tls:index/privateKey:PrivateKey", ecdsa)
	csr := create(t, p, "tls:index/certRequest:CertRequest", resource.PropertyMap{
		"privateKeyPem": str(key.str("privateKeyPem")),
		"dnsNames":      resource.NewArrayProperty([]resource.PropertyValue{str("kost-pd.tidb.svc")}),
		"ipAddresses":   resource.NewArrayProperty([]resource.PropertyValue{str("127.0.0.1")}),
		"subject":       resource.NewObjectProperty(resource.PropertyMap{"commonName": str("kost-pd"), "organization": str("kost")}),
	})
	leaf := create(t, p, "tls:index/locallySignedCert:LocallySignedCert", resource.PropertyMap{
		"certRequestPem":      str(csr.str("certRequestPem")),
		"caPrivateKeyPem":     str(caKey.str("privateKeyPem")),
		"caCertPem":           str(ca.str("certPem")),
		"validityPeriodHours": resource.NewNumberProperty(8760),
		"allowedUses":         resource.NewArrayProperty([]resource.PropertyValue{str("server_auth"), str("client_auth"), str("digital_signature")}),
	})
	roots := x509.NewCertPool()
	roots.AddCert(cert(t, ca.str("certPem")))
	c := cert(t, leaf.str("certPem"))
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, DNSName: "kost-pd.tidb.svc",
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("the signed certificate does not verify: %v", err)
	}
	if c.Subject.CommonName != "kost-pd" || c.Subject.Organization[0] != "kost" {
		t.Errorf("subject %v", c.Subject)
	}
}

// TestDiffReplacesOnChange checks the lifecycle the real resources have: any input change replaces.
func TestDiffReplacesOnChange(t *testing.T) {
	p := &provider{}
	diff := func(old, new resource.PropertyMap) *pulumirpc.DiffResponse {
		o, _ := plugin.MarshalProperties(old, opts)
		n, _ := plugin.MarshalProperties(new, opts)
		r, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: "urn:pulumi:s::p::tls:index/privateKey:PrivateKey::k", OldInputs: o, News: n})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := resource.PropertyMap{"algorithm": str("ECDSA"), "ecdsaCurve": str("P256")}
	if r := diff(a, a.Copy()); r.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("no change: %v", r)
	}
	b := resource.PropertyMap{"algorithm": str("ECDSA"), "ecdsaCurve": str("P384")}
	if r := diff(a, b); r.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(r.GetReplaces()) != 1 || r.GetReplaces()[0] != "ecdsaCurve" {
		t.Errorf("a changed curve replaces the key: %v", r)
	}
}
