package azure

import (
	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The azure-native network resources kost makes are registered by their tokens, as
// roleAssignmentType explains for the authorization ones, but here to keep the build small: the Go
// module github.com/pulumi/pulumi-azure-native-sdk/network/v2 defines every type of every network
// API (about 78,000 symbols, the largest package of the program), and each `pulumi up` compiles and
// links it for nine types (README, "Build cost"). The same provider plugin creates them; the inputs
// are the API's property names, checked by the golden graphs and the offline mocks.
const networkPrefix = "azure-native:network:"

// NetworkResource is an azure-native network resource (virtual network, subnet, NAT gateway, public IP,
// security group and rule, load balancer, network interface, peering) with the outputs kost reads back.
type NetworkResource struct {
	pulumi.CustomResourceState

	// Name is the resource's name in Azure.
	Name pulumi.StringOutput `pulumi:"name"`
	// IPAddress is a public IP address's address (other types: empty).
	IPAddress pulumi.StringPtrOutput `pulumi:"ipAddress"`
	// FrontendIPConfigurations of a load balancer and IPConfigurations of a network interface, as
	// the API returns them (other types: empty).
	FrontendIPConfigurations pulumi.ArrayOutput `pulumi:"frontendIPConfigurations"`
	IPConfigurations         pulumi.ArrayOutput `pulumi:"ipConfigurations"`
}

// newNetworkResource registers an azure-native network resource of kind (e.g. "VirtualNetwork")
// with the plugin version of every other azure-native resource.
func newNetworkResource(ctx *pulumi.Context, kind, name string, props pulumi.Map, opts ...pulumi.ResourceOption) (*NetworkResource, error) {
	var r NetworkResource
	if err := ctx.RegisterResource(networkPrefix+kind, name, props, &r, utilities.PkgResourceDefaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &r, nil
}

// subResource is a reference to another Azure resource by id.
func subResource(id pulumi.StringInput) pulumi.Map { return pulumi.Map{"id": id} }

// firstPrivateIP is the private address of the first IP configuration in configs.
func firstPrivateIP(configs pulumi.ArrayOutput) pulumi.StringOutput {
	return configs.ApplyT(func(cs []any) string {
		if len(cs) == 0 {
			return ""
		}
		m, _ := cs[0].(map[string]any)
		ip, _ := m["privateIPAddress"].(string)
		return ip
	}).(pulumi.StringOutput)
}
