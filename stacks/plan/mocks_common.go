package plan

import (
	"encoding/base64"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Outputs of the cloud-neutral providers: tls and random.
func init() {
	outputs["tls:index/privateKey:PrivateKey"] = func(o *Out) {
		o.ID = o.Hash[:40]
		o.SetSecret("privateKeyPem", armour("EC PRIVATE KEY", o.Hash))
		o.SetSecret("privateKeyPemPkcs8", armour("PRIVATE KEY", o.Hash))
		o.Set("publicKeyPem", armour("PUBLIC KEY", o.Hash[:32]))
		o.Set("publicKeyOpenssh", "ecdsa-sha2-nistp256 "+base64.StdEncoding.EncodeToString([]byte(o.Hash[:32])))
		o.Set("publicKeyFingerprintSha256", "SHA256:"+o.Hash[:43])
	}
	outputs["tls:index/selfSignedCert:SelfSignedCert"] = func(o *Out) {
		o.ID = o.Hash[:38]
		ca, _ := base64.StdEncoding.DecodeString(fakeCA(o.R.Name))
		o.Set("certPem", string(ca))
		o.Set("readyForRenewal", false)
	}
	outputs["tls:index/certRequest:CertRequest"] = func(o *Out) {
		o.ID = o.Hash[:40]
		o.Set("certRequestPem", armour("CERTIFICATE REQUEST", o.Hash))
	}
	outputs["tls:index/locallySignedCert:LocallySignedCert"] = func(o *Out) {
		o.ID = o.Hash[:38]
		o.Set("certPem", armour("CERTIFICATE", o.Hash))
		o.Set("readyForRenewal", false)
	}
	outputs["random:index/randomPassword:RandomPassword"] = func(o *Out) {
		o.ID = "none"
		n := 16
		if v, ok := o.R.Inputs["length"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		o.SetSecret("result", strings.Repeat(o.Hash, 1+n/len(o.Hash))[:n])
		o.SetSecret("bcryptHash", "$2a$10$"+o.Hash[:53])
	}
	outputs["random:index/randomString:RandomString"] = func(o *Out) {
		n := 16
		if v, ok := o.R.Inputs["length"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		s := strings.Repeat(o.Hash, 1+n/len(o.Hash))[:n]
		o.ID = s
		o.Outputs["result"] = resource.NewProperty(s)
	}
}
