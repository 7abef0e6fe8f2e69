package cluster

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ServiceAccountIssuer is a cluster's service-account token issuer as a cloud federates with it: the
// issuer its tokens name and its public keys. kubeadm clusters have one; a managed cluster's cloud
// federates its own issuer itself.
type ServiceAccountIssuer struct {
	// URL is the tokens' iss claim.
	URL string
	// JWKS is the signing keys as the API server serves them at /openid/v1/jwks.
	JWKS pulumi.StringOutput
}

// jwk is one RSA key of a JWKS document, with the fields the API server serves.
type jwk struct {
	Use string `json:"use"`
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS renders an RSA public key (PEM, PKIX) as the JWKS document the API server serves for it: the
// key id is the unpadded base64url SHA-256 of the key's PKIX DER (k8s.io/kubernetes
// pkg/serviceaccount/jwt.go keyIDFromPublicKey at v1.36.4), use sig, alg RS256. The end-to-end run
// compares it with a real API server's /openid/v1/jwks.
func JWKS(publicKeyPEM string) (string, error) {
	block, _ := pem.Decode([]byte(publicKeyPEM))
	if block == nil {
		return "", errors.New("jwks: no PEM block in the public key")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("jwks: %w", err)
	}
	key, ok := pub.(*rsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("jwks: a %T key; federations take RS256 keys", pub)
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("jwks: %w", err)
	}
	sum := sha256.Sum256(der)
	b64 := base64.RawURLEncoding.EncodeToString
	doc := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{{
		Use: "sig", Kty: "RSA", Kid: b64(sum[:]), Alg: "RS256",
		N: b64(key.N.Bytes()), E: b64(big.NewInt(int64(key.E)).Bytes()),
	}}}
	out, err := json.Marshal(doc)
	return string(out), err
}
