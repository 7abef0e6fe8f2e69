package plan

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Mocks is a pulumi.MockResourceMonitor that records what a program registers and answers like the
// clouds would. Safe for the concurrent calls the Pulumi SDK makes.
type Mocks struct {
	project, stack string

	mu        sync.Mutex
	resources []*Resource
	invokes   []Invoke
	// regions of the explicit cloud providers, by provider URN, for region-shaped outputs.
	regions map[string]string
}

// NewMocks returns mocks for one run of a project's stack.
func NewMocks(project, stack string) *Mocks {
	return &Mocks{project: project, stack: stack, regions: map[string]string{}}
}

// Graph returns what has been recorded so far.
func (m *Mocks) Graph() *Graph {
	m.mu.Lock()
	defer m.mu.Unlock()
	return newGraph(slices.Clone(m.resources), slices.Clone(m.invokes))
}

// urn computes the URN the engine would give, the same way the SDK's mock monitor does.
func (m *Mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// NewResource records a registration and returns the id and outputs the cloud would compute.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := &Resource{
		Type:   args.TypeToken,
		Name:   args.Name,
		Inputs: args.Inputs,
		Custom: args.Custom,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Remote = rpc.GetRemote()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.IgnoreChanges = slices.Clone(rpc.GetIgnoreChanges())
		r.Transforms = len(rpc.GetTransforms())
		deps := map[string]bool{}
		for _, d := range rpc.GetDependencies() {
			deps[d] = true
		}
		for _, pd := range rpc.GetPropertyDependencies() {
			for _, d := range pd.GetUrns() {
				deps[d] = true
			}
		}
		for d := range deps {
			r.DependsOn = append(r.DependsOn, d)
		}
		slices.Sort(r.DependsOn)
	}
	if args.Provider != "" {
		// "urn::id": keep the URN.
		r.Provider = args.Provider
		if i := strings.LastIndex(args.Provider, "::"); i > 0 {
			r.Provider = args.Provider[:i]
		}
	}
	r.URN = m.urn(r.Parent, r.Type, r.Name)

	m.mu.Lock()
	region := m.regions[r.Provider]
	m.mu.Unlock()

	id, outs := cloudOutputs(r, region)
	r.ID = id
	r.Outputs = outs

	m.mu.Lock()
	defer m.mu.Unlock()
	if r.IsProvider() {
		for _, k := range []string{"region"} {
			if v, ok := r.Inputs[resource.PropertyKey(k)]; ok {
				if s, ok := Plain(v, false).(string); ok {
					m.regions[r.URN] = s
				}
			}
		}
	}
	m.resources = append(m.resources, r)
	return id, outs, nil
}

// Call records an invoke. kost builds its policies and documents in Go, so the program makes no
// invokes; one showing up in a graph is worth a look.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.invokes = append(m.invokes, Invoke{Token: args.Token, Provider: args.Provider, Args: args.Args})
	return resource.PropertyMap{}, nil
}

// hash is a short stable digest, so ids and endpoints are the same on every run (golden files).
func hash(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

// account is the AWS account the mock cloud runs in.
const account = "123456789012"

// cloudOutputs answers a registration: inputs echoed back (as the clouds do) plus what the cloud
// computes for the type.
func cloudOutputs(r *Resource, region string) (string, resource.PropertyMap) {
	h := hash(r.URN)
	outs := r.Inputs.Copy()
	set := func(k string, v any) { outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	setIfAbsent := func(k string, v any) {
		if _, ok := outs[resource.PropertyKey(k)]; !ok {
			set(k, v)
		}
	}
	in := func(k string) string {
		if v, ok := r.Inputs[resource.PropertyKey(k)]; ok {
			s, _ := Plain(v, false).(string)
			return s
		}
		return ""
	}
	if !r.Custom {
		return "", outs // components have no id; remote components echo their inputs
	}
	if r.IsProvider() {
		return "provider-" + h[:12], outs
	}
	pkg, _, _ := strings.Cut(r.Type, ":")
	id := fmt.Sprintf("%s-%s", shortType(r.Type), h[:17])
	awsARN := func(service, res string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, res)
	}
	switch r.Type {
	case "aws:ec2/vpc:Vpc":
		id = "vpc-" + h[:17]
		set("arn", awsARN("ec2", "vpc/"+id))
		set("defaultSecurityGroupId", "sg-"+h[17:34])
		set("mainRouteTableId", "rtb-"+h[17:34])
	case "aws:ec2/subnet:Subnet":
		id = "subnet-" + h[:17]
		set("arn", awsARN("ec2", "subnet/"+id))
	case "aws:ec2/internetGateway:InternetGateway":
		id = "igw-" + h[:17]
	case "aws:ec2/eip:Eip":
		id = "eipalloc-" + h[:17]
		set("allocationId", id)
		set("publicIp", fmt.Sprintf("203.0.113.%d", int(h[0])%250+1))
	case "aws:ec2/natGateway:NatGateway":
		id = "nat-" + h[:17]
	case "aws:ec2/routeTable:RouteTable":
		id = "rtb-" + h[:17]
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = "lt-" + h[:17]
		set("latestVersion", 1)
		set("arn", awsARN("ec2", "launch-template/"+id))
	case "aws:iam/role:Role":
		name := r.Name + "-" + h[:7]
		id = name
		set("name", name)
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", account, name))
		set("uniqueId", "AROA"+strings.ToUpper(h[:17]))
	case "aws:kms/key:Key":
		id = fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
		set("keyId", id)
		set("arn", awsARN("kms", "key/"+id))
	case "aws:cloudwatch/logGroup:LogGroup":
		name := in("name")
		if name == "" {
			name = r.Name + "-" + h[:7]
		}
		id = name
		set("name", name)
		set("arn", awsARN("logs", "log-group:"+name))
	case "aws:eks/cluster:Cluster":
		name := in("name")
		id = name
		endpointID := strings.ToUpper(h[:32])
		set("arn", awsARN("eks", "cluster/"+name))
		set("endpoint", fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", endpointID, region))
		set("certificateAuthority", map[string]any{"data": fakeCA(name)})
		set("identities", []any{map[string]any{"oidcs": []any{map[string]any{
			"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, endpointID),
		}}}})
		set("status", "ACTIVE")
		set("platformVersion", "eks.1")
		set("clusterId", h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:32])
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		host := strings.TrimPrefix(in("url"), "https://")
		id = fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", account, host)
		set("arn", id)
		set("url", host)
	case "aws:eks/nodeGroup:NodeGroup":
		id = in("clusterName") + ":" + r.Name + "-" + h[:7]
		set("arn", awsARN("eks", "nodegroup/"+in("clusterName")+"/"+r.Name+"/"+h[:8]))
		set("status", "ACTIVE")
		setIfAbsent("nodeGroupName", r.Name+"-"+h[:7])
	case "aws:eks/addon:Addon":
		id = in("clusterName") + ":" + in("addonName")
		set("arn", awsARN("eks", "addon/"+in("clusterName")+"/"+in("addonName")+"/"+h[:8]))
	case "aws:eks/accessEntry:AccessEntry":
		id = in("clusterName") + ":" + in("principalArn")
		set("accessEntryArn", awsARN("eks", "access-entry/"+in("clusterName")+"/"+h[:8]))
	case "tls:index/privateKey:PrivateKey":
		id = h[:40]
		outs["privateKeyPem"] = resource.MakeSecret(resource.NewProperty(armour("EC PRIVATE KEY", h)))
		outs["privateKeyPemPkcs8"] = resource.MakeSecret(resource.NewProperty(armour("PRIVATE KEY", h)))
		set("publicKeyPem", armour("PUBLIC KEY", h[:32]))
		set("publicKeyFingerprintSha256", "SHA256:"+h[:43])
	case "tls:index/selfSignedCert:SelfSignedCert":
		id = h[:38]
		ca, _ := base64.StdEncoding.DecodeString(fakeCA(r.Name))
		set("certPem", string(ca))
		set("readyForRenewal", false)
	case "tls:index/certRequest:CertRequest":
		id = h[:40]
		set("certRequestPem", armour("CERTIFICATE REQUEST", h))
	case "tls:index/locallySignedCert:LocallySignedCert":
		id = h[:38]
		set("certPem", armour("CERTIFICATE", h))
		set("readyForRenewal", false)
	case "random:index/randomPassword:RandomPassword":
		id = "none"
		n := 16
		if v, ok := r.Inputs["length"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		pw := strings.Repeat(h, 1+n/len(h))[:n]
		outs["result"] = resource.MakeSecret(resource.NewProperty(pw))
		outs["bcryptHash"] = resource.MakeSecret(resource.NewProperty("$2a$10$" + h[:53]))
	default:
		if pkg == "aws" {
			setIfAbsent("arn", awsARN(strings.SplitN(strings.TrimPrefix(r.Type, "aws:"), "/", 2)[0], id))
		}
	}
	setIfAbsent("id", id)
	return id, outs
}

// armour wraps a digest in PEM armour: shaped like what the tls provider returns, not a usable key.
func armour(kind, body string) string {
	return "-----BEGIN " + kind + "-----\n" + base64.StdEncoding.EncodeToString([]byte(body)) + "\n-----END " + kind + "-----\n"
}

// shortType turns "aws:ec2/vpc:Vpc" into "vpc".
func shortType(t string) string {
	i := strings.LastIndex(t, ":")
	return strings.ToLower(t[i+1:])
}
