package azure_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	kazure "github.com/kost-platform/kost/components/azure"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
	"github.com/kost-platform/kost/offline"
)

const (
	subscription = "00000000-0000-4000-8000-00000000c0de"
	location     = "westeurope"
	rgName       = "kost-x-westeurope"
	clusterName  = "kost-x-westeurope"
	adminGroup   = "11111111-2222-4333-8444-555555555555"
)

var (
	zones = []string{"1", "2", "3"}
	tags  = map[string]string{"environment": "x", "region": location, "managed-by": "kost"}
)

func layout(t *testing.T) addresses.AzureLayout {
	t.Helper()
	l, err := addresses.Azure(netip.MustParsePrefix("10.40.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// run evaluates fn under the mocks with an explicit regional provider, as the stack does, and returns
// the graph and the provider's URN.
func run(t *testing.T, fn func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error) (*graph.Graph, string) {
	t.Helper()
	g, err := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		p, err := kazure.NewProvider(ctx, "westeurope", &kazure.ProviderArgs{SubscriptionID: subscription, Location: location})
		if err != nil {
			return err
		}
		return fn(ctx, pulumi.Provider(p))
	})
	if err != nil {
		t.Fatal(err)
	}
	ps := g.OfType("pulumi:providers:azure-native")
	if len(ps) != 1 {
		t.Fatalf("%d azure-native providers, want 1", len(ps))
	}
	return g, ps[0].URN
}

// checkResources asserts every Azure resource uses the explicit provider and carries the tags where
// Azure takes tags.
func checkResources(t *testing.T, g *graph.Graph, provider string) {
	t.Helper()
	untagged := map[string]bool{"azure-native:network:Subnet": true, "azure-native:authorization:RoleAssignment": true}
	for _, r := range g.Resources {
		if !strings.HasPrefix(r.Type, "azure-native:") {
			continue
		}
		if r.Provider != provider {
			t.Errorf("%s %s uses provider %q, want the regional one", r.Type, r.Name, r.Provider)
		}
		if !untagged[r.Type] && r.String("tags.environment") != "x" {
			t.Errorf("%s %s lacks the environment tag", r.Type, r.Name)
		}
	}
}

// runWithoutProvider evaluates create under the mocks without a provider, for constructors that
// must refuse their args; it returns the graph and create's own error.
func runWithoutProvider(create func(ctx *pulumi.Context) error) (*graph.Graph, error) {
	var err error
	g, _ := offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		err = create(ctx)
		return err
	})
	return g, err
}

func get(t *testing.T, g *graph.Graph, typ, name string) *graph.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s named %s", typ, name)
	}
	return r
}

// checkInputs compares inputs at dotted paths.
func checkInputs(t *testing.T, r *graph.Resource, want map[string]any) {
	t.Helper()
	for path, w := range want {
		got, _ := r.Input(path)
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s %s (-want +got):\n%s", r.Name, path, d)
		}
	}
}

// networkArgs are a region's network, changed by mutate (when not nil).
func networkArgs(t *testing.T, mutate func(a *kazure.NetworkArgs)) *kazure.NetworkArgs {
	t.Helper()
	a := &kazure.NetworkArgs{ResourceGroupName: rgName, Location: location, Layout: layout(t), Tags: tags}
	if mutate != nil {
		mutate(a)
	}
	return a
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason  string
		protect bool
	}{
		"Dev":  {reason: "an unprotected environment can delete its resource group", protect: false},
		"Prod": {reason: "a protected environment's resource group cannot be deleted by accident", protect: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var net *kazure.Network
			g, provider := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
				var err error
				net, err = kazure.NewNetwork(ctx, "net", networkArgs(t, func(a *kazure.NetworkArgs) { a.Protect = tc.protect }), opts...)
				return err
			})
			checkResources(t, g, provider)
			if net == nil {
				t.Fatal("no network")
			}

			rg := get(t, g, "azure-native:resources:ResourceGroup", "net-rg")
			checkInputs(t, rg, map[string]any{"resourceGroupName": rgName, "location": location})
			if rg.Protect != tc.protect {
				t.Errorf("%s: resource group protect %v, want %v", tc.reason, rg.Protect, tc.protect)
			}
			for _, r := range g.Resources {
				if r.Custom && !r.IsProvider() && r.URN != rg.URN && r.Protect {
					t.Errorf("%s is protected; only the resource group is", r.Name)
				}
			}

			vnet := get(t, g, "azure-native:network:VirtualNetwork", "net-vnet")
			checkInputs(t, vnet, map[string]any{"addressSpace.addressPrefixes": []any{"10.40.0.0/16"}, "resourceGroupName": rgName})

			subnets := g.OfType("azure-native:network:Subnet")
			if len(subnets) != 1 {
				t.Fatalf("%d subnets, want one node subnet over every zone", len(subnets))
			}
			nat := get(t, g, "azure-native:network:NatGateway", "net-nat")
			nsg := get(t, g, "azure-native:network:NetworkSecurityGroup", "net-nodes")
			ip := get(t, g, "azure-native:network:PublicIPAddress", "net-nat")
			checkInputs(t, subnets[0], map[string]any{
				"addressPrefix":           layout(t).Nodes.String(),
				"virtualNetworkName":      vnet.String("virtualNetworkName"),
				"natGateway.id":           nat.ID,
				"networkSecurityGroup.id": nsg.ID,
			})
			checkInputs(t, nat, map[string]any{"sku.name": "Standard"})
			if ids, _ := nat.Input("publicIpAddresses"); !cmp.Equal(ids, []any{map[string]any{"id": ip.ID}}) {
				t.Errorf("NAT gateway IPs %v, want the static IP %s", ids, ip.ID)
			}
			checkInputs(t, ip, map[string]any{
				"sku.name": "Standard", "publicIPAllocationMethod": "Static", "zones": []any{"1", "2", "3"},
			})

			// The NSG has no rules of its own, so none opens anything to the Internet; Azure's defaults
			// allow VNet and load balancer traffic only.
			if rules, ok := nsg.Input("securityRules"); ok && len(rules.([]any)) > 0 {
				for _, r := range rules.([]any) {
					rule := r.(map[string]any)
					src, _ := rule["sourceAddressPrefix"].(string)
					if rule["access"] == "Allow" && rule["direction"] == "Inbound" && slices.Contains([]string{"*", "Internet", "0.0.0.0/0"}, src) {
						t.Errorf("NSG rule %v opens the subnet to the Internet", rule)
					}
				}
			}
		})
	}
}

func pools() []cluster.PoolSpec {
	return []cluster.PoolSpec{
		{Pool: "system", InstanceType: "Standard_D4ds_v5", Desired: 3, Min: 3, Max: 6},
		{Pool: "tikv", InstanceType: "Standard_E8ds_v5", Desired: 3, Min: 3, Max: 6, Dedicated: true, DiskGiB: 128},
		{Pool: "tidb", InstanceType: "Standard_D8ds_v5", Desired: 2, Min: 2, Max: 4},
		{Pool: "spark", InstanceType: "Standard_D8ds_v5", Desired: 0, Min: 0, Max: 10, Spot: true, Dedicated: true},
	}
}

const subnetID = "/subscriptions/" + subscription + "/resourceGroups/" + rgName + "/providers/Microsoft.Network/virtualNetworks/" + rgName + "-vnet/subnets/nodes"

// aksArgs are a protected, private cluster with Entra ID admins, changed by mutate (when not nil).
func aksArgs(t *testing.T, mutate func(a *kazure.ManagedClusterArgs)) *kazure.ManagedClusterArgs {
	t.Helper()
	a := &kazure.ManagedClusterArgs{
		ClusterName:         clusterName,
		ResourceGroupName:   pulumi.String(rgName),
		Location:            location,
		Zones:               zones,
		Version:             "1.33",
		SubscriptionID:      subscription,
		NodeSubnetID:        pulumi.String(subnetID),
		Layout:              layout(t),
		AdminGroupObjectIDs: []string{adminGroup},
		NodePools:           pools(),
		Protect:             true,
		Tags:                tags,
	}
	if mutate != nil {
		mutate(a)
	}
	return a
}

// aksFixture is the run of the private cluster of aksArgs.
type aksFixture struct {
	g        *graph.Graph
	provider string // the regional Azure provider
	mc       *kazure.ManagedCluster
	aks      *graph.Resource // the AKS cluster
}

var aksRuns fixtures.Cache[aksFixture]

// managedCluster runs the private cluster of aksArgs under the mocks, once for every test that
// checks it.
func managedCluster(t *testing.T) *aksFixture {
	t.Helper()
	return aksRuns.Get(t, "Private", func(t *testing.T) *aksFixture {
		t.Helper()
		f := &aksFixture{}
		f.g, f.provider = run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			var err error
			f.mc, err = kazure.NewManagedCluster(ctx, "aks", aksArgs(t, nil), opts...)
			return err
		})
		f.aks = get(t, f.g, "azure-native:containerservice:ManagedCluster", "aks")
		return f
	})
}

func TestManagedClusterResources(t *testing.T) {
	t.Parallel()
	f := managedCluster(t)
	checkResources(t, f.g, f.provider)
}

func TestManagedClusterControlPlane(t *testing.T) {
	t.Parallel()
	aks, l := managedCluster(t).aks, layout(t)
	checkInputs(t, aks, map[string]any{
		"resourceName":                      clusterName,
		"resourceGroupName":                 rgName,
		"location":                          location,
		"kubernetesVersion":                 "1.33",
		"autoUpgradeProfile.upgradeChannel": "patch",
		"nodeResourceGroup":                 "MC_" + clusterName + "_" + location,
		"identity.type":                     "SystemAssigned",
		"sku.tier":                          "Standard",
		// Azure CNI overlay with Cilium, egress through the subnet's NAT gateway.
		"networkProfile.networkPlugin":     "azure",
		"networkProfile.networkPluginMode": "overlay",
		"networkProfile.networkPolicy":     "cilium",
		"networkProfile.networkDataplane":  "cilium",
		"networkProfile.podCidr":           l.Pods.String(),
		"networkProfile.serviceCidr":       l.Services.String(),
		"networkProfile.dnsServiceIP":      l.DNSServiceIP.String(),
		"networkProfile.outboundType":      "userAssignedNATGateway",
		// Workload identity needs the OIDC issuer.
		"oidcIssuerProfile.enabled":                   true,
		"securityProfile.workloadIdentity.enabled":    true,
		"apiServerAccessProfile.enablePrivateCluster": true,
		// Entra ID admins and Azure RBAC; no local accounts.
		"aadProfile.managed":                   true,
		"aadProfile.enableAzureRBAC":           true,
		"aadProfile.adminGroupObjectIDs":       []any{adminGroup},
		"disableLocalAccounts":                 true,
		"storageProfile.diskCSIDriver.enabled": true,
	})
	if _, ok := aks.Input("apiServerAccessProfile.authorizedIPRanges"); ok {
		t.Error("a private cluster has no authorized IP ranges")
	}
	if !aks.Protect {
		t.Error("the cluster of a protected environment must be protected")
	}
	if !slices.Contains(aks.IgnoreChanges, "agentPoolProfiles[0].count") {
		t.Errorf("ignoreChanges %v: the system pool's count belongs to the autoscaler", aks.IgnoreChanges)
	}
}

func TestManagedClusterSystemPool(t *testing.T) {
	t.Parallel()
	aks := managedCluster(t).aks
	if profiles := aks.List("agentPoolProfiles"); len(profiles) != 1 {
		t.Fatalf("%d inline pools, want only the system pool", len(profiles))
	}
	sys := aks.Map("agentPoolProfiles.0")
	want := map[string]any{
		"name": "system", "mode": "System", "vmSize": "Standard_D4ds_v5", "availabilityZones": []any{"1", "2", "3"},
		"vnetSubnetID": subnetID, "enableAutoScaling": true, "count": 3.0, "minCount": 3.0, "maxCount": 6.0,
		"nodeLabels": map[string]any{"kost.io/pool": "system"}, "osDiskType": "Managed", "osDiskSizeGB": 50.0,
		"enableEncryptionAtHost": true, "orchestratorVersion": "1.33",
	}
	for k, w := range want {
		if d := cmp.Diff(w, sys[k]); d != "" {
			t.Errorf("system pool %s (-want +got):\n%s", k, d)
		}
	}
	if sys["nodeTaints"] != nil {
		t.Errorf("the system pool runs the operators: no taints, got %v", sys["nodeTaints"])
	}
}

func TestManagedClusterSubnetRole(t *testing.T) {
	t.Parallel()
	f := managedCluster(t)
	role := get(t, f.g, "azure-native:authorization:RoleAssignment", "aks-subnet-network")
	checkInputs(t, role, map[string]any{
		"scope":            subnetID,
		"roleDefinitionId": "/subscriptions/" + subscription + "/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7",
		"principalType":    "ServicePrincipal",
	})
	identity, _ := f.aks.Outputs["identity"].ObjectValue()["principalId"].V.(string)
	if got := role.String("principalId"); got == "" || got != identity {
		t.Errorf("role for principal %q, want the cluster identity %q", got, identity)
	}
}

// TestManagedClusterDeployerRole: local accounts are off, so the identity running Pulumi
// administers the cluster through Azure RBAC.
func TestManagedClusterDeployerRole(t *testing.T) {
	t.Parallel()
	f := managedCluster(t)
	deployer := get(t, f.g, "azure-native:authorization:RoleAssignment", "aks-deployer-admin")
	checkInputs(t, deployer, map[string]any{
		"scope":            f.aks.ID,
		"principalId":      offline.MockAzureObjectID,
		"roleDefinitionId": "/subscriptions/" + subscription + "/providers/Microsoft.Authorization/roleDefinitions/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
	})
	if _, typed := deployer.Input("principalType"); typed {
		t.Error("the deployer may be a person or a workload: Azure must look its type up")
	}
}

func TestManagedClusterUserPools(t *testing.T) {
	t.Parallel()
	f := managedCluster(t)
	role := get(t, f.g, "azure-native:authorization:RoleAssignment", "aks-subnet-network")
	type pool struct {
		Mode, VMSize, Subnet, Priority, Eviction string
		Labels, Taints, Zones, Min, Max, Count   any
		SpotPrice, Disk                          any
	}
	got := map[string]pool{}
	for _, ap := range f.g.OfType("azure-native:containerservice:AgentPool") {
		in := func(k string) any { v, _ := ap.Input(k); return v }
		got[ap.String("agentPoolName")] = pool{
			Mode: ap.String("mode"), VMSize: ap.String("vmSize"), Subnet: ap.String("vnetSubnetID"),
			Priority: ap.String("scaleSetPriority"), Eviction: ap.String("scaleSetEvictionPolicy"),
			Labels: in("nodeLabels"), Taints: in("nodeTaints"), Zones: in("availabilityZones"),
			Min: in("minCount"), Max: in("maxCount"), Count: in("count"), SpotPrice: in("spotMaxPrice"), Disk: in("osDiskSizeGB"),
		}
		if !slices.Contains(ap.IgnoreChanges, "count") {
			t.Errorf("%s: the node count belongs to the autoscaler", ap.Name)
		}
		if !isTrue(ap, "enableAutoScaling") {
			t.Errorf("%s: autoscaling off", ap.Name)
		}
		if ap.String("resourceName") != clusterName || ap.String("resourceGroupName") != rgName {
			t.Errorf("%s: in cluster %s/%s", ap.Name, ap.String("resourceGroupName"), ap.String("resourceName"))
		}
		if !f.g.DependsOn(ap.URN, role.URN) || !f.g.DependsOn(ap.URN, f.aks.URN) {
			t.Errorf("%s must wait for the cluster and the subnet role", ap.Name)
		}
	}
	z := []any{"1", "2", "3"}
	label := func(p string) any { return map[string]any{"kost.io/pool": p} }
	taint := func(p string) any { return []any{"kost.io/pool=" + p + ":NoSchedule"} }
	want := map[string]pool{
		"tikv": {Mode: "User", VMSize: "Standard_E8ds_v5", Subnet: subnetID, Labels: label("tikv"), Taints: taint("tikv"),
			Zones: z, Min: 3.0, Max: 6.0, Count: 3.0, Disk: 128.0},
		"tidb": {Mode: "User", VMSize: "Standard_D8ds_v5", Subnet: subnetID, Labels: label("tidb"),
			Zones: z, Min: 2.0, Max: 4.0, Count: 2.0, Disk: 50.0},
		"spark": {Mode: "User", VMSize: "Standard_D8ds_v5", Subnet: subnetID, Labels: label("spark"),
			Taints: []any{"kost.io/pool=spark:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"},
			Zones:  z, Min: 0.0, Max: 10.0, Count: 0.0, Disk: 50.0, Priority: "Spot", Eviction: "Delete", SpotPrice: -1.0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("agent pools (-want +got):\n%s", d)
	}
}

// TestManagedClusterPoolOrder: AKS refuses concurrent agent pool operations, so the pools are
// created one after the other, each a child of the cluster's component.
func TestManagedClusterPoolOrder(t *testing.T) {
	t.Parallel()
	g := managedCluster(t).g
	order := []string{"aks-tikv", "aks-tidb", "aks-spark"}
	for i := 1; i < len(order); i++ {
		a := get(t, g, "azure-native:containerservice:AgentPool", order[i])
		b := get(t, g, "azure-native:containerservice:AgentPool", order[i-1])
		if !g.DependsOn(a.URN, b.URN) {
			t.Errorf("%s must wait for %s", a.Name, b.Name)
		}
	}
	for _, np := range g.OfType("kost:azure:NodePool") {
		if np.Parent != get(t, g, "kost:azure:ManagedCluster", "aks").URN {
			t.Errorf("node pool %s is not a child of the cluster", np.Name)
		}
	}
}

func TestManagedClusterKubeconfig(t *testing.T) {
	t.Parallel()
	f := managedCluster(t)
	ps := f.g.OfType("pulumi:providers:kubernetes")
	if len(ps) != 1 {
		t.Fatalf("%d kubernetes providers", len(ps))
	}
	if !ps[0].IsSecret("kubeconfig") {
		t.Error("the kubeconfig must be a secret")
	}
	if !isTrue(ps[0], "enableServerSideApply") {
		t.Error("server-side apply must be on")
	}
	var kc struct {
		Clusters []struct{ Cluster map[string]string }
		Users    []struct {
			User struct {
				Exec struct {
					Command, InteractiveMode string
					Args                     []string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(ps[0].String("kubeconfig")), &kc); err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	ex := kc.Users[0].User.Exec
	wantArgs := []string{"get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"}
	if ex.Command != "kubelogin" || !slices.Equal(ex.Args, wantArgs) || ex.InteractiveMode != "Never" {
		t.Errorf("exec: %+v", ex)
	}
	private, _ := f.aks.Outputs["privateFQDN"].V.(string)
	if s := kc.Clusters[0].Cluster["server"]; s != "https://"+private || !strings.Contains(s, ".privatelink.") {
		t.Errorf("server %q, want the private FQDN %q", s, private)
	}
	if ca, err := base64.StdEncoding.DecodeString(kc.Clusters[0].Cluster["certificate-authority-data"]); err != nil || !strings.Contains(string(ca), "BEGIN CERTIFICATE") {
		t.Errorf("CA data: %v", err)
	}
	var creds []graph.Invoke
	for _, inv := range f.g.Invokes {
		if strings.HasPrefix(inv.Token, "azure-native:containerservice:listManagedCluster") {
			creds = append(creds, inv)
		}
	}
	if len(creds) != 1 || creds[0].Token != "azure-native:containerservice:listManagedClusterUserCredentials" || creds[0].Provider != f.provider {
		t.Errorf("credential invokes %+v: want one user-credential call through the regional provider", creds)
	}
}

func TestManagedClusterContract(t *testing.T) {
	t.Parallel()
	c := managedCluster(t).mc.Cluster
	if c.Cloud != cluster.Azure || c.Name != clusterName || c.Region != location || !slices.Equal(c.Zones, zones) || !c.DedicatedPools || c.Provider == nil {
		t.Errorf("cluster %+v", c)
	}
	wantStorage := cluster.StorageProfile{
		Provisioner: "disk.csi.azure.com",
		DB:          map[string]string{"skuName": "Premium_ZRS"},
		Standard:    map[string]string{"skuName": "StandardSSD_ZRS"},
	}
	if d := cmp.Diff(wantStorage, c.Storage); d != "" {
		t.Errorf("storage (-want +got):\n%s", d)
	}
	if c.InternalLoadBalancer["service.beta.kubernetes.io/azure-load-balancer-internal"] != "true" {
		t.Errorf("internal LB annotations %v", c.InternalLoadBalancer)
	}
	// Ready: the cluster, the subnet role, the deployer's role (the Kubernetes provider acts as the
	// deployer) and the three agent pools, all custom resources.
	if len(c.Ready) != 6 {
		t.Errorf("%d ready resources, want 6", len(c.Ready))
	}
	for _, r := range c.Ready {
		if _, ok := r.(pulumi.CustomResource); !ok {
			t.Errorf("ready holds %T, not a custom resource", r)
		}
	}
}

// TestPublicCluster wires a network to a public cluster without Entra ID admins, as a dev stack
// would.
func TestPublicCluster(t *testing.T) {
	t.Parallel()
	g, provider := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
		net, err := kazure.NewNetwork(ctx, "net", networkArgs(t, nil), opts...)
		if err != nil {
			return err
		}
		_, err = kazure.NewManagedCluster(ctx, "aks", aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			a.ResourceGroupName, a.NodeSubnetID, a.NATPublicIP = net.ResourceGroupName, net.NodeSubnetID, net.NATPublicIP
			a.PublicEndpoint, a.PublicCIDRs = true, []string{"203.0.113.0/24"}
			a.AdminGroupObjectIDs, a.Protect, a.DisableEncryptionAtHost = nil, false, true
		}), opts...)
		return err
	})
	checkResources(t, g, provider)
	aks := get(t, g, "azure-native:containerservice:ManagedCluster", "aks")
	ip := get(t, g, "azure-native:network:PublicIPAddress", "net-nat")
	natIP, _ := ip.Outputs["ipAddress"].V.(string)
	subnet := get(t, g, "azure-native:network:Subnet", "net-nodes")
	checkInputs(t, aks, map[string]any{
		"apiServerAccessProfile.enablePrivateCluster": false,
		"apiServerAccessProfile.authorizedIPRanges":   []any{"203.0.113.0/24", natIP + "/32"},
		"disableLocalAccounts":                        true,
		"sku.tier":                                    "Free",
		"agentPoolProfiles":                           aksProfilesWithSubnet(t, aks, subnet.ID),
	})
	if aks.Protect {
		t.Error("an unprotected environment's cluster must not be protected")
	}
	if !g.DependsOn(aks.URN, subnet.URN) {
		t.Error("the cluster must wait for its subnet")
	}
	for _, ap := range g.OfType("azure-native:containerservice:AgentPool") {
		if v, _ := ap.Input("enableEncryptionAtHost"); v != false {
			t.Errorf("%s: encryption at host %v, want off", ap.Name, v)
		}
	}
	k8s := g.OfType("pulumi:providers:kubernetes")[0]
	var kc struct {
		Clusters []struct{ Cluster map[string]string }
		Users    []struct{ User map[string]any }
	}
	if err := json.Unmarshal([]byte(k8s.String("kubeconfig")), &kc); err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	// Without Entra ID admin groups too, no certificate: kubelogin with the Azure CLI login.
	if u := kc.Users[0].User; !k8s.IsSecret("kubeconfig") || u["client-certificate-data"] != nil || u["exec"] == nil {
		t.Errorf("kubeconfig user (secret %v): %v", k8s.IsSecret("kubeconfig"), u)
	}
	fqdn, _ := aks.Outputs["fqdn"].V.(string)
	if s := kc.Clusters[0].Cluster["server"]; s != "https://"+fqdn || kc.Clusters[0].Cluster["certificate-authority-data"] == "" {
		t.Errorf("cluster %v, want the public FQDN %s", kc.Clusters[0].Cluster, fqdn)
	}
	var creds []string
	for _, inv := range g.Invokes {
		creds = append(creds, inv.Token)
	}
	if slices.Contains(creds, "azure-native:containerservice:listManagedClusterAdminCredentials") {
		t.Errorf("invokes %v: local accounts are off, there are no admin credentials", creds)
	}
}

// aksProfilesWithSubnet returns the registered pool profiles after checking they use subnetID.
func aksProfilesWithSubnet(t *testing.T, aks *graph.Resource, subnetID string) any {
	t.Helper()
	profiles, _ := aks.Input("agentPoolProfiles")
	for _, p := range profiles.([]any) {
		if got := p.(map[string]any)["vnetSubnetID"]; got != subnetID {
			t.Errorf("system pool subnet %v, want %s", got, subnetID)
		}
	}
	return profiles
}

// TestManagedClusterRejectsBadArgs checks that NewManagedCluster validates before it registers
// anything; which fields each rule names is TestManagedClusterArgsValidate's.
func TestManagedClusterRejectsBadArgs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		mutate func(a *kazure.ManagedClusterArgs)
	}{
		"NoSystemPool": {reason: "CoreDNS needs a system pool", mutate: func(a *kazure.ManagedClusterArgs) { a.NodePools = a.NodePools[1:] }},
		"SpotSystem":   {reason: "AKS system pools cannot be spot", mutate: func(a *kazure.ManagedClusterArgs) { a.NodePools[0].Spot = true }},
		"LongPoolName": {reason: "a user pool's problem stops the cluster too", mutate: func(a *kazure.ManagedClusterArgs) { a.NodePools[1].Pool = "tikv-storage" }},
		"EverythingWrong": {reason: "every problem is reported at once", mutate: func(a *kazure.ManagedClusterArgs) {
			a.SubscriptionID, a.NodeSubnetID, a.Zones, a.Tags = "", nil, nil, map[string]string{"a/b": "c"}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := runWithoutProvider(func(ctx *pulumi.Context) error {
				_, err := kazure.NewManagedCluster(ctx, "aks", aksArgs(t, tc.mutate))
				return err
			})
			var aerr *cluster.ArgsError
			if !errors.As(err, &aerr) || !strings.HasPrefix(err.Error(), "aks aks: invalid AKS cluster args: ") {
				t.Errorf("%s: error %v, want the cluster's *cluster.ArgsError", tc.reason, err)
			}
			if len(g.Resources) != 0 {
				t.Errorf("%s: %d resources registered before the args were refused", tc.reason, len(g.Resources))
			}
		})
	}
}

func TestKubeconfig(t *testing.T) {
	t.Parallel()
	kc := kazure.Kubeconfig(kazure.KubeconfigArgs{ClusterName: "c", Server: "https://c.hcp.westeurope.azmk8s.io", CAData: "Y2E="})
	var doc map[string]any
	if err := json.Unmarshal([]byte(kc), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["current-context"] != "c" {
		t.Errorf("current context %v", doc["current-context"])
	}
	for _, s := range []string{`"command":"kubelogin"`, `"azurecli"`, `"interactiveMode":"Never"`, `"certificate-authority-data":"Y2E="`} {
		if !strings.Contains(kc, s) {
			t.Errorf("kubeconfig lacks %s: %s", s, kc)
		}
	}
	if strings.Contains(kc, "devicecode") {
		t.Errorf("kubeconfig would prompt: %s", kc)
	}
}
