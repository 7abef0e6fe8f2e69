package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// provider serves the provider protocol for the four resources.
type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

var opts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

// kinds maps each type token to its inputs and to the function computing its outputs.
var kinds = map[string]struct {
	inputs  []string
	outputs []string
	create  func(in props) (resource.PropertyMap, error)
}{
	"tls:index/privateKey:PrivateKey": {
		inputs:  []string{"algorithm", "ecdsaCurve", "rsaBits"},
		outputs: []string{"privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh", "publicKeyPem", "publicKeyOpenssh", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256"},
		create:  createPrivateKey,
	},
	"tls:index/certRequest:CertRequest": {
		inputs:  []string{"privateKeyPem", "subject", "dnsNames", "ipAddresses", "uris"},
		outputs: []string{"certRequestPem", "keyAlgorithm"},
		create:  createCertRequest,
	},
	"tls:index/selfSignedCert:SelfSignedCert": {
		inputs: []string{"privateKeyPem", "subject", "dnsNames", "ipAddresses", "uris", "validityPeriodHours", "earlyRenewalHours",
			"isCaCertificate", "allowedUses", "setSubjectKeyId", "setAuthorityKeyId", "maxPathLength"},
		outputs: []string{"certPem", "keyAlgorithm", "validityStartTime", "validityEndTime", "readyForRenewal"},
		create:  createSelfSigned,
	},
	"tls:index/locallySignedCert:LocallySignedCert": {
		inputs: []string{"certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "earlyRenewalHours",
			"isCaCertificate", "allowedUses", "setSubjectKeyId", "maxPathLength"},
		outputs: []string{"certPem", "caKeyAlgorithm", "validityStartTime", "validityEndTime", "readyForRenewal"},
		create:  createLocallySigned,
	},
}

func kindOf(urn string) (string, error) {
	t := string(resource.URN(urn).Type())
	if _, ok := kinds[t]; !ok {
		return "", fmt.Errorf("the pulumi-tls stand-in does not implement %s", t)
	}
	return t, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if _, err := kindOf(req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// Diff replaces the resource when any input changed, as every input of the real resources forces a
// new resource.
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	t, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := plugin.UnmarshalProperties(req.GetOldInputs(), opts)
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = plugin.UnmarshalProperties(req.GetOlds(), opts); err != nil {
			return nil, err
		}
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), opts)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, k := range kinds[t].inputs {
		o, n := olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]
		if n.ContainsUnknowns() || !unwrap(o).DeepEquals(unwrap(n)) {
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: changed, Diffs: changed}, nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	t, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	in, err := plugin.UnmarshalProperties(req.GetProperties(), opts)
	if err != nil {
		return nil, err
	}
	out := in.Copy()
	if req.GetPreview() || in.ContainsUnknowns() {
		for _, k := range kinds[t].outputs {
			out[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		s, err := plugin.MarshalProperties(out, opts)
		return &pulumirpc.CreateResponse{Properties: s}, err
	}
	computed, err := kinds[t].create(props(in))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.GetUrn(), err)
	}
	for k, v := range computed {
		out[k] = v
	}
	s, err := plugin.MarshalProperties(out, opts)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: hex.EncodeToString(id), Properties: s}, nil
}

// Read returns the state as it is: the resources exist only in the state.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Update is never planned (Diff replaces on every change); it keeps the state if asked.
func (p *provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return &pulumirpc.UpdateResponse{Properties: req.GetOlds()}, nil
}

func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// unwrap removes the secret wrapper of a value, recursively enough for comparing inputs.
func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// props reads plain input values.
type props resource.PropertyMap

func (p props) str(k string) string {
	v := unwrap(p[resource.PropertyKey(k)])
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func (p props) num(k string, def int) int {
	v := unwrap(p[resource.PropertyKey(k)])
	if v.IsNumber() {
		return int(v.NumberValue())
	}
	return def
}

func (p props) flag(k string) bool {
	v := unwrap(p[resource.PropertyKey(k)])
	return v.IsBool() && v.BoolValue()
}

func (p props) list(k string) []string {
	v := unwrap(p[resource.PropertyKey(k)])
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e = unwrap(e); e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

func (p props) object(k string) props {
	v := unwrap(p[resource.PropertyKey(k)])
	if !v.IsObject() {
		return props{}
	}
	return props(v.ObjectValue())
}
