package gcp_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/cluster"
	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
	"github.com/kost-platform/kost/offline"
)

const (
	project     = "acme-kost-dev"
	region      = "europe-west1"
	clusterName = "kost-dev-europe-west1"
)

var zones = []string{"europe-west1-b", "europe-west1-c", "europe-west1-d"}

func layout(t *testing.T) addresses.GCPLayout {
	t.Helper()
	l, err := addresses.GCP(netip.MustParsePrefix("10.40.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// run evaluates fn under the mocks with an explicit regional provider, as the stack does.
func run(t *testing.T, fn func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error) *graph.Graph {
	t.Helper()
	g, err := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		p, err := kgcp.NewProvider(ctx, "europe", &kgcp.ProviderArgs{Project: project, Region: region})
		if err != nil {
			return err
		}
		return fn(ctx, pulumi.Provider(p))
	})
	if err != nil {
		t.Fatal(err)
	}
	assertExplicitProviders(t, g)
	return g
}

// assertExplicitProviders checks that every GCP resource and invoke uses the region's provider.
func assertExplicitProviders(t *testing.T, g *graph.Graph) {
	t.Helper()
	ps := g.OfType("pulumi:providers:gcp")
	if len(ps) != 1 {
		t.Fatalf("%d gcp providers, want 1", len(ps))
	}
	for _, r := range g.Resources {
		if strings.HasPrefix(r.Type, "gcp:") && r.Provider != ps[0].URN {
			t.Errorf("%s %s uses provider %q, want the region's", r.Type, r.Name, r.Provider)
		}
	}
	for _, inv := range g.Invokes {
		if strings.HasPrefix(inv.Token, "gcp:") && inv.Provider != ps[0].URN {
			t.Errorf("invoke %s uses provider %q, want the region's", inv.Token, inv.Provider)
		}
	}
}

// newTestNetwork creates the network the cluster tests run in (unlabelled).
func newTestNetwork(ctx *pulumi.Context, t *testing.T, name string, opts ...pulumi.ResourceOption) (*kgcp.Network, error) {
	return kgcp.NewNetwork(ctx, name, &kgcp.NetworkArgs{Name: clusterName, Project: project, Region: region, Layout: layout(t)}, opts...)
}

func input(r *graph.Resource, path string) any {
	v, _ := r.Input(path)
	return v
}

func must(t *testing.T, g *graph.Graph, typ, name string) *graph.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s named %s", typ, name)
	}
	return r
}

func networkArgs(t *testing.T) kgcp.NetworkArgs {
	return kgcp.NetworkArgs{Name: clusterName, Project: project, Region: region, Layout: layout(t),
		Labels: map[string]string{"environment": "dev"}}
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason   string
		flowLogs bool
	}{
		"Dev":  {reason: "dev has no flow logs", flowLogs: false},
		"Prod": {reason: "prod logs the subnetwork's flows", flowLogs: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := networkArgs(t)
			args.FlowLogs = tc.flowLogs
			var n *kgcp.Network
			g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
				var err error
				n, err = kgcp.NewNetwork(ctx, "gcp-europe-west1", &args, opts...)
				return err
			})
			l := layout(t)

			net := must(t, g, "gcp:compute/network:Network", "gcp-europe-west1-network")
			for path, want := range map[string]any{"name": clusterName, "project": project, "autoCreateSubnetworks": false, "routingMode": "REGIONAL"} {
				if d := cmp.Diff(want, input(net, path)); d != "" {
					t.Errorf("network %s (-want +got):\n%s", path, d)
				}
			}

			sub := must(t, g, "gcp:compute/subnetwork:Subnetwork", "gcp-europe-west1-subnet")
			wantSub := map[string]any{
				"name": clusterName, "region": region, "ipCidrRange": l.Nodes.String(), "privateIpGoogleAccess": true,
				"network": "projects/acme-kost-dev/global/networks/" + clusterName,
				"secondaryIpRanges": []any{
					map[string]any{"rangeName": n.PodsRangeName, "ipCidrRange": l.Pods.String()},
					map[string]any{"rangeName": n.ServicesRangeName, "ipCidrRange": l.Services.String()},
				},
			}
			for path, want := range wantSub {
				if d := cmp.Diff(want, input(sub, path)); d != "" {
					t.Errorf("subnetwork %s (-want +got):\n%s", path, d)
				}
			}
			if _, ok := sub.Input("logConfig"); ok != tc.flowLogs {
				t.Errorf("%s: subnetwork flow logs %v, want %v", tc.reason, ok, tc.flowLogs)
			}
			if n.PodsRangeName == "" || n.ServicesRangeName == "" || n.PodsRangeName == n.ServicesRangeName {
				t.Errorf("range names %q, %q", n.PodsRangeName, n.ServicesRangeName)
			}

			router := must(t, g, "gcp:compute/router:Router", "gcp-europe-west1-router")
			nat := must(t, g, "gcp:compute/routerNat:RouterNat", "gcp-europe-west1-nat")
			wantNat := map[string]any{
				"region": region, "router": router.String("name"), "natIpAllocateOption": "AUTO_ONLY",
				"sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
				"logConfig":                     map[string]any{"enable": true, "filter": "ERRORS_ONLY"},
			}
			for path, want := range wantNat {
				if d := cmp.Diff(want, input(nat, path)); d != "" {
					t.Errorf("NAT %s (-want +got):\n%s", path, d)
				}
			}
			if !g.DependsOn(nat.URN, router.URN) || !g.DependsOn(router.URN, net.URN) {
				t.Error("the NAT must wait for its router, the router for the network")
			}

			// Firewall: exactly internal traffic from the block and Google's health checks, never the internet.
			got := map[string]any{}
			for _, fw := range g.OfType("gcp:compute/firewall:Firewall") {
				src, _ := fw.Input("sourceRanges")
				for _, s := range src.([]any) {
					if p := netip.MustParsePrefix(s.(string)); p.Bits() == 0 {
						t.Errorf("firewall %s is open to %s", fw.Name, s)
					}
				}
				if fw.String("direction") != "INGRESS" || fw.String("network") != clusterName {
					t.Errorf("firewall %s: direction %q, network %q", fw.Name, fw.String("direction"), fw.String("network"))
				}
				got[fw.String("name")] = src
			}
			want := map[string]any{
				clusterName + "-allow-internal":      []any{"10.40.0.0/16"},
				clusterName + "-allow-health-checks": []any{"35.191.0.0/16", "130.211.0.0/22"},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("firewall sources (-want +got):\n%s", d)
			}
			if !l.Block.Contains(l.Master.Addr()) {
				t.Error("the control plane's range must be inside the internally trusted block")
			}
		})
	}
}

func pools() []cluster.PoolSpec {
	return []cluster.PoolSpec{
		{Pool: "system", InstanceType: "e2-standard-4", Desired: 3, Min: 3, Max: 3},
		{Pool: "tikv", InstanceType: "n2-highmem-8", Desired: 3, Min: 3, Max: 3, Dedicated: true, DiskGiB: 80},
		{Pool: "spark", InstanceType: "n2-standard-8", Desired: 1, Min: 0, Max: 5, Spot: true, Dedicated: true},
	}
}

func gkeArgs(t *testing.T, network, subnetwork pulumi.StringInput) *kgcp.ManagedClusterArgs {
	return &kgcp.ManagedClusterArgs{
		ClusterName:       clusterName,
		Project:           project,
		Region:            region,
		Zones:             zones,
		Version:           "1.33",
		HoldMinorUntil:    "2026-06-28",
		Network:           network,
		Subnetwork:        subnetwork,
		PodsRangeName:     "pods",
		ServicesRangeName: "services",
		MasterCIDR:        layout(t).Master.String(),
		Admins:            []string{"group:platform@example.com"},
		NodePools:         pools(),
		Labels:            map[string]string{"environment": "dev", "managed-by": "kost"},
	}
}

// mcScenario is one managed-cluster configuration the TestManagedCluster* tests check.
type mcScenario struct {
	name, reason             string
	mutate                   func(a *kgcp.ManagedClusterArgs)
	public, encrypt, protect bool
}

var mcScenarios = []mcScenario{
	{
		name:    "Prod",
		reason:  "prod: private endpoint, secrets encrypted with the cluster's key, protected",
		mutate:  func(a *kgcp.ManagedClusterArgs) { a.EncryptSecrets, a.Protect = true, true },
		encrypt: true, protect: true,
	},
	{
		name:   "Dev",
		reason: "dev: public endpoint for the given CIDRs, no KMS, destroyable",
		mutate: func(a *kgcp.ManagedClusterArgs) {
			a.PublicEndpoint, a.PublicCIDRs = true, []string{"203.0.113.0/24", "198.51.100.7/32"}
		},
		public: true,
	},
}

// mcFixture is one run of a managed-cluster scenario.
type mcFixture struct {
	g   *graph.Graph
	mc  *kgcp.ManagedCluster
	gke *graph.Resource
}

var mcFixtures fixtures.Cache[mcFixture]

// managedCluster runs the scenario's cluster, in its network, under the mocks (once per scenario).
func managedCluster(t *testing.T, sc mcScenario) *mcFixture {
	t.Helper()
	return mcFixtures.Get(t, sc.name, func(t *testing.T) *mcFixture {
		t.Helper()
		var mc *kgcp.ManagedCluster
		g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			n, err := newTestNetwork(ctx, t, "gcp-europe-west1", opts...)
			if err != nil {
				return err
			}
			a := gkeArgs(t, n.NetworkID, n.SubnetworkID)
			sc.mutate(a)
			mc, err = kgcp.NewManagedCluster(ctx, "gcp-europe-west1", a, opts...)
			return err
		})
		return &mcFixture{g: g, mc: mc, gke: must(t, g, "gcp:container/cluster:Cluster", "gcp-europe-west1")}
	})
}

// eachManagedCluster runs check in a parallel subtest per scenario, on the scenario's fixture.
func eachManagedCluster(t *testing.T, check func(t *testing.T, sc mcScenario, f *mcFixture)) {
	t.Helper()
	for _, sc := range mcScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			check(t, sc, managedCluster(t, sc))
		})
	}
}

// nodeAccount is the managed cluster's node service account.
const nodeAccount = "kost-dev-europe-west1-nodes@acme-kost-dev.iam.gserviceaccount.com"

func TestManagedClusterControlPlane(t *testing.T) {
	t.Parallel()
	eachManagedCluster(t, func(t *testing.T, tc mcScenario, f *mcFixture) {
		gke := f.gke
		var cidrs any
		if tc.public {
			cidrs = []any{
				map[string]any{"cidrBlock": "203.0.113.0/24", "displayName": "kost public 203.0.113.0/24"},
				map[string]any{"cidrBlock": "198.51.100.7/32", "displayName": "kost public 198.51.100.7/32"},
			}
		}
		checks := map[string]any{
			"name":                  clusterName,
			"location":              region,
			"nodeLocations":         []any{zones[0], zones[1], zones[2]},
			"network":               "projects/acme-kost-dev/global/networks/" + clusterName,
			"subnetwork":            "projects/acme-kost-dev/regions/europe-west1/subnetworks/" + clusterName,
			"removeDefaultNodePool": true,
			"initialNodeCount":      1.0,
			"networkingMode":        "VPC_NATIVE",
			"ipAllocationPolicy.clusterSecondaryRangeName":  "pods",
			"ipAllocationPolicy.servicesSecondaryRangeName": "services",
			"datapathProvider":                                           "ADVANCED_DATAPATH",
			"privateClusterConfig.enablePrivateNodes":                    true,
			"privateClusterConfig.enablePrivateEndpoint":                 !tc.public,
			"privateClusterConfig.masterIpv4CidrBlock":                   "10.40.240.0/28",
			"masterAuthorizedNetworksConfig.cidrBlocks":                  cidrs,
			"masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled": false,
			"workloadIdentityConfig.workloadPool":                        "acme-kost-dev.svc.id.goog",
			"enableShieldedNodes":                                        true,
			"minMasterVersion":                                           "1.33",
			"releaseChannel.channel":                                     "REGULAR",
			"maintenancePolicy.maintenanceExclusions":                    []any{map[string]any{"exclusionName": "kost-hold-1-33", "startTime": "2026-01-03T02:00:00Z", "endTime": "2026-06-28T00:00:00Z", "exclusionOptions": map[string]any{"scope": "NO_MINOR_UPGRADES"}}},
			"maintenancePolicy.recurringWindow.recurrence":               "FREQ=WEEKLY;BYDAY=SA,SU",
			"deletionProtection":                                         tc.protect,
			"nodeConfig.workloadMetadataConfig.mode":                     "GKE_METADATA",
			"addonsConfig.gcePersistentDiskCsiDriverConfig.enabled":      true,
			"resourceLabels":                                             map[string]any{"environment": "dev", "managed-by": "kost"},
		}
		for path, want := range checks {
			if d := cmp.Diff(want, input(gke, path)); d != "" {
				t.Errorf("%s (-want +got):\n%s", path, d)
			}
		}
		if gke.Protect != tc.protect {
			t.Errorf("%s: cluster protect %v", tc.reason, gke.Protect)
		}
		if !strings.HasSuffix(gke.String("nodeConfig.serviceAccount"), "@acme-kost-dev.iam.gserviceaccount.com") {
			t.Errorf("the default pool must run as the node account, not %q", gke.String("nodeConfig.serviceAccount"))
		}
		if !slices.Contains(gke.IgnoreChanges, "nodeConfig") {
			t.Error("the removed default pool's nodeConfig must be ignored after creation")
		}
	})
}

func TestManagedClusterSecretsEncryption(t *testing.T) {
	t.Parallel()
	eachManagedCluster(t, func(t *testing.T, tc mcScenario, f *mcFixture) {
		g, gke := f.g, f.gke
		keys := g.OfType("gcp:kms/cryptoKey:CryptoKey")
		enc, hasEnc := gke.Input("databaseEncryption")
		if !tc.encrypt {
			if len(keys) != 0 || hasEnc || len(g.OfType("gcp:kms/keyRing:KeyRing")) != 0 || len(g.Invokes) != 0 {
				t.Errorf("%s: %d keys, encryption %v, %d invokes", tc.reason, len(keys), enc, len(g.Invokes))
			}
			return
		}
		if len(keys) != 1 {
			t.Fatalf("%d secrets keys, want 1", len(keys))
		}
		key := keys[0]
		ring := must(t, g, "gcp:kms/keyRing:KeyRing", "gcp-europe-west1-secrets")
		if ring.String("location") != region || !key.Protect || key.String("rotationPeriod") != "7776000s" || !g.DependsOn(key.URN, ring.URN) {
			t.Errorf("key: ring location %q, protect %v, rotation %q", ring.String("location"), key.Protect, key.String("rotationPeriod"))
		}
		if key.String("labels.environment") != "dev" {
			t.Errorf("secrets key labels: %v", key.Map("labels"))
		}
		if d := cmp.Diff(map[string]any{"state": "ENCRYPTED", "keyName": key.ID}, enc); d != "" {
			t.Errorf("databaseEncryption (-want +got):\n%s", d)
		}
		if len(g.Invokes) != 1 || g.Invokes[0].Token != "gcp:organizations/getProject:getProject" {
			t.Fatalf("invokes %v, want one project lookup", g.Invokes)
		}
		b := must(t, g, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gcp-europe-west1-secrets")
		member := b.String("member")
		if b.String("role") != "roles/cloudkms.cryptoKeyEncrypterDecrypter" || b.String("cryptoKeyId") != key.ID ||
			!strings.HasPrefix(member, "serviceAccount:service-") || !strings.HasSuffix(member, "@container-engine-robot.iam.gserviceaccount.com") ||
			len(strings.TrimSuffix(strings.TrimPrefix(member, "serviceAccount:service-"), "@container-engine-robot.iam.gserviceaccount.com")) != 12 {
			t.Errorf("key binding: %v", b.Inputs)
		}
		if !g.DependsOn(gke.URN, b.URN) {
			t.Error("the cluster must wait for the GKE service agent's access to the key")
		}
	})
}

func TestManagedClusterNodeAccount(t *testing.T) {
	t.Parallel()
	eachManagedCluster(t, func(t *testing.T, _ mcScenario, f *mcFixture) {
		sa := must(t, f.g, "gcp:serviceaccount/account:Account", "gcp-europe-west1-nodes")
		if sa.String("accountId")+"@acme-kost-dev.iam.gserviceaccount.com" != nodeAccount {
			t.Errorf("node account id %q", sa.String("accountId"))
		}
		var roles []string
		for _, m := range f.g.OfType("gcp:projects/iAMMember:IAMMember") {
			if m.String("member") == "serviceAccount:"+nodeAccount {
				roles = append(roles, m.String("role"))
			}
		}
		slices.Sort(roles)
		wantRoles := []string{"roles/artifactregistry.reader", "roles/logging.logWriter", "roles/monitoring.metricWriter",
			"roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer"}
		if d := cmp.Diff(wantRoles, roles); d != "" {
			t.Errorf("node account roles (-want +got):\n%s", d)
		}
	})
}

func TestManagedClusterNodePools(t *testing.T) {
	t.Parallel()
	eachManagedCluster(t, func(t *testing.T, _ mcScenario, f *mcFixture) {
		g, gke := f.g, f.gke
		type pool struct {
			Labels, Taints, Zones, Initial, Min, Max, Policy, Spot, Machine, Disk, DiskType any
		}
		got := map[string]pool{}
		for _, np := range g.OfType("gcp:container/nodePool:NodePool") {
			got[np.String("name")] = pool{
				Labels: input(np, "nodeConfig.labels"), Taints: input(np, "nodeConfig.taints"), Zones: input(np, "nodeLocations"),
				Initial: input(np, "initialNodeCount"), Min: input(np, "autoscaling.totalMinNodeCount"), Max: input(np, "autoscaling.totalMaxNodeCount"),
				Policy: input(np, "autoscaling.locationPolicy"), Spot: input(np, "nodeConfig.spot"), Machine: input(np, "nodeConfig.machineType"),
				Disk: input(np, "nodeConfig.diskSizeGb"), DiskType: input(np, "nodeConfig.diskType"),
			}
			for path, want := range map[string]any{
				"cluster": clusterName, "location": region, "project": project,
				"nodeConfig.serviceAccount":                                   nodeAccount,
				"nodeConfig.workloadMetadataConfig.mode":                      "GKE_METADATA",
				"nodeConfig.shieldedInstanceConfig.enableSecureBoot":          true,
				"nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring": true,
				"management.autoRepair":                                       true,
				"management.autoUpgrade":                                      true,
				"nodeConfig.resourceLabels.environment":                       "dev",
				"nodeConfig.resourceLabels.kost-pool":                         np.String("name"),
			} {
				if d := cmp.Diff(want, input(np, path)); d != "" {
					t.Errorf("%s %s (-want +got):\n%s", np.Name, path, d)
				}
			}
			if !slices.Contains(np.IgnoreChanges, "initialNodeCount") || !slices.Contains(np.IgnoreChanges, "nodeCount") {
				t.Errorf("%s: the node count must be left to the autoscaler (ignoreChanges %v)", np.Name, np.IgnoreChanges)
			}
			if !g.DependsOn(np.URN, gke.URN) {
				t.Errorf("%s must wait for the cluster", np.Name)
			}
			for _, m := range g.OfType("gcp:projects/iAMMember:IAMMember") {
				if m.String("member") == "serviceAccount:"+nodeAccount && !g.DependsOn(np.URN, m.URN) {
					t.Errorf("%s must wait for the node account's %s", np.Name, m.String("role"))
				}
			}
			if parent, _ := g.Get(np.Parent); parent == nil || parent.Type != "kost:gcp:NodePool" {
				t.Errorf("%s must be the child of a kost:gcp:NodePool", np.Name)
			}
		}
		zs := []any{zones[0], zones[1], zones[2]}
		taint := func(p string) any {
			return []any{map[string]any{"key": "kost.io/pool", "value": p, "effect": "NO_SCHEDULE"}}
		}
		want := map[string]pool{
			"system": {Labels: map[string]any{"kost.io/pool": "system"}, Zones: zs, Initial: 1.0, Min: 3.0, Max: 3.0, Policy: "BALANCED", Spot: false, Machine: "e2-standard-4", Disk: 50.0, DiskType: "pd-balanced"},
			"tikv":   {Labels: map[string]any{"kost.io/pool": "tikv"}, Taints: taint("tikv"), Zones: zs, Initial: 1.0, Min: 3.0, Max: 3.0, Policy: "BALANCED", Spot: false, Machine: "n2-highmem-8", Disk: 80.0, DiskType: "pd-balanced"},
			"spark":  {Labels: map[string]any{"kost.io/pool": "spark"}, Taints: taint("spark"), Zones: zs, Initial: 1.0, Min: 0.0, Max: 5.0, Policy: "BALANCED", Spot: true, Machine: "n2-standard-8", Disk: 50.0, DiskType: "pd-balanced"},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("node pools (-want +got):\n%s", d)
		}
		if len(f.mc.Pools) != 3 || len(f.mc.Cluster.Ready) != 3 {
			t.Fatalf("%d pools, %d ready", len(f.mc.Pools), len(f.mc.Cluster.Ready))
		}
		for _, r := range f.mc.Cluster.Ready {
			if _, ok := r.(*container.NodePool); !ok {
				t.Errorf("Ready holds %T; want the node pool resources only", r)
			}
		}
	})
}

func TestManagedClusterAdmins(t *testing.T) {
	t.Parallel()
	eachManagedCluster(t, func(t *testing.T, _ mcScenario, f *mcFixture) {
		m := must(t, f.g, "gcp:projects/iAMMember:IAMMember", "gcp-europe-west1-admin-0")
		if m.String("role") != "roles/container.admin" || m.String("member") != "group:platform@example.com" || m.String("project") != project {
			t.Errorf("admin binding %v", m.Inputs)
		}
	})
}

func TestManagedClusterKubeconfig(t *testing.T) {
	t.Parallel()
	eachManagedCluster(t, func(t *testing.T, tc mcScenario, f *mcFixture) {
		ps := f.g.OfType("pulumi:providers:kubernetes")
		if len(ps) != 1 {
			t.Fatalf("%d kubernetes providers", len(ps))
		}
		if !ps[0].IsSecret("kubeconfig") || input(ps[0], "enableServerSideApply") != true {
			t.Error("the kubeconfig must be a secret and server-side apply on")
		}
		var kc struct {
			Clusters []struct{ Cluster map[string]string }
			Users    []struct {
				User struct{ Exec map[string]any }
			}
		}
		if err := json.Unmarshal([]byte(ps[0].String("kubeconfig")), &kc); err != nil {
			t.Fatal(err)
		}
		ex := kc.Users[0].User.Exec
		if ex["command"] != "gke-gcloud-auth-plugin" || ex["apiVersion"] != "client.authentication.k8s.io/v1beta1" ||
			ex["provideClusterInfo"] != true || !strings.Contains(ex["installHint"].(string), "gke-gcloud-auth-plugin") {
			t.Errorf("exec: %v", ex)
		}
		server := kc.Clusters[0].Cluster["server"]
		host, ok := strings.CutPrefix(server, "https://")
		addr, err := netip.ParseAddr(host)
		if !ok || err != nil {
			t.Fatalf("server %q", server)
		}
		if private := layout(t).Master.Contains(addr); private == tc.public {
			t.Errorf("%s: server %s (private endpoint %v)", tc.reason, server, private)
		}
		pem, err := base64.StdEncoding.DecodeString(kc.Clusters[0].Cluster["certificate-authority-data"])
		if err != nil || !strings.HasPrefix(string(pem), "-----BEGIN CERTIFICATE-----") {
			t.Errorf("CA data must be base64 PEM: %v", err)
		}
	})
}

func TestManagedClusterContract(t *testing.T) {
	t.Parallel()
	eachManagedCluster(t, func(t *testing.T, _ mcScenario, f *mcFixture) {
		c := f.mc.Cluster
		got := struct {
			Name, Region   string
			Cloud          cluster.Cloud
			Zones          []string
			DedicatedPools bool
			Storage        cluster.StorageProfile
			ILB            map[string]string
		}{c.Name, c.Region, c.Cloud, c.Zones, c.DedicatedPools, c.Storage, c.InternalLoadBalancer}
		want := got
		want.Name, want.Region, want.Cloud, want.Zones, want.DedicatedPools = clusterName, region, cluster.GCP, zones, true
		want.Storage = cluster.StorageProfile{Provisioner: "pd.csi.storage.gke.io", DB: map[string]string{"type": "pd-ssd"}, Standard: map[string]string{"type": "pd-balanced"}}
		want.ILB = map[string]string{"networking.gke.io/load-balancer-type": "Internal"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("cluster contract (-want +got):\n%s", d)
		}
		if c.Provider == nil {
			t.Error("no kubernetes provider")
		}
	})
}

func TestNodePoolInitialCount(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason             string
		desired, min, max  int
		zones, wantInitial int
	}{
		"Even":        {reason: "3 nodes over 3 zones start 1 per zone", desired: 3, min: 3, max: 3, zones: 3, wantInitial: 1},
		"RoundUp":     {reason: "7 nodes over 3 zones start 3 per zone (9 <= max 10)", desired: 7, min: 7, max: 10, zones: 3, wantInitial: 3},
		"ScaleToZero": {reason: "1 spark node over 3 zones starts 1 per zone (3 <= max 5)", desired: 1, min: 0, max: 5, zones: 3, wantInitial: 1},
		"CappedByMax": {reason: "2 nodes capped at 2 over 3 zones cannot start 1 per zone; the autoscaler adds them", desired: 2, min: 2, max: 2, zones: 3, wantInitial: 0},
		"OneZone":     {reason: "a single zone starts with the desired count", desired: 2, min: 1, max: 4, zones: 1, wantInitial: 2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
				_, err := kgcp.NewNodePool(ctx, "np-tidb", &kgcp.NodePoolArgs{
					Pool: "tidb", Cluster: pulumi.String(clusterName), Project: project, Region: region, Zones: zones[:tc.zones],
					MachineType: "n2-standard-8", Desired: tc.desired, Min: tc.min, Max: tc.max,
					ServiceAccount: pulumi.String("nodes@acme-kost-dev.iam.gserviceaccount.com"),
				}, opts...)
				return err
			})
			np := must(t, g, "gcp:container/nodePool:NodePool", "np-tidb")
			got := []any{input(np, "initialNodeCount"), input(np, "autoscaling.totalMinNodeCount"), input(np, "autoscaling.totalMaxNodeCount")}
			want := []any{float64(tc.wantInitial), float64(tc.min), float64(tc.max)}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s: initial per zone, total min, total max (-want +got):\n%s", tc.reason, d)
			}
			if _, tainted := np.Input("nodeConfig.taints"); tainted {
				t.Error("a pool that is not Dedicated must not be tainted")
			}
		})
	}
}

func TestNodeServiceAccountID(t *testing.T) {
	t.Parallel()
	// GCP service account ids: 6 to 30 of a-z 0-9 -, starting with a letter, not ending with -.
	valid := regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	cases := map[string]struct {
		reason, cluster, want string
	}{
		"Short": {reason: "a short cluster name is kept whole", cluster: "kost-dev-europe-west1", want: "kost-dev-europe-west1-nodes"},
		"Long":  {reason: "a long cluster name is cut and made unique with a digest", cluster: "kost-staging-australia-southeast1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
				a := gkeArgs(t, pulumi.String("n"), pulumi.String("s"))
				a.ClusterName = tc.cluster
				_, err := kgcp.NewManagedCluster(ctx, "gke", a, opts...)
				return err
			})
			id := must(t, g, "gcp:serviceaccount/account:Account", "gke-nodes").String("accountId")
			if !valid.MatchString(id) || (tc.want != "" && id != tc.want) || !strings.HasSuffix(id, "-nodes") {
				t.Errorf("%s: account id %q", tc.reason, id)
			}
		})
	}
}

// TestRejectsBadArgs checks that each constructor refuses bad args before it registers anything;
// which fields are wrong is TestValidate's.
func TestRejectsBadArgs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		build  func(ctx *pulumi.Context, t *testing.T) error
		what   string
	}{
		"Provider": {
			reason: "a provider needs its project and region",
			build: func(ctx *pulumi.Context, _ *testing.T) error {
				_, err := kgcp.NewProvider(ctx, "p", &kgcp.ProviderArgs{})
				return err
			},
			what: "gcp provider args",
		},
		"Network": {
			reason: "the subnetwork's ranges come from the layout",
			build: func(ctx *pulumi.Context, _ *testing.T) error {
				_, err := kgcp.NewNetwork(ctx, "n", &kgcp.NetworkArgs{Name: "Bad_Name", Project: project})
				return err
			},
			what: "gcp network args",
		},
		"ManagedCluster": {
			reason: "coredns and the operators need a system pool",
			build: func(ctx *pulumi.Context, t *testing.T) error {
				a := gkeArgs(t, pulumi.String("n"), pulumi.String("s"))
				a.NodePools = a.NodePools[1:]
				_, err := kgcp.NewManagedCluster(ctx, "gke", a)
				return err
			},
			what: "GKE cluster args",
		},
		"NodePool": {
			reason: "min <= desired <= max",
			build: func(ctx *pulumi.Context, _ *testing.T) error {
				_, err := kgcp.NewNodePool(ctx, "np", &kgcp.NodePoolArgs{Pool: "kafka", Cluster: pulumi.String("c"), Project: project,
					Region: region, Zones: zones, MachineType: "n2-standard-4", Desired: 4, Min: 1, Max: 3, ServiceAccount: pulumi.String("sa")})
				return err
			},
			what: "gcp node pool args",
		},
		"SelfManagedCluster": {
			reason: "nil args lack every required field",
			build: func(ctx *pulumi.Context, _ *testing.T) error {
				_, err := kgcp.NewSelfManagedCluster(ctx, smName, nil)
				return err
			},
			what: "self-managed cluster args",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error { return tc.build(ctx, t) })
			var aerr *cluster.ArgsError
			if !errors.As(err, &aerr) {
				t.Fatalf("%s: error %v, want a *cluster.ArgsError", tc.reason, err)
			}
			if aerr.What != tc.what || len(aerr.Problems) == 0 {
				t.Errorf("%s: %q args with %d problems, want %q args with some", tc.reason, aerr.What, len(aerr.Problems), tc.what)
			}
			if len(g.Resources) != 0 {
				t.Errorf("%s: %d resources registered before the args were refused", tc.reason, len(g.Resources))
			}
		})
	}
}

func TestKubeconfig(t *testing.T) {
	t.Parallel()
	kc := kgcp.Kubeconfig(kgcp.KubeconfigArgs{ClusterName: "c", Endpoint: "https://10.0.0.2", CAData: "Y2E="})
	var cfg struct {
		CurrentContext string `json:"current-context"`
		Clusters       []struct {
			Name    string
			Cluster map[string]string
		}
		Users []struct {
			User struct{ Exec map[string]any }
		}
	}
	if err := json.Unmarshal([]byte(kc), &cfg); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"server": "https://10.0.0.2", "certificate-authority-data": "Y2E="}
	if d := cmp.Diff(want, cfg.Clusters[0].Cluster); d != "" || cfg.CurrentContext != "c" {
		t.Errorf("cluster (-want +got):\n%s", d)
	}
	if _, hasArgs := cfg.Users[0].User.Exec["args"]; hasArgs || cfg.Users[0].User.Exec["interactiveMode"] != "Never" {
		t.Errorf("exec: %v", cfg.Users[0].User.Exec)
	}
}
