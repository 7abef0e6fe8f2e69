package azure

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/compute/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/stacks/netplan"
)

// Defaults of SelfManagedClusterArgs.
const (
	// DefaultControlPlaneVMSize has 4 vCPUs, 16 GiB and premium storage (etcd wants fast disks).
	DefaultControlPlaneVMSize = "Standard_D4s_v5"
	// DefaultControlPlaneDiskGiB is the control planes' OS disk, which holds etcd.
	DefaultControlPlaneDiskGiB = 128
	// APIServerPort is the port of the API servers and of the internal load balancer in front of them.
	APIServerPort = 6443
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
	// roleContributor manages every resource of a resource group, without granting access to others.
	roleContributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	// roleReader reads every resource of a scope.
	roleReader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
)

// Azure endpoints every VM reaches and pods must not: the instance metadata service (managed
// identity tokens) and the WireServer's agent ports (80 and 32526). The WireServer's DNS (53) stays open.
const (
	imdsAddress       = "169.254.169.254"
	wireServerAddress = "168.63.129.16"
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

// SelfManagedClusterArgs configure a kubeadm cluster on Azure VMs.
type SelfManagedClusterArgs struct {
	// ClusterName is the Kubernetes cluster name (kubeadm clusterName, the cloud-controller-manager's
	// --cluster-name) and the prefix of every Azure name: 1 to 45 lowercase letters, digits and '-'.
	// Required.
	ClusterName string
	// SubscriptionID of the resource group, for the role assignments. Required.
	SubscriptionID string
	// ResourceGroupName every resource goes in (Network.ResourceGroupName). Required.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region, e.g. "westeurope". Required.
	Location string
	// Zones are the region's three availability zones, "1", "2" and "3": one control plane in each,
	// every scale set over all. Required: exactly 3.
	Zones []string
	// KubernetesVersion is the exact release, e.g. "1.33.5" (see kubeadm.BootstrapArgs). Required.
	KubernetesVersion string
	// ContainerdVersion is the containerd.io apt version, e.g. "1.7.28-1~ubuntu.24.04~noble". Required.
	ContainerdVersion string
	// NodeSubnetID is the subnet of every VM and of the API load balancer (Network.NodeSubnetID).
	// Its NAT gateway is the nodes' egress. Required.
	NodeSubnetID pulumi.StringInput
	// RegionBlock is the VNet's block (netplan.AKSLayout.Block), the only source allowed to reach the
	// API servers (6443), the kubelets (10250) and etcd (2379-2380). Required: an IPv4 CIDR.
	RegionBlock string
	// DeployerCIDRs are where Pulumi runs from (kost's network.deployers.cidrs), as private
	// addresses reached over VNet peering or a VPN gateway: the nodes' NSG admits them on 6443
	// (the internal load balancer keeps client addresses) ahead of the rule that denies the cluster
	// ports to everything outside RegionBlock. Default: none (only the region block reaches the API).
	DeployerCIDRs []string
	// NodePools are the worker pools, one scale set each. Required: one named "system" (CoreDNS and the
	// operators; not spot, not dedicated, at least one node). Names: 1 to 12 lowercase letters and
	// digits. Counts are over all zones; DiskGiB defaults to 50.
	NodePools []cluster.PoolSpec
	// Image of every VM. Default: DefaultOSImage (Ubuntu 24.04 LTS, a pinned build); the bootstrap
	// script needs an Ubuntu LTS with cloud-init.
	Image *OSImage
	// ControlPlaneInstanceType is the control planes' VM size; it must support premium storage and
	// encryption at host. Default: DefaultControlPlaneVMSize.
	ControlPlaneInstanceType string
	// ControlPlaneDiskGiB is the control planes' OS disk (etcd's data). Default: 128.
	ControlPlaneDiskGiB int
	// DisableEncryptionAtHost turns encryption at host off (temporary disks and caches), for
	// subscriptions without the Microsoft.Compute/EncryptionAtHost feature. Managed disks stay
	// encrypted at rest with platform keys either way. Default: false.
	DisableEncryptionAtHost bool
	// Addons pin the CNI, cloud-provider-azure, the Azure Disk CSI driver and metrics-server the stack
	// installs once the API answers. Required: every chart and the cloud-controller-manager's tag.
	Addons kubeadm.AddonPins
	// TokenRotation is handed to the bootstrap (kubeadm.BootstrapArgs.TokenRotation): changing it makes
	// a new bootstrap token. Default: "".
	TokenRotation string
	// Protect marks the PKI and bootstrap token (all of the Bootstrap), the control-plane VMs and
	// NICs and the API load balancer protected (pulumi protect). Default: false.
	Protect bool
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
	LoadBalancer *network.LoadBalancer
	// APIServerIP is the load balancer's private frontend address, the ControlPlaneEndpoint.
	APIServerIP pulumi.StringOutput
	// SecurityGroup is the NSG on every NIC; the cloud-controller-manager's securityGroupName.
	SecurityGroup *network.NetworkSecurityGroup
	// ControlPlanes are the control-plane VMs in zone order; the first ran kubeadm init.
	ControlPlanes []*compute.VirtualMachine
	// ControlPlaneReady waits, on each control plane, until cloud-init finished and its API server is
	// ready (a Run Command): the next control plane joins only then.
	ControlPlaneReady []*compute.VirtualMachineRunCommandByVirtualMachine
	// Addons are the CNI, cloud-provider-azure, the Azure Disk CSI driver and metrics-server.
	Addons *kubeadm.Addons
	// ScaleSets are the workers' scale sets by pool.
	ScaleSets map[string]*compute.VirtualMachineScaleSet
	// ControlPlanePrincipalIDs are the control-plane VMs' identities (Contributor on the group).
	ControlPlanePrincipalIDs []pulumi.StringOutput
	// WorkerPrincipalIDs are the scale sets' identities by pool (Reader on the group).
	WorkerPrincipalIDs map[string]pulumi.StringOutput
}

func (a *SelfManagedClusterArgs) validate() error {
	if a == nil {
		return errors.New("args are required")
	}
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	if !smClusterName.MatchString(a.ClusterName) {
		bad("ClusterName %q must be 1 to 45 lowercase letters, digits and '-', starting and ending with a letter or digit (it prefixes VM names, which become node names)", a.ClusterName)
	}
	if a.SubscriptionID == "" {
		bad("SubscriptionID is required")
	}
	if a.ResourceGroupName == nil {
		bad("ResourceGroupName is required")
	}
	if a.Location == "" {
		bad("location is required")
	}
	if !slices.Equal(slices.Sorted(slices.Values(a.Zones)), []string{"1", "2", "3"}) {
		bad("zones %v: need the three zones 1, 2 and 3 (one control plane each)", a.Zones)
	}
	if a.NodeSubnetID == nil {
		bad("NodeSubnetID is required")
	}
	for _, d := range a.DeployerCIDRs {
		if p, err := netip.ParsePrefix(d); err != nil || !p.Addr().Is4() || p != p.Masked() {
			bad("DeployerCIDRs: %q must be an IPv4 CIDR without host bits", d)
		}
	}
	if p, err := netip.ParsePrefix(a.RegionBlock); err != nil || !p.Addr().Is4() || p != p.Masked() {
		bad("RegionBlock %q must be the VNet's IPv4 block, e.g. 10.40.0.0/16", a.RegionBlock)
	} else if p.Overlaps(netplan.OverlayPodCIDR) || p.Overlaps(netplan.ServiceCIDR) {
		bad("RegionBlock %s overlaps the pod range %s or the Service range %s", p, netplan.OverlayPodCIDR, netplan.ServiceCIDR)
	}
	seen := map[string]bool{}
	for _, p := range a.NodePools {
		if seen[p.Pool] {
			bad("pool %q appears twice", p.Pool)
		}
		seen[p.Pool] = true
		if err := validatePool(p); err != nil {
			errs = append(errs, err)
		}
		if p.Pool == systemPool && (p.Spot || p.Dedicated || p.Min < 1) {
			bad("the system pool runs CoreDNS and the operators: it cannot be spot or dedicated and needs min >= 1")
		}
	}
	if !seen[systemPool] {
		bad("a system node pool is required for CoreDNS and the operators (control planes are tainted)")
	}
	if img := a.Image; img != nil {
		if img.Publisher == "" || img.Offer == "" || img.SKU == "" || img.Version == "" {
			bad("image needs a publisher, an offer, a SKU and a version")
		}
		if strings.EqualFold(img.Version, "latest") {
			bad("image version %q: pin a build (latest would change under a running cluster)", img.Version)
		}
	}
	if a.ControlPlaneDiskGiB < 0 {
		bad("ControlPlaneDiskGiB %d is negative", a.ControlPlaneDiskGiB)
	}
	if err := checkTags(a.Tags); err != nil {
		errs = append(errs, err)
	}
	for _, p := range a.Addons.Problems("Addons", true) {
		bad("%s: %s", p.Field, p.Reason)
	}
	// The bootstrap's own checks (versions, pool label values), reported with the rest.
	if err := (&kubeadm.BootstrapArgs{
		ClusterName: a.ClusterName, KubernetesVersion: a.KubernetesVersion, ContainerdVersion: a.ContainerdVersion,
		ControlPlaneEndpoint: pulumi.String("0.0.0.0"), PodCIDR: netplan.OverlayPodCIDR.String(),
		ServiceCIDR: netplan.ServiceCIDR.String(), CloudProvider: string(cluster.Azure), Pools: a.NodePools,
	}).Validate(); err != nil {
		var ae *kubeadm.ArgsError
		if errors.As(err, &ae) {
			for _, p := range ae.Problems {
				if p.Field != "ClusterName" && !strings.HasPrefix(p.Field, "Pools") {
					bad("%s: %s", p.Field, p.Reason)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// NewSelfManagedCluster creates a kubeadm cluster on Azure VMs. Pass the Azure provider with
// pulumi.Provider (or Providers); the tls and random providers of the bootstrap are made here.
func NewSelfManagedCluster(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, opts ...pulumi.ResourceOption) (*SelfManagedCluster, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("azure self-managed cluster %s: %w", name, err)
	}
	c := &SelfManagedCluster{ScaleSets: map[string]*compute.VirtualMachineScaleSet{}, WorkerPrincipalIDs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("kost:azure:SelfManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("azure self-managed cluster %s: %w", name, err) }
	parent := pulumi.Parent(c)
	b := newSMBuilder(ctx, name, args, c)

	if err := b.network(parent); err != nil {
		return nil, wrap(err)
	}
	var err error
	c.Bootstrap, err = kubeadm.NewBootstrap(ctx, name+"-kubeadm", &kubeadm.BootstrapArgs{
		ClusterName:          args.ClusterName,
		KubernetesVersion:    args.KubernetesVersion,
		ContainerdVersion:    args.ContainerdVersion,
		ControlPlaneEndpoint: c.APIServerIP,
		PodCIDR:              netplan.OverlayPodCIDR.String(),
		ServiceCIDR:          netplan.ServiceCIDR.String(),
		CloudProvider:        string(cluster.Azure),
		Pools:                args.NodePools,
		TokenRotation:        args.TokenRotation,
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, wrap(err)
	}
	// Azure refuses a Linux VM without a password or an SSH key: the VMs get the public half of a
	// key nobody holds (its private half stays in the encrypted state and is never exported).
	tlsP, err := tls.NewProvider(ctx, name+"-tls", nil, parent)
	if err != nil {
		return nil, wrap(err)
	}
	sshKey, err := tls.NewPrivateKey(ctx, name+"-ssh", &tls.PrivateKeyArgs{
		Algorithm: pulumi.String("RSA"), RsaBits: pulumi.Int(4096),
	}, parent, pulumi.Provider(tlsP))
	if err != nil {
		return nil, wrap(err)
	}
	b.sshPublicKey = sshKey.PublicKeyOpenssh

	if err := b.controlPlanes(parent); err != nil {
		return nil, wrap(err)
	}
	if err := b.workers(parent); err != nil {
		return nil, wrap(err)
	}
	if err := b.roles(parent); err != nil {
		return nil, wrap(err)
	}

	endpoint := pulumi.Sprintf("https://%s:%d", c.APIServerIP, APIServerPort)
	kubeconfig := c.Bootstrap.AdminKubeconfig
	k8s, err := cluster.NewKubernetesProvider(ctx, name+"-k8s", kubeconfig, parent, pulumi.DependsOn(b.ready))
	if err != nil {
		return nil, wrap(err)
	}
	tenant, err := tenantID(ctx, c)
	if err != nil {
		return nil, wrap(err)
	}
	c.Addons, err = kubeadm.NewAddons(ctx, name+"-addons", &kubeadm.AddonsArgs{
		Provider: k8s, Endpoint: endpoint, CACertPEM: c.Bootstrap.CACertPEM,
		// The first control plane's Run Command returns once its API server is ready.
		After:    []pulumi.Resource{c.ControlPlaneReady[0], c.LoadBalancer},
		AddonSet: args.addonInstallers(args.cloudConfig(tenant, c.SecurityGroup.Name), tenant),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	c.Cluster = cluster.Cluster{
		Name:                 args.ClusterName,
		Cloud:                cluster.Azure,
		Region:               args.Location,
		Zones:                slices.Clone(args.Zones),
		Endpoint:             endpoint,
		Kubeconfig:           kubeconfig,
		Provider:             k8s,
		DedicatedPools:       true,
		Storage:              storageProfile(),
		InternalLoadBalancer: internalLoadBalancer(),
		// Spot nodes here carry no taint of Azure's (AKS adds one; kubeadm nodes only get kost's).
		Ready:     append(slices.Clone(b.ready), c.Addons.Ready...),
		JoinToken: c.Bootstrap.Token,
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"endpoint":      endpoint,
		"apiServerIp":   c.APIServerIP,
		"kubeconfig":    kubeconfig,
		"securityGroup": c.SecurityGroup.Name,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// customData is a node's cloud-init user data as Azure takes it: base64, secret (it carries the
// token, and on control planes the CA keys). Azure serves customData to no one after provisioning:
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
