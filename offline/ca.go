package offline

import (
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"sync"
	"time"
)

var (
	caMu    sync.Mutex
	caCache = map[string]string{}
)

// fakeCA returns base64 PEM of a real, self-signed CA certificate for a cluster, as EKS and GKE
// return certificate authority data, so a client that parses it gets a certificate. Ed25519 signing
// is deterministic and the key comes from the name, so golden files stay stable.
func fakeCA(name string) string {
	caMu.Lock()
	defer caMu.Unlock()
	if s, ok := caCache[name]; ok {
		return s
	}
	seed := []byte(hash("ca", name)[:ed25519.SeedSize])
	key := ed25519.NewKeyFromSeed(seed)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kubernetes"},
		NotBefore:             t0,
		NotAfter:              t0.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err) // a fixed template and key; cannot fail
	}
	s := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	caCache[name] = s
	return s
}
