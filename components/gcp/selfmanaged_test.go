package gcp_test

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-command/sdk/go/command/local"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/components/manifest"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
)

const smName = "sm"

func smArgs(t *testing.T, network, subnetwork pulumi.StringInput) *kgcp.SelfManagedClusterArgs {
	return &kgcp.SelfManagedClusterArgs{
		ClusterSpec: kubeadm.ClusterSpec{
			ClusterName:       clusterName,
			Region:            region,
			Zones:             zones,
			KubernetesVersion: "1.33.5",
			ContainerdVersion: "1.7.28-1~ubuntu.24.04~noble",
			RegionBlock:       layout(t).Block.String(),
			NodePools:         smPools(),
			Addons:            testPins(),
		},
		Project:    project,
		Network:    network,
		Subnetwork: subnetwork,
		Labels:     map[string]string{"environment": "dev"},
	}
}

func testPins() kubeadm.AddonPins {
	return kubeadm.AddonPins{
		Autoscaler:                autoscaler.Pins{Chart: autoscaler.ChartRef{Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0"}, Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1"},
		CNI:                       kubeadm.ChartRef{Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.18.14"},
		MetricsServer:             kubeadm.ChartRef{Name: "metrics-server", Repo: "https://kubernetes-sigs.github.io/metrics-server/", Version: "3.13.0"},
		CloudControllerManagerTag: "v33.1.1",
		Images: map[string]string{
			kgcp.ImagePDCSIDriver: "registry.k8s.io/cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver:v1.17.3",
			kgcp.ImageProvisioner: "registry.k8s.io/sig-storage/csi-provisioner:v5.2.0",
			kgcp.ImageAttacher:    "registry.k8s.io/sig-storage/csi-attacher:v4.8.1",
			kgcp.ImageResizer:     "registry.k8s.io/sig-storage/csi-resizer:v1.13.2",
			kgcp.ImageRegistrar:   "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0",
		},
	}
}

// smResolved is what the component's outputs resolved to.
type smResolved struct {
	mu                         sync.Mutex
	first, join, kubeconfig    string
	endpoint, address, cpFirst string
	workers                    map[string]string
	secret                     map[string]bool
	pending                    []any
}

func (r *smResolved) capture(name string, o pulumi.StringOutput, set func(string)) {
	// Kept, and exported by the program, so the run waits for the capture.
	applied := o.ApplyT(func(s string) string {
		r.mu.Lock()
		defer r.mu.Unlock()
		set(s)
		return s
	})
	r.mu.Lock()
	r.pending = append(r.pending, applied)
	r.mu.Unlock()
	r.mu.Lock()
	r.secret[name] = pulumi.IsSecret(o)
	r.mu.Unlock()
}

func runSelfManaged(t *testing.T, mutate func(a *kgcp.SelfManagedClusterArgs)) (*graph.Graph, *kgcp.SelfManagedCluster, *smResolved) {
	t.Helper()
	var sm *kgcp.SelfManagedCluster
	res := &smResolved{workers: map[string]string{}, secret: map[string]bool{}}
	g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
		n, err := newTestNetwork(ctx, t, "net", opts...)
		if err != nil {
			return err
		}
		a := smArgs(t, n.NetworkID, n.SubnetworkID)
		if mutate != nil {
			mutate(a)
		}
		sm, err = kgcp.NewSelfManagedCluster(ctx, smName, a, opts...)
		if err != nil {
			return err
		}
		b := sm.Bootstrap
		res.capture("first", b.FirstControlPlane, func(s string) { res.first = s })
		res.capture("join", b.JoinControlPlane, func(s string) { res.join = s })
		res.capture("kubeconfig", sm.Cluster.Kubeconfig, func(s string) { res.kubeconfig = s })
		res.capture("endpoint", sm.Cluster.Endpoint, func(s string) { res.endpoint = s })
		res.capture("address", sm.Address.Address, func(s string) { res.address = s })
		res.capture("cpFirst", sm.ControlPlanes[0].NetworkInterfaces.Index(pulumi.Int(0)).NetworkIp().Elem(), func(s string) { res.cpFirst = s })
		for pool, w := range b.Workers {
			res.capture("workers["+pool+"]", w, func(s string) { res.workers[pool] = s })
		}
		ctx.Export("captures", pulumi.All(res.pending...))
		return nil
	})
	if res.first == "" || res.join == "" || res.address == "" || res.cpFirst == "" || len(res.workers) != len(pools()) {
		t.Fatal("the cluster's outputs did not resolve")
	}
	return g, sm, res
}

// smScenario is one self-managed configuration the TestSelfManagedCluster* tests check.
type smScenario struct {
	name, reason  string
	mutate        func(a *kgcp.SelfManagedClusterArgs)
	image, cpType string
	protect       bool
}

var smScenarios = []smScenario{
	{name: "Defaults", reason: "dev: Ubuntu 24.04 LTS, e2-standard-4, destroyable", image: kgcp.DefaultSelfManagedImage, cpType: "e2-standard-4"},
	{
		name:   "Prod",
		reason: "prod: pinned image, bigger control planes, protected",
		mutate: func(a *kgcp.SelfManagedClusterArgs) {
			a.Image, a.ControlPlaneInstanceType, a.Protect = "projects/acme/global/images/ubuntu-2404-golden", "n2-standard-8", true
		},
		image: "projects/acme/global/images/ubuntu-2404-golden", cpType: "n2-standard-8", protect: true,
	},
}

// smFixture is one run of a self-managed scenario.
type smFixture struct {
	g   *graph.Graph
	sm  *kgcp.SelfManagedCluster
	res *smResolved
	cps []*graph.Resource // the control planes, in join order
}

var smFixtures fixtures.Cache[smFixture]

// selfManaged runs the named scenario's cluster under the mocks (once per scenario).
func selfManaged(t *testing.T, scenario string) *smFixture {
	t.Helper()
	i := slices.IndexFunc(smScenarios, func(sc smScenario) bool { return sc.name == scenario })
	if i < 0 {
		t.Fatalf("no self-managed scenario %s", scenario)
	}
	return smFixtures.Get(t, scenario, func(t *testing.T) *smFixture {
		t.Helper()
		g, sm, res := runSelfManaged(t, smScenarios[i].mutate)
		cps := make([]*graph.Resource, 3)
		for i := range cps {
			cps[i] = must(t, g, "gcp:compute/instance:Instance", smName+"-cp-"+string(rune('0'+i)))
		}
		return &smFixture{g: g, sm: sm, res: res, cps: cps}
	})
}

// eachSelfManaged runs check in a parallel subtest per scenario, on the scenario's fixture.
func eachSelfManaged(t *testing.T, check func(t *testing.T, sc smScenario, f *smFixture)) {
	t.Helper()
	for _, sc := range smScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			check(t, sc, selfManaged(t, sc.name))
		})
	}
}

// smSubnetwork is the subnetwork the cluster's VMs and load balancer use.
const smSubnetwork = "projects/acme-kost-dev/regions/europe-west1/subnetworks/" + clusterName

func TestSelfManagedClusterControlPlanes(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, tc smScenario, f *smFixture) {
		var got []any
		for _, cp := range f.cps {
			got = append(got, map[string]any{
				"zone": cp.String("zone"), "machineType": cp.String("machineType"),
				"image": cp.String("bootDisk.initializeParams.image"), "diskType": cp.String("bootDisk.initializeParams.type"),
				"nics":              input(cp, "networkInterfaces"),
				"shielded":          input(cp, "shieldedInstanceConfig"),
				"ssh":               cp.String("metadata.block-project-ssh-keys"),
				"legacy":            cp.String("metadata.disable-legacy-endpoints"),
				"serviceAccount":    cp.String("serviceAccount.email"),
				"protect":           cp.Protect,
				"deleteProtection":  input(cp, "deletionProtection"),
				"ignoreUserData":    slices.Contains(cp.IgnoreChanges, `metadata["user-data"]`),
				"userDataHasKey":    strings.Contains(cp.String("metadata.user-data"), "PRIVATE KEY"),
				"tags":              input(cp, "tags"),
				"canIpForward":      input(cp, "canIpForward"),
				"hasExternalAccess": strings.Contains(cp.String("networkInterfaces"), "accessConfigs"),
			})
		}
		var want []any
		for _, z := range zones {
			want = append(want, map[string]any{
				"zone": z, "machineType": tc.cpType, "image": tc.image, "diskType": "pd-balanced",
				"nics":     []any{map[string]any{"subnetwork": smSubnetwork}},
				"shielded": map[string]any{"enableSecureBoot": true, "enableVtpm": true, "enableIntegrityMonitoring": true},
				"ssh":      "true", "legacy": "true",
				"serviceAccount":   clusterName + "-cp@" + project + ".iam.gserviceaccount.com",
				"protect":          tc.protect,
				"deleteProtection": tc.protect,
				"ignoreUserData":   true, "userDataHasKey": false,
				"tags":         []any{clusterName + "-control-plane", clusterName + "-node"},
				"canIpForward": false, "hasExternalAccess": false,
			})
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: control planes (-want +got):\n%s", tc.reason, d)
		}
	})
}

func TestSelfManagedClusterJoinOrder(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		g, cps := f.g, f.cps
		if !g.DependsOn(cps[1].URN, cps[0].URN) || !g.DependsOn(cps[2].URN, cps[1].URN) {
			t.Error("control plane 2 must wait for 1, and 3 for 2")
		}
		if g.DependsOn(cps[0].URN, cps[1].URN) || g.DependsOn(cps[1].URN, cps[2].URN) {
			t.Error("ordering must not be reversed")
		}
	})
}

func TestSelfManagedClusterUserData(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		res := f.res
		if f.cps[0].String("metadata.user-data") != res.first {
			t.Error("control plane 1 must run the bootstrap's FirstControlPlane user data")
		}
		for _, cp := range f.cps[1:] {
			ud := cp.String("metadata.user-data")
			if !strings.Contains(ud, "Content-Type: text/cloud-config") || !strings.Contains(ud, res.join) {
				t.Errorf("%s must run the bootstrap's JoinControlPlane user data", cp.Name)
			}
			if strings.Contains(ud, res.first) {
				t.Errorf("%s runs the first control plane's user data", cp.Name)
			}
			hook := "iptables -t nat -C OUTPUT -p tcp -d " + res.address
			if !strings.Contains(ud, "#cloud-boothook") || !strings.Contains(ud, "-d "+res.address+" --dport 6443 -j DNAT --to-destination "+res.cpFirst+":6443") {
				t.Errorf("%s: no hairpin boothook for %s -> %s (%q)", cp.Name, res.address, res.cpFirst, hook)
			}
		}
		// User data carries references to the secret store, never a key or a token: it need not
		// be secret, and the kubeconfig still is.
		for name, s := range res.secret {
			if name == "kubeconfig" && !s {
				t.Errorf("%s must be a secret", name)
			}
		}
		for _, p := range pools() {
			tmpl := must(t, f.g, "gcp:compute/instanceTemplate:InstanceTemplate", smName+"-"+p.Pool)
			if tmpl.String("metadata.user-data") != res.workers[p.Pool] {
				t.Errorf("pool %s: the template must carry the bootstrap's worker user data", p.Pool)
			}
			if strings.Contains(tmpl.String("metadata.user-data"), "ca.key") {
				t.Errorf("pool %s: worker user data holds a CA key", p.Pool)
			}
		}
	})
}

func TestSelfManagedClusterLoadBalancer(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		g, res := f.g, f.res
		addr := must(t, g, "gcp:compute/address:Address", smName+"-api")
		hc := must(t, g, "gcp:compute/regionHealthCheck:RegionHealthCheck", smName+"-api")
		bs := must(t, g, "gcp:compute/regionBackendService:RegionBackendService", smName+"-api")
		fr := must(t, g, "gcp:compute/forwardingRule:ForwardingRule", smName+"-api")
		var groups []any
		for i, cp := range f.cps {
			ig := must(t, g, "gcp:compute/instanceGroup:InstanceGroup", cp.Name)
			if ig.String("zone") != zones[i] {
				t.Errorf("%s in zone %s, want %s", ig.Name, ig.String("zone"), zones[i])
			}
			if d := cmp.Diff([]any{cp.Outputs["selfLink"].StringValue()}, input(ig, "instances")); d != "" {
				t.Errorf("%s instances (-want +got):\n%s", ig.Name, d)
			}
			groups = append(groups, map[string]any{"group": ig.Outputs["selfLink"].StringValue(), "balancingMode": "CONNECTION"})
		}
		got := map[string]any{
			"address":    []any{addr.String("addressType"), addr.String("subnetwork"), addr.String("region")},
			"healthPort": input(hc, "tcpHealthCheck.port"),
			"backend":    []any{bs.String("loadBalancingScheme"), bs.String("protocol"), input(bs, "backends"), bs.String("healthChecks") == hc.ID},
			"frontend": []any{fr.String("loadBalancingScheme"), fr.String("ipProtocol"), input(fr, "ports"), fr.String("backendService") == bs.ID,
				fr.String("ipAddress") == res.address, fr.String("subnetwork"), input(fr, "allowGlobalAccess")},
			"endpoint": res.endpoint,
		}
		want := map[string]any{
			"address":    []any{"INTERNAL", smSubnetwork, region},
			"healthPort": 6443.0,
			"backend":    []any{"INTERNAL", "TCP", groups, true},
			"frontend":   []any{"INTERNAL", "TCP", []any{"6443"}, true, true, smSubnetwork, false},
			"endpoint":   "https://" + res.address + ":6443",
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("internal load balancer (-want +got):\n%s", d)
		}
		if !strings.Contains(res.kubeconfig, "server: https://"+res.address+":6443") && !strings.Contains(res.kubeconfig, `"server":"https://`+res.address+`:6443"`) {
			t.Errorf("the admin kubeconfig must reach the load balancer %s", res.address)
		}
		if !strings.Contains(res.first, res.address+":6443") {
			t.Errorf("the bootstrap's controlPlaneEndpoint must be the load balancer's address %s", res.address)
		}
	})
}

func TestSelfManagedClusterFirewall(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		got := map[string]any{}
		for _, fw := range f.g.Under(f.g.Root(), "gcp:compute/firewall:Firewall") {
			srcs := fw.List("sourceRanges")
			for _, s := range srcs {
				if netip.MustParsePrefix(s.(string)).Bits() == 0 {
					t.Errorf("firewall %s is open to %s", fw.Name, s)
				}
			}
			for _, a := range fw.List("allows") {
				ports, _ := a.(map[string]any)["ports"].([]any)
				if len(ports) == 0 && fw.Parent != "" && strings.Contains(fw.Name, "k8s") {
					t.Errorf("firewall %s allows every port", fw.Name)
				}
				for _, p := range ports {
					if p == "22" || strings.HasPrefix(p.(string), "22-") || strings.HasPrefix(p.(string), "1-") {
						t.Errorf("firewall %s opens SSH (%v)", fw.Name, p)
					}
				}
			}
			if strings.HasPrefix(fw.Name, smName+"-") {
				got[fw.String("name")] = []any{srcs, input(fw, "allows"), input(fw, "targetTags")}
			}
		}
		block := []any{layout(t).Block.String()}
		rule := func(src []any, ports, tag string) any {
			return []any{src, []any{map[string]any{"protocol": "tcp", "ports": []any{ports}}}, []any{clusterName + "-" + tag}}
		}
		want := map[string]any{
			clusterName + "-k8s-api":     rule(block, "6443", "control-plane"),
			clusterName + "-k8s-api-hc":  rule([]any{"35.191.0.0/16", "130.211.0.0/22"}, "6443", "control-plane"),
			clusterName + "-k8s-kubelet": rule(block, "10250", "node"),
			clusterName + "-k8s-etcd":    rule(block, "2379-2380", "control-plane"),
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("firewall rules (-want +got):\n%s", d)
		}
	})
}

// TestSelfManagedClusterWorkers checks one zonal group per pool and zone (the cluster-autoscaler
// drives zonal groups only), each running its pool's template.
func TestSelfManagedClusterWorkers(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		type group struct {
			Machine, Zone, Base, DiskType string
			Target, Disk                  float64
			Scheduling                    any
			IgnoreTarget, Shielded, Pool  bool
		}
		got := map[string]group{}
		for _, p := range smPools() {
			tmpl := must(t, f.g, "gcp:compute/instanceTemplate:InstanceTemplate", smName+"-"+p.Pool)
			if tmpl.String("serviceAccount.email") != clusterName+"-wk@"+project+".iam.gserviceaccount.com" {
				t.Errorf("%s: account %q", p.Pool, tmpl.String("serviceAccount.email"))
			}
			for _, z := range zones {
				letter := z[len(z)-1:]
				mig := must(t, f.g, "gcp:compute/instanceGroupManager:InstanceGroupManager", smName+"-"+p.Pool+"-"+letter)
				if d := cmp.Diff([]any{map[string]any{"name": p.Pool, "instanceTemplate": tmpl.Outputs["selfLinkUnique"].StringValue()}}, input(mig, "versions")); d != "" {
					t.Errorf("%s must run its pool's template", mig.Name)
				}
				if mig.String("name") != clusterName+"-"+p.Pool+"-"+letter {
					t.Errorf("%s is named %s: the autoscaler finds groups by the prefix <cluster>-<pool>-", mig.Name, mig.String("name"))
				}
				got[mig.Name] = group{
					Machine: tmpl.String("machineType"), Zone: mig.String("zone"), Base: mig.String("baseInstanceName"),
					DiskType: diskField(tmpl, "diskType").(string), Disk: diskField(tmpl, "diskSizeGb").(float64),
					Target: input(mig, "targetSize").(float64), Scheduling: input(tmpl, "scheduling"),
					IgnoreTarget: slices.Contains(mig.IgnoreChanges, "targetSize"),
					Shielded:     input(tmpl, "shieldedInstanceConfig.enableSecureBoot") == true,
					Pool:         tmpl.String("labels.kost-pool") == p.Pool,
				}
			}
		}
		onDemand := map[string]any{"provisioningModel": "STANDARD", "automaticRestart": true, "onHostMaintenance": "MIGRATE"}
		spot := map[string]any{"provisioningModel": "SPOT", "preemptible": true, "automaticRestart": false,
			"onHostMaintenance": "TERMINATE", "instanceTerminationAction": "DELETE"}
		want := map[string]group{}
		for _, p := range smPools() {
			for _, z := range zones {
				sched := any(onDemand)
				if p.Spot {
					sched = spot
				}
				disk := float64(p.DiskGiB)
				if disk == 0 {
					disk = 50
				}
				want[smName+"-"+p.Pool+"-"+z[len(z)-1:]] = group{Machine: p.InstanceType, Zone: z, Base: clusterName + "-" + p.Pool,
					DiskType: "pd-balanced", Disk: disk,
					Target: float64(p.Desired / 3), Scheduling: sched, IgnoreTarget: true, Shielded: true, Pool: true}
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("worker groups (-want +got):\n%s", d)
		}
	})
}

// TestSelfManagedClusterAutoscaler checks that the cluster-autoscaler, not Compute Engine, sizes the
// worker groups.
func TestSelfManagedClusterAutoscaler(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		// No Compute Engine autoscaler: it deletes VMs on CPU without draining them.
		if n := len(f.g.OfType("gcp:compute/regionAutoscaler:RegionAutoscaler")) + len(f.g.OfType("gcp:compute/autoscaler:Autoscaler")); n != 0 {
			t.Errorf("%d Compute Engine autoscalers; the cluster-autoscaler sizes the groups", n)
		}
		// The cluster-autoscaler keeps each zonal group between the pool's bounds per zone.
		ca := must(t, f.g, "kubernetes:helm.sh/v4:Chart", smName+"-addons-autoscaler")
		var wantGroups []any
		for _, p := range smPools() {
			wantGroups = append(wantGroups, map[string]any{"name": clusterName + "-" + p.Pool + "-", "minSize": float64(p.Min / 3), "maxSize": float64(p.Max / 3)})
		}
		if d := cmp.Diff(wantGroups, ca.List("values.autoscalingGroupsnamePrefix")); d != "" {
			t.Errorf("autoscaler groups (-want +got):\n%s", d)
		}
		if v := input(ca, "values.cloudProvider"); v != "gce" {
			t.Errorf("cloudProvider %v", v)
		}
		// One group per pool and zone: without --regional the autoscaler would only find the
		// groups of the zone it runs in.
		if v := input(ca, "values.extraArgs.regional"); v != true {
			t.Errorf("extraArgs.regional = %v: the autoscaler would scale one zone's groups only", v)
		}
	})
}

func TestSelfManagedClusterIdentities(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		g := f.g
		got := map[string][]string{}
		for _, m := range g.OfType("gcp:projects/iAMMember:IAMMember") {
			got[m.String("member")] = append(got[m.String("member")], m.String("role"))
		}
		cp := "serviceAccount:" + clusterName + "-cp@" + project + ".iam.gserviceaccount.com"
		wk := "serviceAccount:" + clusterName + "-wk@" + project + ".iam.gserviceaccount.com"
		base := []string{"roles/artifactregistry.reader", "roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer"}
		// No predefined compute role: the control planes' own custom role, with compute
		// permissions only, no wildcard, no IAM, no actAs.
		role := must(t, g, "gcp:projects/iAMCustomRole:IAMCustomRole", smName+"-cp-role")
		roleID := role.String("roleId")
		if !regexp.MustCompile(`^[a-zA-Z0-9_.]{3,64}$`).MatchString(roleID) || !strings.HasPrefix(roleID, strings.ReplaceAll(clusterName, "-", "_")+"_cp_") {
			t.Errorf("custom role id %q: 3 to 64 letters, digits, '_' or '.', named after the cluster", roleID)
		}
		perms := role.List("permissions")
		if len(perms) == 0 {
			t.Error("the custom role allows nothing")
		}
		for _, p := range perms {
			if !strings.HasPrefix(p.(string), "compute.") || strings.Contains(p.(string), "*") || strings.Contains(p.(string), "setIamPolicy") {
				t.Errorf("custom role permission %q: compute permissions only, no wildcard, no IAM", p)
			}
		}
		want := map[string][]string{
			cp: append(slices.Clone(base), "projects/"+project+"/roles/"+roleID),
			wk: base,
		}
		for _, v := range got {
			slices.Sort(v)
		}
		for _, v := range want {
			slices.Sort(v)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("project roles (-want +got):\n%s", d)
		}
		var actAs []string
		for _, m := range g.OfType("gcp:serviceaccount/iAMMember:IAMMember") {
			if m.String("role") != "roles/iam.serviceAccountUser" || m.String("member") != cp {
				t.Errorf("%s: %s for %s", m.Name, m.String("role"), m.String("member"))
			}
			actAs = append(actAs, m.String("serviceAccountId"))
		}
		slices.Sort(actAs)
		wantActAs := []string{
			"projects/" + project + "/serviceAccounts/" + clusterName + "-cp@" + project + ".iam.gserviceaccount.com",
			"projects/" + project + "/serviceAccounts/" + clusterName + "-wk@" + project + ".iam.gserviceaccount.com",
		}
		if d := cmp.Diff(wantActAs, actAs); d != "" {
			t.Errorf("serviceAccountUser scoped to the node accounts (-want +got):\n%s", d)
		}
		for _, vm := range f.cps {
			for _, m := range g.OfType("gcp:projects/iAMMember:IAMMember") {
				if !g.DependsOn(vm.URN, m.URN) {
					t.Errorf("%s must wait for %s", vm.Name, m.Name)
				}
			}
		}
	})
}

func TestSelfManagedClusterContract(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		c, res := f.sm.Cluster, f.res
		got := map[string]any{
			"name": c.Name, "cloud": c.Cloud, "region": c.Region, "zones": c.Zones, "dedicated": c.DedicatedPools,
			"storage": c.Storage, "ilb": c.InternalLoadBalancer, "kubeconfigSecret": res.secret["kubeconfig"],
			"provider": c.Provider != nil, "ready": len(c.Ready),
		}
		want := map[string]any{
			"name": clusterName, "cloud": cluster.GCP, "region": region, "zones": zones, "dedicated": true,
			"storage": cluster.StorageProfile{Provisioner: "pd.csi.storage.gke.io",
				DB: map[string]string{"type": "pd-ssd"}, Standard: map[string]string{"type": "pd-balanced"}},
			"ilb":              map[string]string{"networking.gke.io/load-balancer-type": "Internal"},
			"kubeconfigSecret": true, "provider": true,
			// The VMs and their gates, the forwarding rule, a group per pool and zone, the five
			// add-ons, a gate per pool.
			"ready": 3 + 3 + 1 + 3*len(smPools()) + 5 + len(smPools()),
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("cluster.Cluster (-want +got):\n%s", d)
		}
		for _, r := range c.Ready {
			switch r.(type) {
			case *compute.Instance, *compute.ForwardingRule, *compute.InstanceGroupManager, *helmv4.Chart, *manifest.ConfigGroup, *local.Command:
			default:
				t.Errorf("Ready holds %T; want custom resources and remote components only", r)
			}
		}
		for _, vm := range f.sm.ControlPlanes {
			if !slices.Contains(c.Ready, pulumi.Resource(vm)) {
				t.Error("Ready must hold every control plane")
			}
		}
		for pool, migs := range f.sm.Workers {
			for _, mig := range migs {
				if !slices.Contains(c.Ready, pulumi.Resource(mig)) {
					t.Errorf("Ready must hold the %s groups", pool)
				}
			}
		}
		if res.kubeconfig == "" || !strings.Contains(res.kubeconfig, "client-key-data") {
			t.Error("Kubeconfig must be the bootstrap's admin kubeconfig")
		}
		ps := f.g.OfType("pulumi:providers:kubernetes")
		if len(ps) != 1 || !ps[0].IsSecret("kubeconfig") || input(ps[0], "enableServerSideApply") != true {
			t.Fatal("one kubernetes provider with a secret kubeconfig and server-side apply")
		}
		if comp := must(t, f.g, "kost:gcp:SelfManagedCluster", smName); ps[0].Parent != comp.URN {
			t.Error("the kubernetes provider must be the component's child")
		}
	})
}

func TestSelfManagedClusterProviders(t *testing.T) {
	t.Parallel()
	eachSelfManaged(t, func(t *testing.T, _ smScenario, f *smFixture) {
		g := f.g
		comp := must(t, g, "kost:gcp:SelfManagedCluster", smName)
		// The kubeadm bootstrap, a child of the component, brings its own tls provider.
		boots := g.Under(comp.URN, "kost:kubeadm:Bootstrap")
		if len(boots) != 1 || boots[0].Parent != comp.URN {
			t.Fatal("want one kubeadm bootstrap, the component's child")
		}
		for _, typ := range []string{"pulumi:providers:tls"} {
			ps := g.OfType(typ)
			if len(ps) != 1 || ps[0].Parent != boots[0].URN {
				t.Fatalf("want one %s, the bootstrap's child", typ)
			}
		}
		for _, r := range g.Under(comp.URN, "") {
			if r.Custom && !r.IsProvider() && r.Provider == "" {
				t.Errorf("%s %s uses a default provider", r.Type, r.Name)
			}
			if pkg, _, _ := strings.Cut(r.Type, ":"); r.Custom && !r.IsProvider() && pkg != "gcp" {
				if p, ok := g.Get(r.Provider); !ok || p.Type != "pulumi:providers:"+pkg {
					t.Errorf("%s %s uses provider %q", r.Type, r.Name, r.Provider)
				}
			}
		}
	})
}

// diskField is a field of a template's only disk.
func diskField(r *graph.Resource, key string) any {
	if len(r.List("disks")) != 1 {
		return nil
	}
	return input(r, "disks.0."+key)
}

// smPools are the self-managed test's pools: sizes multiples of the three zones (a group per zone).
func smPools() []cluster.PoolSpec {
	ps := pools()
	for i := range ps {
		if ps[i].Pool == "spark" {
			ps[i].Desired, ps[i].Min, ps[i].Max = 3, 0, 6
		}
	}
	return ps
}
