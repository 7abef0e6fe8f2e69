package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5" //nolint:gosec // the real provider's publicKeyFingerprintMd5 output
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // subject key IDs are SHA-1 by RFC 5280
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
)

func str(s string) resource.PropertyValue { return resource.NewStringProperty(s) }

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// createPrivateKey generates a key as tls.PrivateKey does: ECDSA (P224, P256, P384, P521), RSA
// (rsaBits, default 2048) or ED25519.
func createPrivateKey(in props) (resource.PropertyMap, error) {
	var key crypto.Signer
	var pemKey string
	var err error
	switch in.str("algorithm") {
	case "ECDSA":
		curves := map[string]elliptic.Curve{"P224": elliptic.P224(), "P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}
		name := in.str("ecdsaCurve")
		if name == "" {
			name = "P224" // the real provider's default
		}
		c, ok := curves[name]
		if !ok {
			return nil, fmt.Errorf("ecdsaCurve %q", name)
		}
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, err
		}
		key, pemKey = k, pemOf("EC PRIVATE KEY", der)
	case "RSA":
		k, err := rsa.GenerateKey(rand.Reader, in.num("rsaBits", 2048))
		if err != nil {
			return nil, err
		}
		key, pemKey = k, pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
	case "ED25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		key, pemKey = k, pemOf("PRIVATE KEY", der)
	default:
		return nil, fmt.Errorf("algorithm %q: RSA, ECDSA or ED25519", in.str("algorithm"))
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	out := resource.PropertyMap{
		"privateKeyPem":      str(pemKey),
		"privateKeyPemPkcs8": str(pemOf("PRIVATE KEY", pkcs8)),
		"publicKeyPem":       str(pemOf("PUBLIC KEY", pubDER)),
	}
	// OpenSSH forms exist for the keys OpenSSH supports (not P224).
	out["privateKeyOpenssh"], out["publicKeyOpenssh"] = str(""), str("")
	out["publicKeyFingerprintMd5"], out["publicKeyFingerprintSha256"] = str(""), str("")
	if sshPub, err := ssh.NewPublicKey(key.Public()); err == nil {
		out["publicKeyOpenssh"] = str(string(ssh.MarshalAuthorizedKey(sshPub)))
		out["publicKeyFingerprintSha256"] = str(ssh.FingerprintSHA256(sshPub))
		sum := md5.Sum(sshPub.Marshal()) //nolint:gosec // fingerprint format, not security
		parts := make([]string, len(sum))
		for i, b := range sum {
			parts[i] = hex.EncodeToString([]byte{b})
		}
		out["publicKeyFingerprintMd5"] = str(strings.Join(parts, ":"))
		if block, err := ssh.MarshalPrivateKey(key, ""); err == nil {
			out["privateKeyOpenssh"] = str(string(pem.EncodeToMemory(block)))
		}
	}
	return out, nil
}

// parseKey reads a private key in any PEM form the real provider writes or accepts.
func parseKey(p string) (crypto.Signer, string, error) {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		return nil, "", errors.New("no PEM private key")
	}
	var k any
	var err error
	switch b.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, "", err
	}
	switch key := k.(type) {
	case *ecdsa.PrivateKey:
		return key, "ECDSA", nil
	case *rsa.PrivateKey:
		return key, "RSA", nil
	case ed25519.PrivateKey:
		return key, "ED25519", nil
	}
	return nil, "", fmt.Errorf("unsupported key %T", k)
}

func subject(in props) pkix.Name {
	s := in.object("subject")
	n := pkix.Name{CommonName: s.str("commonName"), SerialNumber: s.str("serialNumber"), StreetAddress: s.list("streetAddresses")}
	for field, dst := range map[string]*[]string{"organization": &n.Organization, "organizationalUnit": &n.OrganizationalUnit,
		"country": &n.Country, "locality": &n.Locality, "province": &n.Province, "postalCode": &n.PostalCode} {
		if v := s.str(field); v != "" {
			*dst = []string{v}
		}
	}
	return n
}

func sans(in props) ([]string, []net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, s := range in.list("ipAddresses") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, nil, nil, fmt.Errorf("ipAddresses: %q", s)
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, s := range in.list("uris") {
		u, err := url.Parse(s)
		if err != nil {
			return nil, nil, nil, err
		}
		uris = append(uris, u)
	}
	return in.list("dnsNames"), ips, uris, nil
}

func createCertRequest(in props) (resource.PropertyMap, error) {
	key, alg, err := parseKey(in.str("privateKeyPem"))
	if err != nil {
		return nil, err
	}
	dns, ips, uris, err := sans(in)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: subject(in), DNSNames: dns, IPAddresses: ips, URIs: uris,
	}, key)
	if err != nil {
		return nil, err
	}
	return resource.PropertyMap{"certRequestPem": str(pemOf("CERTIFICATE REQUEST", der)), "keyAlgorithm": str(alg)}, nil
}

// uses maps the real provider's allowedUses to key usages.
var keyUsages = map[string]x509.KeyUsage{
	"digital_signature": x509.KeyUsageDigitalSignature, "content_commitment": x509.KeyUsageContentCommitment,
	"key_encipherment": x509.KeyUsageKeyEncipherment, "data_encipherment": x509.KeyUsageDataEncipherment,
	"key_agreement": x509.KeyUsageKeyAgreement, "cert_signing": x509.KeyUsageCertSign, "crl_signing": x509.KeyUsageCRLSign,
	"encipher_only": x509.KeyUsageEncipherOnly, "decipher_only": x509.KeyUsageDecipherOnly,
}

var extUsages = map[string]x509.ExtKeyUsage{
	"any_extended": x509.ExtKeyUsageAny, "server_auth": x509.ExtKeyUsageServerAuth, "client_auth": x509.ExtKeyUsageClientAuth,
	"code_signing": x509.ExtKeyUsageCodeSigning, "email_protection": x509.ExtKeyUsageEmailProtection,
	"ipsec_end_system": x509.ExtKeyUsageIPSECEndSystem, "ipsec_tunnel": x509.ExtKeyUsageIPSECTunnel,
	"ipsec_user": x509.ExtKeyUsageIPSECUser, "timestamping": x509.ExtKeyUsageTimeStamping, "ocsp_signing": x509.ExtKeyUsageOCSPSigning,
	"microsoft_server_gated_crypto": x509.ExtKeyUsageMicrosoftServerGatedCrypto, "netscape_server_gated_crypto": x509.ExtKeyUsageNetscapeServerGatedCrypto,
}

// template is the certificate both signed-cert resources make, before subject and keys.
func template(in props) (*x509.Certificate, error) {
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	hours := in.num("validityPeriodHours", 0)
	if hours <= 0 {
		return nil, errors.New("validityPeriodHours is required")
	}
	now := time.Now().UTC().Truncate(time.Second)
	t := &x509.Certificate{SerialNumber: sn, NotBefore: now, NotAfter: now.Add(time.Duration(hours) * time.Hour), BasicConstraintsValid: true}
	for _, u := range in.list("allowedUses") {
		if ku, ok := keyUsages[u]; ok {
			t.KeyUsage |= ku
		} else if eku, ok := extUsages[u]; ok {
			t.ExtKeyUsage = append(t.ExtKeyUsage, eku)
		} else {
			return nil, fmt.Errorf("allowedUses: unknown %q", u)
		}
	}
	if in.flag("isCaCertificate") {
		t.IsCA = true
		if n := in.num("maxPathLength", -1); n >= 0 {
			t.MaxPathLen, t.MaxPathLenZero = n, n == 0
		}
	}
	return t, nil
}

func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(der) //nolint:gosec // RFC 5280 method 1
	return sum[:], nil
}

func certOutputs(t *x509.Certificate, der []byte) resource.PropertyMap {
	return resource.PropertyMap{
		"certPem":           str(pemOf("CERTIFICATE", der)),
		"validityStartTime": str(t.NotBefore.Format(time.RFC3339)),
		"validityEndTime":   str(t.NotAfter.Format(time.RFC3339)),
		"readyForRenewal":   resource.NewBoolProperty(false),
	}
}

func createSelfSigned(in props) (resource.PropertyMap, error) {
	key, alg, err := parseKey(in.str("privateKeyPem"))
	if err != nil {
		return nil, err
	}
	t, err := template(in)
	if err != nil {
		return nil, err
	}
	t.Subject = subject(in)
	if t.DNSNames, t.IPAddresses, t.URIs, err = sans(in); err != nil {
		return nil, err
	}
	if in.flag("setSubjectKeyId") || t.IsCA {
		if t.SubjectKeyId, err = subjectKeyID(key.Public()); err != nil {
			return nil, err
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, t, t, key.Public(), key)
	if err != nil {
		return nil, err
	}
	out := certOutputs(t, der)
	out["keyAlgorithm"] = str(alg)
	return out, nil
}

func createLocallySigned(in props) (resource.PropertyMap, error) {
	b, _ := pem.Decode([]byte(in.str("certRequestPem")))
	if b == nil {
		return nil, errors.New("certRequestPem: no PEM certificate request")
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return nil, err
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certRequestPem: %w", err)
	}
	caKey, alg, err := parseKey(in.str("caPrivateKeyPem"))
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode([]byte(in.str("caCertPem")))
	if cb == nil {
		return nil, errors.New("caCertPem: no PEM certificate")
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	t, err := template(in)
	if err != nil {
		return nil, err
	}
	t.Subject, t.DNSNames, t.IPAddresses, t.URIs = csr.Subject, csr.DNSNames, csr.IPAddresses, csr.URIs
	if in.flag("setSubjectKeyId") {
		if t.SubjectKeyId, err = subjectKeyID(csr.PublicKey); err != nil {
			return nil, err
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, t, ca, csr.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	out := certOutputs(t, der)
	out["caKeyAlgorithm"] = str(alg)
	return out, nil
}
