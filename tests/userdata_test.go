package tests

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kost-platform/kost/graph"
)

// joinTokenRE is a kubeadm bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}).
var joinTokenRE = regexp.MustCompile(`\b[a-z0-9]{6}\.[a-z0-9]{16}\b`)

// machineData are where each cloud hands a machine its user data: what anyone allowed to describe
// the instance (ec2:DescribeInstanceAttribute, compute.instances.get) or any host-network process
// (through the metadata server) can read.
var machineData = map[string][]string{
	"aws:ec2/instance:Instance":                     {"userData", "userDataBase64"},
	"aws:ec2/launchTemplate:LaunchTemplate":         {"userData"},
	"gcp:compute/instance:Instance":                 {"metadata"},
	"gcp:compute/instanceTemplate:InstanceTemplate": {"metadata"},
	"azure-native:compute:VirtualMachine":           {"osProfile"},
	"azure-native:compute:VirtualMachineScaleSet":   {"virtualMachineProfile"},
}

// texts are every string under a value, and its base64 and gzip decodings where they decode.
func texts(v resource.PropertyValue) []string {
	var out []string
	var walk func(resource.PropertyValue)
	walk = func(v resource.PropertyValue) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element)
		case v.IsOutput():
			walk(v.OutputValue().Element)
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e)
			}
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e)
			}
		case v.IsString():
			out = append(out, decodings(v.StringValue())...)
		}
	}
	walk(v)
	return out
}

func decodings(s string) []string {
	out := []string{s}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return out
	}
	if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
		if unzipped, err := io.ReadAll(zr); err == nil {
			return append(out, string(unzipped))
		}
	}
	return append(out, string(raw))
}

// No machine of any shipped environment gets a private key or a join token through its user data,
// metadata or custom data: control planes fetch the PKI, and every node the newest join token, from
// the cloud's secret store with their own identity. The same scan finds the keys where they belong
// (the secret store's PKI entry), so it cannot pass by missing them.
func TestNoKeyOrTokenInUserData(t *testing.T) {
	t.Parallel()
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			g := evaluate(t, stack)
			machines, stores := 0, 0
			for _, r := range g.Resources {
				if paths, ok := machineData[r.Type]; ok {
					machines++
					for _, p := range paths {
						for _, s := range texts(r.Inputs[resource.PropertyKey(p)]) {
							if strings.Contains(s, "PRIVATE KEY") {
								t.Errorf("%s %s: %s holds a private key", r.Type, r.Name, p)
							}
							if m := joinTokenRE.FindString(s); m != "" {
								t.Errorf("%s %s: %s holds a join token (%s…)", r.Type, r.Name, p, m[:7])
							}
						}
					}
				}
				if isPKIStore(r) {
					stores++
					found := false
					for _, s := range texts(resource.NewObjectProperty(r.Inputs)) {
						found = found || strings.Contains(s, "PRIVATE KEY")
					}
					if !found {
						t.Errorf("%s %s: the PKI entry holds no key: the scan would miss one", r.Type, r.Name)
					}
				}
			}
			if selfManaged := len(g.OfType("kost:kubeadm:Bootstrap")); selfManaged != stores {
				t.Errorf("%d self-managed clusters, %d PKI entries in a secret store", selfManaged, stores)
			}
			t.Logf("%d machines and templates scanned", machines)
		})
	}
}

// isPKIStore reports whether r is a secret store's PKI entry (a value Pulumi writes).
func isPKIStore(r *graph.Resource) bool {
	switch r.Type {
	case "aws:secretsmanager/secretVersion:SecretVersion", "gcp:secretmanager/secretVersion:SecretVersion":
		return strings.HasSuffix(r.Name, "-pki")
	case "azure-native:keyvault:Secret":
		return strings.HasSuffix(r.Name, "-pki")
	}
	return false
}
