package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	kazure "github.com/kost-platform/kost/components/azure"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/stacks/config"
)

// buildAzure creates an Azure region: provider, resource group with VNet, subnet and NAT gateway,
// then AKS with node pools or a kubeadm cluster.
func buildAzure(ctx *pulumi.Context, name string, args *RegionArgs, parent *Region) (cluster.Cluster, error) {
	p := args.Resolved
	layout := p.AzureLayout
	prov, err := kazure.NewProvider(ctx, name, &kazure.ProviderArgs{SubscriptionID: p.Azure.SubscriptionID, Location: p.Region}, pulumi.Parent(parent))
	if err != nil {
		return cluster.Cluster{}, err
	}
	in := []pulumi.ResourceOption{pulumi.Parent(parent), pulumi.Provider(prov)}
	network, err := kazure.NewNetwork(ctx, name, &kazure.NetworkArgs{
		ResourceGroupName: p.Azure.ResourceGroup,
		Location:          p.Region,
		Layout:            layout,
		DeployerVNetID:    p.Deployers.AzureVNetID,
		Protect:           p.Protect,
		Tags:              p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	if p.Mode == config.SelfManaged {
		return buildAzureSelfManaged(ctx, name, args, network, layout.Block.String(), in)
	}
	aks, err := kazure.NewManagedCluster(ctx, name, &kazure.ManagedClusterArgs{
		ClusterName:         p.ClusterName,
		ResourceGroupName:   network.ResourceGroupName,
		Location:            p.Region,
		Zones:               p.Zones,
		Version:             p.Version,
		SubscriptionID:      p.Azure.SubscriptionID,
		NodeSubnetID:        network.NodeSubnetID,
		Layout:              layout,
		PublicEndpoint:      p.PublicEndpoint,
		PublicCIDRs:         p.PublicCIDRs,
		DeployerVNetID:      p.Deployers.AzureVNetID,
		NATPublicIP:         network.NATPublicIP,
		AdminGroupObjectIDs: p.Admins,
		PreviewerObjectIDs:  p.Previewers,
		NodePools:           poolSpecs(p),
		Protect:             p.Protect,
		Tags:                p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	return aks.Cluster, nil
}
