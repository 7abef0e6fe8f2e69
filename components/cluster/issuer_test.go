package cluster_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"testing"

	"github.com/kost-platform/kost/components/cluster"
)

func pemOf(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// The JWKS holds the key itself (n and e give it back) under the API server's key id; the end-to-end
// run compares the whole document with a real API server's /openid/v1/jwks.
func TestJWKS(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := cluster.JWKS(pemOf(t, &key.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(doc), &jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("%v: %s", err, doc)
	}
	k := jwks.Keys[0]
	n, errN := base64.RawURLEncoding.DecodeString(k["n"])
	e, errE := base64.RawURLEncoding.DecodeString(k["e"])
	if errN != nil || errE != nil {
		t.Fatalf("n, e: %v %v", errN, errE)
	}
	if new(big.Int).SetBytes(n).Cmp(key.N) != 0 || new(big.Int).SetBytes(e).Int64() != int64(key.E) {
		t.Error("n and e are not the key's")
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(der)
	if k["kid"] != base64.RawURLEncoding.EncodeToString(sum[:]) || k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" {
		t.Errorf("key fields: %v", k)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cluster.JWKS(pemOf(t, &ec.PublicKey)); err == nil {
		t.Error("an ECDSA key was accepted; kost's issuers sign RS256")
	}
	if _, err := cluster.JWKS("not a key"); err == nil {
		t.Error("garbage was accepted")
	}
}
