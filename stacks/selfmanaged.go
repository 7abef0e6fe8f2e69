package stacks

import (
	"fmt"
	"maps"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	kaws "github.com/kost-platform/kost/components/aws"
	kazure "github.com/kost-platform/kost/components/azure"
	"github.com/kost-platform/kost/components/cluster"
	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/stacks/config"
)

// autoscalerPins are the cluster-autoscaler's resolved chart and image.
func autoscalerPins(p config.AutoscalerPins) autoscaler.Pins {
	return autoscaler.Pins{Chart: p.Chart, Image: p.Image}
}

// clusterSpec is what every self-managed cluster of the region takes, whatever its cloud.
func clusterSpec(rp config.ResolvedRegion, regionBlock string) (kubeadm.ClusterSpec, error) {
	k := rp.Pins.Kubeadm
	if k == nil {
		return kubeadm.ClusterSpec{}, fmt.Errorf("no kubeadm release is pinned for Kubernetes %s", rp.Version)
	}
	return kubeadm.ClusterSpec{
		ClusterName:       rp.ClusterName,
		Region:            rp.Region,
		Zones:             rp.Zones,
		KubernetesVersion: k.Release.Kubernetes,
		ContainerdVersion: k.Release.Containerd,
		RegionBlock:       regionBlock,
		DeployerCIDRs:     rp.Deployers.CIDRs,
		NodePools:         poolSpecs(rp),
		Addons: kubeadm.AddonPins{
			CNI:                       k.CNI,
			MetricsServer:             k.MetricsServer,
			CloudControllerManager:    k.CloudControllerManager,
			CSIDriver:                 k.CSIDriver,
			CloudControllerManagerTag: k.CloudControllerManagerTag,
			Images:                    maps.Clone(k.Images),
			Autoscaler:                autoscalerPins(rp.Pins.Autoscaler),
		},
		Protect: rp.Protect,
	}, nil
}

// buildAWSSelfManaged creates a kubeadm cluster on EC2 in the region's VPC.
func buildAWSSelfManaged(ctx *pulumi.Context, name string, args *RegionArgs, network *kaws.Network, in []pulumi.ResourceOption) (cluster.Cluster, error) {
	p := args.Resolved
	spec, err := clusterSpec(p, p.AWSLayout.Block.String())
	if err != nil {
		return cluster.Cluster{}, err
	}
	sm, err := kaws.NewSelfManagedCluster(ctx, name, &kaws.SelfManagedClusterArgs{
		ClusterSpec:      spec,
		VpcID:            network.VpcID,
		PrivateSubnetIDs: network.PrivateSubnetIDs,
		Tags:             p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	return sm.Cluster, nil
}

// buildGCPSelfManaged creates a kubeadm cluster on Compute Engine in the region's network.
func buildGCPSelfManaged(ctx *pulumi.Context, name string, args *RegionArgs, network *kgcp.Network, regionBlock string, in []pulumi.ResourceOption) (cluster.Cluster, error) {
	p := args.Resolved
	spec, err := clusterSpec(p, regionBlock)
	if err != nil {
		return cluster.Cluster{}, err
	}
	sm, err := kgcp.NewSelfManagedCluster(ctx, name, &kgcp.SelfManagedClusterArgs{
		ClusterSpec: spec,
		Project:     p.GCP.Project,
		Network:     network.NetworkID,
		Subnetwork:  network.SubnetworkID,
		Labels:      p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	return sm.Cluster, nil
}

// buildAzureSelfManaged creates a kubeadm cluster on Azure VMs in the region's VNet.
func buildAzureSelfManaged(ctx *pulumi.Context, name string, args *RegionArgs, network *kazure.Network, regionBlock string, in []pulumi.ResourceOption) (cluster.Cluster, error) {
	p := args.Resolved
	spec, err := clusterSpec(p, regionBlock)
	if err != nil {
		return cluster.Cluster{}, err
	}
	sm, err := kazure.NewSelfManagedCluster(ctx, name, &kazure.SelfManagedClusterArgs{
		ClusterSpec:       spec,
		SubscriptionID:    p.Azure.SubscriptionID,
		ResourceGroupName: network.ResourceGroupName,
		NodeSubnetID:      network.NodeSubnetID,
		Tags:              p.Tags,
	}, in...)
	if err != nil {
		return cluster.Cluster{}, err
	}
	return sm.Cluster, nil
}
