package offline

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5" //nolint:gosec // the MD5 fingerprint is an output of the tls provider, not a security check
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // RFC 5280 method 1 subject key identifiers are SHA-1 digests
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// certStart is when every mock certificate becomes valid, so certificates are the same on every run.
var certStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// mockPrivateKey answers tls.PrivateKey with a real key derived from the URN: RSA where RSA is asked
// for (the service-account keys clouds federate with must be RS256), Ed25519 otherwise.
func mockPrivateKey(o *Out) {
	o.ID = o.Hash[:40]
	seed := sha256.Sum256([]byte("tls-private-key\x00" + o.Hash))
	var (
		key    crypto.Signer
		keyPEM string
		wire   []byte
	)
	if o.In("algorithm") == "RSA" {
		bits := 2048
		if v, ok := o.R.Inputs["rsaBits"]; ok && v.IsNumber() {
			bits = int(v.NumberValue())
		}
		rk := seededRSAKey(seed, bits)
		key = rk
		// pulumi-tls returns PKCS#1 in privateKeyPem for RSA keys.
		keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}))
		wire = sshWire("ssh-rsa", big.NewInt(int64(rk.E)).Bytes(), append([]byte{0}, rk.N.Bytes()...))
	} else {
		ek := ed25519.NewKeyFromSeed(seed[:])
		key = ek
		wire = sshWire("ssh-ed25519", ek.Public().(ed25519.PublicKey))
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return // RSA and Ed25519 keys always marshal
	}
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return
	}
	pkcs8PEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	if keyPEM == "" {
		keyPEM = pkcs8PEM // pulumi-tls returns PKCS#8 in privateKeyPem for Ed25519 keys.
	}
	o.SetSecret("privateKeyPem", keyPEM)
	o.SetSecret("privateKeyPemPkcs8", pkcs8PEM)
	o.Set("publicKeyPem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})))
	kind := string(wire[4 : 4+binary.BigEndian.Uint32(wire)])
	o.Set("publicKeyOpenssh", kind+" "+base64.StdEncoding.EncodeToString(wire)+"\n")
	sum := sha256.Sum256(wire)
	o.Set("publicKeyFingerprintSha256", "SHA256:"+base64.RawStdEncoding.EncodeToString(sum[:]))
	md := md5.Sum(wire) //nolint:gosec // see the import
	pairs := make([]string, len(md))
	for i, b := range md {
		pairs[i] = hex.EncodeToString([]byte{b})
	}
	o.Set("publicKeyFingerprintMd5", strings.Join(pairs, ":"))
}

// rsaKeys caches seededRSAKey: a prime search takes a second or more, and tests plan the same stacks
// many times.
var rsaKeys sync.Map // [33]byte{seed, bits/256} -> *rsa.PrivateKey

// seededRSAKey is an RSA key of bits derived from seed: rsa.GenerateKey ignores the caller's
// randomness, so the primes are searched for here, from a ChaCha8 stream of the seed.
func seededRSAKey(seed [32]byte, bits int) *rsa.PrivateKey {
	id := [33]byte(append(seed[:], byte(bits/256)))
	if k, ok := rsaKeys.Load(id); ok {
		return k.(*rsa.PrivateKey)
	}
	k := searchRSAKey(seed, bits)
	rsaKeys.Store(id, k)
	return k
}

func searchRSAKey(seed [32]byte, bits int) *rsa.PrivateKey {
	stream := rand.NewChaCha8(seed)
	prime := func() *big.Int {
		buf := make([]byte, bits/16)
		for {
			_, _ = stream.Read(buf)
			buf[0] |= 0xc0       // the top two bits: the product has all its bits
			buf[len(buf)-1] |= 1 // odd
			p := new(big.Int).SetBytes(buf)
			if p.ProbablyPrime(20) {
				return p
			}
		}
	}
	e := big.NewInt(65537)
	one := big.NewInt(1)
	for {
		p, q := prime(), prime()
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil || p.Cmp(q) == 0 {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		if k.Validate() == nil {
			return k
		}
	}
}

// sshWire is the SSH wire form of a public key: its type and fields as strings (RFC 4253 6.6,
// RFC 8709).
func sshWire(kind string, fields ...[]byte) []byte {
	var b []byte
	for _, field := range append([][]byte{[]byte(kind)}, fields...) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(field)))
		b = append(b, field...)
	}
	return b
}

// mockSelfSignedCert answers tls.SelfSignedCert with a certificate signed by its own key.
func mockSelfSignedCert(o *Out) {
	o.ID = o.Hash[:38]
	o.Set("readyForRenewal", false)
	key, err := parsePrivateKeyPEM(o.In("privateKeyPem"))
	if err != nil {
		return
	}
	tmpl, err := certTemplate(o, key.Public())
	if err != nil {
		return
	}
	tmpl.Subject = subjectInput(o, "subject")
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return
	}
	setCertOutputs(o, der, tmpl)
	o.Set("keyAlgorithm", keyAlgorithm(key.Public()))
}

// mockCertRequest answers tls.CertRequest with a certificate signing request signed by its key.
func mockCertRequest(o *Out) {
	o.ID = o.Hash[:40]
	key, err := parsePrivateKeyPEM(o.In("privateKeyPem"))
	if err != nil {
		return
	}
	ips, uris, err := sansInput(o)
	if err != nil {
		return
	}
	der, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{
		Subject:     subjectInput(o, "subject"),
		DNSNames:    stringsInput(o, "dnsNames"),
		IPAddresses: ips,
		URIs:        uris,
	}, key)
	if err != nil {
		return
	}
	o.Set("certRequestPem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})))
	o.Set("keyAlgorithm", keyAlgorithm(key.Public()))
}

// mockLocallySignedCert answers tls.LocallySignedCert: the request's subject, names and public key,
// signed by the CA's key, which must match the CA certificate.
func mockLocallySignedCert(o *Out) {
	o.ID = o.Hash[:38]
	o.Set("readyForRenewal", false)
	csr, err := parseCSR(o.In("certRequestPem"))
	if err != nil {
		return
	}
	caCert, err := parseCertPEM(o.In("caCertPem"))
	if err != nil {
		return
	}
	caKey, err := parsePrivateKeyPEM(o.In("caPrivateKeyPem"))
	if err != nil {
		return
	}
	tmpl, err := certTemplate(o, csr.PublicKey)
	if err != nil {
		return
	}
	tmpl.Subject = csr.Subject
	tmpl.DNSNames, tmpl.IPAddresses, tmpl.URIs, tmpl.EmailAddresses = csr.DNSNames, csr.IPAddresses, csr.URIs, csr.EmailAddresses
	// CreateCertificate refuses a CA key that does not match the CA certificate, as the provider does.
	der, err := x509.CreateCertificate(nil, tmpl, caCert, csr.PublicKey, caKey)
	if err != nil {
		return
	}
	setCertOutputs(o, der, tmpl)
	o.Set("caKeyAlgorithm", keyAlgorithm(caKey.Public()))
}

// certTemplate holds what self-signed and locally signed certificates share: a serial from the URN,
// validity from certStart, allowedUses, isCaCertificate, maxPathLength and setSubjectKeyId.
func certTemplate(o *Out, pub crypto.PublicKey) (*x509.Certificate, error) {
	hours, _ := o.R.Input("validityPeriodHours")
	h, ok := hours.(float64)
	if !ok || h <= 0 {
		return nil, errors.New("validityPeriodHours is required")
	}
	serial, _ := new(big.Int).SetString(o.Hash[:32], 16)
	isCA, _ := o.R.Input("isCaCertificate")
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		NotBefore:             certStart,
		NotAfter:              certStart.Add(time.Duration(h) * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  isCA == true,
	}
	uses, err := allowedUses(stringsInput(o, "allowedUses"))
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage, tmpl.ExtKeyUsage = uses.key, uses.ext
	if n, ok := o.R.Input("maxPathLength"); ok && tmpl.IsCA {
		if f, ok := n.(float64); ok && f >= 0 {
			tmpl.MaxPathLen, tmpl.MaxPathLenZero = int(f), f == 0
		}
	}
	if set, _ := o.R.Input("setSubjectKeyId"); set == true || tmpl.IsCA {
		ski, err := subjectKeyID(pub)
		if err != nil {
			return nil, err
		}
		tmpl.SubjectKeyId = ski
	}
	if ips, uris, err := sansInput(o); err != nil {
		return nil, err
	} else if o.R.Type == "tls:index/selfSignedCert:SelfSignedCert" {
		tmpl.DNSNames, tmpl.IPAddresses, tmpl.URIs = stringsInput(o, "dnsNames"), ips, uris
	}
	return tmpl, nil
}

func setCertOutputs(o *Out, der []byte, tmpl *x509.Certificate) {
	o.Set("certPem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	o.Set("validityStartTime", tmpl.NotBefore.Format(time.RFC3339))
	o.Set("validityEndTime", tmpl.NotAfter.Format(time.RFC3339))
}

type keyUses struct {
	key x509.KeyUsage
	ext []x509.ExtKeyUsage
}

// allowedUses maps the tls provider's allowed_uses names to X.509 key usages and extended key usages.
func allowedUses(names []string) (keyUses, error) {
	keyBits := map[string]x509.KeyUsage{
		"digital_signature":  x509.KeyUsageDigitalSignature,
		"content_commitment": x509.KeyUsageContentCommitment,
		"key_encipherment":   x509.KeyUsageKeyEncipherment,
		"data_encipherment":  x509.KeyUsageDataEncipherment,
		"key_agreement":      x509.KeyUsageKeyAgreement,
		"cert_signing":       x509.KeyUsageCertSign,
		"crl_signing":        x509.KeyUsageCRLSign,
		"encipher_only":      x509.KeyUsageEncipherOnly,
		"decipher_only":      x509.KeyUsageDecipherOnly,
	}
	extUses := map[string]x509.ExtKeyUsage{
		"any_extended":                  x509.ExtKeyUsageAny,
		"server_auth":                   x509.ExtKeyUsageServerAuth,
		"client_auth":                   x509.ExtKeyUsageClientAuth,
		"code_signing":                  x509.ExtKeyUsageCodeSigning,
		"email_protection":              x509.ExtKeyUsageEmailProtection,
		"ipsec_end_system":              x509.ExtKeyUsageIPSECEndSystem,
		"ipsec_tunnel":                  x509.ExtKeyUsageIPSECTunnel,
		"ipsec_user":                    x509.ExtKeyUsageIPSECUser,
		"timestamping":                  x509.ExtKeyUsageTimeStamping,
		"ocsp_signing":                  x509.ExtKeyUsageOCSPSigning,
		"microsoft_server_gated_crypto": x509.ExtKeyUsageMicrosoftServerGatedCrypto,
		"netscape_server_gated_crypto":  x509.ExtKeyUsageNetscapeServerGatedCrypto,
	}
	var u keyUses
	for _, n := range names {
		if b, ok := keyBits[n]; ok {
			u.key |= b
		} else if e, ok := extUses[n]; ok {
			u.ext = append(u.ext, e)
		} else {
			return keyUses{}, fmt.Errorf("unknown allowed use %q", n)
		}
	}
	return u, nil
}

// subjectInput reads a tls subject block (commonName, organization, ...) from the inputs.
func subjectInput(o *Out, key string) pkix.Name {
	one := func(field string) []string {
		if s := o.In(key + "." + field); s != "" {
			return []string{s}
		}
		return nil
	}
	n := pkix.Name{
		CommonName:         o.In(key + ".commonName"),
		SerialNumber:       o.In(key + ".serialNumber"),
		Country:            one("country"),
		Locality:           one("locality"),
		Organization:       one("organization"),
		OrganizationalUnit: one("organizationalUnit"),
		PostalCode:         one("postalCode"),
		Province:           one("province"),
		StreetAddress:      stringsInput(o, key+".streetAddresses"),
	}
	if e := o.In(key + ".emailAddress"); e != "" {
		n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: e})
	}
	return n
}

// stringsInput reads a list of strings from the inputs (nil when absent).
func stringsInput(o *Out, path string) []string {
	v, _ := o.R.Input(path)
	arr, _ := v.([]any)
	var out []string
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// sansInput reads ipAddresses and uris from the inputs.
func sansInput(o *Out) ([]net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, s := range stringsInput(o, "ipAddresses") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, nil, fmt.Errorf("invalid IP address %q", s)
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, s := range stringsInput(o, "uris") {
		u, err := url.Parse(s)
		if err != nil {
			return nil, nil, err
		}
		uris = append(uris, u)
	}
	return ips, uris, nil
}

// subjectKeyID is the SHA-1 of the subject public key bit string (RFC 5280, 4.2.1.2, method 1).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha1.Sum(spki.PublicKey.Bytes) //nolint:gosec // see the import
	return sum[:], nil
}

// parsePrivateKeyPEM reads a private key in any PEM form the tls provider writes or accepts (PKCS#8,
// PKCS#1 RSA, SEC 1 EC).
func parsePrivateKeyPEM(s string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("private key is not PEM")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported private key %T", key)
	}
	return signer, nil
}

func parseCertPEM(s string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("certificate is not PEM")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseCSR(s string) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("certificate request is not PEM")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, err
	}
	return csr, csr.CheckSignature()
}

// keyAlgorithm names a public key's algorithm as the tls provider does.
func keyAlgorithm(pub crypto.PublicKey) string {
	switch pub.(type) {
	case ed25519.PublicKey:
		return "ED25519"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case *rsa.PublicKey:
		return "RSA"
	}
	return ""
}

// commonOutputs are what the cloud computes for each of its resource types.
var commonOutputs = map[string]func(o *Out){
	// Outputs of the cloud-neutral providers: tls and random.
	//
	// The tls mocks do what pulumi-tls does, for real and deterministically: keys, self-signed
	// certificates, certificate requests and locally signed certificates that crypto/x509 parses and
	// verifies, so tests can check chains, key usages and names. Two differences, both for stable golden
	// files:
	//   - every key is Ed25519, whatever the algorithm asked for, seeded from the resource's URN: Go 1.26
	//     ignores caller-supplied randomness when generating ECDSA and RSA keys (and ECDSA signatures are
	//     randomised), while Ed25519 keys come from a seed and Ed25519 signatures are deterministic.
	//     The "algorithm" input is echoed back as given; keyAlgorithm outputs say ED25519. Except RSA,
	//     whose keys are derived from the URN here (seededRSAKey): JWKS documents need RSA keys, and
	//     RSA PKCS#1 v1.5 signatures are deterministic too.
	//   - validity starts at the fixed time certStart, not at the time of the run.
	//
	// A mock cannot fail a registration: when the inputs are unusable (not PEM, unknown in a preview, a CA
	// key that does not match its certificate) the computed fields are left out, where the real provider
	// would fail.
	"tls:index/privateKey:PrivateKey":               mockPrivateKey,
	"tls:index/selfSignedCert:SelfSignedCert":       mockSelfSignedCert,
	"tls:index/certRequest:CertRequest":             mockCertRequest,
	"tls:index/locallySignedCert:LocallySignedCert": mockLocallySignedCert,
	"random:index/randomPassword:RandomPassword": func(o *Out) {
		o.ID = "none"
		n := 16
		if v, ok := o.R.Inputs["length"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		o.SetSecret("result", strings.Repeat(o.Hash, 1+n/len(o.Hash))[:n])
		o.SetSecret("bcryptHash", "$2a$10$"+o.Hash[:53])
	},
	"random:index/randomString:RandomString": func(o *Out) {
		n := 16
		if v, ok := o.R.Inputs["length"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		s := strings.Repeat(o.Hash, 1+n/len(o.Hash))[:n]
		o.ID = s
		o.Outputs["result"] = resource.NewProperty(s)
	},
}
