package azure_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/google/go-cmp/cmp"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	"github.com/kost-platform/kost/components/autoscaler"
	kazure "github.com/kost-platform/kost/components/azure"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
	"github.com/kost-platform/kost/offline"
)

const smName = "kost-x-westeurope-sm"

func smPools() []cluster.PoolSpec {
	return []cluster.PoolSpec{
		{Pool: "system", InstanceType: "Standard_D4s_v5", Desired: 3, Min: 3, Max: 6},
		{Pool: "tikv", InstanceType: "Standard_L8s_v3", Desired: 3, Min: 3, Max: 9, Dedicated: true, DiskGiB: 100},
		{Pool: "spark", InstanceType: "Standard_E8s_v5", Desired: 0, Min: 0, Max: 12, Spot: true},
	}
}

// smSubnetID is the self-managed cluster's node subnet.
const smSubnetID = "/subscriptions/" + subscription + "/resourceGroups/" + rgName + "/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes"

// smArgs are a kubeadm cluster over three zones with three pools, changed by mutate (when not nil).
func smArgs(t *testing.T, mutate func(a *kazure.SelfManagedClusterArgs)) *kazure.SelfManagedClusterArgs {
	t.Helper()
	a := &kazure.SelfManagedClusterArgs{
		ClusterSpec: kubeadm.ClusterSpec{
			ClusterName:       smName,
			Region:            location,
			Zones:             zones,
			KubernetesVersion: "1.33.5",
			ContainerdVersion: "1.7.28-1~ubuntu.24.04~noble",
			RegionBlock:       layout(t).Block.String(),
			NodePools:         smPools(),
			Addons: kubeadm.AddonPins{
				Autoscaler:                autoscaler.Pins{Chart: autoscaler.ChartRef{Name: "cluster-autoscaler", Repo: "https://kubernetes.github.io/autoscaler", Version: "9.59.0"}, Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1"},
				CNI:                       kubeadm.ChartRef{Name: "cilium", Repo: "https://helm.cilium.io/", Version: "1.18.14"},
				MetricsServer:             kubeadm.ChartRef{Name: "metrics-server", Repo: "https://kubernetes-sigs.github.io/metrics-server/", Version: "3.13.0"},
				CloudControllerManager:    kubeadm.ChartRef{Name: "cloud-provider-azure", Repo: "https://raw.githubusercontent.com/kubernetes-sigs/cloud-provider-azure/master/helm/repo", Version: "1.33.4"},
				CloudControllerManagerTag: "v1.33.3",
				CSIDriver:                 kubeadm.ChartRef{Name: "azuredisk-csi-driver", Repo: "https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts", Version: "1.33.13"},
			},
		},
		SubscriptionID:    subscription,
		ResourceGroupName: pulumi.String(rgName),
		NodeSubnetID:      pulumi.String(smSubnetID),
		Tags:              tags,
	}
	if mutate != nil {
		mutate(a)
	}
	return a
}

// smResult is what a SelfManagedCluster resolved to.
type smResult struct {
	mu                   sync.Mutex
	endpoint, kubeconfig string
	apiIP                string
	kubeconfigSecret     bool
	c                    *kazure.SelfManagedCluster
}

// runSM runs a cluster of smArgs changed by mutate under the mocks, with the caller's provider.
func runSM(t *testing.T, mutate func(a *kazure.SelfManagedClusterArgs)) (*graph.Graph, string, *smResult) {
	t.Helper()
	res := &smResult{}
	g, provider := run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
		c, err := kazure.NewSelfManagedCluster(ctx, "sm", smArgs(t, mutate), opts...)
		if err != nil {
			return err
		}
		res.c = c
		n := 0
		set := func(o pulumi.StringOutput, f func(s string)) {
			// Exported, so the run waits for the capture.
			n++
			ctx.Export(fmt.Sprintf("capture-%d", n), o.ApplyT(func(s string) string {
				res.mu.Lock()
				defer res.mu.Unlock()
				f(s)
				return s
			}))
		}
		set(c.Cluster.Endpoint, func(s string) { res.endpoint = s })
		set(c.Cluster.Kubeconfig, func(s string) { res.kubeconfig = s })
		set(c.APIServerIP, func(s string) { res.apiIP = s })
		res.kubeconfigSecret = pulumi.IsSecret(c.Cluster.Kubeconfig)
		return nil
	})
	return g, provider, res
}

// cloudConfig decodes a base64 customData into its #cloud-config document.
func cloudConfig(t *testing.T, r *graph.Resource, path string) (string, map[string]any) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(r.String(path))
	if err != nil {
		t.Fatalf("%s %s: %v", r.Name, path, err)
	}
	doc := string(raw)
	if !strings.HasPrefix(doc, "#cloud-config\n") {
		t.Fatalf("%s: customData is not a #cloud-config document", r.Name)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", r.Name, err)
	}
	return doc, cfg
}

// smScenario is one self-managed configuration the TestSelfManagedCluster* tests check.
type smScenario struct {
	name, reason     string
	protect          bool
	noEncryptionHost bool
}

var smScenarios = []smScenario{
	{name: "Dev", reason: "an unprotected cluster with encryption at host"},
	{name: "Prod", reason: "protected PKI, control planes and load balancer", protect: true},
	{name: "NoEncryptionAtHost", reason: "subscriptions without the EncryptionAtHost feature still get encrypted managed disks",
		noEncryptionHost: true},
}

// smFixture is one scenario's run.
type smFixture struct {
	g        *graph.Graph
	provider string // the caller's Azure provider
	res      *smResult
	comp     *graph.Resource   // the SelfManagedCluster component
	cps      []*graph.Resource // the control-plane VMs, one per zone in join order
}

var smRuns fixtures.Cache[smFixture]

// selfManaged runs the named scenario's cluster under the mocks, once for every test that checks it.
func selfManaged(t *testing.T, scenario string) *smFixture {
	t.Helper()
	i := slices.IndexFunc(smScenarios, func(sc smScenario) bool { return sc.name == scenario })
	if i < 0 {
		t.Fatalf("no self-managed scenario %s", scenario)
	}
	sc := smScenarios[i]
	return smRuns.Get(t, sc.name, func(t *testing.T) *smFixture {
		t.Helper()
		g, provider, res := runSM(t, func(a *kazure.SelfManagedClusterArgs) {
			a.Protect, a.DisableEncryptionAtHost = sc.protect, sc.noEncryptionHost
		})
		if res.c == nil {
			t.Fatal("no cluster")
		}
		f := &smFixture{g: g, provider: provider, res: res, comp: get(t, g, "kost:azure:SelfManagedCluster", "sm")}
		for _, zone := range zones {
			f.cps = append(f.cps, get(t, g, "azure-native:compute:VirtualMachine", "sm-cp-"+zone))
		}
		return f
	})
}

// eachSM runs check on every scenario's fixture, in a parallel subtest each.
func eachSM(t *testing.T, check func(t *testing.T, sc smScenario, f *smFixture)) {
	t.Helper()
	for _, sc := range smScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			check(t, sc, selfManaged(t, sc.name))
		})
	}
}

// TestSelfManagedClusterProviders: every resource on an explicit provider, Azure on the caller's,
// tls and random on the component's own children, none on a default provider.
func TestSelfManagedClusterProviders(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		for _, r := range f.g.Resources {
			if !r.Custom || r.IsProvider() {
				continue
			}
			pkg, _, _ := strings.Cut(r.Type, ":")
			switch {
			case r.Provider == "":
				t.Errorf("%s %s uses a default provider", r.Type, r.Name)
			case pkg == "azure-native" && r.Provider != f.provider:
				t.Errorf("%s %s uses %s, want the caller's Azure provider", r.Type, r.Name, r.Provider)
			case pkg == "tls" || pkg == "random":
				p, ok := f.g.Get(r.Provider)
				if !ok || p.Type != "pulumi:providers:"+pkg || !f.g.IsUnder(p.URN, f.comp.URN) {
					t.Errorf("%s %s uses %s, want the component's %s provider", r.Type, r.Name, r.Provider, pkg)
				}
			}
		}
	})
}

// TestSelfManagedClusterLoadBalancer: the internal load balancer is Standard, with a frontend in the
// node subnet, 6443 checked on 6443.
func TestSelfManagedClusterLoadBalancer(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		lb := get(t, f.g, "azure-native:network:LoadBalancer", "sm-apiserver")
		checkInputs(t, lb, map[string]any{
			"loadBalancerName": smName + "-apiserver",
			"sku.name":         "Standard",
		})
		publicIP, _ := lb.Input("frontendIPConfigurations.0.publicIPAddress")
		if lb.String("frontendIPConfigurations.0.subnet.id") != smSubnetID || publicIP != nil {
			t.Errorf("frontend %v is not a private address of the node subnet", lb.Map("frontendIPConfigurations.0"))
		}
		probe, rule := lb.Map("probes.0"), lb.Map("loadBalancingRules.0")
		if d := cmp.Diff([]any{6443.0, "Https", "/readyz"}, []any{probe["port"], probe["protocol"], probe["requestPath"]}); d != "" {
			t.Errorf("health probe (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]any{6443.0, 6443.0, "Tcp", false}, []any{rule["frontendPort"], rule["backendPort"], rule["protocol"], rule["enableFloatingIP"]}); d != "" {
			t.Errorf("load-balancing rule (-want +got):\n%s", d)
		}
	})
}

// TestSelfManagedClusterControlPlanes: three control planes, one per zone, each NIC in the API pool.
func TestSelfManagedClusterControlPlanes(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, sc smScenario, f *smFixture) {
		lb := get(t, f.g, "azure-native:network:LoadBalancer", "sm-apiserver")
		for _, zone := range zones {
			vm := get(t, f.g, "azure-native:compute:VirtualMachine", "sm-cp-"+zone)
			nic := get(t, f.g, "azure-native:network:NetworkInterface", "sm-cp-"+zone)
			checkInputs(t, vm, map[string]any{
				"vmName":                           smName + "-cp-" + zone,
				"osProfile.computerName":           smName + "-cp-" + zone,
				"zones":                            []any{zone},
				"hardwareProfile.vmSize":           kazure.DefaultControlPlaneVMSize,
				"identity.type":                    "SystemAssigned",
				"securityProfile.encryptionAtHost": !sc.noEncryptionHost,
				"storageProfile.osDisk.managedDisk.storageAccountType":       "Premium_LRS",
				"storageProfile.imageReference.offer":                        "ubuntu-24_04-lts",
				"storageProfile.imageReference.version":                      kazure.DefaultOSImage.Version,
				"osProfile.linuxConfiguration.disablePasswordAuthentication": true,
				"networkProfile.networkInterfaces":                           []any{map[string]any{"id": nic.ID, "primary": true}},
			})
			if _, ok := vm.Input("osProfile.adminPassword"); ok {
				t.Errorf("%s has an admin password", vm.Name)
			}
			pools, _ := nic.Input("ipConfigurations.0.loadBalancerBackendAddressPools")
			if d := cmp.Diff([]any{map[string]any{"id": lb.ID + "/backendAddressPools/control-plane"}}, pools); d != "" {
				t.Errorf("%s backend pools (-want +got):\n%s", nic.Name, d)
			}
			if !slices.Contains(vm.IgnoreChanges, "osProfile.customData") {
				t.Errorf("%s does not ignore customData changes: a token rotation would replace it", vm.Name)
			}
		}
	})
}

// TestSelfManagedClusterJoinOrder: the control planes join one after the other, each once the one
// before serves the API.
func TestSelfManagedClusterJoinOrder(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		g, cps := f.g, f.cps
		for _, tt := range []struct{ a, b int }{{1, 0}, {2, 1}, {2, 0}} {
			if !g.DependsOn(cps[tt.a].URN, cps[tt.b].URN) {
				t.Errorf("%s does not wait for %s", cps[tt.a].Name, cps[tt.b].Name)
			}
			gate := get(t, g, "command:local:Command", fmt.Sprintf("sm-cp-%d-ready", tt.b+1))
			if tt.a == tt.b+1 && !g.DependsOn(cps[tt.a].URN, gate.URN) {
				t.Errorf("%s does not wait until %s serves the API", cps[tt.a].Name, cps[tt.b].Name)
			}
		}
		if g.DependsOn(cps[0].URN, cps[1].URN) {
			t.Error("the first control plane waits for a joining one")
		}
	})
}

// TestSelfManagedClusterUserData: secret user data per role, from the bootstrap, with the metadata
// guard and, on the control planes, the hairpin fix.
func TestSelfManagedClusterUserData(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		lo := "ip -4 address replace " + f.res.apiIP + "/32 dev lo"
		for i, vm := range f.cps {
			if secretAt(vm, "vmName") {
				t.Errorf("%s: secretAt sees a secret in the VM name", vm.Name)
			}
			if !secretAt(vm, "osProfile.customData") {
				t.Errorf("%s customData is not secret", vm.Name)
			}
			doc, cfg := cloudConfig(t, vm, "osProfile.customData")
			wantCmd := map[bool]string{true: "kubeadm_run init --config", false: "kubeadm_run join --config"}[i == 0]
			// The PKI comes from the vault with the VM's identity; the user data names the vault only.
			if !strings.Contains(doc, wantCmd) || strings.Contains(doc, "PRIVATE KEY") || !strings.Contains(doc, "kost-secret pki") {
				t.Errorf("%s: user data lacks %q or the PKI fetch, or holds a key", vm.Name, wantCmd)
			}
			files, _ := cfg["write_files"].([]any)
			if !slices.ContainsFunc(files, func(f any) bool {
				m, _ := f.(map[string]any)
				return m["path"] == "/etc/kost/secrets.json" && strings.Contains(fmt.Sprint(m["content"]), ".vault.azure.net/secrets/"+smName+"-kubeadm-pki")
			}) {
				t.Errorf("%s: secrets.json does not name the vault's PKI secret after the user data was extended", vm.Name)
			}
			boot, _ := cfg["bootcmd"].([]any)
			run, _ := cfg["runcmd"].([]any)
			// The bootstrap's guard: pods kept from IMDS and the WireServer's agent ports, every boot.
			if !strings.Contains(doc, "-d 169.254.169.254/32 -j DROP") || !strings.Contains(doc, "-d 168.63.129.16/32 -p tcp -m multiport --dports 80,32526 -j DROP") ||
				!strings.Contains(doc, "systemctl enable --now kost-metadata-guard.service") {
				t.Errorf("%s: pods are not kept from the metadata service and the WireServer", vm.Name)
			}
			if i == 0 && !strings.Contains(toJSON(boot), lo) {
				t.Errorf("first control plane: no loopback alias of the API address before kubeadm init: %v", boot)
			}
			if i > 0 && (!strings.Contains(toJSON(run[len(run)-1]), lo) || !strings.Contains(toJSON(run[0]), "/usr/local/sbin/kost-bootstrap")) {
				t.Errorf("%s: the loopback alias must follow kubeadm join: %v", vm.Name, run)
			}
		}
		for _, p := range smPools() {
			vmss := get(t, f.g, "azure-native:compute:VirtualMachineScaleSet", "sm-"+p.Pool)
			if !secretAt(vmss, "virtualMachineProfile.osProfile.customData") {
				t.Errorf("%s customData is not secret", vmss.Name)
			}
			doc, _ := cloudConfig(t, vmss, "virtualMachineProfile.osProfile.customData")
			if !strings.Contains(doc, "kubeadm_run join --config") || strings.Contains(doc, "ca.key") ||
				!strings.Contains(doc, "kost.io/pool="+p.Pool) || !strings.Contains(doc, "169.254.169.254/32 -j DROP") {
				t.Errorf("%s: user data is not its pool's worker join with the metadata guard", vmss.Name)
			}
		}
	})
}

// TestSelfManagedClusterNetworkSecurity: the NSG allows the region block and the load balancer's
// probes only; nothing from the Internet, no 22.
func TestSelfManagedClusterNetworkSecurity(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		var allows []string
		for _, r := range f.g.OfType("azure-native:network:SecurityRule") {
			src, ports := r.String("sourceAddressPrefix"), r.String("destinationPortRange")
			if pr, ok := r.Input("destinationPortRanges"); ok {
				ports = toJSON(pr)
			}
			if coversPort22(ports) {
				t.Errorf("rule %s mentions port 22: %s", r.Name, ports)
			}
			if r.String("access") == "Allow" {
				if slices.Contains([]string{"*", "0.0.0.0/0", "Internet", "Any"}, src) {
					t.Errorf("rule %s opens %s to %s", r.Name, ports, src)
				}
				allows = append(allows, src+" "+ports)
			}
		}
		slices.Sort(allows)
		if d := cmp.Diff([]string{"10.40.0.0/16 [\"6443\",\"10250\",\"2379-2380\"]", "AzureLoadBalancer 6443"}, allows); d != "" {
			t.Errorf("allowed sources (-want +got):\n%s", d)
		}
	})
}

// TestSelfManagedClusterScaleSets: one scale set per pool over the zones, sized, spot only when Spot,
// encrypted, its capacity the autoscaler's.
func TestSelfManagedClusterScaleSets(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, sc smScenario, f *smFixture) {
		for _, p := range smPools() {
			vmss := get(t, f.g, "azure-native:compute:VirtualMachineScaleSet", "sm-"+p.Pool)
			want := map[string]any{
				"vmScaleSetName":    smName + "-" + p.Pool,
				"orchestrationMode": "Uniform",
				"zones":             []any{"1", "2", "3"},
				"sku.name":          p.InstanceType,
				"sku.capacity":      float64(p.Desired),
				"overprovision":     false,
				"identity.type":     "SystemAssigned",
				"virtualMachineProfile.securityProfile.encryptionAtHost":                     !sc.noEncryptionHost,
				"virtualMachineProfile.storageProfile.osDisk.managedDisk.storageAccountType": "Premium_LRS",
				"virtualMachineProfile.storageProfile.osDisk.diskSizeGB":                     float64(max(p.DiskGiB, 50)),
				"tags.kost-pool": p.Pool,
			}
			if p.Spot {
				want["virtualMachineProfile.priority"] = "Spot"
				want["virtualMachineProfile.evictionPolicy"] = "Delete"
			} else if _, ok := vmss.Input("virtualMachineProfile.priority"); ok {
				t.Errorf("%s is spot without Spot", vmss.Name)
			}
			checkInputs(t, vmss, want)
			if _, ok := vmss.Input("virtualMachineProfile.storageProfile.osDisk.deleteOption"); ok {
				t.Errorf("%s: osDisk.deleteOption is for Flexible scale sets only; the API refuses it on a Uniform one", vmss.Name)
			}
			if !slices.Contains(vmss.IgnoreChanges, "sku.capacity") {
				t.Errorf("%s: the autoscaler's capacity would be reset", vmss.Name)
			}
		}
	})
}

// smRGScope is the cluster's resource group, the scope of its roles.
const smRGScope = "/subscriptions/" + subscription + "/resourceGroups/" + rgName

// TestSelfManagedClusterCustomRole: the control planes' custom role is the cluster's own, assignable
// in its group only, with no wildcards, role assignments or Key Vault management.
func TestSelfManagedClusterCustomRole(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		rd := get(t, f.g, "azure-native:authorization:RoleDefinition", "sm-cp-role")
		custom := rd.String("roleDefinitionId")
		if _, err := uuid.Parse(custom); err != nil {
			t.Errorf("custom role id %q is not a GUID: %v", custom, err)
		}
		if rd.String("scope") != smRGScope || !cmp.Equal(rd.Inputs["assignableScopes"].V, []resource.PropertyValue{resource.NewStringProperty(smRGScope)}) {
			t.Errorf("custom role scope %s, assignable scopes %v: want only the cluster's group", rd.String("scope"), rd.Inputs["assignableScopes"])
		}
		if actions := rd.List("permissions.0.actions"); len(actions) == 0 {
			t.Error("the custom role allows nothing")
		} else {
			for _, a := range actions {
				act, ok := a.(string)
				if !ok || strings.Contains(act, "*") || strings.Contains(act, "Microsoft.Authorization/") || strings.Contains(act, "Microsoft.KeyVault/") {
					t.Errorf("custom role action %q: no wildcards, no role assignments, no Key Vault management", a)
				}
			}
		}
	})
}

// TestSelfManagedClusterRoles: the cluster's custom role on the group for the control planes (no
// built-in Contributor), Reader for the workers; on the vault's secrets only, the control planes read
// the PKI and write the join token, and every node reads the token.
func TestSelfManagedClusterRoles(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		rd := get(t, f.g, "azure-native:authorization:RoleDefinition", "sm-cp-role")
		custom := rd.String("roleDefinitionId")
		vault := get(t, f.g, "azure-native:keyvault:Vault", "sm-vault")
		var roles []string
		for _, ra := range f.g.OfType("azure-native:authorization:RoleAssignment") {
			scope := smRGScope
			switch {
			case strings.HasSuffix(ra.Name, "-pki-reader"):
				scope = vault.ID + "/secrets/" + smName + "-kubeadm-pki"
			case strings.Contains(ra.Name, "-join-token-"):
				scope = vault.ID + "/secrets/" + smName + "-join-token"
			}
			if ra.String("scope") != scope {
				t.Errorf("%s scope %s, want %s", ra.Name, ra.String("scope"), scope)
			}
			def := ra.String("roleDefinitionId")
			def = def[strings.LastIndex(def, "/")+1:]
			if def == custom {
				def = "custom"
				if !slices.Contains(ra.DependsOn, rd.URN) {
					t.Errorf("%s does not wait for the custom role it assigns", ra.Name)
				}
			}
			roles = append(roles, ra.Name+" "+def)
		}
		slices.Sort(roles)
		if d := cmp.Diff([]string{
			"sm-cp-1-join-token-writer b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
			"sm-cp-1-pki-reader 4633458b-17de-408a-b874-0445c86b69e6",
			"sm-cp-1-role custom",
			"sm-cp-2-join-token-writer b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
			"sm-cp-2-pki-reader 4633458b-17de-408a-b874-0445c86b69e6",
			"sm-cp-2-role custom",
			"sm-cp-3-join-token-writer b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
			"sm-cp-3-pki-reader 4633458b-17de-408a-b874-0445c86b69e6",
			"sm-cp-3-role custom",
			"sm-spark-join-token-reader 4633458b-17de-408a-b874-0445c86b69e6",
			"sm-spark-reader acdd72a7-3385-48ef-bd42-f606fba81ae7",
			"sm-system-join-token-reader 4633458b-17de-408a-b874-0445c86b69e6",
			"sm-system-reader acdd72a7-3385-48ef-bd42-f606fba81ae7",
			"sm-tikv-join-token-reader 4633458b-17de-408a-b874-0445c86b69e6",
			"sm-tikv-reader acdd72a7-3385-48ef-bd42-f606fba81ae7",
		}, roles); d != "" {
			t.Errorf("role assignments (-want +got):\n%s", d)
		}
	})
}

// TestSelfManagedClusterProtection: the load balancer, the control planes and the PKI are protected
// with the cluster.
func TestSelfManagedClusterProtection(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, sc smScenario, f *smFixture) {
		if lb := get(t, f.g, "azure-native:network:LoadBalancer", "sm-apiserver"); lb.Protect != sc.protect {
			t.Errorf("load balancer protect %v, want %v", lb.Protect, sc.protect)
		}
		for _, vm := range f.cps {
			if vm.Protect != sc.protect {
				t.Errorf("%s protect %v, want %v", vm.Name, vm.Protect, sc.protect)
			}
		}
		for _, r := range f.g.OfType("tls:index/selfSignedCert:SelfSignedCert") {
			if r.Protect != sc.protect {
				t.Errorf("%s protect %v, want %v", r.Name, r.Protect, sc.protect)
			}
		}
	})
}

// TestSelfManagedClusterContract checks the cluster.Cluster the component hands on.
func TestSelfManagedClusterContract(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		res, c := f.res, f.res.c.Cluster
		res.mu.Lock()
		defer res.mu.Unlock()
		got := map[string]any{
			"Name": c.Name, "Cloud": c.Cloud, "Region": c.Region, "Zones": c.Zones, "Endpoint": res.endpoint,
			"KubeconfigIsAdmin": strings.Contains(res.kubeconfig, "server: https://"+res.apiIP+":6443"),
			"KubeconfigSecret":  res.kubeconfigSecret, "DedicatedPools": c.DedicatedPools, "Storage": c.Storage,
			"InternalLoadBalancer": c.InternalLoadBalancer, "HasProvider": c.Provider != nil,
		}
		want := map[string]any{
			"Name": smName, "Cloud": cluster.Azure, "Region": location, "Zones": zones,
			"Endpoint": "https://" + res.apiIP + ":6443", "KubeconfigIsAdmin": true, "KubeconfigSecret": true,
			"DedicatedPools": true,
			"Storage": cluster.StorageProfile{Provisioner: "disk.csi.azure.com",
				DB: map[string]string{"skuName": "Premium_ZRS"}, Standard: map[string]string{"skuName": "StandardSSD_ZRS"}},
			"InternalLoadBalancer": map[string]string{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
			"HasProvider":          true,
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("cluster contract (-want +got):\n%s", d)
		}
		if res.apiIP == "" {
			t.Error("the API address did not resolve")
		}
		k8s := f.g.OfType("pulumi:providers:kubernetes")
		if len(k8s) != 1 || k8s[0].Parent != f.comp.URN || !isTrue(k8s[0], "enableServerSideApply") {
			t.Errorf("want one server-side-apply kubernetes provider, child of the component: %v", k8s)
		}
	})
}

// TestSelfManagedClusterReady: Ready holds the control planes, the scale sets and the add-on charts.
func TestSelfManagedClusterReady(t *testing.T) {
	t.Parallel()
	eachSM(t, func(t *testing.T, _ smScenario, f *smFixture) {
		sm := f.res.c
		c := sm.Cluster
		for _, r := range c.Ready {
			_, custom := r.(pulumi.CustomResource)
			_, chart := r.(*helmv4.Chart)
			if !custom && !chart {
				t.Errorf("Ready holds %T, neither a custom resource nor a remote chart", r)
			}
		}
		charts := 0
		for _, r := range c.Ready {
			if _, ok := r.(*helmv4.Chart); ok {
				charts++
			}
		}
		if charts != 5 {
			t.Errorf("Ready holds %d add-on charts, want the CNI, CCM, CSI driver, metrics-server and cluster-autoscaler", charts)
		}
		for _, r := range sm.ControlPlanes {
			if !slices.Contains(c.Ready, pulumi.Resource(r)) {
				t.Error("a control-plane VM is not in Ready")
			}
		}
		for pool, s := range sm.ScaleSets {
			if !slices.Contains(c.Ready, pulumi.Resource(s)) {
				t.Errorf("scale set %s is not in Ready", pool)
			}
		}
		if len(sm.ControlPlanes) != 3 {
			t.Errorf("%d control planes, want 3", len(sm.ControlPlanes))
		}
	})
}

// coversPort22 reports whether a port spec (a port, a range, or a JSON list of them) includes 22.
func coversPort22(spec string) bool {
	for _, p := range strings.FieldsFunc(spec, func(r rune) bool { return strings.ContainsRune(`[]",`, r) }) {
		lo, hi, found := strings.Cut(p, "-")
		if !found {
			hi = lo
		}
		if p == "*" || atoi(lo) <= 22 && 22 <= atoi(hi) {
			return true
		}
	}
	return false
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func isTrue(r *graph.Resource, path string) bool {
	v, _ := r.Input(path)
	return v == true
}

// secretAt reports whether the input at a dotted path is a secret, or inside one.
func secretAt(r *graph.Resource, path string) bool {
	v := resource.NewObjectProperty(r.Inputs)
	for _, part := range strings.Split(path, ".") {
		for v.IsSecret() || v.IsOutput() {
			if v.IsSecret() || v.OutputValue().Secret {
				return true
			}
			v = v.OutputValue().Element
		}
		if !v.IsObject() {
			return false
		}
		v = v.ObjectValue()[resource.PropertyKey(part)]
	}
	return v.IsSecret() || v.IsOutput() && v.OutputValue().Secret
}

func toJSON(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return ""
	}
	return string(j)
}

// TestSelfManagedClusterRejectsBadArgs checks that NewSelfManagedCluster validates before it
// registers anything; which fields each rule names is TestSelfManagedClusterArgsValidate's.
func TestSelfManagedClusterRejectsBadArgs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		mutate func(a *kazure.SelfManagedClusterArgs)
	}{
		"NoArgs":        {reason: "args are required"},
		"UpperCaseName": {reason: "an Azure problem", mutate: func(a *kazure.SelfManagedClusterArgs) { a.ClusterName = "Kost" }},
		"NoSystemPool":  {reason: "a spec problem", mutate: func(a *kazure.SelfManagedClusterArgs) { a.NodePools = a.NodePools[1:] }},
		"EverythingWrong": {reason: "every problem is reported at once", mutate: func(a *kazure.SelfManagedClusterArgs) {
			a.KubernetesVersion, a.RegionBlock, a.SubscriptionID, a.NodeSubnetID = "1.33", "10.40.0.1/16", "", nil
			a.NodePools[0].Max = 0
			a.Tags = map[string]string{"kost.io/x": "y"}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := runWithoutProvider(func(ctx *pulumi.Context) error {
				var a *kazure.SelfManagedClusterArgs
				if tc.mutate != nil {
					a = smArgs(t, tc.mutate)
				}
				_, err := kazure.NewSelfManagedCluster(ctx, "sm", a)
				return err
			})
			var aerr *cluster.ArgsError
			if !errors.As(err, &aerr) || !strings.HasPrefix(err.Error(), "azure self-managed cluster sm: invalid self-managed cluster args: ") {
				t.Errorf("%s: error %v, want the cluster's *cluster.ArgsError", tc.reason, err)
			}
			if len(g.Resources) != 0 {
				t.Errorf("%s: %d resources registered before the args were refused", tc.reason, len(g.Resources))
			}
		})
	}
}

func TestSelfManagedAddons(t *testing.T) {
	t.Parallel()
	g := selfManaged(t, "Dev").g // the default args
	comp := get(t, g, "kost:kubeadm:Addons", "sm-addons")
	probe := get(t, g, "command:local:Command", "sm-addons-api-ready")
	gate := get(t, g, "command:local:Command", "sm-cp-1-ready")
	if !g.DependsOn(probe.URN, gate.URN) {
		t.Error("the readiness probe must wait for the first control plane's readiness gate")
	}
	secret := get(t, g, "kubernetes:core/v1:Secret", "sm-addons-ccm-cloud-config")
	if secret.Parent != comp.URN || secret.String("metadata.name") != "azure-cloud-provider" || secret.String("metadata.namespace") != "kube-system" {
		t.Errorf("cloud config secret: parent %s, %s/%s", secret.Parent, secret.String("metadata.namespace"), secret.String("metadata.name"))
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(secret.String("stringData.cloud-config")), &cfg); err != nil {
		t.Fatalf("azure.json: %v", err)
	}
	want := map[string]any{
		"cloud": "AzurePublicCloud", "tenantId": offline.MockAzureTenantID, "subscriptionId": subscription,
		"resourceGroup": rgName, "location": location, "vmType": "vmss",
		"vnetName": "v", "vnetResourceGroup": rgName, "subnetName": "nodes",
		"securityGroupName": smName + "-nodes", "securityGroupResourceGroup": rgName,
		"loadBalancerSku": "standard", "useManagedIdentityExtension": true, "useInstanceMetadata": true,
	}
	if d := cmp.Diff(want, cfg); d != "" {
		t.Errorf("azure.json (-want +got):\n%s", d)
	}
	ccm := get(t, g, "kubernetes:helm.sh/v4:Chart", "sm-addons-ccm")
	if !g.DependsOn(ccm.URN, secret.URN) {
		t.Error("the cloud-controller-manager must wait for its cloud config")
	}
	for path, want := range map[string]any{
		"chart":                                               "cloud-provider-azure",
		"values.infra.clusterName":                            smName,
		"values.cloudControllerManager.imageTag":              "v1.33.3",
		"values.cloudNodeManager.imageTag":                    "v1.33.3",
		"values.cloudControllerManager.cloudConfig":           "",
		"values.cloudControllerManager.cloudConfigSecretName": "azure-cloud-provider",
		"values.cloudControllerManager.configureCloudRoutes":  "false",
	} {
		if got, _ := ccm.Input(path); got != want {
			t.Errorf("ccm %s = %v, want %v", path, got, want)
		}
	}
	csi := get(t, g, "kubernetes:helm.sh/v4:Chart", "sm-addons-csi")
	for path, want := range map[string]any{
		"chart": "azuredisk-csi-driver", "version": "1.33.13",
		"values.controller.runOnControlPlane":     true,
		"values.controller.cloudConfigSecretName": "azure-cloud-provider",
		"values.node.cloudConfigSecretName":       "azure-cloud-provider",
		"values.windows.enabled":                  false,
	} {
		if got, _ := csi.Input(path); got != want {
			t.Errorf("csi %s = %v, want %v", path, got, want)
		}
	}
}
