package gcp_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/components/kubeadm"
)

// validator is every component's args.
type validator interface{ Validate() error }

// problemFields are the fields Validate finds wrong, nil when the args are valid.
func problemFields(t *testing.T, v validator, what string) []string {
	t.Helper()
	err := v.Validate()
	if err == nil {
		return nil
	}
	var aerr *cluster.ArgsError
	if !errors.As(err, &aerr) {
		t.Fatalf("Validate: %v, want a *cluster.ArgsError", err)
	}
	if aerr.What != what {
		t.Errorf("Validate: invalid %q, want %q", aerr.What, what)
	}
	for _, p := range aerr.Problems {
		if p.Reason == "" {
			t.Errorf("%s: no reason", p.Field)
		}
	}
	return aerr.Fields()
}

func TestValidate(t *testing.T) {
	t.Parallel()
	network, subnetwork := pulumi.String("n"), pulumi.String("s")
	nodePool := func() *kgcp.NodePoolArgs {
		return &kgcp.NodePoolArgs{Pool: "kafka", Cluster: pulumi.String(clusterName), Project: project, Region: region, Zones: zones,
			MachineType: "n2-standard-4", Desired: 3, Min: 3, Max: 6, ServiceAccount: pulumi.String("nodes@acme-kost-dev.iam.gserviceaccount.com")}
	}
	cases := map[string]struct {
		reason string
		args   func(t *testing.T) validator
		what   string
		want   []string
	}{
		"ProviderValid": {
			reason: "a project and a region are all a provider needs",
			args:   func(*testing.T) validator { return &kgcp.ProviderArgs{Project: project, Region: region} },
		},
		"ProviderNil": {
			reason: "nil args are the zero value",
			args:   func(*testing.T) validator { return (*kgcp.ProviderArgs)(nil) },
			what:   "gcp provider args", want: []string{"Project", "Region"},
		},
		"ProviderWithoutRegion": {
			reason: "the region is required",
			args:   func(*testing.T) validator { return &kgcp.ProviderArgs{Project: project} },
			what:   "gcp provider args", want: []string{"Region"},
		},

		"NetworkValid": {
			reason: "the test network",
			args: func(t *testing.T) validator {
				a := networkArgs(t)
				a.DeployerNetwork = "projects/acme-deployers/global/networks/runners"
				return &a
			},
		},
		"NetworkNil": {
			reason: "nil args are the zero value",
			args:   func(*testing.T) validator { return (*kgcp.NetworkArgs)(nil) },
			what:   "gcp network args", want: []string{"Name", "Project", "Region", "Layout"},
		},
		"NetworkWithoutLayout": {
			reason: "a bad name, no region and no layout are reported together",
			args: func(*testing.T) validator {
				return &kgcp.NetworkArgs{Name: "Bad_Name", Project: project}
			},
			what: "gcp network args", want: []string{"Name", "Region", "Layout"},
		},
		"NetworkLongNameAndBadDeployerNetwork": {
			reason: "the name prefixes the network's resources; the deployers' network must be an id",
			args: func(t *testing.T) validator {
				a := networkArgs(t)
				a.Name = "kost-production-northamerica-northeast1-x"
				a.DeployerNetwork = "runners"
				return &a
			},
			what: "gcp network args", want: []string{"Name", "DeployerNetwork"},
		},
		"NetworkRanges": {
			reason: "the ranges must lie in the block and not overlap",
			args: func(t *testing.T) validator {
				a := networkArgs(t)
				a.Layout.Pods = a.Layout.Nodes
				a.Layout.Services = netip.MustParsePrefix("10.41.0.0/20")
				return &a
			},
			what: "gcp network args", want: []string{"Layout.Services", "Layout"},
		},

		"NodePoolValid": {
			reason: "a pool with its cluster, sizes and account",
			args:   func(*testing.T) validator { return nodePool() },
		},
		"NodePoolNil": {
			reason: "nil args are the zero value",
			args:   func(*testing.T) validator { return (*kgcp.NodePoolArgs)(nil) },
			what:   "gcp node pool args",
			want:   []string{"Pool", "MachineType", "Desired", "Cluster", "Project", "Region", "Zones", "ServiceAccount"},
		},
		"NodePoolBadSizes": {
			reason: "min <= desired <= max",
			args: func(*testing.T) validator {
				a := nodePool()
				a.Desired, a.Min, a.Max = 4, 1, 3
				return a
			},
			what: "gcp node pool args", want: []string{"Desired"},
		},
		"NodePoolBadNameAndDisk": {
			reason: "the pool is the GKE node pool's name; a disk is at least 20 GiB",
			args: func(*testing.T) validator {
				a := nodePool()
				a.Pool, a.DiskGiB, a.MachineType, a.Zones = "Kafka_1", -1, "", nil
				return a
			},
			what: "gcp node pool args", want: []string{"MachineType", "DiskGiB", "Pool", "Zones"},
		},

		"ManagedClusterValid": {
			reason: "the test cluster, with previewers and a public endpoint",
			args: func(t *testing.T) validator {
				a := gkeArgs(t, network, subnetwork)
				a.PublicEndpoint, a.PublicCIDRs = true, []string{"203.0.113.0/24"}
				a.DeployerCIDRs = []string{"10.0.0.0/24"}
				a.Previewers = []string{"serviceAccount:preview@acme-kost-dev.iam.gserviceaccount.com", "user:a@example.com"}
				return a
			},
		},
		"ManagedClusterNil": {
			reason: "nil args are the zero value",
			args:   func(*testing.T) validator { return (*kgcp.ManagedClusterArgs)(nil) },
			what:   "GKE cluster args",
			want: []string{"ClusterName", "Project", "Region", "Zones", "Version", "HoldMinorUntil", "Network", "Subnetwork",
				"PodsRangeName", "ServicesRangeName", "MasterCIDR", "NodePools"},
		},
		"ManagedClusterNoSystemPool": {
			reason: "coredns and the operators need a system pool",
			args: func(t *testing.T) validator {
				a := gkeArgs(t, network, subnetwork)
				a.NodePools = a.NodePools[1:]
				return a
			},
			what: "GKE cluster args", want: []string{"NodePools"},
		},
		"ManagedClusterEverythingWrong": {
			reason: "every problem is reported at once",
			args: func(t *testing.T) validator {
				a := gkeArgs(t, nil, subnetwork)
				a.ClusterName = "Kost_Dev"
				a.PublicEndpoint = true
				a.MasterCIDR = "10.40.240.0/24"
				a.Zones = []string{"europe-west1-b", "us-east1-b"}
				a.Version = "latest"
				a.HoldMinorUntil = "end of support"
				a.Admins = []string{"group:platform@example.com", "platform@example.com"}
				a.Previewers = []string{"user:a@example.com", "group:previewers@example.com", "serviceAccount:nobody"}
				a.NodePools[1].Min = 5
				a.DeployerCIDRs = []string{"10.0.0.0/24", "runners", "10.0.0.1/24"}
				return a
			},
			what: "GKE cluster args",
			want: []string{"ClusterName", "Zones[1]", "Version", "HoldMinorUntil", "Network", "MasterCIDR", "PublicCIDRs",
				"DeployerCIDRs[1]", "DeployerCIDRs[2]", "Admins[1]", "Previewers[1]", "Previewers[2]", "NodePools[1].Desired"},
		},
		"ManagedClusterBadPools": {
			reason: "the shared pool rules and GCP's names, under the pools' paths",
			args: func(t *testing.T) validator {
				a := gkeArgs(t, network, subnetwork)
				a.PublicCIDRs = []string{"not-a-cidr"} // checked even without PublicEndpoint
				a.NodePools = append(a.NodePools,
					cluster.PoolSpec{Pool: "tikv", InstanceType: "n2-highmem-8", Desired: 3, Min: 3, Max: 3},
					cluster.PoolSpec{Pool: "Kafka", Desired: 3, Min: 3, Max: 3, DiskGiB: 10},
					cluster.PoolSpec{InstanceType: "n2-standard-4", Max: 2},
				)
				return a
			},
			what: "GKE cluster args",
			want: []string{"PublicCIDRs[0]", "NodePools[3].Pool", "NodePools[4].InstanceType", "NodePools[4].DiskGiB",
				"NodePools[5].Pool", "NodePools[4].Pool"},
		},

		"SelfManagedValid": {
			reason: "the test cluster",
			args:   func(t *testing.T) validator { return smArgs(t, network, subnetwork) },
		},
		"SelfManagedMissing": {
			reason: "the spec's and Compute Engine's required fields together",
			args: func(*testing.T) validator {
				return &kgcp.SelfManagedClusterArgs{ClusterSpec: kubeadm.ClusterSpec{NodePools: smPools(), Zones: zones, Addons: testPins()}}
			},
			what: "self-managed cluster args",
			want: []string{"ClusterName", "KubernetesVersion", "ContainerdVersion", "Region", "RegionBlock", "Project", "Network", "Subnetwork"},
		},
		"SelfManagedTwoZones": {
			reason: "a control plane in each of three zones",
			args: func(t *testing.T) validator {
				a := smArgs(t, network, subnetwork)
				a.Zones = zones[:2]
				a.NodePools = []cluster.PoolSpec{{Pool: "system", InstanceType: "e2-standard-4", Desired: 2, Min: 2, Max: 2}}
				return a
			},
			what: "self-managed cluster args", want: []string{"Zones"},
		},
		"SelfManagedForeignZoneAndOpenBlock": {
			reason: "zones in the region, once each; the block never 0.0.0.0/0",
			args: func(t *testing.T) validator {
				a := smArgs(t, network, subnetwork)
				a.Zones = []string{"europe-west1-b", "europe-west1-b", "us-east1-b"}
				a.RegionBlock = "0.0.0.0/0"
				return a
			},
			what: "self-managed cluster args", want: []string{"Zones[1]", "RegionBlock", "Zones[2]"},
		},
		"SelfManagedBadNameAndPools": {
			reason: "GCP names, a system pool, sizes in multiples of the zones",
			args: func(t *testing.T) validator {
				a := smArgs(t, network, subnetwork)
				a.ClusterName = "Kost_Dev"
				a.NodePools = []cluster.PoolSpec{{Pool: "tikv", InstanceType: "n2-highmem-8", Desired: 5, Min: 3, Max: 4}}
				return a
			},
			what: "self-managed cluster args",
			want: []string{"NodePools[0].Desired", "NodePools", "ClusterName", "NodePools[0].Desired"},
		},
		"SelfManagedGCPPools": {
			reason: "a GCP pool name that leaves room in the instance names",
			args: func(t *testing.T) validator {
				a := smArgs(t, network, subnetwork)
				a.NodePools = append(a.NodePools, cluster.PoolSpec{Pool: "spark-executors-on-spot-vms-in-three-zones", InstanceType: "n2-standard-8", Max: 3})
				a.Image = "ubuntu 24.04"
				return a
			},
			what: "self-managed cluster args", want: []string{"Image", "NodePools[3].Pool", "NodePools[3].Pool"},
		},
		"SelfManagedFloatingAddonPins": {
			reason: "every add-on pinned to an exact version",
			args: func(t *testing.T) validator {
				a := smArgs(t, network, subnetwork)
				a.Addons = testPins()
				a.Addons.CloudControllerManagerTag = "latest"
				a.Addons.CNI.Version = ""
				delete(a.Addons.Images, kgcp.ImageResizer)
				a.Addons.Images[kgcp.ImageAttacher] = "registry.k8s.io/sig-storage/csi-attacher"
				return a
			},
			what: "self-managed cluster args",
			want: []string{"Addons.CNI", "Addons.CloudControllerManagerTag", "Addons.Images[csiAttacher]", "Addons.Images[csiResizer]"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if d := cmp.Diff(tc.want, problemFields(t, tc.args(t), tc.what)); d != "" {
				t.Errorf("%s: fields with problems (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

// TestValidateNil checks that nil args are refused like the zero value, without a panic.
func TestValidateNil(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		nil, zero validator
		what      string
	}{
		"Provider":           {(*kgcp.ProviderArgs)(nil), &kgcp.ProviderArgs{}, "gcp provider args"},
		"Network":            {(*kgcp.NetworkArgs)(nil), &kgcp.NetworkArgs{}, "gcp network args"},
		"NodePool":           {(*kgcp.NodePoolArgs)(nil), &kgcp.NodePoolArgs{}, "gcp node pool args"},
		"ManagedCluster":     {(*kgcp.ManagedClusterArgs)(nil), &kgcp.ManagedClusterArgs{}, "GKE cluster args"},
		"SelfManagedCluster": {(*kgcp.SelfManagedClusterArgs)(nil), &kgcp.SelfManagedClusterArgs{}, "self-managed cluster args"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := problemFields(t, tc.zero, tc.what)
			if len(want) == 0 {
				t.Fatal("the zero value passed")
			}
			if d := cmp.Diff(want, problemFields(t, tc.nil, tc.what)); d != "" {
				t.Errorf("nil args (-zero value +nil):\n%s", d)
			}
		})
	}
}
