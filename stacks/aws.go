package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	kaws "github.com/kost-platform/kost/components/aws"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/stacks/config"
)

// buildAWS creates an AWS region: provider, VPC, then EKS with node pools or a kubeadm cluster.
func buildAWS(ctx *pulumi.Context, name string, args *RegionArgs, parent *Region) (cluster.Cluster, error) {
	p := args.Resolved
	prod := p.Size == config.Prod
	prov, err := kaws.NewProvider(ctx, name, &kaws.ProviderArgs{Region: p.Region, Profile: p.AWS.Profile, RoleARN: p.AWS.RoleARN},
		pulumi.Parent(parent))
	if err != nil {
		return cluster.Cluster{}, err
	}
	in := []pulumi.ResourceOption{pulumi.Parent(parent), pulumi.Provider(prov)}
	network, err := kaws.NewNetwork(ctx, name, &kaws.NetworkArgs{
		Layout:      p.AWSLayout,
		Zones:       p.Zones,
		ClusterName: p.ClusterName,
		NATPerZone:  prod,
		FlowLogs:    prod,
		Tags:        p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	if p.Mode == config.SelfManaged {
		return buildAWSSelfManaged(ctx, name, args, network, in)
	}
	eks, err := kaws.NewManagedCluster(ctx, name, &kaws.ManagedClusterArgs{
		ClusterName:    p.ClusterName,
		Region:         p.Region,
		Zones:          p.Zones,
		Version:        p.Version,
		Addons:         p.Pins.EKSAddons,
		Autoscaler:     autoscalerPins(p.Pins.Autoscaler),
		SubnetIDs:      network.PrivateSubnetIDs,
		PublicEndpoint: p.PublicEndpoint,
		PublicCIDRs:    p.PublicCIDRs,
		DeployerCIDRs:  p.Deployers.CIDRs,
		Admins:         p.Admins,
		Previewers:     p.Previewers,
		NodePools:      poolSpecs(p),
		Protect:        p.Protect,
		Profile:        p.AWS.Profile,
		RoleARN:        p.AWS.RoleARN,
		Tags:           p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	c := eks.Cluster
	if b := p.Layers.Backup; b.Enabled && p.BackupExemption == "" {
		store, err := kaws.NewBackupStore(ctx, name, &kaws.BackupStoreArgs{
			ClusterName:     p.ClusterName,
			Region:          p.Region,
			OIDCProviderARN: eks.OIDCProviderARN,
			OIDCIssuer:      eks.OIDCIssuer,
			RetentionDays:   b.RetentionDays,
			Protect:         p.Protect,
			Tags:            p.Tags,
		}, in...)
		if err != nil {
			return cluster.Cluster{}, err
		}
		c.Backups = &store.Store
	}
	return c, nil
}

// poolSpecs are a region's node pools as every cloud builds them.
func poolSpecs(p config.ResolvedRegion) []cluster.PoolSpec {
	pools := make([]cluster.PoolSpec, 0, len(p.Pools))
	for _, pp := range p.Pools {
		pools = append(pools, pp.PoolSpec)
	}
	return pools
}
