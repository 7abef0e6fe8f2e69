package gcp

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/cluster"
)

// Secondary ranges of the subnetwork. Range names are per subnetwork, so fixed names never clash.
const (
	podsRangeName     = "pods"
	servicesRangeName = "services"
)

// networkID is a VPC network's id, optionally as a self link.
var networkID = regexp.MustCompile(`^(https://www\.googleapis\.com/compute/v1/)?projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/global/networks/[a-z]([-a-z0-9]*[a-z0-9])?$`)

// healthCheckRanges are the sources of Google's load-balancer health checks and proxies.
var healthCheckRanges = []string{"35.191.0.0/16", "130.211.0.0/22"}

// NetworkArgs configure a region's VPC network.
type NetworkArgs struct {
	// Name prefixes the GCP names of the network, subnetwork, router, NAT and firewall rules, which
	// must be unique in the project: pass the cluster name (kost-<environment>-<region>). Required:
	// lowercase letters, digits and hyphens, starting with a letter, at most 40 characters.
	Name string
	// Project is the GCP project ID. Required.
	Project string
	// Region of the subnetwork, router and NAT. Required.
	Region string
	// Layout is the region's address plan (addresses.PlanGKE): Nodes becomes the subnetwork's primary
	// range, Pods and Services its secondary ranges; the whole Block is trusted by the internal
	// firewall rule. Required.
	Layout addresses.GCPLayout
	// FlowLogs turns on VPC flow logs for the subnetwork (5 s aggregation, half the flows sampled, all
	// metadata). Default: false.
	FlowLogs bool
	// DeployerNetwork is the VPC network Pulumi runs from (kost's network.deployers.gcpNetwork, a
	// projects/<p>/global/networks/<n> id): the region's network peers with it, kost's side of the
	// peering (the other side is the network owner's; until it exists the peering is INACTIVE).
	// Subnet routes only, no custom routes either way. It reaches a self-managed cluster's internal
	// load balancer; a GKE private endpoint is not reachable through it (peering is not transitive).
	// Default: none.
	DeployerNetwork string
	// Labels go on every resource that takes labels. None of the network's resources does today (GCP
	// networks, subnetworks, routers, NAT and firewall rules are unlabelled); the field keeps the
	// component's arguments like the others'. Default: none.
	Labels map[string]string
}

// Network is a custom-mode VPC network with one regional subnetwork (nodes, with secondary ranges for
// pods and Services), a Cloud Router with Cloud NAT for the private nodes' egress, and two ingress
// firewall rules: internal traffic from the region block, and Google's health checks. Nothing is open
// to 0.0.0.0/0; everything else is refused by the network's implied deny-ingress rule.
type Network struct {
	pulumi.ResourceState

	// NetworkID is the network's resource id, projects/<project>/global/networks/<name>, which GKE takes
	// as its network.
	NetworkID pulumi.StringOutput
	// SubnetworkID is the subnetwork's resource id, projects/<project>/regions/<region>/subnetworks/<name>,
	// which GKE takes as its subnetwork.
	SubnetworkID pulumi.StringOutput
	// PodsRangeName and ServicesRangeName name the subnetwork's secondary ranges for GKE's
	// ipAllocationPolicy.
	PodsRangeName, ServicesRangeName string
	// DeployerPeering is kost's side of the peering with DeployerNetwork; nil without one.
	DeployerPeering *compute.NetworkPeering
}

// Validate reports every problem with the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *NetworkArgs) Validate() error {
	if a == nil {
		a = &NetworkArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.Name == "", "Name")
	checkName(&ps, "Name", a.Name)
	ps.Required(a.Project == "", "Project")
	ps.Required(a.Region == "", "Region")
	ps.Check(a.DeployerNetwork == "" || networkID.MatchString(a.DeployerNetwork), "DeployerNetwork",
		"%q: want a network id, projects/<project>/global/networks/<name> (or its self link)", a.DeployerNetwork)
	l := a.Layout
	if !l.Block.IsValid() {
		ps.Add("Layout", "required: the region's address plan (addresses.PlanGKE)")
		return ps.Err("gcp network args")
	}
	for _, r := range []struct {
		field string
		p     netip.Prefix
	}{{"Layout.Nodes", l.Nodes}, {"Layout.Pods", l.Pods}, {"Layout.Services", l.Services}} {
		ps.Check(r.p.IsValid() && r.p.Bits() >= l.Block.Bits() && l.Block.Contains(r.p.Addr()), r.field,
			"%s is not inside the block %s: take the ranges from addresses.PlanGKE", r.p, l.Block)
	}
	ps.Check(!l.Nodes.Overlaps(l.Pods) && !l.Nodes.Overlaps(l.Services) && !l.Pods.Overlaps(l.Services), "Layout",
		"ranges overlap (nodes %s, pods %s, services %s): take them from addresses.PlanGKE", l.Nodes, l.Pods, l.Services)
	return ps.Err("gcp network args")
}

// NewNetwork creates the VPC network of one region.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("gcp network %s: %w", name, err)
	}
	n := &Network{PodsRangeName: podsRangeName, ServicesRangeName: servicesRangeName}
	if err := ctx.RegisterComponentResource("kost:gcp:Network", name, n, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(n)
	wrap := func(err error) error { return fmt.Errorf("gcp network %s: %w", name, err) }
	project, region, l := pulumi.String(args.Project), pulumi.String(args.Region), args.Layout

	network, err := compute.NewNetwork(ctx, name+"-network", &compute.NetworkArgs{
		Name:                  pulumi.String(args.Name),
		Project:               project,
		Description:           pulumi.String("kost network " + args.Name),
		AutoCreateSubnetworks: pulumi.Bool(false),
		RoutingMode:           pulumi.String("REGIONAL"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	sa := &compute.SubnetworkArgs{
		Name:                  pulumi.String(args.Name),
		Project:               project,
		Region:                region,
		Network:               network.ID(),
		Description:           pulumi.String("kost nodes of " + args.Name),
		IpCidrRange:           pulumi.String(l.Nodes.String()),
		StackType:             pulumi.String("IPV4_ONLY"),
		PrivateIpGoogleAccess: pulumi.Bool(true), // private nodes reach Google APIs and Artifact Registry
		SecondaryIpRanges: compute.SubnetworkSecondaryIpRangeArray{
			&compute.SubnetworkSecondaryIpRangeArgs{RangeName: pulumi.String(podsRangeName), IpCidrRange: pulumi.String(l.Pods.String())},
			&compute.SubnetworkSecondaryIpRangeArgs{RangeName: pulumi.String(servicesRangeName), IpCidrRange: pulumi.String(l.Services.String())},
		},
	}
	if args.FlowLogs {
		sa.LogConfig = &compute.SubnetworkLogConfigArgs{
			AggregationInterval: pulumi.String("INTERVAL_5_SEC"),
			FlowSampling:        pulumi.Float64(0.5),
			Metadata:            pulumi.String("INCLUDE_ALL_METADATA"),
		}
	}
	subnet, err := compute.NewSubnetwork(ctx, name+"-subnet", sa, parent)
	if err != nil {
		return nil, wrap(err)
	}

	// Cloud NAT: the nodes have no external IPs; they pull images and reach the internet through NAT.
	router, err := compute.NewRouter(ctx, name+"-router", &compute.RouterArgs{
		Name:        pulumi.String(args.Name + "-router"),
		Project:     project,
		Region:      region,
		Network:     network.Name,
		Description: pulumi.String("Cloud NAT of " + args.Name),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	if _, err := compute.NewRouterNat(ctx, name+"-nat", &compute.RouterNatArgs{
		Name:                          pulumi.String(args.Name + "-nat"),
		Project:                       project,
		Region:                        region,
		Router:                        router.Name,
		NatIpAllocateOption:           pulumi.String("AUTO_ONLY"),
		SourceSubnetworkIpRangesToNat: pulumi.String("ALL_SUBNETWORKS_ALL_IP_RANGES"),
		LogConfig: &compute.RouterNatLogConfigArgs{
			Enable: pulumi.Bool(true),
			Filter: pulumi.String("ERRORS_ONLY"),
		},
	}, parent); err != nil {
		return nil, wrap(err)
	}

	// Firewall: ingress is denied by the network's implied rule except for these two.
	rules := []struct {
		suffix, description string
		sources             []string
		allows              compute.FirewallAllowArray
	}{
		{
			// The block holds nodes, pods, Services and the control plane's /28, so this also lets the
			// control plane reach webhooks and kubelets on any port.
			suffix: "allow-internal", description: "traffic inside the region block " + l.Block.String(),
			sources: []string{l.Block.String()},
			allows: compute.FirewallAllowArray{
				&compute.FirewallAllowArgs{Protocol: pulumi.String("tcp")},
				&compute.FirewallAllowArgs{Protocol: pulumi.String("udp")},
				&compute.FirewallAllowArgs{Protocol: pulumi.String("icmp")},
			},
		},
		{
			suffix: "allow-health-checks", description: "Google load-balancer health checks to the nodes",
			sources: healthCheckRanges,
			allows:  compute.FirewallAllowArray{&compute.FirewallAllowArgs{Protocol: pulumi.String("tcp")}},
		},
	}
	for _, r := range rules {
		if _, err := compute.NewFirewall(ctx, name+"-"+r.suffix, &compute.FirewallArgs{
			Name:         pulumi.String(args.Name + "-" + r.suffix),
			Project:      project,
			Network:      network.Name,
			Description:  pulumi.String("kost: " + r.description),
			Direction:    pulumi.String("INGRESS"),
			Priority:     pulumi.Int(1000),
			SourceRanges: pulumi.ToStringArray(r.sources),
			Allows:       r.allows,
		}, parent); err != nil {
			return nil, wrap(err)
		}
	}

	if args.DeployerNetwork != "" {
		n.DeployerPeering, err = compute.NewNetworkPeering(ctx, name+"-deployers", &compute.NetworkPeeringArgs{
			Name:               pulumi.String(args.Name + "-to-deployers"),
			Network:            network.SelfLink,
			PeerNetwork:        pulumi.String(args.DeployerNetwork),
			ExportCustomRoutes: pulumi.Bool(false),
			ImportCustomRoutes: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
	}

	n.NetworkID = network.ID().ToStringOutput()
	n.SubnetworkID = subnet.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"networkId":         n.NetworkID,
		"subnetworkId":      n.SubnetworkID,
		"podsRangeName":     pulumi.String(n.PodsRangeName),
		"servicesRangeName": pulumi.String(n.ServicesRangeName),
	}); err != nil {
		return nil, err
	}
	return n, nil
}
