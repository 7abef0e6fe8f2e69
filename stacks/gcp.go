package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/stacks/config"
)

// buildGCP creates a GCP region: provider, VPC network with its regional subnetwork, then GKE with
// node pools or a kubeadm cluster.
func buildGCP(ctx *pulumi.Context, name string, args *RegionArgs, parent *Region) (cluster.Cluster, error) {
	p := args.Resolved
	prod := p.Size == config.Prod
	layout := p.GCPLayout
	prov, err := kgcp.NewProvider(ctx, name, &kgcp.ProviderArgs{Project: p.GCP.Project, Region: p.Region}, pulumi.Parent(parent))
	if err != nil {
		return cluster.Cluster{}, err
	}
	in := []pulumi.ResourceOption{pulumi.Parent(parent), pulumi.Provider(prov)}
	network, err := kgcp.NewNetwork(ctx, name, &kgcp.NetworkArgs{
		Name:            p.ClusterName,
		Project:         p.GCP.Project,
		Region:          p.Region,
		Layout:          layout,
		FlowLogs:        prod,
		DeployerNetwork: p.Deployers.GCPNetwork,
		Labels:          p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	var c cluster.Cluster
	if p.Mode == config.SelfManaged {
		c, err = buildGCPSelfManaged(ctx, name, args, network, layout.Block.String(), in)
	} else {
		c, err = buildGKE(ctx, name, p, network, in)
	}
	if err != nil {
		return cluster.Cluster{}, err
	}
	if b := p.Layers.Backup; b.Enabled && p.BackupExemption == "" {
		store, err := kgcp.NewBackupStore(ctx, name, &kgcp.BackupStoreArgs{
			ClusterName:   p.ClusterName,
			Project:       p.GCP.Project,
			Region:        p.Region,
			RetentionDays: b.RetentionDays,
			Protect:       p.Protect,
			Labels:        p.Tags,
			Issuer:        c.ServiceAccountIssuer, // a kubeadm cluster's; zero for GKE
		}, in...)
		if err != nil {
			return cluster.Cluster{}, err
		}
		c.Backups = &store.Store
	}
	return c, nil
}

// buildGKE creates the region's GKE cluster with its node pools.
func buildGKE(ctx *pulumi.Context, name string, p config.ResolvedRegion, network *kgcp.Network, in []pulumi.ResourceOption) (cluster.Cluster, error) {
	prod := p.Size == config.Prod
	layout := p.GCPLayout
	gke, err := kgcp.NewManagedCluster(ctx, name, &kgcp.ManagedClusterArgs{
		ClusterName:       p.ClusterName,
		Project:           p.GCP.Project,
		Region:            p.Region,
		Zones:             p.Zones,
		Version:           p.Version,
		HoldMinorUntil:    p.Pins.HoldMinorUntil,
		Network:           network.NetworkID,
		Subnetwork:        network.SubnetworkID,
		PodsRangeName:     network.PodsRangeName,
		ServicesRangeName: network.ServicesRangeName,
		MasterCIDR:        layout.Master.String(),
		PublicEndpoint:    p.PublicEndpoint,
		PublicCIDRs:       p.PublicCIDRs,
		DeployerCIDRs:     p.Deployers.CIDRs,
		Admins:            p.Admins,
		Previewers:        p.Previewers,
		NodePools:         poolSpecs(p),
		EncryptSecrets:    prod,
		Protect:           p.Protect,
		Labels:            p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	return gke.Cluster, nil
}
