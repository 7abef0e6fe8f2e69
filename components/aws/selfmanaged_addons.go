package aws

import (
	"context"
	"maps"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
)

// addonInstallers are the add-ons of a self-managed cluster on EC2: Cilium, the AWS
// cloud-controller-manager on the control planes (their role has its permissions), the EBS CSI
// driver with its controller on the control planes' host network (their role has the driver's
// permissions; the driver takes instance-role credentials from the metadata service only on the
// host network or with a hop limit of 2, aws-ebs-csi-driver docs/install.md at chart 2.64.0) and
// metrics-server. Pods on workers reach neither role.
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
			"nodeSelector":    kubeadm.ControlPlaneSelector(),
			"tolerations":     kubeadm.CloudControllerTolerations(),
		},
		"node": pulumi.Map{
			"tolerateAllTaints": pulumi.Bool(true),
			"enableWindows":     pulumi.Bool(false),
		},
	}, Transforms: []pulumi.ResourceTransform{ebsControllerOnHostNetwork}}
	return kubeadm.AddonSet{
		CNI:                    kubeadm.Cilium(p.CNI, cluster.OverlayPodCIDR.String(), 2),
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

// ebsControllerName is the EBS CSI controller's Deployment in chart 2.64.0
// (templates/controller.yaml).
const ebsControllerName = "ebs-csi-controller"

// ebsControllerOnHostNetwork puts the EBS CSI controller's pods on the host network, which the chart
// has no value for (chart 2.64.0 has node.hostNetwork only): there the controller reaches the
// metadata service, and so the control planes' role, with their hop limit of 1. Its ports (the
// liveness probe's 9808) are then the node's: the chart's anti-affinity spreads the two replicas over
// the three control planes.
func ebsControllerOnHostNetwork(_ context.Context, a *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	if a.Type != "kubernetes:apps/v1:Deployment" {
		return nil
	}
	meta, _ := a.Props["metadata"].(pulumi.Map)
	if name, _ := meta["name"].(pulumi.String); name != ebsControllerName {
		return nil
	}
	spec, _ := a.Props["spec"].(pulumi.Map)
	tmpl, _ := spec["template"].(pulumi.Map)
	podSpec, _ := tmpl["spec"].(pulumi.Map)
	if podSpec == nil {
		return nil
	}
	// Copies along the path: the rendered objects are not changed in place.
	newPodSpec := maps.Clone(podSpec)
	newPodSpec["hostNetwork"] = pulumi.Bool(true)
	// Cluster DNS still resolves for a host-network pod only with this policy.
	newPodSpec["dnsPolicy"] = pulumi.String("ClusterFirstWithHostNet")
	newTmpl := maps.Clone(tmpl)
	newTmpl["spec"] = newPodSpec
	newSpec := maps.Clone(spec)
	newSpec["template"] = newTmpl
	props := maps.Clone(a.Props)
	props["spec"] = newSpec
	return &pulumi.ResourceTransformResult{Props: props, Opts: a.Opts}
}
