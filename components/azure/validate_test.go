package azure_test

import (
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
)

// validator is every Args type of the package.
type validator interface{ Validate() error }

// validateCase is one args value and the fields its Validate must name, in order (none: valid).
type validateCase struct {
	reason string
	args   validator
	want   []string
}

// checkValidate runs Validate on each case: valid args give nil, others a *cluster.ArgsError about
// what naming exactly the wanted fields.
func checkValidate(t *testing.T, what string, cases map[string]validateCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := tc.args.Validate()
			var got []string
			if err != nil {
				var aerr *cluster.ArgsError
				if !errors.As(err, &aerr) {
					t.Fatalf("%s: error %v is not a *cluster.ArgsError", tc.reason, err)
				}
				if aerr.What != what {
					t.Errorf("%s: error about %q, want %q", tc.reason, aerr.What, what)
				}
				got = aerr.Fields()
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s: fields with problems (-want +got):\n%s\nerror: %v", tc.reason, d, err)
			}
		})
	}
}

const deployerVNet = "/subscriptions/" + subscription + "/resourceGroups/kost-deployers/providers/Microsoft.Network/virtualNetworks/runners"

func TestNetworkArgsValidate(t *testing.T) {
	t.Parallel()
	other, err := addresses.Azure(netip.MustParsePrefix("10.50.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	checkValidate(t, "azure network args", map[string]validateCase{
		"Valid":        {reason: "a region's network", args: networkArgs(t, nil)},
		"ValidPeering": {reason: "peered with the deployers' VNet", args: networkArgs(t, func(a *kazure.NetworkArgs) { a.DeployerVNetID = deployerVNet })},
		"Nil": {reason: "nil args are the zero value: every required field", args: (*kazure.NetworkArgs)(nil),
			want: []string{"ResourceGroupName", "Location", "Layout"}},
		"BadGroupName": {reason: "Azure refuses the name", args: networkArgs(t, func(a *kazure.NetworkArgs) { a.ResourceGroupName = "kost x." }),
			want: []string{"ResourceGroupName"}},
		"SubnetOutside": {reason: "nodes live in the region block", args: networkArgs(t, func(a *kazure.NetworkArgs) { a.Layout.Nodes = other.Nodes }),
			want: []string{"Layout.Nodes"}},
		"NoNodeSubnet": {reason: "the node subnet is part of the layout", args: networkArgs(t, func(a *kazure.NetworkArgs) { a.Layout.Nodes = netip.Prefix{} }),
			want: []string{"Layout.Nodes"}},
		"NoBlock": {reason: "the VNet is the region block", args: networkArgs(t, func(a *kazure.NetworkArgs) { a.Layout.Block = netip.Prefix{} }),
			want: []string{"Layout.Block"}},
		"BadDeployerVNet": {reason: "the peering needs a VNet id", args: networkArgs(t, func(a *kazure.NetworkArgs) { a.DeployerVNetID = "kost-runners" }),
			want: []string{"DeployerVNetID"}},
		"LongTag": {reason: "Azure tag names have at most 512 characters", args: networkArgs(t, func(a *kazure.NetworkArgs) {
			a.Tags = map[string]string{strings.Repeat("t", 513): "x"}
		}), want: []string{"Tags[" + strings.Repeat("t", 513) + "]"}},
		"EverythingWrong": {reason: "every problem is reported at once, tags in name order", args: networkArgs(t, func(a *kazure.NetworkArgs) {
			a.Location = ""
			a.Tags = map[string]string{"kost.io/x": "y", "": "z", "ok": "fine"}
		}), want: []string{"Location", "Tags[]", "Tags[kost.io/x]"}},
	})
}

func TestNodePoolArgsValidate(t *testing.T) {
	t.Parallel()
	args := func(mutate func(a *kazure.NodePoolArgs)) *kazure.NodePoolArgs {
		a := &kazure.NodePoolArgs{
			Pool: "tikv", ResourceGroupName: pulumi.String(rgName), ClusterName: pulumi.String(clusterName), Version: "1.33",
			Zones: zones, SubnetID: pulumi.String(subnetID), VMSize: "Standard_E8ds_v5", Desired: 3, Min: 3, Max: 6, Tags: tags,
		}
		mutate(a)
		return a
	}
	checkValidate(t, "azure node pool args", map[string]validateCase{
		"Valid": {reason: "a user pool", args: args(func(*kazure.NodePoolArgs) {})},
		"ScaleFromZero": {reason: "a spot pool the autoscaler grows from nothing", args: args(func(a *kazure.NodePoolArgs) {
			a.Desired, a.Min, a.Max, a.Spot, a.Dedicated, a.DiskGiB = 0, 0, 10, true, true, 128
		})},
		"Nil": {reason: "nil args are the zero value: every required field", args: (*kazure.NodePoolArgs)(nil),
			want: []string{"Pool", "VMSize", "Desired", "ResourceGroupName", "ClusterName", "Version", "Zones", "SubnetID"}},
		"LongName": {reason: "AKS agent pool names have at most 12 characters", args: args(func(a *kazure.NodePoolArgs) { a.Pool = "tikv-storage" }),
			want: []string{"Pool"}},
		"UpperCaseName": {reason: "AKS agent pool names are lowercase", args: args(func(a *kazure.NodePoolArgs) { a.Pool = "TiKV" }),
			want: []string{"Pool"}},
		"BadCounts":    {reason: "min <= desired <= max", args: args(func(a *kazure.NodePoolArgs) { a.Desired = 9 }), want: []string{"Desired"}},
		"TinyDisk":     {reason: "an OS disk of 20 GiB or more", args: args(func(a *kazure.NodePoolArgs) { a.DiskGiB = 8 }), want: []string{"DiskGiB"}},
		"NegativeDisk": {reason: "a disk size is not negative", args: args(func(a *kazure.NodePoolArgs) { a.DiskGiB = -1 }), want: []string{"DiskGiB"}},
		"EverythingWrong": {reason: "every problem is reported at once", args: args(func(a *kazure.NodePoolArgs) {
			a.VMSize, a.Max, a.Version, a.Zones, a.SubnetID = "", 0, "", nil, nil
			a.Tags = map[string]string{"a/b": "c"}
		}), want: []string{"VMSize", "Desired", "Version", "Zones", "SubnetID", "Tags[a/b]"}},
	})
}

func TestManagedClusterArgsValidate(t *testing.T) {
	t.Parallel()
	public := func(a *kazure.ManagedClusterArgs) {
		a.PublicEndpoint, a.PublicCIDRs, a.NATPublicIP = true, []string{"203.0.113.0/24"}, pulumi.String("198.51.100.7")
	}
	checkValidate(t, "AKS cluster args", map[string]validateCase{
		"Valid":       {reason: "a private cluster", args: aksArgs(t, nil)},
		"ValidPublic": {reason: "a public cluster with its CIDRs and NAT address", args: aksArgs(t, public)},
		"ValidPrivateWithDeployersAndPreviewers": {reason: "a private cluster linked to the deployers, with preview identities",
			args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
				a.DeployerVNetID, a.PreviewerObjectIDs = deployerVNet, []string{adminGroup}
			})},
		"Nil": {reason: "nil args are the zero value: every required field", args: (*kazure.ManagedClusterArgs)(nil),
			want: []string{"ClusterName", "ResourceGroupName", "Location", "Zones", "Version", "SubscriptionID", "NodeSubnetID", "Layout", "NodePools"}},
		"BadName": {reason: "the name is the DNS prefix: no '_'", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.ClusterName = "kost_x" }),
			want: []string{"ClusterName"}},
		"LongNodeResourceGroup": {reason: "MC_<name>_<location> has at most 80 characters", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			a.ClusterName, a.Location = strings.Repeat("k", 63), "australiasoutheast"
		}), want: []string{"ClusterName"}},
		"PatchVersion": {reason: "the patch channel owns patches", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.Version = "1.33.2" }),
			want: []string{"Version"}},
		"FourZones": {reason: "Azure regions have at most 3 zones", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.Zones = []string{"1", "2", "3", "4"} }),
			want: []string{"Zones"}},
		"NoLayout": {reason: "the overlay ranges are required", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.Layout = addresses.AzureLayout{} }),
			want: []string{"Layout"}},
		"NoDNSServiceIP": {reason: "the cluster DNS address is part of the layout", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.Layout.DNSServiceIP = netip.Addr{} }),
			want: []string{"Layout.DNSServiceIP"}},
		"DNSOutsideServices": {reason: "the DNS address is a Service IP", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			a.Layout.DNSServiceIP = netip.MustParseAddr("10.40.0.10")
		}), want: []string{"Layout.DNSServiceIP"}},
		"PodsOverlapServices": {reason: "pods and Services need their own ranges", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.Layout.Pods = a.Layout.Services }),
			want: []string{"Layout.Pods"}},
		"OpenPublic": {reason: "a public endpoint needs its CIDRs and the NAT address", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.PublicEndpoint = true }),
			want: []string{"PublicCIDRs", "NATPublicIP"}},
		"BadPublicCIDR": {reason: "authorized ranges are CIDRs", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			public(a)
			a.PublicCIDRs = append(a.PublicCIDRs, "office")
		}), want: []string{"PublicCIDRs[1]"}},
		"PrivateIgnoresPublicCIDRs": {reason: "PublicCIDRs are ignored without PublicEndpoint", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			a.PublicCIDRs = []string{"office"}
		})},
		"BadDeployerVNet": {reason: "the private DNS zone links to a VNet id", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.DeployerVNetID = "kost-runners" }),
			want: []string{"DeployerVNetID"}},
		"BadPreviewer": {reason: "previewers are Entra ID object ids", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			a.PreviewerObjectIDs = []string{adminGroup, "preview-bot"}
		}), want: []string{"PreviewerObjectIDs[1]"}},
		"NoSystemPool": {reason: "CoreDNS needs a system pool", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.NodePools = a.NodePools[1:] }),
			want: []string{"NodePools"}},
		"SpotSystem": {reason: "AKS system pools cannot be spot", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.NodePools[0].Spot = true }),
			want: []string{"NodePools[0].Spot"}},
		"SystemEverything": {reason: "the system pool is on demand, shared and never empty", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			a.NodePools[0].Spot, a.NodePools[0].Dedicated, a.NodePools[0].Min = true, true, 0
		}), want: []string{"NodePools[0].Spot", "NodePools[0].Dedicated", "NodePools[0].Min"}},
		"PoolTwice": {reason: "pool names are unique", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.NodePools = append(a.NodePools, a.NodePools[1]) }),
			want: []string{"NodePools[4].Pool"}},
		"LongPoolName": {reason: "AKS agent pool names are short", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.NodePools[1].Pool = "tikv-storage" }),
			want: []string{"NodePools[1].Pool"}},
		"BadCounts": {reason: "min <= desired <= max", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.NodePools[2].Desired = 9 }),
			want: []string{"NodePools[2].Desired"}},
		"TinyDisk": {reason: "an OS disk of 20 GiB or more", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) { a.NodePools[0].DiskGiB = 10 }),
			want: []string{"NodePools[0].DiskGiB"}},
		"EverythingWrong": {reason: "every problem is reported at once", args: aksArgs(t, func(a *kazure.ManagedClusterArgs) {
			a.SubscriptionID, a.NodeSubnetID, a.Zones, a.Tags = "", nil, nil, map[string]string{"a/b": "c"}
			a.NodePools[3].Max = 0
			a.NodePools[1].InstanceType = ""
		}), want: []string{"Zones", "SubscriptionID", "NodeSubnetID", "NodePools[1].InstanceType", "NodePools[3].Desired", "Tags[a/b]"}},
	})
}

func TestProviderArgsValidate(t *testing.T) {
	t.Parallel()
	checkValidate(t, "azure provider args", map[string]validateCase{
		"Valid":          {reason: "a region's provider", args: &kazure.ProviderArgs{SubscriptionID: subscription, Location: location}},
		"Nil":            {reason: "nil args are the zero value", args: (*kazure.ProviderArgs)(nil), want: []string{"SubscriptionID", "Location"}},
		"NoLocation":     {reason: "the provider is regional", args: &kazure.ProviderArgs{SubscriptionID: subscription}, want: []string{"Location"}},
		"NoSubscription": {reason: "resources go in a subscription", args: &kazure.ProviderArgs{Location: location}, want: []string{"SubscriptionID"}},
	})
}

func TestKubeconfigArgsValidate(t *testing.T) {
	t.Parallel()
	checkValidate(t, "AKS kubeconfig args", map[string]validateCase{
		"Valid": {reason: "a cluster's kubeconfig", args: &kazure.KubeconfigArgs{ClusterName: "c", Server: "https://c.hcp.westeurope.azmk8s.io", CAData: "Y2E="}},
		"Nil": {reason: "nil args are the zero value", args: (*kazure.KubeconfigArgs)(nil),
			want: []string{"ClusterName", "Server", "CAData"}},
		"NoCA": {reason: "the API server's certificate is checked", args: &kazure.KubeconfigArgs{ClusterName: "c", Server: "https://c"},
			want: []string{"CAData"}},
	})
}

// TestSelfManagedClusterArgsValidate covers Azure's own rules, and that the spec's (kubeadm's to
// test) come with them.
func TestSelfManagedClusterArgsValidate(t *testing.T) {
	t.Parallel()
	// Nil args are the zero value: every required field, the spec's (listed by kubeadm) and Azure's.
	var aerr *cluster.ArgsError
	if err := (*kazure.SelfManagedClusterArgs)(nil).Validate(); !errors.As(err, &aerr) {
		t.Errorf("nil args: error %v, want a *cluster.ArgsError", err)
	} else if got := aerr.Fields(); len(got) < 4 || !slices.Contains(got, "ClusterName") ||
		!slices.Equal(got[len(got)-3:], []string{"SubscriptionID", "ResourceGroupName", "NodeSubnetID"}) {
		t.Errorf("nil args: fields %v, want the spec's then SubscriptionID, ResourceGroupName and NodeSubnetID", got)
	}
	checkValidate(t, "self-managed cluster args", map[string]validateCase{
		"Valid": {reason: "a kubeadm cluster on Azure VMs", args: smArgs(t, nil)},
		"ValidImage": {reason: "a pinned image of one's own", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) {
			a.Image = &kazure.OSImage{Publisher: "Canonical", Offer: "ubuntu-24_04-lts", SKU: "server", Version: "24.04.202610010"}
		})},
		"TwoZones": {reason: "one control plane per zone", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) { a.Zones = []string{"1", "2"} }),
			want: []string{"Zones"}},
		"NoSystemPool": {reason: "CoreDNS needs a pool", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) { a.NodePools = a.NodePools[1:] }),
			want: []string{"NodePools"}},
		"EverythingWrong": {reason: "every problem is reported at once, the spec's and Azure's", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) {
			a.KubernetesVersion, a.RegionBlock, a.SubscriptionID, a.NodeSubnetID = "1.33", "10.40.0.1/16", "", nil
			a.NodePools[0].Max = 0
			a.NodePools[1].Pool = "tikv-storage"
			a.Tags = map[string]string{"kost.io/x": "y"}
		}), want: []string{"KubernetesVersion", "RegionBlock", "NodePools[0].Desired", "SubscriptionID", "NodeSubnetID", "NodePools[1].Pool", "Tags[kost.io/x]"}},
		"UpperCaseName": {reason: "VM names become node names", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) { a.ClusterName = "Kost" }),
			want: []string{"ClusterName"}},
		"OtherZones": {reason: "one control plane in each of zones 1, 2 and 3", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) { a.Zones = []string{"1", "2", "4"} }),
			want: []string{"Zones"}},
		"LongPoolName": {reason: "pool names name the scale sets", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) { a.NodePools[1].Pool = "tikv-storage" }),
			want: []string{"NodePools[1].Pool"}},
		"LatestImage": {reason: "images are pinned", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) {
			a.Image = &kazure.OSImage{Publisher: "Canonical", Offer: "ubuntu-24_04-lts", SKU: "server", Version: "latest"}
		}), want: []string{"Image.Version"}},
		"IncompleteImage": {reason: "an image reference has four parts", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) {
			a.Image = &kazure.OSImage{Publisher: "Canonical", Version: "24.04.202610010"}
		}), want: []string{"Image"}},
		"NegativeControlPlaneDisk": {reason: "a disk size is not negative", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) { a.ControlPlaneDiskGiB = -1 }),
			want: []string{"ControlPlaneDiskGiB"}},
		"AzureEverythingWrong": {reason: "every Azure problem is reported at once", args: smArgs(t, func(a *kazure.SelfManagedClusterArgs) {
			a.SubscriptionID, a.ResourceGroupName, a.NodeSubnetID = "", nil, nil
			a.Tags = map[string]string{"kost.io/x": "y"}
		}), want: []string{"SubscriptionID", "ResourceGroupName", "NodeSubnetID", "Tags[kost.io/x]"}},
	})
}

// TestConstructorsValidateFirst checks every constructor refuses bad args with its Validate's
// error, named after the component, before it registers anything.
func TestConstructorsValidateFirst(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		prefix string
		create func(ctx *pulumi.Context) error
	}{
		"Provider": {prefix: "azure provider p: invalid azure provider args: ", create: func(ctx *pulumi.Context) error {
			_, err := kazure.NewProvider(ctx, "p", nil)
			return err
		}},
		"Network": {prefix: "azure network net: invalid azure network args: ", create: func(ctx *pulumi.Context) error {
			_, err := kazure.NewNetwork(ctx, "net", nil)
			return err
		}},
		"NodePool": {prefix: "azure node pool np: invalid azure node pool args: ", create: func(ctx *pulumi.Context) error {
			_, err := kazure.NewNodePool(ctx, "np", nil)
			return err
		}},
		"ManagedCluster": {prefix: "aks aks: invalid AKS cluster args: ", create: func(ctx *pulumi.Context) error {
			_, err := kazure.NewManagedCluster(ctx, "aks", nil)
			return err
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := runWithoutProvider(tc.create)
			var aerr *cluster.ArgsError
			if !errors.As(err, &aerr) || !strings.HasPrefix(err.Error(), tc.prefix) {
				t.Errorf("error %v, want a *cluster.ArgsError starting %q", err, tc.prefix)
			}
			if len(g.Resources) != 0 {
				t.Errorf("%d resources registered before the args were refused", len(g.Resources))
			}
		})
	}
}
