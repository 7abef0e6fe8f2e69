package azure

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/cluster"
)

var (
	// clusterName is what AKS accepts: 1 to 63 letters, digits, '-' and '_', starting and ending
	// with a letter or digit. It is also the DNS prefix, which takes no '_'.
	clusterName = regexp.MustCompile(`^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$`)
	// minorVersion is a Kubernetes minor version such as 1.33.
	minorVersion = regexp.MustCompile(`^1\.[0-9]+$`)
	// objectID is an Entra ID object id.
	objectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// ManagedClusterArgs configure an AKS cluster and its agent pools.
type ManagedClusterArgs struct {
	// ClusterName is the AKS cluster's name and DNS prefix: 1 to 63 letters, digits and '-'. Required.
	ClusterName string
	// ResourceGroupName the cluster is created in (Network.ResourceGroupName). Required.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region, e.g. "westeurope". Required.
	Location string
	// Zones every agent pool spreads over, e.g. "1", "2", "3". Required: 1 to 3.
	Zones []string
	// Version is the Kubernetes minor version, e.g. "1.33". Required, without a patch: AKS runs the
	// newest patch of the minor, and the "patch" upgrade channel applies new patches (security fixes)
	// automatically while the minor only changes when Version does. A patch pinned here would go
	// stale once AKS patches the cluster, and a later update would ask for a downgrade.
	Version string
	// SubscriptionID of the cluster, for the role assignment on the node subnet. Required.
	SubscriptionID string
	// NodeSubnetID is the subnet of every node (Network.NodeSubnetID). It must have a NAT gateway:
	// the cluster's egress goes through it (outbound type userAssignedNATGateway). Required.
	NodeSubnetID pulumi.StringInput
	// Layout gives the overlay pod range, the Service range and the cluster DNS address
	// (addresses.Azure). Required.
	Layout addresses.AzureLayout
	// PublicEndpoint gives the API server a public endpoint restricted to PublicCIDRs and NATPublicIP.
	// Otherwise the cluster is private: its API server has a private endpoint in the node subnet only,
	// reachable from the VNet and networks peered or connected to it. Default: false (private).
	PublicEndpoint bool
	// PublicCIDRs may reach the public endpoint. Required with PublicEndpoint; ignored otherwise.
	PublicCIDRs []string
	// DeployerVNetID is the virtual network Pulumi runs from (kost's network.deployers.azureVnetId),
	// peered with the cluster's (NetworkArgs.DeployerVNetID): the private cluster's private DNS zone
	// is linked to it, so the API server's private name resolves there. Without it, a deployer
	// reaching the VNet over a VPN gateway or ExpressRoute needs a DNS forwarder for
	// privatelink.<region>.azmk8s.io. Ignored with PublicEndpoint. Default: none.
	DeployerVNetID string
	// NATPublicIP is the node subnet's egress address (Network.NATPublicIP); with PublicEndpoint it
	// is authorized as a /32 so the nodes reach the API server. Required with PublicEndpoint; ignored
	// otherwise.
	NATPublicIP pulumi.StringInput
	// AdminGroupObjectIDs are Entra ID groups given cluster-admin. Local accounts are always off (a
	// local admin certificate cannot be revoked and works from anywhere the API is reachable): the
	// kubeconfig authenticates with kubelogin through the Azure CLI, and the identity running Pulumi
	// gets "Azure Kubernetes Service RBAC Cluster Admin" on the cluster (Azure RBAC for Kubernetes
	// authorization), so it reaches the cluster without being in a group. Default: none.
	AdminGroupObjectIDs []string
	// PreviewerObjectIDs are the Entra ID principals pull-request previews run as: "Azure Kubernetes
	// Service Cluster User Role" (to fetch the kubelogin kubeconfig) and "Azure Kubernetes Service
	// RBAC Reader" (read-only, no Secrets) on the cluster. Default: none.
	PreviewerObjectIDs []string
	// NodePools to create, counts over all zones. Required: one named "system", which becomes the
	// System agent pool (no taint: kost's operators run there too, next to CoreDNS and the other
	// add-ons; not spot, at least one node); every other pool is a User agent pool.
	NodePools []cluster.PoolSpec
	// DisableEncryptionAtHost turns off encryption at host for every pool (VM temporary disks and
	// disk caches). Needed when the subscription lacks the Microsoft.Compute/EncryptionAtHost feature
	// (`az feature register --namespace Microsoft.Compute --name EncryptionAtHost`). Default: false.
	DisableEncryptionAtHost bool
	// Protect marks the cluster protected (pulumi protect) and buys the Standard tier (uptime SLA);
	// otherwise the tier is Free. Default: false.
	Protect bool
	// Tags go on the cluster and its agent pools. Names must not contain <>%&\?/. Default: none.
	Tags map[string]string
}

// ManagedCluster is an AKS cluster with Azure CNI overlay and Cilium, egress through the node
// subnet's NAT gateway, Entra ID integration, the OIDC issuer and workload identity, a pinned minor
// version, and one agent pool per workload pool over the zones.
type ManagedCluster struct {
	pulumi.ResourceState

	// AKS is the cluster resource.
	AKS *containerservice.ManagedCluster
	// PrincipalID is the object id of the cluster's system-assigned identity.
	PrincipalID pulumi.StringOutput
	// OIDCIssuerURL is the issuer workload identity federations trust.
	OIDCIssuerURL pulumi.StringOutput
	// Pools are the User agent pools by pool name (the system pool is part of AKS).
	Pools map[string]*NodePool
	// Cluster is the contract handed to the platform layer.
	Cluster cluster.Cluster
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *ManagedClusterArgs) Validate() error {
	if a == nil {
		a = &ManagedClusterArgs{}
	}
	var ps cluster.Problems
	switch {
	case a.ClusterName == "":
		ps.Add("ClusterName", "required: the AKS cluster's name and DNS prefix")
	case !clusterName.MatchString(a.ClusterName):
		ps.Add("ClusterName", "%q must be 1 to 63 letters, digits and '-', starting and ending with a letter or digit", a.ClusterName)
	}
	if rg := nodeResourceGroup(a.ClusterName, a.Location); len(rg) > 80 {
		ps.Add("ClusterName", "node resource group name %q is %d characters, more than Azure's 80: shorten ClusterName", rg, len(rg))
	}
	ps.Check(a.ResourceGroupName != nil, "ResourceGroupName", "required: the resource group the cluster is created in (Network.ResourceGroupName)")
	ps.Check(a.Location != "", "Location", "required: the Azure region, e.g. westeurope")
	ps.Check(len(a.Zones) >= 1 && len(a.Zones) <= 3, "Zones", "need 1 to 3 zones, e.g. 1, 2 and 3; got %d", len(a.Zones))
	switch {
	case a.Version == "":
		ps.Add("Version", "required: the Kubernetes minor version, e.g. 1.33")
	case !minorVersion.MatchString(a.Version):
		ps.Add("Version", "%q must be a Kubernetes minor version such as 1.33, without a patch (AKS applies the patches)", a.Version)
	}
	ps.Check(a.SubscriptionID != "", "SubscriptionID", "required: the cluster's subscription, for the role assignment on the node subnet")
	ps.Check(a.NodeSubnetID != nil, "NodeSubnetID", "required: the node subnet (Network.NodeSubnetID)")
	ps = append(ps, aksLayoutProblems(a.Layout)...)
	if a.PublicEndpoint {
		ps.Check(len(a.PublicCIDRs) > 0, "PublicCIDRs", "required with PublicEndpoint: the ranges that may reach the API server")
		for i, c := range a.PublicCIDRs {
			if _, err := netip.ParsePrefix(c); err != nil {
				ps.Add(fmt.Sprintf("PublicCIDRs[%d]", i), "%q is not a CIDR such as 203.0.113.0/24: %v", c, err)
			}
		}
		ps.Check(a.NATPublicIP != nil, "NATPublicIP", "required with PublicEndpoint: the nodes reach the API server from it (Network.NATPublicIP)")
	}
	ps.Check(a.DeployerVNetID == "" || vnetID.MatchString(a.DeployerVNetID), "DeployerVNetID",
		"%q is not a virtual network id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>)", a.DeployerVNetID)
	for i, id := range a.PreviewerObjectIDs {
		ps.Check(objectID.MatchString(id), fmt.Sprintf("PreviewerObjectIDs[%d]", i), "%q is not an Entra ID object id (a UUID)", id)
	}
	ps = append(ps, cluster.PoolProblems("NodePools", a.NodePools)...)
	for i, p := range a.NodePools {
		at := fmt.Sprintf("NodePools[%d]", i)
		ps.Nest(at, agentPoolProblems(p))
		if p.Pool == cluster.SystemPool {
			// The System agent pool runs CoreDNS and the operators.
			ps.Check(!p.Spot, at+".Spot", "the %q pool runs CoreDNS and the operators: it cannot be spot", cluster.SystemPool)
			ps.Check(!p.Dedicated, at+".Dedicated", "the %q pool runs CoreDNS and the operators: it cannot be dedicated", cluster.SystemPool)
			ps.Check(p.Min >= 1, at+".Min", "%d: the %q pool runs CoreDNS and the operators, it needs Min >= 1", p.Min, cluster.SystemPool)
		}
	}
	ps.Nest("Tags", tagProblems(a.Tags))
	return ps.Err("AKS cluster args")
}

// aksLayoutProblems are the problems of the cluster's overlay pod range, Service range and DNS
// address, under "Layout".
func aksLayoutProblems(l addresses.AzureLayout) []cluster.Problem {
	var ps cluster.Problems
	if !l.Pods.IsValid() && !l.Services.IsValid() && !l.DNSServiceIP.IsValid() {
		ps.Add("Layout", "required: the pod and Service ranges and the DNS service IP (addresses.Azure)")
		return ps
	}
	ps.Check(l.Pods.IsValid(), "Layout.Pods", "required: the overlay pod range (addresses.Azure)")
	ps.Check(l.Services.IsValid(), "Layout.Services", "required: the Service range (addresses.Azure)")
	ps.Check(l.DNSServiceIP.IsValid(), "Layout.DNSServiceIP", "required: the cluster DNS address in the Service range (addresses.Azure)")
	if len(ps) > 0 {
		return ps
	}
	ps.Check(l.Services.Contains(l.DNSServiceIP), "Layout.DNSServiceIP", "%s is not in the Service range %s: pick an address inside it", l.DNSServiceIP, l.Services)
	ps.Check(!l.Pods.Overlaps(l.Services), "Layout.Pods", "pod range %s overlaps the Service range %s: take both from addresses.Azure", l.Pods, l.Services)
	return ps
}

// nodeResourceGroup names the resource group AKS creates for the nodes, disks and load balancers.
func nodeResourceGroup(clusterName, location string) string {
	return "MC_" + clusterName + "_" + location
}

// NewManagedCluster creates an AKS cluster with its agent pools.
func NewManagedCluster(ctx *pulumi.Context, name string, args *ManagedClusterArgs, opts ...pulumi.ResourceOption) (*ManagedCluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("aks %s: %w", name, err)
	}
	c := &ManagedCluster{Pools: map[string]*NodePool{}}
	if err := ctx.RegisterComponentResource("kost:azure:ManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	wrap := func(err error) error { return fmt.Errorf("aks %s: %w", name, err) }
	encryptionAtHost := !args.DisableEncryptionAtHost

	var system cluster.PoolSpec
	for _, p := range args.NodePools {
		if p.Pool == cluster.SystemPool {
			system = p
		}
	}

	apiAccess := &containerservice.ManagedClusterAPIServerAccessProfileArgs{
		EnablePrivateCluster: pulumi.Bool(!args.PublicEndpoint),
	}
	if args.PublicEndpoint {
		ranges := pulumi.ToStringArray(args.PublicCIDRs)
		apiAccess.AuthorizedIPRanges = pulumi.All(ranges, args.NATPublicIP).ApplyT(func(xs []any) []string {
			return append(slices.Clone(xs[0].([]string)), xs[1].(string)+"/32")
		}).(pulumi.StringArrayOutput)
	}
	tier := containerservice.ManagedClusterSKUTierFree
	if args.Protect {
		tier = containerservice.ManagedClusterSKUTierStandard // uptime SLA
	}

	aks, err := containerservice.NewManagedCluster(ctx, name, &containerservice.ManagedClusterArgs{
		ResourceName:      pulumi.String(args.ClusterName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		DnsPrefix:         pulumi.String(args.ClusterName),
		NodeResourceGroup: pulumi.String(nodeResourceGroup(args.ClusterName, args.Location)),
		KubernetesVersion: pulumi.String(args.Version),
		// Patches come automatically; the minor only moves when Version does.
		AutoUpgradeProfile: &containerservice.ManagedClusterAutoUpgradeProfileArgs{
			UpgradeChannel: pulumi.String(string(containerservice.UpgradeChannelPatch)),
		},
		Sku: &containerservice.ManagedClusterSKUArgs{
			Name: pulumi.String(string(containerservice.ManagedClusterSKUNameBase)),
			Tier: pulumi.String(string(tier)),
		},
		Identity: &containerservice.ManagedClusterIdentityArgs{
			Type: containerservice.ResourceIdentityTypeSystemAssigned,
		},
		EnableRBAC: pulumi.Bool(true),
		AadProfile: &containerservice.ManagedClusterAADProfileArgs{
			Managed:             pulumi.Bool(true),
			EnableAzureRBAC:     pulumi.Bool(true),
			AdminGroupObjectIDs: pulumi.ToStringArray(args.AdminGroupObjectIDs),
		},
		DisableLocalAccounts:   pulumi.Bool(true),
		ApiServerAccessProfile: apiAccess,
		NetworkProfile: &containerservice.ContainerServiceNetworkProfileArgs{
			NetworkPlugin:     pulumi.String(string(containerservice.NetworkPluginAzure)),
			NetworkPluginMode: pulumi.String(string(containerservice.NetworkPluginModeOverlay)),
			NetworkPolicy:     pulumi.String(string(containerservice.NetworkPolicyCilium)),
			NetworkDataplane:  pulumi.String(string(containerservice.NetworkDataplaneCilium)),
			PodCidr:           pulumi.String(args.Layout.Pods.String()),
			ServiceCidr:       pulumi.String(args.Layout.Services.String()),
			DnsServiceIP:      pulumi.String(args.Layout.DNSServiceIP.String()),
			OutboundType:      pulumi.String(string(containerservice.OutboundTypeUserAssignedNATGateway)),
			LoadBalancerSku:   pulumi.String(string(containerservice.LoadBalancerSkuStandard)),
		},
		OidcIssuerProfile: &containerservice.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &containerservice.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
		},
		StorageProfile: &containerservice.ManagedClusterStorageProfileArgs{
			DiskCSIDriver:      &containerservice.ManagedClusterStorageProfileDiskCSIDriverArgs{Enabled: pulumi.Bool(true)},
			SnapshotController: &containerservice.ManagedClusterStorageProfileSnapshotControllerArgs{Enabled: pulumi.Bool(true)},
		},
		// The System pool. AKS creates a cluster with at least one pool inline and refuses changes to
		// it through the cluster afterwards; the other pools are AgentPool resources.
		AgentPoolProfiles: containerservice.ManagedClusterAgentPoolProfileArray{&containerservice.ManagedClusterAgentPoolProfileArgs{
			Name:                   pulumi.String(cluster.SystemPool),
			Mode:                   pulumi.String(string(containerservice.AgentPoolModeSystem)),
			Type:                   pulumi.String(string(containerservice.AgentPoolTypeVirtualMachineScaleSets)),
			OrchestratorVersion:    pulumi.String(args.Version),
			OsType:                 pulumi.String(string(containerservice.OSTypeLinux)),
			OsSKU:                  pulumi.String(string(containerservice.OSSKUUbuntu)),
			VmSize:                 pulumi.String(system.InstanceType),
			OsDiskSizeGB:           pulumi.Int(system.Disk()),
			OsDiskType:             pulumi.String(string(containerservice.OSDiskTypeManaged)),
			EnableEncryptionAtHost: pulumi.Bool(encryptionAtHost),
			AvailabilityZones:      pulumi.ToStringArray(args.Zones),
			VnetSubnetID:           args.NodeSubnetID,
			EnableAutoScaling:      pulumi.Bool(true),
			Count:                  pulumi.Int(system.Desired),
			MinCount:               pulumi.Int(system.Min),
			MaxCount:               pulumi.Int(system.Max),
			NodeLabels:             pulumi.StringMap{PoolLabel: pulumi.String(cluster.SystemPool)},
			Tags:                   tagsWith(args.Tags, map[string]string{poolTag: cluster.SystemPool}),
		}},
		Tags: tagsWith(args.Tags, nil),
	}, parent, pulumi.Protect(args.Protect),
		// The cluster autoscaler owns the System pool's node count once the cluster exists.
		pulumi.IgnoreChanges([]string{"agentPoolProfiles[0].count"}))
	if err != nil {
		return nil, wrap(err)
	}
	c.AKS = aks
	c.PrincipalID = aks.Identity.PrincipalId().Elem()
	c.OIDCIssuerURL = aks.OidcIssuerProfile.IssuerURL().Elem()

	// The cluster identity joins nodes to the subnet and puts internal load balancers in it. A
	// system-assigned identity exists only once the cluster does, so the role follows the cluster
	// (as `az aks create` does it); the User pools and, through Ready, internal load balancers wait
	// for it.
	subnetRole, err := newRoleAssignment(ctx, name+"-subnet-network", roleAssignmentArgs{
		SubscriptionID: args.SubscriptionID,
		RoleDefinition: roleNetworkContributor,
		PrincipalID:    c.PrincipalID,
		PrincipalType:  "ServicePrincipal",
		Scope:          args.NodeSubnetID,
		Description:    "AKS " + args.ClusterName + ": nodes and internal load balancers in the node subnet",
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	// The identity running Pulumi administers the cluster through Azure RBAC (local accounts are
	// off). Azure says a new assignment takes up to five minutes to reach the cluster's authorizer;
	// the node pools after it take longer than that, and everything on the cluster waits for them.
	deployer, err := clientIdentity(ctx, c)
	if err != nil {
		return nil, wrap(err)
	}
	deployerRole, err := newRoleAssignment(ctx, name+"-deployer-admin", roleAssignmentArgs{
		SubscriptionID: args.SubscriptionID,
		RoleDefinition: roleAKSRBACClusterAdmin,
		PrincipalID:    pulumi.String(deployer.ObjectID),
		// A person or a workload: Azure looks the type up itself.
		PrincipalType: "",
		Scope:         aks.ID(),
		Description:   "AKS " + args.ClusterName + ": the identity that runs Pulumi administers the cluster",
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	ready := []pulumi.Resource{aks, subnetRole, deployerRole}
	for i, id := range args.PreviewerObjectIDs {
		for _, role := range []struct{ suffix, id, why string }{
			{"user", roleAKSClusterUser, "fetches the kubeconfig of"},
			{"reader", roleAKSRBACReader, "reads (no Secrets)"},
		} {
			ra, err := newRoleAssignment(ctx, fmt.Sprintf("%s-previewer-%d-%s", name, i, role.suffix), roleAssignmentArgs{
				SubscriptionID: args.SubscriptionID,
				RoleDefinition: role.id,
				PrincipalID:    pulumi.String(id),
				Scope:          aks.ID(),
				Description:    "AKS " + args.ClusterName + ": the pull-request preview identity " + role.why + " the cluster",
			}, parent)
			if err != nil {
				return nil, wrap(err)
			}
			ready = append(ready, ra)
		}
	}
	// AKS refuses concurrent agent pool operations on one cluster: each pool waits for the previous.
	prev := pulumi.Resource(subnetRole)
	for _, ps := range args.NodePools {
		if ps.Pool == cluster.SystemPool {
			continue
		}
		pool, err := NewNodePool(ctx, name+"-"+ps.Pool, &NodePoolArgs{
			Pool:              ps.Pool,
			ResourceGroupName: args.ResourceGroupName,
			ClusterName:       aks.Name,
			Version:           args.Version,
			Zones:             args.Zones,
			SubnetID:          args.NodeSubnetID,
			VMSize:            ps.InstanceType,
			Desired:           ps.Desired, Min: ps.Min, Max: ps.Max,
			Spot:             ps.Spot,
			Dedicated:        ps.Dedicated,
			DiskGiB:          ps.DiskGiB,
			EncryptionAtHost: encryptionAtHost,
			Tags:             args.Tags,
			DependsOn:        []pulumi.Resource{subnetRole, prev},
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		c.Pools[ps.Pool] = pool
		// Depend on the agent pool itself, never on the NodePool component: the Go SDK expands a
		// component dependency to the children registered so far, which races with their registration.
		ready = append(ready, pool.AgentPool)
		prev = pool.AgentPool
	}

	if !args.PublicEndpoint && args.DeployerVNetID != "" {
		link, err := newPrivateDNSLink(ctx, name+"-deployers-dns", privateDNSLinkArgs{
			ZoneName:          aks.PrivateFQDN.ApplyT(systemPrivateDNSZone).(pulumi.StringOutput),
			ResourceGroupName: pulumi.String(nodeResourceGroup(args.ClusterName, args.Location)),
			LinkName:          "kost-deployers",
			VNetID:            args.DeployerVNetID,
			Tags:              tagsWith(args.Tags, nil),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		ready = append(ready, link)
	}

	// A private cluster is reached at its private FQDN (a private DNS zone linked to the VNet).
	fqdn := aks.PrivateFQDN
	if args.PublicEndpoint {
		fqdn = aks.Fqdn
	}
	endpoint := pulumi.Sprintf("https://%s", fqdn)
	kubeconfig := clusterKubeconfig(ctx, c, args, endpoint)
	k8s, err := cluster.NewKubernetesProvider(ctx, name+"-k8s", kubeconfig, parent)
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
		PoolTolerations:      spotTolerations(args.NodePools),
		Ready:                ready,
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":   aks.Name,
		"endpoint":      endpoint,
		"principalId":   c.PrincipalID,
		"oidcIssuerUrl": c.OIDCIssuerURL,
		"kubeconfig":    kubeconfig,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// clusterKubeconfig gets the cluster's kubeconfig (a secret) for its endpoint: the user kubeconfig
// rewritten to kubelogin with the Azure CLI login (local accounts are off, so there is no admin
// certificate to hand out).
func clusterKubeconfig(ctx *pulumi.Context, c *ManagedCluster, args *ManagedClusterArgs, endpoint pulumi.StringOutput) pulumi.StringOutput {
	// The invoke runs with the component's provider (Parent) once the cluster exists (DependsOn).
	invokeOpts := []pulumi.InvokeOption{pulumi.Parent(c), pulumi.DependsOn([]pulumi.Resource{c.AKS})}
	creds := containerservice.ListManagedClusterUserCredentialsOutput(ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: args.ResourceGroupName,
		ResourceName:      c.AKS.Name,
	}, invokeOpts...).Kubeconfigs().Index(pulumi.Int(0)).Value()
	return pulumi.ToSecret(pulumi.All(creds, endpoint).ApplyT(func(xs []any) (string, error) {
		return userKubeconfig(KubeconfigArgs{ClusterName: args.ClusterName, Server: xs[1].(string)}, xs[0].(string))
	})).(pulumi.StringOutput)
}

// spotTolerations are the tolerations of AKS's spot taint, for the workloads of spot pools.
func spotTolerations(pools []cluster.PoolSpec) map[string][]cluster.Toleration {
	key, rest, _ := strings.Cut(SpotTaint, "=")
	value, effect, _ := strings.Cut(rest, ":")
	out := map[string][]cluster.Toleration{}
	for _, p := range pools {
		if p.Spot {
			out[p.Pool] = []cluster.Toleration{{Key: key, Value: value, Effect: effect}}
		}
	}
	return out
}
