package azure

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// roleDefinitionType is the azure-native token of a role definition (API version 2022-05-01-preview),
// registered by token for the reason roleAssignmentType gives.
const roleDefinitionType = "azure-native:authorization:RoleDefinition"

// controlPlaneActions are what the control planes' identity may do in the cluster's resource group,
// instead of Contributor: the union of what the three controllers that run there with it need, for
// the features kost configures, each from its upstream source. Compared with Contributor the control
// planes lose Key Vault management, NAT gateway, virtual network and route table writes, storage
// accounts, deleting a scale set, and every other resource type.
//
// C, cloud-provider-azure's cloud-controller-manager v1.36.0 (chart 1.36.0): the action list of
// kubernetes-sigs/cloud-provider-azure docs topics/azure-permissions (branch documentation,
// a1534ef2), trimmed where kost's configuration leaves a feature off: route tables (kost sets
// configureCloudRoutes false), storage accounts (azurefile only), private link service writes
// (azure-pls-create annotation only; the read stays: deleting a Service's frontend lists the group's
// private link services, pkg/provider/privatelinkservice/cache.go), disks and VM writes (the in-tree
// disk plugin's, the CSI driver's now), networkInterfaces/write (standalone VMs are only the control
// planes, which a Standard load balancer excludes), public IP prefixes and ASGs (annotations kost
// does not set). Added: loadBalancers/backendAddressPools/join/action, which putting a scale set
// into a pool needs (kubernetes-sigs/cloud-provider-azure#1999, LinkedAuthorizationFailed).
//
// D, the Azure Disk CSI controller 1.34.5: docs/driver-parameters.md "required permissions for CSI
// driver controller", without diskEncryptionSets/read (kost's storage classes set no
// diskEncryptionSetID) and snapshots (the chart's snapshot controller is off), plus the "only if the
// VM/VMSS has them" joins that apply to kost's machines: the control planes' NICs, the scale sets'
// NSG, subnet and load balancer pools. Of its two resource-group reads only resourceGroups/read is
// kept: nothing in the driver's v1.34.5 source calls the resource-group client, and
// resourceGroups/*/read would read every resource of the group.
//
// A, the cluster-autoscaler 1.36.1 (Azure, vmss, tag discovery), whose README only says
// Contributor: from its calls (cloudprovider/azure azure_cache.go lists scale sets and VMs,
// azure_scale_set.go lists instances, writes the capacity and deletes instances).
var controlPlaneActions = []string{
	"Microsoft.Compute/disks/delete",                                                   // D
	"Microsoft.Compute/disks/read",                                                     // D
	"Microsoft.Compute/disks/write",                                                    // D
	"Microsoft.Compute/locations/DiskOperations/read",                                  // D
	"Microsoft.Compute/locations/operations/read",                                      // C D A
	"Microsoft.Compute/virtualMachineScaleSets/delete/action",                          // A (delete instances)
	"Microsoft.Compute/virtualMachineScaleSets/read",                                   // C D A
	"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/instanceView/read",      // C
	"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/read", // C
	"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read",                   // C D A
	"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write",                  // C D
	"Microsoft.Compute/virtualMachineScaleSets/write",                                  // C A
	"Microsoft.Compute/virtualMachines/read",                                           // C D A
	"Microsoft.Compute/virtualMachines/write",                                          // D (attach to a control plane)
	"Microsoft.Network/loadBalancers/backendAddressPools/delete",                       // C
	"Microsoft.Network/loadBalancers/backendAddressPools/join/action",                  // C D
	"Microsoft.Network/loadBalancers/backendAddressPools/read",                         // C
	"Microsoft.Network/loadBalancers/backendAddressPools/write",                        // C
	"Microsoft.Network/loadBalancers/delete",                                           // C
	"Microsoft.Network/loadBalancers/read",                                             // C
	"Microsoft.Network/loadBalancers/write",                                            // C
	"Microsoft.Network/networkInterfaces/join/action",                                  // D
	"Microsoft.Network/networkInterfaces/read",                                         // C
	"Microsoft.Network/networkSecurityGroups/join/action",                              // C D
	"Microsoft.Network/networkSecurityGroups/read",                                     // C
	"Microsoft.Network/networkSecurityGroups/write",                                    // C
	"Microsoft.Network/privateLinkServices/read",                                       // C
	"Microsoft.Network/publicIPAddresses/delete",                                       // C (public LoadBalancer Services)
	"Microsoft.Network/publicIPAddresses/join/action",                                  // C
	"Microsoft.Network/publicIPAddresses/read",                                         // C
	"Microsoft.Network/publicIPAddresses/write",                                        // C
	"Microsoft.Network/virtualNetworks/subnets/join/action",                            // C D
	"Microsoft.Network/virtualNetworks/subnets/read",                                   // C
	"Microsoft.Resources/subscriptions/resourceGroups/read",                            // D (documented)
}

// roleDefinition is an Azure custom role.
type roleDefinition struct {
	pulumi.CustomResourceState

	// Name is the definition's GUID.
	Name pulumi.StringOutput `pulumi:"name"`
}

// controlPlaneRoleID is the GUID of the cluster's control-plane role: derived from the subscription,
// the location and the cluster's name (the vault's key), so it is stable across runs (a new GUID
// would replace the role, and Azure refuses to delete a role that is still assigned) and unique per
// cluster.
func (a *SelfManagedClusterArgs) controlPlaneRoleID() string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://kost.dev/azure/control-plane-role/"+a.SubscriptionID+"/"+a.Region+"/"+a.ClusterName)).String()
}

// controlPlaneRoleDefinition makes the cluster's custom role, assignable only in its resource group.
// Its display name must be unique in the tenant, so it carries the GUID's first group.
func (b *smBuilder) controlPlaneRoleDefinition(ctx *pulumi.Context, opts ...pulumi.ResourceOption) (*roleDefinition, string, error) {
	a := b.args
	id := a.controlPlaneRoleID()
	var rd roleDefinition
	err := ctx.RegisterResource(roleDefinitionType, b.name+"-cp-role", pulumi.Map{
		"scope":            b.rgScope,
		"roleDefinitionId": pulumi.String(id),
		"roleName":         pulumi.String(fmt.Sprintf("kost %s control plane %s", a.ClusterName, id[:8])),
		"description":      pulumi.String("kost " + a.ClusterName + ": cloud-controller-manager, Azure Disk CSI controller and cluster-autoscaler on the control planes"),
		"roleType":         pulumi.String("CustomRole"),
		"permissions": pulumi.Array{pulumi.Map{
			"actions": pulumi.ToStringArray(controlPlaneActions),
		}},
		"assignableScopes": pulumi.StringArray{b.rgScope},
	}, &rd, utilities.PkgResourceDefaultOpts(opts)...)
	if err != nil {
		return nil, "", err
	}
	return &rd, id, nil
}
