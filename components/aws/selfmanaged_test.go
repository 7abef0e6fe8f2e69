package aws_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	kaws "github.com/kost-platform/kost/components/aws"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
	"github.com/kost-platform/kost/offline"
)

const smName = "kost-x-eu-west-1"

// selfManagedArgs are the test stack's self-managed cluster args, changed by mutate (when not nil).
func selfManagedArgs(mutate func(a *kaws.SelfManagedClusterArgs)) *kaws.SelfManagedClusterArgs {
	a := &kaws.SelfManagedClusterArgs{
		ClusterSpec: kubeadm.ClusterSpec{
			ClusterName:       smName,
			Region:            "eu-west-1",
			Zones:             zones,
			KubernetesVersion: "1.33.5",
			ContainerdVersion: "1.7.28-1~ubuntu.24.04~noble",
			RegionBlock:       "10.30.0.0/16",
			NodePools:         pools(4),
			Addons: kubeadm.AddonPins{
				Autoscaler:                autoscalerPins(),
				CNI:                       kubeadm.ChartRef{Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.18.14"},
				MetricsServer:             kubeadm.ChartRef{Name: "metrics-server", Repo: "https://kubernetes-sigs.github.io/metrics-server/", Version: "3.13.0"},
				CloudControllerManager:    kubeadm.ChartRef{Name: "aws-cloud-controller-manager", Repo: "https://kubernetes.github.io/cloud-provider-aws", Version: "0.0.10"},
				CloudControllerManagerTag: "v1.33.3",
				CSIDriver:                 kubeadm.ChartRef{Name: "aws-ebs-csi-driver", Repo: "https://kubernetes-sigs.github.io/aws-ebs-csi-driver", Version: "2.53.0"},
			},
			Protect: true,
		},
		VpcID:            pulumi.String("vpc-0123456789abcdef0"),
		PrivateSubnetIDs: subnets(),
		Tags:             map[string]string{"environment": "x", "managed-by": "kost"},
	}
	if mutate != nil {
		mutate(a)
	}
	return a
}

// smOutputs is what the component's outputs resolved to.
type smOutputs struct {
	mu                               sync.Mutex
	first, join, kubeconfig, cluster string
	endpoint                         string
	workers                          map[string]string
	kubeconfigSecret                 bool
	c                                cluster.Cluster
	readyURNs                        []string
	providerURN                      string
}

func runSelfManaged(t *testing.T, mutate func(a *kaws.SelfManagedClusterArgs)) (*graph.Graph, *smOutputs) {
	t.Helper()
	out := &smOutputs{workers: map[string]string{}}
	g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
		sm, err := kaws.NewSelfManagedCluster(ctx, "smc", selfManagedArgs(mutate), opts...)
		if err != nil {
			return err
		}
		n := 0
		capture := func(o pulumi.StringOutput, set func(string)) {
			// Exported, so the run waits for the capture (an apply nothing consumes may still be
			// pending when the program returns).
			n++
			ctx.Export(fmt.Sprintf("capture-%d", n), o.ApplyT(func(s string) string {
				out.mu.Lock()
				defer out.mu.Unlock()
				set(s)
				return s
			}))
		}
		capture(sm.Bootstrap.FirstControlPlane, func(s string) { out.first = s })
		capture(sm.Bootstrap.JoinControlPlane, func(s string) { out.join = s })
		capture(sm.Bootstrap.AdminKubeconfig, func(s string) { out.kubeconfig = s })
		capture(sm.Cluster.Kubeconfig, func(s string) { out.cluster = s })
		capture(sm.Cluster.Endpoint, func(s string) { out.endpoint = s })
		for pool, w := range sm.Bootstrap.Workers {
			capture(w, func(s string) { out.workers[pool] = s })
		}
		for _, r := range sm.Cluster.Ready {
			capture(r.URN().ToStringOutput(), func(s string) { out.readyURNs = append(out.readyURNs, s) })
		}
		capture(sm.Cluster.Provider.URN().ToStringOutput(), func(s string) { out.providerURN = s })
		secret := pulumi.IsSecret(sm.Cluster.Kubeconfig)
		out.mu.Lock()
		out.kubeconfigSecret = secret
		out.c = sm.Cluster
		out.mu.Unlock()
		return nil
	})
	if slices.Contains([]string{out.first, out.join, out.kubeconfig, out.cluster, out.endpoint, out.providerURN}, "") || len(out.workers) != 3 {
		t.Fatal("the component's outputs did not resolve")
	}
	return g, out
}

// userData decodes base64 of gzip, as EC2 and cloud-init read it, and returns the gzip size too.
func userData(t *testing.T, b64 string) (string, int) {
	t.Helper()
	gz, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(text), len(gz)
}

const (
	tInstance   = "aws:ec2/instance:Instance"
	tTemplate   = "aws:ec2/launchTemplate:LaunchTemplate"
	tGroup      = "aws:autoscaling/group:Group"
	tRule       = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tLB         = "aws:lb/loadBalancer:LoadBalancer"
	tTargetGrp  = "aws:lb/targetGroup:TargetGroup"
	tListener   = "aws:lb/listener:Listener"
	tAttachment = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
)

var cpNames = []string{"smc-cp-1", "smc-cp-2", "smc-cp-3"}

// smScenarios are the self-managed configurations the TestSelfManagedCluster* tests run:
// selfManagedArgs changed by the scenario's mutate.
var smScenarios = map[string]func(a *kaws.SelfManagedClusterArgs){
	// The test stack's cluster: three zones, three pools, protected.
	"Default": nil,
}

// smFixture is one run of a self-managed scenario.
type smFixture struct {
	g       *graph.Graph
	out     *smOutputs
	nlb     *graph.Resource // the API server's load balancer
	dnsName string          // the load balancer's DNS name
}

var smFixtures fixtures.Cache[smFixture]

// selfManaged runs the named scenario's cluster under the mocks (once per scenario).
func selfManaged(t *testing.T, scenario string) *smFixture {
	t.Helper()
	mutate, ok := smScenarios[scenario]
	if !ok {
		t.Fatalf("no self-managed scenario %s", scenario)
	}
	return smFixtures.Get(t, scenario, func(t *testing.T) *smFixture {
		t.Helper()
		g, out := runSelfManaged(t, mutate)
		nlb := named(t, g, tLB, "smc-api")
		return &smFixture{g: g, out: out, nlb: nlb, dnsName: nlb.Outputs["dnsName"].StringValue()}
	})
}

func TestSelfManagedClusterLoadBalancer(t *testing.T) {
	t.Parallel()
	f := selfManaged(t, "Default")
	g, nlb := f.g, f.nlb
	type cp struct{ Subnet, Type string }
	var got []cp
	ids := map[string]bool{}
	for _, n := range cpNames {
		i := named(t, g, tInstance, n)
		got = append(got, cp{i.String("subnetId"), i.String("instanceType")})
		ids[i.ID] = true
	}
	want := []cp{{"subnet-a", "m7i.large"}, {"subnet-b", "m7i.large"}, {"subnet-c", "m7i.large"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("control planes, one per zone's subnet (-want +got):\n%s", d)
	}
	lbWant := map[string]any{"internal": true, "loadBalancerType": "network", "subnets": []any{"subnet-a", "subnet-b", "subnet-c"}}
	lbGot := map[string]any{}
	for k := range lbWant {
		lbGot[k] = input(nlb, k)
	}
	if d := cmp.Diff(lbWant, lbGot); d != "" {
		t.Errorf("load balancer (-want +got):\n%s", d)
	}
	tg := named(t, g, tTargetGrp, "smc-api")
	tgGot := map[string]any{}
	for _, k := range []string{"port", "protocol", "preserveClientIp", "healthCheck.protocol", "healthCheck.port"} {
		tgGot[k] = input(tg, k)
	}
	tgWant := map[string]any{"port": 6443.0, "protocol": "TCP", "preserveClientIp": "false", "healthCheck.protocol": "TCP", "healthCheck.port": "6443"}
	if d := cmp.Diff(tgWant, tgGot); d != "" {
		t.Errorf("target group (-want +got):\n%s", d)
	}
	ln := named(t, g, tListener, "smc-api")
	a0 := ln.Map("defaultActions.0")
	tgARN := tg.Outputs["arn"]
	if ln.String("protocol") != "TCP" || a0["type"] != "forward" || a0["targetGroupArn"] != tgARN.StringValue() {
		t.Errorf("listener: %v", ln.Inputs)
	}
	if p, _ := ln.Number("port"); p != 6443 {
		t.Errorf("listener port %v", p)
	}
	targets := map[string]bool{}
	for _, a := range g.OfType(tAttachment) {
		targets[a.String("targetId")] = true
		if p, _ := a.Number("port"); p != 6443 {
			t.Errorf("%s port %v", a.Name, p)
		}
	}
	if d := cmp.Diff(ids, targets); d != "" {
		t.Errorf("targets are the three control planes (-want +got):\n%s", d)
	}
}

// The control planes join one after the other, and the pools wait for the first one to be ready.
func TestSelfManagedClusterJoinOrder(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Default").g
	urn := func(n string) string { return named(t, g, tInstance, n).URN }
	for _, c := range []struct{ a, b string }{{"smc-cp-2", "smc-cp-1"}, {"smc-cp-3", "smc-cp-2"}} {
		if !g.DependsOn(urn(c.a), urn(c.b)) {
			t.Errorf("%s must wait for %s", c.a, c.b)
		}
	}
	if g.DependsOn(urn("smc-cp-1"), urn("smc-cp-2")) {
		t.Error("the first control plane must not wait for a joining one")
	}
	gate := named(t, g, "command:local:Command", "smc-cp-1-ready").URN
	for _, grp := range g.OfType(tGroup) {
		if !g.DependsOn(grp.URN, gate) {
			t.Errorf("%s must wait for the first control plane's readiness gate", grp.Name)
		}
	}
}

// A control plane is never replaced for new user data, nor destroyed in a protected environment.
func TestSelfManagedClusterProtection(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Default").g
	for _, n := range cpNames {
		i := named(t, g, tInstance, n)
		for _, f := range []string{"userData", "userDataBase64"} {
			if !slices.Contains(i.IgnoreChanges, f) {
				t.Errorf("%s must ignore changes to %s", n, f)
			}
		}
		if !i.Protect {
			t.Errorf("%s of a protected environment must be protected", n)
		}
	}
}

func TestSelfManagedClusterUserData(t *testing.T) {
	t.Parallel()
	f := selfManaged(t, "Default")
	g, out := f.g, f.out
	want := map[string]string{"smc-cp-1": out.first, "smc-cp-2": out.join, "smc-cp-3": out.join}
	for n, w := range want {
		i := named(t, g, tInstance, n)
		if !i.IsSecret("userDataBase64") {
			t.Errorf("%s: user data must be secret", n)
		}
		got, size := userData(t, i.String("userDataBase64"))
		if got != w {
			t.Errorf("%s: user data is not the bootstrap's for its role", n)
		}
		if size > 16*1024 {
			t.Errorf("%s: %d bytes of user data, over EC2's 16 KB", n, size)
		}
	}
	if out.first == out.join || !strings.Contains(out.first, "kubeadm_run init") || !strings.Contains(out.join, "kubeadm_run join") {
		t.Error("first and joining control planes must get different user data")
	}
	for pool, w := range out.workers {
		lt := named(t, g, tTemplate, "smc-"+pool)
		if !lt.IsSecret("userData") {
			t.Errorf("%s: user data must be secret", pool)
		}
		if got, _ := userData(t, lt.String("userData")); got != w {
			t.Errorf("%s: user data is not the bootstrap's for the pool", pool)
		}
	}
}

func TestSelfManagedClusterFirewall(t *testing.T) {
	t.Parallel()
	rules := selfManaged(t, "Default").g.OfType(tRule)
	if len(rules) == 0 {
		t.Fatal("no security group rules")
	}
	type open struct{ Group, Ports string }
	var fromCIDR []open
	for _, r := range rules {
		if r.String("type") != "ingress" {
			continue
		}
		from, okFrom := r.Number("fromPort")
		to, okTo := r.Number("toPort")
		if !okFrom || !okTo {
			t.Errorf("%s: ports %v-%v, want numbers", r.Name, input(r, "fromPort"), input(r, "toPort"))
		}
		cidrs := r.List("cidrBlocks")
		if slices.Contains(cidrs, "0.0.0.0/0") {
			t.Errorf("%s is open to 0.0.0.0/0", r.Name)
		}
		proto := r.String("protocol")
		if proto == "-1" || proto == "all" || (proto == "tcp" && from <= 22 && to >= 22) {
			t.Errorf("%s opens port 22 (%s %v-%v)", r.Name, proto, from, to)
		}
		if cidrs != nil {
			if !slices.Equal(cidrs, []any{"10.30.0.0/16"}) {
				t.Errorf("%s: sources %v, want only the region block", r.Name, cidrs)
			}
			fromCIDR = append(fromCIDR, open{strings.SplitN(strings.TrimPrefix(r.Name, "smc-"), "-", 2)[0], proto + "/" + fmtPorts(from, to)})
		} else if r.String("sourceSecurityGroupId") == "" {
			t.Errorf("%s has neither a CIDR nor a source group", r.Name)
		}
	}
	want := []open{{"api", "tcp/6443"}, {"cp", "tcp/6443"}, {"cp", "tcp/2379-2380"}, {"cp", "tcp/10250"}, {"worker", "tcp/10250"}}
	less := func(a, b open) bool { return a.Group+a.Ports < b.Group+b.Ports }
	if d := cmp.Diff(want, fromCIDR, cmpSort(less)); d != "" {
		t.Errorf("ports open to the region block (-want +got):\n%s", d)
	}
}

func TestSelfManagedClusterDisksAndMetadata(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Default").g
	for _, n := range cpNames {
		i := named(t, g, tInstance, n)
		got := map[string]any{}
		for _, k := range []string{"rootBlockDevice.encrypted", "rootBlockDevice.volumeType", "metadataOptions.httpTokens", "metadataOptions.httpPutResponseHopLimit", "metadataOptions.httpEndpoint"} {
			got[k] = input(i, k)
		}
		want := map[string]any{"rootBlockDevice.encrypted": true, "rootBlockDevice.volumeType": "gp3",
			"metadataOptions.httpTokens": "required", "metadataOptions.httpPutResponseHopLimit": 1.0, "metadataOptions.httpEndpoint": "enabled"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", n, d)
		}
		if input(i, "keyName") != nil {
			t.Errorf("%s has an SSH key", n)
		}
	}
	for _, pool := range []string{"system", "tikv", "spark"} {
		lt := named(t, g, tTemplate, "smc-"+pool)
		if e := lt.Map("blockDeviceMappings.0.ebs"); e["encrypted"] != "true" || e["volumeType"] != "gp3" {
			t.Errorf("%s root volume: %v", pool, e)
		}
		if lt.String("metadataOptions.httpTokens") != "required" {
			t.Errorf("%s: IMDSv2 must be required", pool)
		}
		// Hop limit 1: no pod on a worker gets the worker role's credentials.
		if v := input(lt, "metadataOptions.httpPutResponseHopLimit"); v != 1.0 {
			t.Errorf("%s: metadata hop limit %v, want 1", pool, v)
		}
		if lt.String("imageId") != kaws.DefaultUbuntuImage {
			t.Errorf("%s image %q", pool, lt.String("imageId"))
		}
		if input(lt, "keyName") != nil {
			t.Errorf("%s has an SSH key", pool)
		}
	}
	if lt := named(t, g, tTemplate, "smc-control-plane"); lt.String("imageId") != kaws.DefaultUbuntuImage {
		t.Errorf("control-plane image %q", lt.String("imageId"))
	}
}

func TestSelfManagedClusterWorkers(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Default").g
	type grp struct {
		Min, Max, Desired any
		Subnets           any
		Spot              bool
		InstanceType      string
		Disk              any
	}
	got := map[string]grp{}
	for _, r := range g.OfType(tGroup) {
		_, mixed := r.Input("mixedInstancesPolicy")
		spot := mixed && r.String("mixedInstancesPolicy.instancesDistribution.spotAllocationStrategy") != ""
		if od := input(r, "mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity"); mixed && od != 0.0 {
			t.Errorf("%s: %v%% on demand", r.Name, od)
		}
		lt := named(t, g, tTemplate, r.Name)
		got[r.Name] = grp{input(r, "minSize"), input(r, "maxSize"), input(r, "desiredCapacity"), input(r, "vpcZoneIdentifiers"),
			spot, lt.String("instanceType"), input(lt, "blockDeviceMappings.0.ebs.volumeSize")}
		if !slices.Contains(r.IgnoreChanges, "desiredCapacity") {
			t.Errorf("%s: the desired capacity must be left to the autoscaler", r.Name)
		}
	}
	sub := []any{"subnet-a", "subnet-b", "subnet-c"}
	want := map[string]grp{
		"smc-system": {2.0, 4.0, 2.0, sub, false, "m7i.large", 50.0},
		"smc-tikv":   {3.0, 3.0, 3.0, sub, false, "r7i.2xlarge", 80.0},
		"smc-spark":  {0.0, 5.0, 1.0, sub, true, "m7i.xlarge", 50.0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("worker groups (-want +got):\n%s", d)
	}
}

// The cluster.Cluster the component hands to the platform, and its kubernetes provider.
func TestSelfManagedClusterContract(t *testing.T) {
	t.Parallel()
	f := selfManaged(t, "Default")
	g, out, dnsName := f.g, f.out, f.dnsName
	c := out.c
	type contract struct {
		Name, Region, Endpoint string
		Cloud                  cluster.Cloud
		Zones                  []string
		Dedicated, Secret      bool
		Storage                cluster.StorageProfile
		ILB                    map[string]string
	}
	got := contract{c.Name, c.Region, out.endpoint, c.Cloud, c.Zones, c.DedicatedPools, out.kubeconfigSecret, c.Storage, c.InternalLoadBalancer}
	want := contract{smName, "eu-west-1", "https://" + dnsName + ":6443", cluster.AWS, zones, true, true,
		cluster.StorageProfile{
			Provisioner: "ebs.csi.aws.com",
			DB:          map[string]string{"type": "gp3", "iops": "6000", "throughput": "250", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
			Standard:    map[string]string{"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
		},
		map[string]string{
			"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
			"service.beta.kubernetes.io/aws-load-balancer-scheme":   "internal",
			"service.beta.kubernetes.io/aws-load-balancer-type":     "nlb",
		}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("cluster (-want +got):\n%s", d)
	}
	if out.cluster != out.kubeconfig || !strings.Contains(out.kubeconfig, dnsName+":6443") {
		t.Error("the kubeconfig must be the bootstrap's admin kubeconfig for the load balancer")
	}
	comp := named(t, g, "kost:aws:SelfManagedCluster", "smc")
	p := named(t, g, "pulumi:providers:kubernetes", "smc-k8s")
	if p.URN != out.providerURN || p.Parent != comp.URN || !p.IsSecret("kubeconfig") {
		t.Errorf("kubernetes provider %s: parent %s, secret %v", p.URN, p.Parent, p.IsSecret("kubeconfig"))
	}
	if input(p, "enableServerSideApply") != true {
		t.Error("server-side apply must be on")
	}
}

// Cluster.Ready is every custom resource and remote component the cluster is ready after.
func TestSelfManagedClusterReady(t *testing.T) {
	t.Parallel()
	f := selfManaged(t, "Default")
	g := f.g
	var want []string
	for _, n := range cpNames {
		want = append(want, named(t, g, tInstance, n).URN, named(t, g, tAttachment, n).URN,
			named(t, g, "command:local:Command", n+"-ready").URN)
	}
	for _, n := range []string{"smc-system", "smc-tikv", "smc-spark"} {
		want = append(want, named(t, g, tGroup, n).URN, named(t, g, "command:local:Command", n+"-ready").URN)
	}
	for _, n := range []string{"cni", "ccm", "csi", "metrics-server", "autoscaler"} {
		want = append(want, named(t, g, "kubernetes:helm.sh/v4:Chart", "smc-addons-"+n).URN)
	}
	for _, u := range f.out.readyURNs {
		if r, ok := g.Get(u); !ok || (!r.Custom && !r.Remote) {
			t.Errorf("Ready holds %s, neither a custom resource nor a remote component", u)
		}
	}
	if d := cmp.Diff(want, f.out.readyURNs, cmpSort(func(a, b string) bool { return a < b })); d != "" {
		t.Errorf("Ready (-want +got):\n%s", d)
	}
}

func TestSelfManagedClusterProviders(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Default").g
	comp := named(t, g, "kost:aws:SelfManagedCluster", "smc")
	// The kubeadm bootstrap brings its own tls and random providers.
	providers := map[string]string{"aws": "eu", "tls": "smc-kubeadm-tls", "command": "smc-addons-command"}
	// The readiness gates of the control planes and pools have their own command provider.
	gates := "smc-gates"
	for _, r := range g.Under(comp.URN, "") {
		if !r.Custom || r.IsProvider() {
			continue
		}
		pkg, _, _ := strings.Cut(r.Type, ":")
		want, ok := providers[pkg]
		if !ok {
			t.Errorf("%s %s: unexpected package", r.Type, r.Name)
			continue
		}
		if r.Type == "command:local:Command" && strings.HasSuffix(r.Name, "-ready") && r.Name != "smc-addons-api-ready" {
			want = gates
		}
		p, ok := g.Get(r.Provider)
		if !ok || p.Name != want {
			t.Errorf("%s %s uses provider %q, want %s", r.Type, r.Name, r.Provider, want)
		}
	}
	boot := named(t, g, "kost:kubeadm:Bootstrap", "smc-kubeadm")
	if boot.Parent != comp.URN {
		t.Error("the bootstrap must be a child of the component")
	}
	for _, n := range []string{"smc-kubeadm-tls"} {
		found := false
		for _, p := range g.Resources {
			if p.Name == n && p.IsProvider() {
				found = true
				if p.Parent != boot.URN {
					t.Errorf("%s must be a child of the bootstrap", n)
				}
			}
		}
		if !found {
			t.Errorf("no provider %s", n)
		}
	}
}

// The roles of the control planes and the workers: managed policies and the cloud controller's own.
func TestSelfManagedClusterIdentities(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Default").g
	attached := map[string][]string{}
	for _, a := range g.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		role := strings.SplitN(strings.TrimPrefix(a.Name, "smc-"), "-", 2)[0]
		arn := a.String("policyArn")
		attached[role] = append(attached[role], arn[strings.LastIndex(arn, "/")+1:])
	}
	for k := range attached {
		slices.Sort(attached[k])
	}
	want := map[string][]string{
		// The EBS CSI controller runs on the control planes: workers may not touch volumes.
		"control": {"AmazonEBSCSIDriverPolicy", "AmazonSSMManagedInstanceCore"},
		"worker":  {"AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"},
	}
	if d := cmp.Diff(want, attached); d != "" {
		t.Errorf("managed policies (-want +got):\n%s", d)
	}
	var doc struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal([]byte(named(t, g, "aws:iam/rolePolicy:RolePolicy", "smc-control-plane-ccm").String("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	for _, act := range []string{"ec2:DescribeInstances", "elasticloadbalancing:CreateTargetGroup", "ec2:AuthorizeSecurityGroupIngress"} {
		if !slices.Contains(doc.Statement[0].Action, act) {
			t.Errorf("control-plane policy lacks %s", act)
		}
	}
}

// The cloud controller finds the cluster's instances and security groups by the cluster tag.
func TestSelfManagedClusterOwnershipTags(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Default").g
	tag := "kubernetes.io/cluster/" + smName
	for _, n := range cpNames {
		if named(t, g, tInstance, n).Map("tags")[tag] != "owned" {
			t.Errorf("%s lacks %s=owned", n, tag)
		}
	}
	for _, sg := range []string{"smc-control-plane", "smc-worker"} {
		if named(t, g, "aws:ec2/securityGroup:SecurityGroup", sg).Map("tags")[tag] != "owned" {
			t.Errorf("%s lacks %s=owned", sg, tag)
		}
	}
	specs := named(t, g, tTemplate, "smc-system").List("tagSpecifications")
	if len(specs) == 0 {
		t.Error("smc-system has no tag specifications")
	}
	for _, s := range specs {
		if s.(map[string]any)["tags"].(map[string]any)[tag] != "owned" {
			t.Errorf("worker %v lacks %s=owned", s.(map[string]any)["resourceType"], tag)
		}
	}
}

func fmtPorts(from, to float64) string {
	f, t := int(from), int(to)
	if f == t {
		return fmt.Sprint(f)
	}
	return fmt.Sprintf("%d-%d", f, t)
}

func cmpSort[T any](less func(a, b T) bool) cmp.Option {
	return cmp.Transformer("sort", func(in []T) []T {
		out := slices.Clone(in)
		slices.SortFunc(out, func(a, b T) int {
			switch {
			case less(a, b):
				return -1
			case less(b, a):
				return 1
			}
			return 0
		})
		return out
	})
}

func TestSelfManagedClusterRejectsBadArgs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		mutate func(a *kaws.SelfManagedClusterArgs)
		want   []string
	}{
		"TwoZones": {reason: "three control planes need three zones",
			mutate: func(a *kaws.SelfManagedClusterArgs) { a.Zones = zones[:2] }, want: []string{"Zones"}},
		"OpenToTheWorld": {reason: "the region block is the only source, never everything",
			mutate: func(a *kaws.SelfManagedClusterArgs) { a.RegionBlock = "0.0.0.0/0" }, want: []string{"RegionBlock"}},
		"NoSystemPool": {reason: "coredns needs a system pool",
			mutate: func(a *kaws.SelfManagedClusterArgs) { a.NodePools = a.NodePools[1:] }, want: []string{"NodePools"}},
		"Everything": {reason: "every problem is reported at once, the bootstrap's too",
			mutate: func(a *kaws.SelfManagedClusterArgs) {
				a.KubernetesVersion = "1.33"
				a.ContainerdVersion = ""
				a.Region = ""
				a.VpcID = nil
				a.PrivateSubnetIDs = nil
				a.RegionBlock = "10.30.0.1/16"
				a.ImageID = "ubuntu"
				a.NodePools[1].Max = 0
				a.NodePools[2].InstanceType = ""
			},
			want: []string{"ContainerdVersion", "ImageID", "KubernetesVersion", "NodePools[1].Desired", "NodePools[2].InstanceType", "PrivateSubnetIDs", "Region", "RegionBlock", "VpcID"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
				_, err := kaws.NewSelfManagedCluster(ctx, "smc", selfManagedArgs(tc.mutate))
				return err
			})
			var ae *cluster.ArgsError
			if !errors.As(err, &ae) {
				t.Fatalf("%s: error %v, want a *cluster.ArgsError", tc.reason, err)
			}
			got := ae.Fields()
			slices.Sort(got)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
			if len(g.Resources) != 0 {
				t.Errorf("%d resources registered before the args were checked", len(g.Resources))
			}
		})
	}
}
