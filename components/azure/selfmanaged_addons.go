package azure

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
)

// cloudConfigSecret is the Secret in kube-system holding azure.json: the cloud-controller-manager
// reads it (dynamic reloading) and so does the Azure Disk CSI driver (its default).
const cloudConfigSecret = "azure-cloud-provider"

// clientConfigToken is azure-native's getClientConfig (see roleAssignmentType for why kost calls it by
// token): the tenant of the provider's credentials, which azure.json needs.
const clientConfigToken = "azure-native:authorization:getClientConfig"

// clientConfig is what getClientConfig answers: the identity of the Azure credentials.
type clientConfig struct {
	TenantID string `pulumi:"tenantId"`
	ObjectID string `pulumi:"objectId"`
}

// clientIdentity is the identity of the Azure provider the component inherits: the one running
// Pulumi.
func clientIdentity(ctx *pulumi.Context, parent pulumi.Resource) (clientConfig, error) {
	var out clientConfig
	if err := ctx.Invoke(clientConfigToken, nil, &out, utilities.PkgInvokeDefaultOpts([]pulumi.InvokeOption{pulumi.Parent(parent)})...); err != nil {
		return out, fmt.Errorf("reading the identity of the Azure credentials: %w", err)
	}
	if out.TenantID == "" || out.ObjectID == "" {
		return out, fmt.Errorf("the Azure credentials name no tenant or object id")
	}
	return out, nil
}

// tenantID is the tenant of the Azure provider the component inherits.
func tenantID(ctx *pulumi.Context, parent pulumi.Resource) (string, error) {
	id, err := clientIdentity(ctx, parent)
	return id.TenantID, err
}

// azureCloudConfig is the subset of cloud-provider-azure's azure.json kost sets.
type azureCloudConfig struct {
	Cloud                       string `json:"cloud"`
	TenantID                    string `json:"tenantId"`
	SubscriptionID              string `json:"subscriptionId"`
	ResourceGroup               string `json:"resourceGroup"`
	Location                    string `json:"location"`
	VMType                      string `json:"vmType"`
	VnetName                    string `json:"vnetName"`
	VnetResourceGroup           string `json:"vnetResourceGroup"`
	SubnetName                  string `json:"subnetName"`
	SecurityGroupName           string `json:"securityGroupName"`
	SecurityGroupResourceGroup  string `json:"securityGroupResourceGroup"`
	LoadBalancerSku             string `json:"loadBalancerSku"`
	UseManagedIdentityExtension bool   `json:"useManagedIdentityExtension"`
	UseInstanceMetadata         bool   `json:"useInstanceMetadata"`
}

// subnetNames splits a subnet id into its virtual network's and its own name.
func subnetNames(id string) (vnet, subnet string, err error) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+3 < len(parts); i++ {
		if strings.EqualFold(parts[i], "virtualNetworks") && strings.EqualFold(parts[i+2], "subnets") {
			return parts[i+1], parts[i+3], nil
		}
	}
	return "", "", fmt.Errorf("%q is not a subnet id", id)
}

// cloudConfig renders azure.json: the system-assigned identities of the VMs (control planes: the
// custom control-plane role on the group), the scale sets' VM type (it handles the standalone control-plane VMs
// too), the node subnet and NSG for internal load balancers and their rules, Standard load balancers.
func (a *SelfManagedClusterArgs) cloudConfig(tenant string, nsgName pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.All(a.ResourceGroupName, a.NodeSubnetID, nsgName).ApplyT(func(v []any) (string, error) {
		rg := v[0].(string)
		vnet, subnet, err := subnetNames(v[1].(string))
		if err != nil {
			return "", err
		}
		b, err := json.MarshalIndent(azureCloudConfig{
			Cloud: "AzurePublicCloud", TenantID: tenant, SubscriptionID: a.SubscriptionID,
			ResourceGroup: rg, Location: a.Region, VMType: "vmss",
			VnetName: vnet, VnetResourceGroup: rg, SubnetName: subnet,
			SecurityGroupName: v[2].(string), SecurityGroupResourceGroup: rg,
			LoadBalancerSku: "standard", UseManagedIdentityExtension: true, UseInstanceMetadata: true,
		}, "", "  ")
		return string(b), err
	}).(pulumi.StringOutput)
}

// cloudControllerManager is cloud-provider-azure's chart behind the azure.json Secret it reads.
type cloudControllerManager struct {
	kubeadm.Chart
	cloudConfig pulumi.StringOutput
}

// Install implements kubeadm.Installer: the Secret, then the chart.
func (c cloudControllerManager) Install(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	sec, err := corev1.NewSecret(ctx, name+"-cloud-config", &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(cloudConfigSecret),
			Namespace: pulumi.String(kubeadm.AddonNamespace),
		},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{"cloud-config": c.cloudConfig},
	}, opts...)
	if err != nil {
		return nil, err
	}
	rs, err := c.Chart.Install(ctx, name, append(opts, pulumi.DependsOn([]pulumi.Resource{sec}))...)
	if err != nil {
		return nil, err
	}
	return append([]pulumi.Resource{sec}, rs...), nil
}

// addonInstallers are the add-ons of a self-managed cluster on Azure VMs: Cilium, cloud-provider-azure
// (the cloud-controller-manager on the control planes, the cloud-node-manager on every node), the
// Azure Disk CSI driver with its controller on the control planes (whose identity may manage disks)
// and metrics-server.
func (a *SelfManagedClusterArgs) addonInstallers(cloudConfig pulumi.StringOutput, tenant string) kubeadm.AddonSet {
	p := a.Addons
	tag := pulumi.String(p.CloudControllerManagerTag)
	ccm := cloudControllerManager{cloudConfig: cloudConfig, Chart: kubeadm.Chart{Ref: p.CloudControllerManager, Values: pulumi.Map{
		"infra": pulumi.Map{"clusterName": pulumi.String(a.ClusterName)},
		"cloudControllerManager": pulumi.Map{
			"imageTag": tag,
			// No host file: the chart's --cloud-config is empty and the controller reads the Secret.
			"cloudConfig":            pulumi.String(""),
			"cloudConfigSecretName":  pulumi.String(cloudConfigSecret),
			"enableDynamicReloading": pulumi.String("true"),
			// Cilium allocates pod addresses and tunnels between nodes: no node CIDRs, no routes.
			"allocateNodeCidrs":    pulumi.String("false"),
			"configureCloudRoutes": pulumi.String("false"),
			"clusterCIDR":          pulumi.String(cluster.OverlayPodCIDR.String()),
			"nodeSelector":         kubeadm.ControlPlaneSelector(),
			"tolerations":          kubeadm.CloudControllerTolerations(),
		},
		"cloudNodeManager": pulumi.Map{"imageTag": tag},
	}}}
	secretRef := pulumi.Map{
		"cloudConfigSecretName":      pulumi.String(cloudConfigSecret),
		"cloudConfigSecretNamespace": pulumi.String(kubeadm.AddonNamespace),
	}
	controller := pulumi.Map{"replicas": pulumi.Int(2), "runOnControlPlane": pulumi.Bool(true)}
	for k, v := range secretRef {
		controller[k] = v
	}
	csi := kubeadm.Chart{Ref: p.CSIDriver, Values: pulumi.Map{
		"controller": controller,
		"node":       secretRef,
		"windows":    pulumi.Map{"enabled": pulumi.Bool(false)},
	}}
	return kubeadm.AddonSet{
		CNI:                    kubeadm.Cilium(p.CNI, cluster.OverlayPodCIDR.String(), 2),
		CloudControllerManager: ccm,
		CSIDriver:              csi,
		MetricsServer:          kubeadm.MetricsServer(p.MetricsServer, 2),
		// On the control planes, with their managed identity, discovering the scale sets by their
		// cluster-autoscaler-enabled and -name tags and reading min and max from their tags
		// (cluster-autoscaler cloudprovider/azure/README.md, auto-discovery).
		Autoscaler: kubeadm.AutoscalerChart(p.Autoscaler, autoscaler.Args{
			CloudProvider: "azure", ClusterName: a.ClusterName, OnControlPlanes: true,
			Values: pulumi.Map{
				"azureVMType":                      pulumi.String("vmss"),
				"azureSubscriptionID":              pulumi.String(a.SubscriptionID),
				"azureTenantID":                    pulumi.String(tenant),
				"azureResourceGroup":               a.ResourceGroupName,
				"azureUseManagedIdentityExtension": pulumi.Bool(true),
			},
		}),
	}
}
