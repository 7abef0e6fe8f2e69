package aws_test

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/autoscaler"
	kaws "github.com/kost-platform/kost/components/aws"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
	"github.com/kost-platform/kost/offline"
)

var zones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

func layout(t *testing.T) addresses.AWSLayout {
	t.Helper()
	l, err := addresses.AWS(netip.MustParsePrefix("10.30.0.0/16"), 3)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// run evaluates fn under the mocks with an explicit regional provider, as the stack does.
func run(t *testing.T, fn func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error) *graph.Graph {
	t.Helper()
	g, err := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		p, err := kaws.NewProvider(ctx, "eu", &kaws.ProviderArgs{Region: "eu-west-1"})
		if err != nil {
			return err
		}
		return fn(ctx, pulumi.Provider(p))
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// named returns the resource of a type with a logical name, failing the test when there is none.
func named(t *testing.T, g *graph.Graph, typ, name string) *graph.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s named %s", typ, name)
	}
	return r
}

// input is the plain input at path (nil when absent).
func input(r *graph.Resource, path string) any {
	v, _ := r.Input(path)
	return v
}

func subnets() pulumi.StringArray {
	return pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")}
}

// autoscalerPins are the cluster-autoscaler pins of both kinds of cluster.
func autoscalerPins() autoscaler.Pins {
	return autoscaler.Pins{Chart: autoscaler.ChartRef{Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0"},
		Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1"}
}

// pools are the node pools of both kinds of cluster: a system pool scaling up to systemMax, a
// dedicated tikv pool with a bigger disk and a dedicated spot pool for spark.
func pools(systemMax int) []cluster.PoolSpec {
	return []cluster.PoolSpec{
		{Pool: "system", InstanceType: "m7i.large", Desired: 2, Min: 2, Max: systemMax},
		{Pool: "tikv", InstanceType: "r7i.2xlarge", Desired: 3, Min: 3, Max: 3, Dedicated: true, DiskGiB: 80},
		{Pool: "spark", InstanceType: "m7i.xlarge", Desired: 1, Min: 0, Max: 5, Spot: true, Dedicated: true},
	}
}

// networkArgs are the test stack's network args, changed by mutate.
func networkArgs(t *testing.T, mutate func(a *kaws.NetworkArgs)) *kaws.NetworkArgs {
	t.Helper()
	a := &kaws.NetworkArgs{Layout: layout(t), Zones: slices.Clone(zones), ClusterName: "kost-x-eu-west-1"}
	mutate(a)
	return a
}

// managedArgs are the test stack's EKS cluster args, changed by mutate (when not nil).
func managedArgs(mutate func(a *kaws.ManagedClusterArgs)) *kaws.ManagedClusterArgs {
	a := &kaws.ManagedClusterArgs{
		ClusterName: "kost-x-eu-west-1",
		Region:      "eu-west-1",
		Zones:       zones,
		Version:     "1.33",
		Autoscaler:  autoscalerPins(),
		Addons: map[string]string{"vpc-cni": "v1.20.4-eksbuild.1", "kube-proxy": "v1.33.5-eksbuild.2",
			"coredns": "v1.12.4-eksbuild.1", "aws-ebs-csi-driver": "v1.56.0-eksbuild.1"},
		SubnetIDs: subnets(),
		Admins:    []string{"arn:aws:iam::123456789012:role/platform-admins"},
		NodePools: pools(2),
		Protect:   true,
		Profile:   "kost-prod",
		Tags:      map[string]string{"environment": "x", "region": "eu-west-1", "managed-by": "kost"},
	}
	if mutate != nil {
		mutate(a)
	}
	return a
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason   string
		mutate   func(a *kaws.NetworkArgs)
		nats     int
		flowLogs int
	}{
		"Dev": {reason: "dev shares one NAT gateway and has no flow logs", mutate: func(*kaws.NetworkArgs) {}, nats: 1, flowLogs: 0},
		"Prod": {reason: "prod has a NAT gateway per zone and flow logs", nats: 3, flowLogs: 1,
			mutate: func(a *kaws.NetworkArgs) { a.NATPerZone, a.FlowLogs = true, true }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := networkArgs(t, func(a *kaws.NetworkArgs) {
				tc.mutate(a)
				a.Tags = map[string]string{"environment": "x"}
			})
			g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
				_, err := kaws.NewNetwork(ctx, "net", args, opts...)
				return err
			})
			if got := len(g.OfType("aws:ec2/natGateway:NatGateway")); got != tc.nats {
				t.Errorf("%s: %d NAT gateways, want %d", tc.reason, got, tc.nats)
			}
			if got := len(g.OfType("aws:ec2/flowLog:FlowLog")); got != tc.flowLogs {
				t.Errorf("%s: %d flow logs, want %d", tc.reason, got, tc.flowLogs)
			}
			vpc := named(t, g, "aws:ec2/vpc:Vpc", "net-vpc")
			if vpc.String("cidrBlock") != "10.30.0.0/16" {
				t.Errorf("vpc cidr %q", vpc.String("cidrBlock"))
			}
			// Subnets: one private and one public per zone, from the layout, with the EKS/ELB role tags.
			got := map[string]string{}
			for _, s := range g.OfType("aws:ec2/subnet:Subnet") {
				tags := s.Map("tags")
				tier, _ := tags["kost.io/tier"].(string)
				got[tier+" "+s.String("availabilityZone")] = s.String("cidrBlock")
				role := map[string]string{"public": "kubernetes.io/role/elb", "private": "kubernetes.io/role/internal-elb"}[tier]
				if tags[role] != "1" {
					t.Errorf("subnet %s lacks tag %s=1", s.Name, role)
				}
				if tags["kubernetes.io/cluster/kost-x-eu-west-1"] != "shared" {
					t.Errorf("subnet %s lacks the cluster tag", s.Name)
				}
				if v, _ := s.Input("mapPublicIpOnLaunch"); v != false {
					t.Errorf("subnet %s maps public IPs on launch", s.Name)
				}
			}
			want := map[string]string{
				"private eu-west-1a": "10.30.0.0/18", "private eu-west-1b": "10.30.64.0/18", "private eu-west-1c": "10.30.128.0/18",
				"public eu-west-1a": "10.30.192.0/20", "public eu-west-1b": "10.30.208.0/20", "public eu-west-1c": "10.30.224.0/20",
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("subnets (-want +got):\n%s", d)
			}
			// Every private route table sends 0.0.0.0/0 to a NAT gateway; the public one to the IGW.
			for _, rt := range g.OfType("aws:ec2/routeTable:RouteTable") {
				r0 := rt.Map("routes.0")
				if strings.Contains(rt.Name, "private") && r0["natGatewayId"] == nil {
					t.Errorf("%s routes to %v, want a NAT gateway", rt.Name, r0)
				}
				if strings.Contains(rt.Name, "public") && r0["gatewayId"] == nil {
					t.Errorf("%s routes to %v, want the internet gateway", rt.Name, r0)
				}
			}
		})
	}
}

// mcScenarios are the EKS configurations the TestManagedCluster* tests run: managedArgs changed by
// the scenario's mutate.
var mcScenarios = map[string]func(a *kaws.ManagedClusterArgs){
	// The test stack's cluster: private endpoint, three pools, an admin role, protected.
	"Default": nil,
}

// mcFixture is one run of a managed-cluster scenario.
type mcFixture struct {
	g *graph.Graph
	c *graph.Resource // the EKS cluster
}

var mcFixtures fixtures.Cache[mcFixture]

// managedCluster runs the named scenario's cluster under the mocks (once per scenario).
func managedCluster(t *testing.T, scenario string) *mcFixture {
	t.Helper()
	mutate, ok := mcScenarios[scenario]
	if !ok {
		t.Fatalf("no managed-cluster scenario %s", scenario)
	}
	return mcFixtures.Get(t, scenario, func(t *testing.T) *mcFixture {
		t.Helper()
		g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := kaws.NewManagedCluster(ctx, "eks", managedArgs(mutate), opts...)
			return err
		})
		c, ok := g.Named("aws:eks/cluster:Cluster", "eks")
		if !ok {
			t.Fatal("no EKS cluster")
		}
		return &mcFixture{g: g, c: c}
	})
}

// EKS scales no node group itself: the cluster-autoscaler does, with a role of its own that may
// change only this cluster's groups.
func TestManagedClusterAutoscaler(t *testing.T) {
	t.Parallel()
	g := managedCluster(t, "Default").g
	ca, ok := g.Named("kubernetes:helm.sh/v4:Chart", "eks-autoscaler")
	role, _ := g.Named("aws:iam/role:Role", "eks-autoscaler")
	policy, _ := g.Named("aws:iam/rolePolicy:RolePolicy", "eks-autoscaler")
	if !ok || role == nil || policy == nil {
		t.Fatal("no cluster-autoscaler chart, role and policy")
	}
	for path, want := range map[string]any{
		"values.cloudProvider":             "aws",
		"values.autoDiscovery.clusterName": "kost-x-eu-west-1",
		"values.awsRegion":                 "eu-west-1",
		"values.image.tag":                 "v1.36.1",
		"values.nodeSelector":              map[string]any{"kost.io/pool": "system"},
		"namespace":                        "kube-system",
	} {
		if got := input(ca, path); !cmp.Equal(want, got) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	ann := ca.Map("values.rbac.serviceAccount.annotations")
	if arn, _ := role.Outputs["arn"].V.(string); arn == "" || ann["eks.amazonaws.com/role-arn"] != arn {
		t.Errorf("the service account must carry the role (IRSA): %v, role %s", ann, arn)
	}
	if !strings.Contains(role.String("assumeRolePolicy"), "system:serviceaccount:kube-system:cluster-autoscaler") {
		t.Errorf("the role must trust only the autoscaler's service account: %s", role.String("assumeRolePolicy"))
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(policy.String("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	mutating := doc["Statement"].([]any)[1].(map[string]any)
	if cond, _ := mutating["Condition"].(map[string]any)["Null"].(map[string]any); cond["autoscaling:ResourceTag/k8s.io/cluster-autoscaler/kost-x-eu-west-1"] != "false" {
		t.Errorf("scaling must be limited to this cluster's tagged groups: %v", mutating)
	}
}

func TestManagedClusterControlPlane(t *testing.T) {
	t.Parallel()
	c := managedCluster(t, "Default").c
	checks := map[string]struct {
		path string
		want any
	}{
		"name":                {"name", "kost-x-eu-west-1"},
		"version":             {"version", "1.33"},
		"private on":          {"vpcConfig.endpointPrivateAccess", true},
		"public off":          {"vpcConfig.endpointPublicAccess", false},
		"access API mode":     {"accessConfig.authenticationMode", "API"},
		"secrets":             {"encryptionConfig.resources", []any{"secrets"}},
		"log types":           {"enabledClusterLogTypes", []any{"api", "audit", "authenticator", "controllerManager", "scheduler"}},
		"no self addons":      {"bootstrapSelfManagedAddons", false},
		"never auto-upgraded": {"upgradePolicy.supportType", "EXTENDED"},
	}
	for what, ch := range checks {
		if d := cmp.Diff(ch.want, input(c, ch.path)); d != "" {
			t.Errorf("%s (%s) (-want +got):\n%s", what, ch.path, d)
		}
	}
}

// The cluster and the key its secrets are encrypted with survive a destroy of a protected environment.
func TestManagedClusterProtection(t *testing.T) {
	t.Parallel()
	f := managedCluster(t, "Default")
	if !f.c.Protect {
		t.Error("the cluster of a protected environment must be protected")
	}
	key := named(t, f.g, "aws:kms/key:Key", "eks-secrets")
	if v := input(key, "enableKeyRotation"); v != true || !key.Protect {
		t.Errorf("secrets key: rotation %v, protect %v; want rotated and protected", v, key.Protect)
	}
	if !f.g.DependsOn(f.c.URN, key.URN) {
		t.Error("the cluster must wait for its secrets key")
	}
}

func TestManagedClusterAddons(t *testing.T) {
	t.Parallel()
	g := managedCluster(t, "Default").g
	got := map[string]string{}
	for _, a := range g.OfType("aws:eks/addon:Addon") {
		got[a.String("addonName")] = a.String("addonVersion")
	}
	if d := cmp.Diff(managedArgs(nil).Addons, got); d != "" {
		t.Errorf("add-on pins (-want +got):\n%s", d)
	}
	ng := named(t, g, "aws:eks/nodeGroup:NodeGroup", "eks-system")
	for _, name := range []string{"coredns", "aws-ebs-csi-driver"} {
		if a := named(t, g, "aws:eks/addon:Addon", "eks-"+name); !g.DependsOn(a.URN, ng.URN) {
			t.Errorf("%s must wait for the nodes it runs on", name)
		}
	}
	if cni := named(t, g, "aws:eks/addon:Addon", "eks-vpc-cni"); !g.DependsOn(ng.URN, cni.URN) {
		t.Error("nodes must wait for the CNI add-on")
	}
	csi := named(t, g, "aws:eks/addon:Addon", "eks-aws-ebs-csi-driver")
	role := named(t, g, "aws:iam/role:Role", "eks-ebs-csi")
	if !g.DependsOn(csi.URN, role.URN) || csi.String("serviceAccountRoleArn") == "" {
		t.Error("the EBS CSI add-on must run with its own IRSA role")
	}
}

func TestManagedClusterIRSA(t *testing.T) {
	t.Parallel()
	g := managedCluster(t, "Default").g
	role := named(t, g, "aws:iam/role:Role", "eks-ebs-csi")
	var doc struct {
		Statement []struct {
			Action    string
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(role.String("assumeRolePolicy")), &doc); err != nil {
		t.Fatal(err)
	}
	st := doc.Statement[0]
	if st.Action != "sts:AssumeRoleWithWebIdentity" || !strings.Contains(st.Principal["Federated"], ":oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/") {
		t.Errorf("trust: %+v", st)
	}
	var sub string
	for k, v := range st.Condition["StringEquals"] {
		if strings.HasSuffix(k, ":sub") {
			sub = v
			if strings.HasPrefix(k, "https://") {
				t.Errorf("condition key %q must be the issuer host, without https://", k)
			}
		}
	}
	if sub != "system:serviceaccount:kube-system:ebs-csi-controller-sa" {
		t.Errorf("trust is for %q", sub)
	}
	if len(g.OfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")) != 1 {
		t.Error("want one OIDC provider")
	}
}

func TestManagedClusterNodePools(t *testing.T) {
	t.Parallel()
	g := managedCluster(t, "Default").g
	type pool struct {
		Labels   any
		Taints   any
		Capacity string
		Subnets  any
		Min, Max any
	}
	got := map[string]pool{}
	for _, ng := range g.OfType("aws:eks/nodeGroup:NodeGroup") {
		got[ng.Name] = pool{Labels: input(ng, "labels"), Taints: input(ng, "taints"), Capacity: ng.String("capacityType"),
			Subnets: input(ng, "subnetIds"), Min: input(ng, "scalingConfig.minSize"), Max: input(ng, "scalingConfig.maxSize")}
		if !slices.Contains(ng.IgnoreChanges, "scalingConfig.desiredSize") {
			t.Errorf("%s: desired size must be left to the autoscaler", ng.Name)
		}
	}
	sub := []any{"subnet-a", "subnet-b", "subnet-c"}
	taint := func(p string) any {
		return []any{map[string]any{"key": "kost.io/pool", "value": p, "effect": "NO_SCHEDULE"}}
	}
	want := map[string]pool{
		"eks-system": {Labels: map[string]any{"kost.io/pool": "system"}, Capacity: "ON_DEMAND", Subnets: sub, Min: 2.0, Max: 2.0},
		"eks-tikv":   {Labels: map[string]any{"kost.io/pool": "tikv"}, Taints: taint("tikv"), Capacity: "ON_DEMAND", Subnets: sub, Min: 3.0, Max: 3.0},
		"eks-spark":  {Labels: map[string]any{"kost.io/pool": "spark"}, Taints: taint("spark"), Capacity: "SPOT", Subnets: sub, Min: 0.0, Max: 5.0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("node groups (-want +got):\n%s", d)
	}
	lt := named(t, g, "aws:ec2/launchTemplate:LaunchTemplate", "eks-tikv")
	if e := lt.Map("blockDeviceMappings.0.ebs"); e["encrypted"] != "true" || e["volumeSize"] != 80.0 || e["volumeType"] != "gp3" {
		t.Errorf("tikv root volume: %v", e)
	}
	if lt.String("metadataOptions.httpTokens") != "required" {
		t.Error("IMDSv2 must be required")
	}
}

func TestManagedClusterNodeRole(t *testing.T) {
	t.Parallel()
	g := managedCluster(t, "Default").g
	role := named(t, g, "aws:iam/role:Role", "eks-node")
	var policies []string
	for _, a := range g.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if g.DependsOn(a.URN, role.URN) {
			policies = append(policies, a.String("policyArn"))
		}
	}
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"} {
		if !slices.ContainsFunc(policies, func(s string) bool { return strings.HasSuffix(s, "/"+p) }) {
			t.Errorf("node role lacks %s (has %v)", p, policies)
		}
	}
}

func TestManagedClusterAccessEntries(t *testing.T) {
	t.Parallel()
	g := managedCluster(t, "Default").g
	es := g.OfType("aws:eks/accessEntry:AccessEntry")
	as := g.OfType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
	if len(es) != 1 || len(as) != 1 {
		t.Fatalf("%d entries, %d associations; want 1 each", len(es), len(as))
	}
	if es[0].String("principalArn") != "arn:aws:iam::123456789012:role/platform-admins" ||
		!strings.HasSuffix(as[0].String("policyArn"), "/AmazonEKSClusterAdminPolicy") || as[0].String("accessScope.type") != "cluster" {
		t.Errorf("entry %v, association %v", es[0].Inputs, as[0].Inputs)
	}
}

func TestManagedClusterKubeconfig(t *testing.T) {
	t.Parallel()
	ps := managedCluster(t, "Default").g.OfType("pulumi:providers:kubernetes")
	if len(ps) != 1 {
		t.Fatalf("%d kubernetes providers", len(ps))
	}
	if !ps[0].IsSecret("kubeconfig") {
		t.Error("the kubeconfig must be a secret")
	}
	var kc struct {
		Clusters []struct {
			Cluster map[string]string
		}
		Users []struct {
			User struct {
				Exec struct {
					Command string
					Args    []string
					Env     []map[string]string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(ps[0].String("kubeconfig")), &kc); err != nil {
		t.Fatal(err)
	}
	ex := kc.Users[0].User.Exec
	wantArgs := []string{"eks", "get-token", "--cluster-name", "kost-x-eu-west-1", "--region", "eu-west-1", "--output", "json"}
	if ex.Command != "aws" || !slices.Equal(ex.Args, wantArgs) || ex.Env[0]["value"] != "kost-prod" {
		t.Errorf("exec: %+v", ex)
	}
	if !strings.HasPrefix(kc.Clusters[0].Cluster["server"], "https://") || kc.Clusters[0].Cluster["certificate-authority-data"] == "" {
		t.Errorf("cluster: %v", kc.Clusters[0].Cluster)
	}
}

func TestKubeconfigWithRole(t *testing.T) {
	t.Parallel()
	kc := kaws.Kubeconfig(*kubeconfigArgs(func(a *kaws.KubeconfigArgs) {
		a.Region, a.RoleARN = "us-east-1", "arn:aws:iam::123456789012:role/deployer"
	}))
	if !strings.Contains(kc, `"--role-arn","arn:aws:iam::123456789012:role/deployer"`) {
		t.Errorf("role not passed to get-token: %s", kc)
	}
	if strings.Contains(kc, "AWS_PROFILE") {
		t.Errorf("no profile was given: %s", kc)
	}
}
