package stacks

import (
	"fmt"
	"maps"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	kaws "github.com/kost-platform/kost/components/aws"
	kazure "github.com/kost-platform/kost/components/azure"
	"github.com/kost-platform/kost/components/cluster"
	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/stacks/config"
)

// chartRef is an add-on chart, from the environment's mirror if it has one, as the kubeadm package
// takes it.
func chartRef(env *config.Environment, c config.AddonChart) kubeadm.ChartRef {
	src := env.ResolveChart(config.Chart{Name: c.Name, Repo: c.Repo}, c.Version)
	return kubeadm.ChartRef{Name: src.Chart, Repo: src.Repo, Version: src.Version}
}

// autoscalerPins are the cluster-autoscaler's chart (from the mirror if any) and its image for a
// Kubernetes minor.
func autoscalerPins(env *config.Environment, minor string) autoscaler.Pins {
	c := chartRef(env, config.AddonCharts["clusterAutoscaler"])
	return autoscaler.Pins{Chart: autoscaler.ChartRef{Name: c.Name, Repo: c.Repo, Version: c.Version}, Image: config.ClusterAutoscalerImages[minor]}
}

// selfManagedRelease is the pinned kubeadm release of a region's Kubernetes minor version (validation
// has refused any other).
func selfManagedRelease(p config.ResolvedRegion) (config.KubeadmRelease, error) {
	r, ok := config.KubeadmReleases[p.Version]
	if !ok {
		return r, fmt.Errorf("no kubeadm release is pinned for Kubernetes %s", p.Version)
	}
	return r, nil
}

// addonPins are the pinned add-ons of a self-managed cluster in a cloud.
func addonPins(env *config.Environment, cloud config.Cloud, r config.KubeadmRelease) kubeadm.AddonPins {
	pins := kubeadm.AddonPins{
		CNI:                       chartRef(env, r.CNI),
		MetricsServer:             chartRef(env, config.AddonCharts["metricsServer"]),
		CloudControllerManagerTag: r.CloudControllerManager[cloud],
		Autoscaler:                autoscalerPins(env, minor(r.Kubernetes)),
	}
	switch cloud {
	case config.AWS:
		pins.CloudControllerManager, pins.CSIDriver = chartRef(env, config.AddonCharts["awsCCM"]), chartRef(env, config.AddonCharts["awsEBSCSI"])
	case config.Azure:
		pins.CloudControllerManager, pins.CSIDriver = chartRef(env, config.AddonCharts["azureCCM"]), chartRef(env, config.AddonCharts["azureDiskCSI"])
	case config.GCP:
		pins.Images = maps.Clone(config.GCPAddonImages)
	}
	return pins
}

// clusterSpec is what every self-managed cluster of the region takes, whatever its cloud.
func clusterSpec(args *RegionArgs, rel config.KubeadmRelease, cloud config.Cloud, regionBlock string) kubeadm.ClusterSpec {
	p := args.Resolved
	return kubeadm.ClusterSpec{
		ClusterName:       p.ClusterName,
		Region:            p.Region,
		Zones:             p.Zones,
		KubernetesVersion: rel.Kubernetes,
		ContainerdVersion: rel.Containerd,
		RegionBlock:       regionBlock,
		DeployerCIDRs:     p.Deployers.CIDRs,
		NodePools:         poolSpecs(p),
		Addons:            addonPins(args.Environment, cloud, rel),
		Protect:           args.Protect,
	}
}

// buildAWSSelfManaged creates a kubeadm cluster on EC2 in the region's VPC.
func buildAWSSelfManaged(ctx *pulumi.Context, name string, args *RegionArgs, network *kaws.Network, in []pulumi.ResourceOption) (cluster.Cluster, error) {
	p := args.Resolved
	rel, err := selfManagedRelease(p)
	if err != nil {
		return cluster.Cluster{}, err
	}
	sm, err := kaws.NewSelfManagedCluster(ctx, name, &kaws.SelfManagedClusterArgs{
		ClusterSpec:      clusterSpec(args, rel, config.AWS, p.Layout.Block.String()),
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
	rel, err := selfManagedRelease(p)
	if err != nil {
		return cluster.Cluster{}, err
	}
	sm, err := kgcp.NewSelfManagedCluster(ctx, name, &kgcp.SelfManagedClusterArgs{
		ClusterSpec: clusterSpec(args, rel, config.GCP, regionBlock),
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
	rel, err := selfManagedRelease(p)
	if err != nil {
		return cluster.Cluster{}, err
	}
	sm, err := kazure.NewSelfManagedCluster(ctx, name, &kazure.SelfManagedClusterArgs{
		ClusterSpec:       clusterSpec(args, rel, config.Azure, regionBlock),
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

// minor is a release's minor version ("1.36.4": "1.36").
func minor(release string) string {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return release
	}
	return parts[0] + "." + parts[1]
}
