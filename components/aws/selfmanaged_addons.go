package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/stacks/netplan"
)

// addonInstallers are the add-ons of a self-managed cluster on EC2: Cilium, the AWS
// cloud-controller-manager on the control planes (their role has its permissions), the EBS CSI
// driver with its controller on the system pool (the worker role has the driver's permissions and a
// metadata hop limit of 2 lets its pods reach them) and metrics-server.
func (a *SelfManagedClusterArgs) addonInstallers() kubeadm.AddonSet {
	p := a.Addons
	ccm := kubeadm.Chart{Ref: p.CloudControllerManager, Values: pulumi.Map{
		"image": pulumi.Map{"tag": pulumi.String(p.CloudControllerManagerTag)},
		"args": pulumi.StringArray{
			pulumi.String("--v=2"),
			pulumi.String("--cloud-provider=aws"),
			pulumi.String("--cluster-name=" + a.ClusterName),
			// Cilium routes pods through VXLAN: no VPC routes per node.
			pulumi.String("--configure-cloud-routes=false"),
		},
		"hostNetworking": pulumi.Bool(true),
		"nodeSelector":   kubeadm.ControlPlaneSelector(),
		"tolerations":    kubeadm.CloudControllerTolerations(),
	}}
	tags := pulumi.StringMap{}
	for k, v := range a.Tags {
		tags[k] = pulumi.String(v)
	}
	csi := kubeadm.Chart{Ref: p.CSIDriver, Values: pulumi.Map{
		"controller": pulumi.Map{
			"replicaCount":    pulumi.Int(2),
			"region":          pulumi.String(a.Region),
			"k8sTagClusterId": pulumi.String(a.ClusterName),
			"extraVolumeTags": tags,
			"nodeSelector":    pulumi.StringMap{cluster.PoolLabel: pulumi.String("system")},
		},
		"node": pulumi.Map{
			"tolerateAllTaints": pulumi.Bool(true),
			"enableWindows":     pulumi.Bool(false),
		},
	}}
	return kubeadm.AddonSet{
		CNI:                    kubeadm.Cilium(p.CNI, netplan.OverlayPodCIDR.String(), 2),
		CloudControllerManager: ccm,
		CSIDriver:              csi,
		MetricsServer:          kubeadm.MetricsServer(p.MetricsServer, 2),
		// On the control planes' network, with their role (which may scale only this cluster's
		// groups, clusterAutoscalerPolicy), discovering the groups by their cluster-autoscaler tags.
		Autoscaler: kubeadm.AutoscalerChart(p.Autoscaler, autoscaler.Args{
			CloudProvider: "aws", ClusterName: a.ClusterName, OnControlPlanes: true,
			Values: pulumi.Map{"awsRegion": pulumi.String(a.Region)},
		}),
	}
}
