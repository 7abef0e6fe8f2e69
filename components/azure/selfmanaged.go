package azure

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/compute/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
)

// Defaults of SelfManagedClusterArgs.
const (
	// DefaultControlPlaneVMSize has 4 vCPUs, 16 GiB and premium storage (etcd wants fast disks).
	DefaultControlPlaneVMSize = "Standard_D4s_v5"
	// DefaultControlPlaneDiskGiB is the control planes' OS disk, which holds etcd.
	DefaultControlPlaneDiskGiB = 128
	// adminUsername is the VMs' admin account, which Azure requires; it has no password and only a
	// throwaway SSH key (see sshKey).
	adminUsername = "kost"
)

// DefaultOSImage is Canonical's Ubuntu 24.04 LTS server image (Gen2, x64), pinned to one build so
// that a new Canonical build never changes the VMs' model (Azure refuses "latest" in kost). The build
// 24.04.202609040 is one Canonical published to the Azure Marketplace; list newer ones with
// `az vm image list --publisher Canonical --offer ubuntu-24_04-lts --sku server --all -o table` and
// bump it deliberately (workers pick it up as new instances come; control planes are replaced).
var DefaultOSImage = OSImage{Publisher: "Canonical", Offer: "ubuntu-24_04-lts", SKU: "server", Version: "24.04.202609040"}

// Built-in Azure roles of the self-managed cluster's identities.
const (
	// roleReader reads every resource of a scope.
	roleReader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
)

// smClusterName is what a self-managed cluster may be called: it prefixes the VM names, which become
// node names (cloud-provider-azure finds a node's VM by its name), and the scale set computer name
// prefixes (at most 58 characters with "-<pool>"): lowercase letters, digits and '-', 1 to 45.
var smClusterName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,43}[a-z0-9])?$`)

// OSImage is a Marketplace image reference.
type OSImage struct {
	Publisher, Offer, SKU string
	// Version is an exact build; "latest" is refused (it would move under a running cluster).
	Version string
}

// SelfManagedClusterArgs configure a kubeadm cluster on Azure VMs. The kubeadm sequence
// (kubeadm.NewCluster) is the same on every cloud; these args add what only Azure has.
type SelfManagedClusterArgs struct {
	// ClusterSpec is what every self-managed cluster takes. Here the name is 1 to 45 lowercase
	// letters, digits and '-' (it prefixes the VM names, which become node names); Region is the
	// Azure location, e.g. "westeurope"; Zones are exactly "1", "2" and "3"; RegionBlock is the
	// VNet's block (addresses.AzureLayout.Block); pool names are 1 to 12 lowercase letters and digits,
	// counts are over all zones; ControlPlaneInstanceType (a VM size with premium storage and
	// encryption at host) defaults to DefaultControlPlaneVMSize.
	kubeadm.ClusterSpec
	// SubscriptionID of the resource group, for the role assignments. Required.
	SubscriptionID string
	// ResourceGroupName every resource goes in (Network.ResourceGroupName). Required.
	ResourceGroupName pulumi.StringInput
	// NodeSubnetID is the subnet of every VM and of the API load balancer (Network.NodeSubnetID).
	// Its NAT gateway is the nodes' egress. Required.
	NodeSubnetID pulumi.StringInput
	// Image of every VM. Default: DefaultOSImage (Ubuntu 24.04 LTS, a pinned build); the bootstrap
	// script needs an Ubuntu LTS with cloud-init.
	Image *OSImage
	// ControlPlaneDiskGiB is the control planes' OS disk (etcd's data). Default: 128.
	ControlPlaneDiskGiB int
	// DisableEncryptionAtHost turns encryption at host off (temporary disks and caches), for
	// subscriptions without the Microsoft.Compute/EncryptionAtHost feature. Managed disks stay
	// encrypted at rest with platform keys either way. Default: false.
	DisableEncryptionAtHost bool
	// Tags go on every resource that takes tags. Names must not contain <>%&\?/. Default: none.
	Tags map[string]string
}

// SelfManagedCluster is a kubeadm cluster on Azure VMs: three control planes over the zones behind an
// internal Standard load balancer on 6443, one Uniform scale set per pool, system-assigned identities
// with the roles the cloud-controller-manager and the Azure Disk CSI driver need, and an NSG on
// every NIC that admits the cluster ports from the region block only.
type SelfManagedCluster struct {
	pulumi.ResourceState

	// Bootstrap is the cluster's PKI, token and node configuration.
	Bootstrap *kubeadm.Bootstrap
	// Cluster is the contract handed to the platform layer.
	Cluster cluster.Cluster
	// LoadBalancer is the API servers' internal load balancer (not named <cluster>-internal, which is
	// the cloud-controller-manager's own).
	LoadBalancer *NetworkResource
	// APIServerIP is the load balancer's private frontend address, the ControlPlaneEndpoint.
	APIServerIP pulumi.StringOutput
	// SecurityGroup is the NSG on every NIC; the cloud-controller-manager's securityGroupName.
	SecurityGroup *NetworkResource
	// ControlPlanes are the control-plane VMs in zone order; the first ran kubeadm init.
	ControlPlanes []*compute.VirtualMachine
	// ControlPlaneReady are their readiness gates (kubeadm.Cluster.ControlPlaneReady): the next
	// control plane joins only once the previous one serves /readyz.
	ControlPlaneReady []pulumi.Resource
	// Addons are the CNI, cloud-provider-azure, the Azure Disk CSI driver and metrics-server.
	Addons *kubeadm.Addons
	// ScaleSets are the workers' scale sets by pool.
	ScaleSets map[string]*compute.VirtualMachineScaleSet
	// ControlPlanePrincipalIDs are the control-plane VMs' identities (the custom control-plane role on the group).
	ControlPlanePrincipalIDs []pulumi.StringOutput
	// WorkerPrincipalIDs are the scale sets' identities by pool (Reader on the group).
	WorkerPrincipalIDs map[string]pulumi.StringOutput
}

// Validate reports every problem with the args at once, the shared spec's and Azure's, as a
// *cluster.ArgsError.
func (a *SelfManagedClusterArgs) Validate() error {
	if a == nil {
		a = &SelfManagedClusterArgs{}
	}
	return kubeadm.ValidateCluster(&a.ClusterSpec, &smBuilder{args: a})
}

// Profile implements kubeadm.Infrastructure.
func (b *smBuilder) Profile() kubeadm.Profile {
	return kubeadm.Profile{Cloud: cluster.Azure, ChartAddons: true, Storage: storageProfile(), InternalLoadBalancer: internalLoadBalancer(),
		Secrets: b.args.secretRefs()}
}

// Problems implements kubeadm.Infrastructure: what only Azure checks. The spec's own rules (the
// pools' sizes, counts, unique names and the system pool among them) are kubeadm's.
func (b *smBuilder) Problems() []cluster.Problem {
	var ps cluster.Problems
	a := b.args
	ps.Check(a.ClusterName == "" || smClusterName.MatchString(a.ClusterName), "ClusterName",
		"%q must be 1 to 45 lowercase letters, digits and '-', starting and ending with a letter or digit (it prefixes VM names, which become node names)", a.ClusterName)
	ps.Check(a.SubscriptionID != "", "SubscriptionID", "required: the resource group's subscription, for the role assignments")
	ps.Check(a.ResourceGroupName != nil, "ResourceGroupName", "required: the group every resource goes in (Network.ResourceGroupName)")
	ps.Check(len(a.Zones) != kubeadm.ControlPlanes || slices.Equal(slices.Sorted(slices.Values(a.Zones)), []string{"1", "2", "3"}), "Zones",
		"%v: need the three zones 1, 2 and 3 (one control plane each)", a.Zones)
	ps.Check(a.NodeSubnetID != nil, "NodeSubnetID", "required: the subnet of every VM and the API load balancer (Network.NodeSubnetID)")
	for i, p := range a.NodePools {
		ps.Nest(fmt.Sprintf("NodePools[%d]", i), agentPoolProblems(p))
	}
	if img := a.Image; img != nil {
		ps.Check(img.Publisher != "" && img.Offer != "" && img.SKU != "" && img.Version != "", "Image",
			"needs a publisher, an offer, a SKU and a version (or nil for DefaultOSImage)")
		ps.Check(!strings.EqualFold(img.Version, "latest"), "Image.Version",
			"%q: pin a build (latest would change under a running cluster)", img.Version)
	}
	ps.Check(a.ControlPlaneDiskGiB >= 0, "ControlPlaneDiskGiB", "%d is negative: give a size in GiB, or 0 for %d", a.ControlPlaneDiskGiB, DefaultControlPlaneDiskGiB)
	ps.Nest("Tags", tagProblems(a.Tags))
	return ps
}

// NewSelfManagedCluster creates a kubeadm cluster on Azure VMs with the shared kubeadm sequence.
// Pass the Azure provider with pulumi.Provider (or Providers); the tls, random and command providers
// are made inside.
func NewSelfManagedCluster(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, opts ...pulumi.ResourceOption) (*SelfManagedCluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("azure self-managed cluster %s: %w", name, err)
	}
	c := &SelfManagedCluster{ScaleSets: map[string]*compute.VirtualMachineScaleSet{}, WorkerPrincipalIDs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("kost:azure:SelfManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	k, err := kubeadm.NewCluster(ctx, name, c, &args.ClusterSpec, newSMBuilder(ctx, name, args, c))
	if err != nil {
		return nil, fmt.Errorf("azure self-managed cluster %s: %w", name, err)
	}
	c.Bootstrap, c.Addons, c.Cluster = k.Bootstrap, k.Addons, k.Contract
	for _, g := range k.ControlPlaneReady {
		c.ControlPlaneReady = append(c.ControlPlaneReady, g)
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"endpoint":      k.Endpoint,
		"apiServerIp":   c.APIServerIP,
		"kubeconfig":    k.Bootstrap.AdminKubeconfig,
		"securityGroup": c.SecurityGroup.Name,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// customData is a node's cloud-init user data as Azure takes it: base64, kept secret in the state
// although it holds references only (no key, no token). Azure serves customData to no one after provisioning:
// unlike userData, the instance metadata service does not expose it.
func customData(o pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.ToSecret(o.ApplyT(func(s string) string {
		return base64.StdEncoding.EncodeToString([]byte(s))
	})).(pulumi.StringOutput)
}

// imageReference is the image of every VM.
func (a *SelfManagedClusterArgs) imageReference() *compute.ImageReferenceArgs {
	img := DefaultOSImage
	if a.Image != nil {
		img = *a.Image
	}
	return &compute.ImageReferenceArgs{
		Publisher: pulumi.String(img.Publisher),
		Offer:     pulumi.String(img.Offer),
		Sku:       pulumi.String(img.SKU),
		Version:   pulumi.String(img.Version),
	}
}
