package azure

import (
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// privateDNSLinkType is azure-native's Microsoft.Network/privateDnsZones/virtualNetworkLinks. The
// Go SDK's privatedns module is not among the modules kost builds with (the module proxy serves
// network, containerservice, resources and compute at the pinned version), so the resource is
// registered by its token, with the plugin version of every other azure-native resource (as
// roleAssignmentType is), and the provider's documented inputs: location "Global",
// privateZoneName, resourceGroupName, virtualNetworkLinkName, registrationEnabled and
// virtualNetwork.id (pulumi-azure-native-sdk privatedns/virtualNetworkLink.go).
const privateDNSLinkType = "azure-native:privatedns:VirtualNetworkLink"

// privateDNSLink is a private DNS zone's link to a virtual network: machines in that network resolve
// the zone's records through Azure DNS.
type privateDNSLink struct {
	pulumi.CustomResourceState
}

// privateDNSLinkArgs name the zone (in its resource group) and the network to link.
type privateDNSLinkArgs struct {
	ZoneName, ResourceGroupName pulumi.StringInput
	LinkName                    string
	VNetID                      string
	Tags                        pulumi.StringMapInput
}

// newPrivateDNSLink links a private DNS zone to a virtual network, without auto-registration (the
// linked network's machines only read the zone).
func newPrivateDNSLink(ctx *pulumi.Context, name string, a privateDNSLinkArgs, opts ...pulumi.ResourceOption) (*privateDNSLink, error) {
	var link privateDNSLink
	err := ctx.RegisterResource(privateDNSLinkType, name, pulumi.Map{
		"location":               pulumi.String("Global"),
		"privateZoneName":        a.ZoneName,
		"resourceGroupName":      a.ResourceGroupName,
		"virtualNetworkLinkName": pulumi.String(a.LinkName),
		"registrationEnabled":    pulumi.Bool(false),
		"virtualNetwork":         pulumi.Map{"id": pulumi.String(a.VNetID)},
		"tags":                   a.Tags,
	}, &link, utilities.PkgResourceDefaultOpts(opts)...)
	if err != nil {
		return nil, err
	}
	return &link, nil
}

// systemPrivateDNSZone is the zone AKS makes for a private cluster with the "system" private DNS
// zone, read off the cluster's private FQDN: the API server's record is the FQDN's first label in a
// zone <subzone>.privatelink.<region>.azmk8s.io of the node resource group (Azure/AKS#2477; the
// private-clusters page of the AKS documentation links this zone to a peered network the same way).
func systemPrivateDNSZone(privateFQDN string) string {
	_, zone, _ := strings.Cut(privateFQDN, ".")
	return zone
}
