package azure

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/cluster"
)

// NodeSubnetName is the name of the node subnet inside the VNet.
const NodeSubnetName = "nodes"

// natZones make the NAT gateway's public IP zone-redundant. kost regions span three zones.
var natZones = []string{"1", "2", "3"}

// resourceGroupName is what Azure accepts: 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not
// ending in '.'.
var resourceGroupName = regexp.MustCompile(`^[-\w.()]{0,89}[-\w()]$`)

// vnetID is a virtual network's resource id.
var vnetID = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w.()]+/providers/Microsoft\.Network/virtualNetworks/[-\w.]+$`)

// NetworkArgs configure a region's network.
type NetworkArgs struct {
	// ResourceGroupName is the resource group to create for the region, e.g. kost-<env>-<region>.
	// Everything of the region lives in it (the AKS node resource group aside). Required.
	ResourceGroupName string
	// Location is the Azure region, e.g. "westeurope". Required.
	Location string
	// Layout is the address plan (addresses.Azure): the VNet is Layout.Block and the node subnet
	// Layout.Nodes; pods and Services use overlay ranges outside the VNet. Required.
	Layout addresses.AzureLayout
	// Protect marks the resource group protected (pulumi protect): deleting a resource group deletes
	// everything in it. Default: false.
	Protect bool
	// DeployerVNetID is the virtual network Pulumi runs from (kost's network.deployers.azureVnetId):
	// the region's VNet peers with it, kost's side of the peering. The other side belongs to that
	// network's owner (`az network vnet peering create` from it); until it exists the peering stays
	// Initiated and carries nothing. Neither side forwards traffic or shares gateways. Default: none.
	DeployerVNetID string
	// Tags go on every resource that takes tags. Names must not contain <>%&\?/. Default: none.
	Tags map[string]string
}

// Network is a region's resource group with a VNet, one node subnet spanning the zones, a NAT
// gateway with a static zone-redundant public IP for egress, and an NSG on the subnet that keeps
// Azure's default rules only (VNet and load-balancer traffic in, nothing from the Internet).
type Network struct {
	pulumi.ResourceState

	// ResourceGroupName of the region's resource group.
	ResourceGroupName pulumi.StringOutput
	// VNetID of the VNet.
	VNetID pulumi.StringOutput
	// NodeSubnetID of the node subnet: nodes and internal load balancers.
	NodeSubnetID pulumi.StringOutput
	// NATPublicIP is the egress address of everything in the subnet. A cluster with a public API
	// endpoint must authorize it (ManagedClusterArgs.NATPublicIP) so its nodes reach the API server.
	NATPublicIP pulumi.StringOutput
	// DeployerPeering is kost's side of the peering with DeployerVNetID; nil without one.
	DeployerPeering *NetworkResource
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *NetworkArgs) Validate() error {
	if a == nil {
		a = &NetworkArgs{}
	}
	var ps cluster.Problems
	switch {
	case a.ResourceGroupName == "":
		ps.Add("ResourceGroupName", "required: the region's resource group to create, e.g. kost-<env>-<region>")
	case !resourceGroupName.MatchString(a.ResourceGroupName):
		ps.Add("ResourceGroupName", "%q must be 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'", a.ResourceGroupName)
	}
	ps.Check(a.Location != "", "Location", "required: the Azure region, e.g. westeurope")
	switch l := a.Layout; {
	case !l.Block.IsValid() && !l.Nodes.IsValid():
		ps.Add("Layout", "required: the address plan from addresses.Azure")
	case !l.Block.IsValid():
		ps.Add("Layout.Block", "required: the region block, the VNet's address space (addresses.Azure)")
	case !l.Nodes.IsValid():
		ps.Add("Layout.Nodes", "required: the node subnet inside the region block (addresses.Azure)")
	case !l.Block.Contains(l.Nodes.Addr()) || l.Nodes.Bits() < l.Block.Bits():
		ps.Add("Layout.Nodes", "node subnet %s is not inside the region block %s: take both from one addresses.Azure", l.Nodes, l.Block)
	}
	ps.Check(a.DeployerVNetID == "" || vnetID.MatchString(a.DeployerVNetID), "DeployerVNetID",
		"%q is not a virtual network id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>)", a.DeployerVNetID)
	ps.Nest("Tags", tagProblems(a.Tags))
	return ps.Err("azure network args")
}

// NewNetwork creates the network of one region.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("azure network %s: %w", name, err)
	}
	n := &Network{}
	if err := ctx.RegisterComponentResource("kost:azure:Network", name, n, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(n)
	wrap := func(err error) error { return fmt.Errorf("azure network %s: %w", name, err) }
	rgName := args.ResourceGroupName
	location := pulumi.String(args.Location)
	tags := tagsWith(args.Tags, nil)

	rg, err := resources.NewResourceGroup(ctx, name+"-rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(rgName),
		Location:          location,
		Tags:              tags,
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, wrap(err)
	}

	vnet, err := newNetworkResource(ctx, "VirtualNetwork", name+"-vnet", pulumi.Map{
		"virtualNetworkName": pulumi.String(rgName + "-vnet"),
		"resourceGroupName":  rg.Name,
		"location":           location,
		"addressSpace": pulumi.Map{
			"addressPrefixes": pulumi.StringArray{pulumi.String(args.Layout.Block.String())},
		},
		// The azure-native SDK's defaults, stated: no DDoS protection plan, no VM protection.
		"enableDdosProtection": pulumi.Bool(false),
		"enableVmProtection":   pulumi.Bool(false),
		// Subnets are separate resources; the provider keeps them when it updates the VNet.
		"tags": tags,
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	// Egress: a NAT gateway with a static, zone-redundant Standard IP. A Standard NAT gateway is not
	// zonal here (no zones given), so Azure keeps it available as long as the region is.
	ip, err := newNetworkResource(ctx, "PublicIPAddress", name+"-nat", pulumi.Map{
		"publicIpAddressName":      pulumi.String(rgName + "-nat"),
		"resourceGroupName":        rg.Name,
		"location":                 location,
		"sku":                      pulumi.Map{"name": pulumi.String("Standard"), "tier": pulumi.String("Regional")},
		"publicIPAllocationMethod": pulumi.String("Static"),
		"publicIPAddressVersion":   pulumi.String("IPv4"),
		"zones":                    pulumi.ToStringArray(natZones),
		"tags":                     tags,
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	nat, err := newNetworkResource(ctx, "NatGateway", name+"-nat", pulumi.Map{
		"natGatewayName":       pulumi.String(rgName + "-nat"),
		"resourceGroupName":    rg.Name,
		"location":             location,
		"sku":                  pulumi.Map{"name": pulumi.String("Standard")},
		"publicIpAddresses":    pulumi.Array{subResource(ip.ID())},
		"idleTimeoutInMinutes": pulumi.Int(4),
		"tags":                 tags,
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	// No security rules of kost's own: Azure's defaults allow VNet and Azure load balancer traffic in
	// and deny the rest, so nothing in the subnet is reachable from the Internet.
	nsg, err := newNetworkResource(ctx, "NetworkSecurityGroup", name+"-nodes", pulumi.Map{
		"networkSecurityGroupName": pulumi.String(rgName + "-nodes"),
		"resourceGroupName":        rg.Name,
		"location":                 location,
		"tags":                     tags,
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	// Azure subnets take no tags. One subnet spans every zone of the region.
	subnet, err := newNetworkResource(ctx, "Subnet", name+"-nodes", pulumi.Map{
		"subnetName":           pulumi.String(NodeSubnetName),
		"resourceGroupName":    rg.Name,
		"virtualNetworkName":   vnet.Name,
		"addressPrefix":        pulumi.String(args.Layout.Nodes.String()),
		"natGateway":           subResource(nat.ID()),
		"networkSecurityGroup": subResource(nsg.ID()),
		// The azure-native SDK's defaults, stated: private endpoint policies off, private link
		// service policies on.
		"privateEndpointNetworkPolicies":    pulumi.String("Disabled"),
		"privateLinkServiceNetworkPolicies": pulumi.String("Enabled"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	if args.DeployerVNetID != "" {
		// Only address space is shared: no forwarded traffic, no gateway transit either way.
		n.DeployerPeering, err = newNetworkResource(ctx, "VirtualNetworkPeering", name+"-deployers", pulumi.Map{
			"virtualNetworkPeeringName": pulumi.String(rgName + "-to-deployers"),
			"resourceGroupName":         rg.Name,
			"virtualNetworkName":        vnet.Name,
			"remoteVirtualNetwork":      subResource(pulumi.String(args.DeployerVNetID)),
			"allowVirtualNetworkAccess": pulumi.Bool(true),
			"allowForwardedTraffic":     pulumi.Bool(false),
			"allowGatewayTransit":       pulumi.Bool(false),
			"useRemoteGateways":         pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
	}

	n.ResourceGroupName = rg.Name
	n.VNetID = vnet.ID().ToStringOutput()
	n.NodeSubnetID = subnet.ID().ToStringOutput()
	n.NATPublicIP = ip.IPAddress.Elem()
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"resourceGroupName": n.ResourceGroupName,
		"vnetId":            n.VNetID,
		"nodeSubnetId":      n.NodeSubnetID,
		"natPublicIp":       n.NATPublicIP,
	}); err != nil {
		return nil, err
	}
	return n, nil
}
