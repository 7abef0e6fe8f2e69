package aws_test

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	kaws "github.com/kost-platform/kost/components/aws"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/offline"
)

// validator is every Args type of the package.
type validator interface{ Validate() error }

func nodePoolArgs(mutate func(a *kaws.NodePoolArgs)) *kaws.NodePoolArgs {
	a := &kaws.NodePoolArgs{
		Pool:         "tikv",
		ClusterName:  pulumi.String("kost-x-eu-west-1"),
		Version:      "1.33",
		NodeRoleARN:  pulumi.String("arn:aws:iam::123456789012:role/eks-node"),
		SubnetIDs:    subnets(),
		InstanceType: "r7i.2xlarge",
		Desired:      3, Min: 3, Max: 3,
		Dedicated: true,
		DiskGiB:   80,
	}
	mutate(a)
	return a
}

func kubeconfigArgs(mutate func(a *kaws.KubeconfigArgs)) *kaws.KubeconfigArgs {
	a := &kaws.KubeconfigArgs{ClusterName: "c", Endpoint: "https://x", CAData: "Y2E=", Region: "eu-west-1"}
	mutate(a)
	return a
}

func TestValidate(t *testing.T) {
	t.Parallel()
	allAddons := []string{"Addons[vpc-cni]", "Addons[kube-proxy]", "Addons[coredns]", "Addons[aws-ebs-csi-driver]"}
	cases := map[string]struct {
		reason string
		args   validator
		// what the args are in the message ("invalid <what>: ...").
		what string
		// want are the fields with problems, in order; nil for valid args.
		want []string
	}{
		"Provider/Valid": {reason: "a region is all a provider needs",
			args: &kaws.ProviderArgs{Region: "eu-west-1", Profile: "kost-prod"}},
		"Provider/Nil": {reason: "nil args are the zero value", what: "aws provider args",
			args: (*kaws.ProviderArgs)(nil), want: []string{"Region"}},
		"Provider/NoRegion": {reason: "every provider is regional", what: "aws provider args",
			args: &kaws.ProviderArgs{Profile: "kost-prod"}, want: []string{"Region"}},

		"Network/Valid": {reason: "a layout over the zones and a cluster name",
			args: networkArgs(t, func(*kaws.NetworkArgs) {})},
		"Network/Nil": {reason: "nil args are the zero value", what: "aws network args",
			args: (*kaws.NetworkArgs)(nil), want: []string{"Layout", "Zones", "ClusterName"}},
		"Network/NoClusterName": {reason: "the subnets are tagged for the cluster", what: "aws network args",
			args: networkArgs(t, func(a *kaws.NetworkArgs) { a.ClusterName = "" }), want: []string{"ClusterName"}},
		"Network/LayoutForOtherZones": {reason: "one private and one public subnet per zone", what: "aws network args",
			args: networkArgs(t, func(a *kaws.NetworkArgs) { a.Zones = zones[:2] }), want: []string{"Layout.Private", "Layout.Public"}},
		"Network/NoBlock": {reason: "the VPC is the layout's block", what: "aws network args",
			args: networkArgs(t, func(a *kaws.NetworkArgs) { a.Layout.Block = netip.Prefix{} }), want: []string{"Layout.Block"}},
		"Network/FourZones": {reason: "1 to 3 zones, every problem at once", what: "aws network args",
			args: networkArgs(t, func(a *kaws.NetworkArgs) {
				a.Zones = append(a.Zones, "eu-west-1d")
				a.ClusterName = ""
			}),
			want: []string{"Layout.Private", "Layout.Public", "Zones", "ClusterName"}},
		"Network/NoLayout": {reason: "the layout comes from addresses.AWS", what: "aws network args",
			args: networkArgs(t, func(a *kaws.NetworkArgs) { a.Layout = addresses.AWSLayout{} }), want: []string{"Layout"}},

		"NodePool/Valid": {reason: "a sized pool of a cluster",
			args: nodePoolArgs(func(*kaws.NodePoolArgs) {})},
		"NodePool/DefaultDisk": {reason: "DiskGiB 0 is the default disk",
			args: nodePoolArgs(func(a *kaws.NodePoolArgs) { a.DiskGiB = 0 })},
		"NodePool/Nil": {reason: "nil args are the zero value", what: "aws node pool args",
			args: (*kaws.NodePoolArgs)(nil),
			want: []string{"Pool", "InstanceType", "Desired", "ClusterName", "Version", "NodeRoleARN", "SubnetIDs"}},
		"NodePool/Counts": {reason: "0 <= Min <= Desired <= Max", what: "aws node pool args",
			args: nodePoolArgs(func(a *kaws.NodePoolArgs) { a.Min = 4 }), want: []string{"Desired"}},
		"NodePool/Everything": {reason: "every problem at once", what: "aws node pool args",
			args: nodePoolArgs(func(a *kaws.NodePoolArgs) {
				a.InstanceType = ""
				a.DiskGiB = 10
				a.Version = ""
				a.SubnetIDs = nil
			}),
			want: []string{"InstanceType", "DiskGiB", "Version", "SubnetIDs"}},
		"NodePool/NoInputs": {reason: "the cluster's outputs are required", what: "aws node pool args",
			args: nodePoolArgs(func(a *kaws.NodePoolArgs) {
				a.ClusterName, a.NodeRoleARN = nil, nil
			}),
			want: []string{"ClusterName", "NodeRoleARN"}},

		"ManagedCluster/Valid": {reason: "the test stack's cluster",
			args: managedArgs(func(*kaws.ManagedClusterArgs) {})},
		"ManagedCluster/PublicWithCIDRs": {reason: "a public endpoint with its CIDRs",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) {
				a.PublicEndpoint, a.PublicCIDRs = true, []string{"203.0.113.0/24"}
				a.DeployerCIDRs = []string{"10.250.0.0/24"}
			})},
		"ManagedCluster/Nil": {reason: "nil args are the zero value", what: "EKS cluster args",
			args: (*kaws.ManagedClusterArgs)(nil),
			want: slices.Concat([]string{"ClusterName", "Region", "Zones", "Version", "Autoscaler.Chart.Name", "Autoscaler.Image"},
				allAddons, []string{"SubnetIDs", "NodePools"})},
		"ManagedCluster/NoSystemPool": {reason: "coredns needs a system pool", what: "EKS cluster args",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) { a.NodePools = a.NodePools[1:] }), want: []string{"NodePools"}},
		"ManagedCluster/MissingAddon": {reason: "every add-on is pinned", what: "EKS cluster args",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) { delete(a.Addons, "coredns") }), want: []string{"Addons[coredns]"}},
		"ManagedCluster/NoAutoscalerImage": {reason: "the autoscaler is pinned", what: "EKS cluster args",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) { a.Autoscaler.Image = "" }), want: []string{"Autoscaler.Image"}},
		"ManagedCluster/OpenPublic": {reason: "a public endpoint needs its CIDRs", what: "EKS cluster args",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) { a.PublicEndpoint = true }), want: []string{"PublicCIDRs"}},
		"ManagedCluster/BadDeployers": {reason: "a security group rule takes IPv4 CIDRs", what: "EKS cluster args",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) {
				a.DeployerCIDRs = []string{"10.250.0.0/24", "10.250.0.1/24", "fd00::/64", "deployers"}
			}),
			want: []string{"DeployerCIDRs[1]", "DeployerCIDRs[2]", "DeployerCIDRs[3]"}},
		"ManagedCluster/BadPools": {reason: "each pool's sizing and unique names", what: "EKS cluster args",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) {
				a.NodePools[1].DiskGiB = 10
				a.NodePools[2].Max = 0
				a.NodePools[2].Pool = "tikv"
			}),
			want: []string{"NodePools[1].DiskGiB", "NodePools[2].Desired", "NodePools[2].Pool"}},
		"ManagedCluster/Everything": {reason: "every problem at once", what: "EKS cluster args",
			args: managedArgs(func(a *kaws.ManagedClusterArgs) {
				a.Region = ""
				a.Version = ""
				delete(a.Addons, "vpc-cni")
				delete(a.Addons, "aws-ebs-csi-driver")
				a.SubnetIDs = nil
				a.PublicEndpoint = true
				a.DeployerCIDRs = []string{"10.250.0.1/24"}
				a.NodePools[0].InstanceType = ""
			}),
			want: []string{"Region", "Version", "Addons[vpc-cni]", "Addons[aws-ebs-csi-driver]", "SubnetIDs", "PublicCIDRs",
				"DeployerCIDRs[0]", "NodePools[0].InstanceType"}},

		"Kubeconfig/Valid": {reason: "what get-token and the cluster entry need",
			args: kubeconfigArgs(func(*kaws.KubeconfigArgs) {})},
		"Kubeconfig/Nil": {reason: "nil args are the zero value", what: "EKS kubeconfig args",
			args: (*kaws.KubeconfigArgs)(nil), want: []string{"ClusterName", "Endpoint", "CAData", "Region"}},
		"Kubeconfig/NoCA": {reason: "clients verify the API server", what: "EKS kubeconfig args",
			args: kubeconfigArgs(func(a *kaws.KubeconfigArgs) { a.CAData = "" }), want: []string{"CAData"}},

		"SelfManaged/Valid": {reason: "the test stack's self-managed cluster",
			args: selfManagedArgs(func(*kaws.SelfManagedClusterArgs) {})},
		"SelfManaged/EC2": {reason: "what only EC2 checks, after the shared spec", what: "self-managed cluster args",
			args: selfManagedArgs(func(a *kaws.SelfManagedClusterArgs) {
				a.VpcID = nil
				a.PrivateSubnetIDs = nil
				a.ImageID = "ubuntu"
				a.ControlPlaneDiskGiB = 4
			}),
			want: []string{"VpcID", "PrivateSubnetIDs", "ImageID", "ControlPlaneDiskGiB"}},
		"SelfManaged/Image": {reason: "an SSM parameter is an image too",
			args: selfManagedArgs(func(a *kaws.SelfManagedClusterArgs) { a.ImageID = "resolve:ssm:/kost/ubuntu" })},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := tc.args.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("%s: %v", tc.reason, err)
				}
				return
			}
			var aerr *cluster.ArgsError
			if !errors.As(err, &aerr) {
				t.Fatalf("%s: error %v, want a *cluster.ArgsError", tc.reason, err)
			}
			if d := cmp.Diff(tc.want, aerr.Fields()); d != "" {
				t.Errorf("%s: fields (-want +got):\n%s", tc.reason, d)
			}
			if !strings.HasPrefix(err.Error(), "invalid "+tc.what+": ") {
				t.Errorf("%s: message %q, want it to start with %q", tc.reason, err, "invalid "+tc.what+": ")
			}
			for _, p := range aerr.Problems {
				if p.Reason == "" {
					t.Errorf("%s: %s has no reason", tc.reason, p.Field)
				}
			}
		})
	}
}

// TestSelfManagedValidateNil: nil args are the zero value; the shared spec's problems are
// kubeadm's (its tests), the EC2 ones come last.
func TestSelfManagedValidateNil(t *testing.T) {
	t.Parallel()
	var aerr *cluster.ArgsError
	if err := (*kaws.SelfManagedClusterArgs)(nil).Validate(); !errors.As(err, &aerr) {
		t.Fatalf("error %v, want a *cluster.ArgsError", err)
	}
	fields := aerr.Fields()
	for _, f := range []string{"ClusterName", "Region", "Zones", "NodePools"} {
		if !slices.Contains(fields, f) {
			t.Errorf("no problem with %s in %q", f, fields)
		}
	}
	// ImageID and ControlPlaneDiskGiB have defaults.
	if d := cmp.Diff([]string{"VpcID", "PrivateSubnetIDs"}, fields[max(0, len(fields)-2):]); d != "" {
		t.Errorf("EC2 fields (-want +got):\n%s", d)
	}
}

// TestConstructorsValidateFirst: every constructor refuses invalid args before it registers
// anything, and names itself and the component in the error.
func TestConstructorsValidateFirst(t *testing.T) {
	t.Parallel()
	noName := networkArgs(t, func(a *kaws.NetworkArgs) { a.ClusterName = "" })
	cases := map[string]struct {
		build  func(ctx *pulumi.Context) error
		prefix string
		want   []string
	}{
		"Provider": {prefix: "aws provider eu: invalid aws provider args: ", want: []string{"Region"},
			build: func(ctx *pulumi.Context) error {
				_, err := kaws.NewProvider(ctx, "eu", &kaws.ProviderArgs{})
				return err
			}},
		"Network": {prefix: "aws network net: invalid aws network args: ", want: []string{"ClusterName"},
			build: func(ctx *pulumi.Context) error {
				_, err := kaws.NewNetwork(ctx, "net", noName)
				return err
			}},
		"NodePool": {prefix: "aws node pool tikv: invalid aws node pool args: ", want: []string{"Desired"},
			build: func(ctx *pulumi.Context) error {
				_, err := kaws.NewNodePool(ctx, "tikv", nodePoolArgs(func(a *kaws.NodePoolArgs) { a.Max = 0 }))
				return err
			}},
		"ManagedCluster": {prefix: "eks eks: invalid EKS cluster args: ", want: []string{"NodePools[1].Desired", "NodePools"},
			build: func(ctx *pulumi.Context) error {
				_, err := kaws.NewManagedCluster(ctx, "eks", managedArgs(func(a *kaws.ManagedClusterArgs) {
					a.NodePools = a.NodePools[1:]
					a.NodePools[1].Min = 6
				}))
				return err
			}},
		"ManagedClusterNil": {prefix: "eks eks: invalid EKS cluster args: ",
			want: []string{"ClusterName", "Region", "Zones", "Version", "Autoscaler.Chart.Name", "Autoscaler.Image",
				"Addons[vpc-cni]", "Addons[kube-proxy]", "Addons[coredns]", "Addons[aws-ebs-csi-driver]", "SubnetIDs", "NodePools"},
			build: func(ctx *pulumi.Context) error {
				_, err := kaws.NewManagedCluster(ctx, "eks", nil)
				return err
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := offline.Run("test", nil, nil, tc.build)
			var aerr *cluster.ArgsError
			if !errors.As(err, &aerr) {
				t.Fatalf("error %v, want a *cluster.ArgsError", err)
			}
			if d := cmp.Diff(tc.want, aerr.Fields()); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
			if !strings.Contains(err.Error(), tc.prefix) {
				t.Errorf("error %q, want it to contain %q", err, tc.prefix)
			}
			if len(g.Resources) != 0 {
				t.Errorf("%d resources registered before the args were checked", len(g.Resources))
			}
		})
	}
}
