package gcp

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// nodeRoles are the least privileges GKE nodes need: write logs and metrics, read monitoring, report
// resource metadata, pull images from Artifact Registry.
var nodeRoles = []string{
	"roles/logging.logWriter",
	"roles/monitoring.metricWriter",
	"roles/monitoring.viewer",
	"roles/stackdriver.resourceMetadata.writer",
	"roles/artifactregistry.reader",
}

const (
	// adminRole is granted on the project to ManagedClusterArgs.Admins.
	adminRole = "roles/container.admin"
	// previewerRole lets ManagedClusterArgs.Previewers get the clusters' endpoints and credentials
	// and nothing else through IAM ("Kubernetes Engine Cluster Viewer"); Kubernetes RBAC (the view
	// ClusterRole) says what they read inside.
	previewerRole = "roles/container.clusterViewer"
	// kmsRole lets the GKE service agent encrypt and decrypt Kubernetes secrets with the cluster's key.
	kmsRole = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
	// secretsKeyRotation rotates the secrets key every 90 days.
	secretsKeyRotation = "7776000s"
)

// The maintenance window's first occurrence (a Saturday), which the recurrence repeats; also the
// start of the exclusion that holds the minor version.
const (
	maintenanceWindowStart = "2026-01-03T02:00:00Z"
	maintenanceWindowEnd   = "2026-01-03T08:00:00Z"
)

// versionRE is a Kubernetes minor version as GKE takes it for minMasterVersion ("1.33").
var versionRE = regexp.MustCompile(`^[1-9][0-9]*\.[0-9]+$`)

// ManagedClusterArgs configure a regional GKE cluster and its node pools.
type ManagedClusterArgs struct {
	// ClusterName is the GKE cluster's name. Required: lowercase letters, digits and hyphens, starting
	// with a letter, at most 40 characters.
	ClusterName string
	// Project is the GCP project ID. Required.
	Project string
	// Region is the cluster's location: kost's clusters are regional (control plane replicated over
	// the region's zones). Required.
	Region string
	// Zones the node pools span (node locations), in the region. Required: at least one.
	Zones []string
	// Version is the Kubernetes minor version, e.g. "1.36": the control plane's minimum version, on
	// the Regular release channel, held there by a maintenance exclusion of minor upgrades until
	// HoldMinorUntil (patches still come). Required.
	Version string
	// HoldMinorUntil is the date (YYYY-MM-DD, UTC) the exclusion of minor upgrades ends: kost passes
	// the minor's upstream end of life, which comes before GKE's end of support (after which GKE
	// upgrades every cluster whatever its exclusions). Required.
	HoldMinorUntil string
	// Network and Subnetwork are the VPC network and subnetwork (Network.NetworkID, .SubnetworkID; names
	// or self links also work). Required.
	Network, Subnetwork pulumi.StringInput
	// PodsRangeName and ServicesRangeName are the subnetwork's secondary ranges (VPC-native cluster).
	// Required.
	PodsRangeName, ServicesRangeName string
	// MasterCIDR is the /28 of the private control plane (addresses.GCPLayout.Master). Required.
	MasterCIDR string
	// PublicEndpoint keeps the control plane's public endpoint, reachable from PublicCIDRs only (master
	// authorized networks). When false the cluster has a private endpoint only, with master authorized
	// networks on: only the cluster's subnetwork (nodes and pods) and DeployerCIDRs reach it. Nodes
	// are always private. Default: false.
	PublicEndpoint bool
	// PublicCIDRs may reach the public endpoint. Default: none (required when PublicEndpoint; ignored
	// otherwise).
	PublicCIDRs []string
	// DeployerCIDRs are where Pulumi runs from (kost's network.deployers.cidrs), as private
	// addresses: master authorized networks admit them on the private endpoint (from any region:
	// global access is on), and the cluster's peering with Google's control-plane network exports
	// custom routes, so a deployer reached over Cloud VPN or Interconnect (dynamic routes) gets its
	// answers. A network merely peered with the cluster's never reaches the private endpoint: VPC
	// peering is not transitive. Default: none (only the subnetwork reaches a private endpoint).
	DeployerCIDRs []string
	// Admins are IAM members ("user:a@example.com", "group:platform@example.com") granted
	// roles/container.admin on the project. Default: none; the identity running Pulumi needs it anyway.
	Admins []string
	// Previewers are the service accounts or users ("serviceAccount:preview@p.iam.gserviceaccount.com")
	// pull-request previews run as: roles/container.clusterViewer on the project (they may fetch
	// the cluster's endpoint and nothing more through IAM) and, inside the cluster, a
	// ClusterRoleBinding of their email to Kubernetes' built-in "view" ClusterRole (read-only, no
	// Secrets). Groups would need Google Groups for RBAC and are refused. Default: none.
	Previewers []string
	// NodePools to create, one GKE node pool each; Desired, Min and Max are totals over all zones.
	// Required: at least one, one of them cluster.SystemPool (coredns, the operators).
	NodePools []cluster.PoolSpec
	// EncryptSecrets encrypts Kubernetes secrets at the application layer with a Cloud KMS key of the
	// cluster's own (a key ring and key in the region, rotated every 90 days). Default: false.
	EncryptSecrets bool
	// Protect turns on GKE deletion protection and marks the cluster and its secrets key protected
	// (pulumi protect). When false, deletion protection is explicitly off so `pulumi destroy` works.
	// Default: false.
	Protect bool
	// Labels go on the cluster, the secrets key and the node VMs. Default: none.
	Labels map[string]string
}

// ManagedCluster is a private, VPC-native, regional GKE cluster with Workload Identity, Dataplane V2,
// shielded nodes, a least-privilege node service account, optional Cloud KMS secrets encryption and
// its node pools.
type ManagedCluster struct {
	pulumi.ResourceState

	// GKE is the cluster resource.
	GKE *container.Cluster
	// NodeServiceAccount is the email of the service account every node runs as.
	NodeServiceAccount pulumi.StringOutput
	// Pools are the node pools by pool name.
	Pools map[string]*NodePool
	// Cluster is the contract handed to the platform layer.
	Cluster cluster.Cluster
}

// Validate reports every problem with the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *ManagedClusterArgs) Validate() error {
	if a == nil {
		a = &ManagedClusterArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.ClusterName == "", "ClusterName")
	checkName(&ps, "ClusterName", a.ClusterName)
	ps.Required(a.Project == "", "Project")
	ps.Required(a.Region == "", "Region")
	ps.Required(len(a.Zones) == 0, "Zones")
	for i, z := range a.Zones {
		ps.Check(a.Region == "" || strings.HasPrefix(z, a.Region+"-"), fmt.Sprintf("Zones[%d]", i),
			"zone %q is not in region %s: give the region's zones, e.g. %s-b", z, a.Region, a.Region)
	}
	ps.Required(a.Version == "", "Version")
	ps.Check(a.Version == "" || versionRE.MatchString(a.Version), "Version",
		"%q: want a Kubernetes minor version such as 1.33", a.Version)
	ps.Required(a.HoldMinorUntil == "", "HoldMinorUntil")
	if _, err := time.Parse(time.DateOnly, a.HoldMinorUntil); a.HoldMinorUntil != "" && err != nil {
		ps.Add("HoldMinorUntil", "%q: want a date (YYYY-MM-DD) such as 2027-06-28", a.HoldMinorUntil)
	}
	ps.Required(a.Network == nil, "Network")
	ps.Required(a.Subnetwork == nil, "Subnetwork")
	ps.Required(a.PodsRangeName == "", "PodsRangeName")
	ps.Required(a.ServicesRangeName == "", "ServicesRangeName")
	ps.Required(a.MasterCIDR == "", "MasterCIDR")
	if a.MasterCIDR != "" {
		p, err := netip.ParsePrefix(a.MasterCIDR)
		ps.Check(err == nil && p.Addr().Is4() && p.Bits() == 28 && p.Masked() == p, "MasterCIDR",
			"%q: want an IPv4 /28 without host bits such as 172.16.0.0/28 (addresses.GCPLayout.Master)", a.MasterCIDR)
	}
	ps.Check(!a.PublicEndpoint || len(a.PublicCIDRs) > 0, "PublicCIDRs",
		"required with PublicEndpoint: give the CIDRs that may reach it, or turn PublicEndpoint off")
	for i, c := range a.PublicCIDRs {
		_, err := netip.ParsePrefix(c)
		ps.Check(err == nil, fmt.Sprintf("PublicCIDRs[%d]", i), "%q is not a CIDR such as 203.0.113.0/24", c)
	}
	for i, c := range a.DeployerCIDRs {
		p, err := netip.ParsePrefix(c)
		ps.Check(err == nil && p.Masked() == p, fmt.Sprintf("DeployerCIDRs[%d]", i),
			"%q is not a CIDR without host bits such as 10.0.0.0/24", c)
	}
	for i, m := range a.Admins {
		kind, _, ok := strings.Cut(m, ":")
		ps.Check(ok && slices.Contains([]string{"user", "group", "serviceAccount", "domain"}, kind), fmt.Sprintf("Admins[%d]", i),
			"%q: want an IAM member such as user:a@example.com or group:platform@example.com", m)
	}
	for i, m := range a.Previewers {
		kind, email, ok := strings.Cut(m, ":")
		ps.Check(ok && (kind == "serviceAccount" || kind == "user") && strings.Contains(email, "@"), fmt.Sprintf("Previewers[%d]", i),
			"%q: want serviceAccount:<email> or user:<email> (a group needs Google Groups for RBAC)", m)
	}
	ps = append(ps, poolsProblems("NodePools", a.NodePools)...)
	return ps.Err("GKE cluster args")
}

// NewManagedCluster creates a GKE cluster with its node pools.
func NewManagedCluster(ctx *pulumi.Context, name string, args *ManagedClusterArgs, opts ...pulumi.ResourceOption) (*ManagedCluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("gke %s: %w", name, err)
	}
	c := &ManagedCluster{Pools: map[string]*NodePool{}}
	if err := ctx.RegisterComponentResource("kost:gcp:ManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	protect := pulumi.Protect(args.Protect)
	project := pulumi.String(args.Project)
	wrap := func(err error) error { return fmt.Errorf("gke %s: %w", name, err) }

	// Nodes run as a service account of their own with the least privileges, never the Compute
	// Engine default account (Editor in older projects).
	sa, err := serviceaccount.NewAccount(ctx, name+"-nodes", &serviceaccount.AccountArgs{
		Project:     project,
		AccountId:   pulumi.String(nodeAccountID(args.ClusterName)),
		DisplayName: pulumi.String("GKE nodes of " + args.ClusterName),
		Description: pulumi.String("kost: the nodes of GKE cluster " + args.ClusterName),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	c.NodeServiceAccount = sa.Email
	var nodeDeps []pulumi.Resource
	for _, role := range nodeRoles {
		m, err := projects.NewIAMMember(ctx, name+"-nodes-"+roleSuffix(role), &projects.IAMMemberArgs{
			Project: project,
			Role:    pulumi.String(role),
			Member:  sa.Member,
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		nodeDeps = append(nodeDeps, m)
	}

	ca := &container.ClusterArgs{
		Name:          pulumi.String(args.ClusterName),
		Project:       project,
		Location:      pulumi.String(args.Region),
		NodeLocations: pulumi.ToStringArray(args.Zones),
		Description:   pulumi.String("kost cluster " + args.ClusterName),
		// The minor set here, held: GKE removes the no-channel option on 2027-06-14 (its no-channel
		// release notes) and upgrades no-channel clusters at end of support anyway, so the cluster is on
		// the Regular channel (1.35 and 1.36 there) with minor upgrades excluded until the minor's end
		// of life; patch upgrades are GKE's, inside the maintenance window.
		MinMasterVersion: pulumi.String(args.Version),
		ReleaseChannel:   &container.ClusterReleaseChannelArgs{Channel: pulumi.String("REGULAR")},
		MaintenancePolicy: &container.ClusterMaintenancePolicyArgs{
			// Saturdays and Sundays 02:00-08:00 UTC: more than the 48 hours in any 32 days GKE requires of
			// a window (its maintenance-window docs).
			RecurringWindow: &container.ClusterMaintenancePolicyRecurringWindowArgs{
				StartTime:  pulumi.String(maintenanceWindowStart),
				EndTime:    pulumi.String(maintenanceWindowEnd),
				Recurrence: pulumi.String("FREQ=WEEKLY;BYDAY=SA,SU"),
			},
			MaintenanceExclusions: container.ClusterMaintenancePolicyMaintenanceExclusionArray{
				&container.ClusterMaintenancePolicyMaintenanceExclusionArgs{
					ExclusionName: pulumi.String("kost-hold-" + strings.ReplaceAll(args.Version, ".", "-")),
					StartTime:     pulumi.String(maintenanceWindowStart),
					EndTime:       pulumi.String(args.HoldMinorUntil + "T00:00:00Z"),
					ExclusionOptions: &container.ClusterMaintenancePolicyMaintenanceExclusionExclusionOptionsArgs{
						Scope: pulumi.String("NO_MINOR_UPGRADES"),
					},
				},
			},
		},
		// GKE requires a default pool at creation; it is removed at once and the pools below replace it.
		RemoveDefaultNodePool: pulumi.Bool(true),
		InitialNodeCount:      pulumi.Int(1),
		// The short-lived default pool still runs as the node account and shielded, so creation works
		// where the Compute Engine default account is disabled or shielded VMs are required.
		NodeConfig: &container.ClusterNodeConfigArgs{
			ServiceAccount: sa.Email,
			OauthScopes:    pulumi.StringArray{pulumi.String(cloudPlatformScope)},
			DiskType:       pulumi.String("pd-balanced"),
			DiskSizeGb:     pulumi.Int(50),
			ShieldedInstanceConfig: &container.ClusterNodeConfigShieldedInstanceConfigArgs{
				EnableSecureBoot:          pulumi.Bool(true),
				EnableIntegrityMonitoring: pulumi.Bool(true),
			},
			WorkloadMetadataConfig: &container.ClusterNodeConfigWorkloadMetadataConfigArgs{Mode: pulumi.String("GKE_METADATA")},
		},
		Network:        args.Network,
		Subnetwork:     args.Subnetwork,
		NetworkingMode: pulumi.String("VPC_NATIVE"),
		IpAllocationPolicy: &container.ClusterIpAllocationPolicyArgs{
			ClusterSecondaryRangeName:  pulumi.String(args.PodsRangeName),
			ServicesSecondaryRangeName: pulumi.String(args.ServicesRangeName),
			StackType:                  pulumi.String("IPV4"),
		},
		// Dataplane V2 (eBPF): network policies enforced without the Calico add-on.
		DatapathProvider: pulumi.String("ADVANCED_DATAPATH"),
		PrivateClusterConfig: &container.ClusterPrivateClusterConfigArgs{
			EnablePrivateNodes:       pulumi.Bool(true),
			EnablePrivateEndpoint:    pulumi.Bool(!args.PublicEndpoint),
			MasterIpv4CidrBlock:      pulumi.String(args.MasterCIDR),
			MasterGlobalAccessConfig: &container.ClusterPrivateClusterConfigMasterGlobalAccessConfigArgs{Enabled: pulumi.Bool(true)},
		},
		MasterAuthorizedNetworksConfig: authorizedNetworks(args),
		WorkloadIdentityConfig: &container.ClusterWorkloadIdentityConfigArgs{
			WorkloadPool: pulumi.String(args.Project + ".svc.id.goog"),
		},
		EnableShieldedNodes: pulumi.Bool(true),
		EnableLegacyAbac:    pulumi.Bool(false),
		AddonsConfig: &container.ClusterAddonsConfigArgs{
			// The storage classes use the GCE PD CSI driver.
			GcePersistentDiskCsiDriverConfig: &container.ClusterAddonsConfigGcePersistentDiskCsiDriverConfigArgs{Enabled: pulumi.Bool(true)},
		},
		DeletionProtection: pulumi.Bool(args.Protect),
		ResourceLabels:     labelsWith(args.Labels, nil),
	}
	var clusterDeps []pulumi.Resource
	if args.EncryptSecrets {
		key, binding, err := newSecretsKey(ctx, name, args, c, protect)
		if err != nil {
			return nil, wrap(err)
		}
		ca.DatabaseEncryption = &container.ClusterDatabaseEncryptionArgs{State: pulumi.String("ENCRYPTED"), KeyName: key.ID()}
		// GKE checks at creation that its service agent may use the key.
		clusterDeps = append(clusterDeps, binding)
	}
	gke, err := container.NewCluster(ctx, name, ca, parent, protect, pulumi.DependsOn(clusterDeps),
		// nodeConfig only shapes the default pool, removed at creation: changing it later must neither
		// update a pool that is gone nor replace the cluster.
		pulumi.IgnoreChanges([]string{"nodeConfig"}))
	if err != nil {
		return nil, wrap(err)
	}
	c.GKE = gke

	for i, member := range args.Admins {
		if _, err := projects.NewIAMMember(ctx, fmt.Sprintf("%s-admin-%d", name, i), &projects.IAMMemberArgs{
			Project: project,
			Role:    pulumi.String(adminRole),
			Member:  pulumi.String(member),
		}, parent); err != nil {
			return nil, wrap(err)
		}
	}

	for i, member := range args.Previewers {
		if _, err := projects.NewIAMMember(ctx, fmt.Sprintf("%s-previewer-%d", name, i), &projects.IAMMemberArgs{
			Project: project,
			Role:    pulumi.String(previewerRole),
			Member:  pulumi.String(member),
		}, parent); err != nil {
			return nil, wrap(err)
		}
	}

	var ready []pulumi.Resource
	if len(args.DeployerCIDRs) > 0 {
		// Answers to a deployer behind Cloud VPN or Interconnect leave Google's control-plane network
		// by the routes this peering exports. GKE owns the peering; this resource only sets its route
		// exchange (and deleting it changes nothing).
		routes, err := compute.NewNetworkPeeringRoutesConfig(ctx, name+"-deployer-routes", &compute.NetworkPeeringRoutesConfigArgs{
			Project:            pulumi.String(args.Project),
			Network:            args.Network.ToStringOutput().ApplyT(lastSegment).(pulumi.StringOutput),
			Peering:            gke.PrivateClusterConfig.PeeringName().Elem(),
			ExportCustomRoutes: pulumi.Bool(true),
			ImportCustomRoutes: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		ready = append(ready, routes)
	}
	for _, ps := range args.NodePools {
		pool, err := NewNodePool(ctx, name+"-"+ps.Pool, &NodePoolArgs{
			Pool:           ps.Pool,
			Cluster:        gke.Name,
			Project:        args.Project,
			Region:         args.Region,
			Zones:          args.Zones,
			MachineType:    ps.InstanceType,
			Desired:        ps.Desired,
			Min:            ps.Min,
			Max:            ps.Max,
			Spot:           ps.Spot,
			Dedicated:      ps.Dedicated,
			DiskGiB:        ps.DiskGiB,
			ServiceAccount: sa.Email,
			Labels:         args.Labels,
			// The role bindings themselves, never a component: the Go SDK expands a component
			// dependency to the children registered so far, which races with their registration.
			DependsOn: nodeDeps,
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		c.Pools[ps.Pool] = pool
		ready = append(ready, pool.Pool)
	}

	endpoint := pulumi.Sprintf("https://%s", gke.Endpoint)
	kubeconfig := pulumi.ToSecret(pulumi.All(gke.Name, endpoint, gke.MasterAuth.ClusterCaCertificate().Elem()).ApplyT(
		func(xs []any) string {
			return Kubeconfig(KubeconfigArgs{ClusterName: xs[0].(string), Endpoint: xs[1].(string), CAData: xs[2].(string)})
		})).(pulumi.StringOutput)
	k8s, err := cluster.NewKubernetesProvider(ctx, name+"-k8s", kubeconfig, parent)
	if err != nil {
		return nil, wrap(err)
	}
	if len(args.Previewers) > 0 {
		binding, err := previewerBinding(ctx, name, args.Previewers, pulumi.Parent(c), pulumi.Provider(k8s), pulumi.DependsOn(ready))
		if err != nil {
			return nil, wrap(err)
		}
		ready = append(ready, binding)
	}

	c.Cluster = cluster.Cluster{
		Name:                 args.ClusterName,
		Cloud:                cluster.GCP,
		Region:               args.Region,
		Zones:                slices.Clone(args.Zones),
		Endpoint:             endpoint,
		Kubeconfig:           kubeconfig,
		Provider:             k8s,
		DedicatedPools:       true,
		Storage:              storageProfile(),
		InternalLoadBalancer: internalLoadBalancer(),
		Ready:                ready,
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":        gke.Name,
		"endpoint":           endpoint,
		"nodeServiceAccount": sa.Email,
		"kubeconfig":         kubeconfig,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// authorizedNetworks are the control plane's master authorized networks: the deployers (on the
// private endpoint) and, on a public endpoint, PublicCIDRs; the cluster's own subnetwork needs no
// entry. Google's public ranges are never let in.
func authorizedNetworks(args *ManagedClusterArgs) *container.ClusterMasterAuthorizedNetworksConfigArgs {
	man := &container.ClusterMasterAuthorizedNetworksConfigArgs{GcpPublicCidrsAccessEnabled: pulumi.Bool(false)}
	var blocks container.ClusterMasterAuthorizedNetworksConfigCidrBlockArray
	add := func(kind string, cidrs []string) {
		for _, c := range cidrs {
			blocks = append(blocks, &container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs{
				CidrBlock:   pulumi.String(c),
				DisplayName: pulumi.String("kost " + kind + " " + c),
			})
		}
	}
	add("deployers", args.DeployerCIDRs)
	if args.PublicEndpoint {
		add("public", args.PublicCIDRs)
	}
	man.CidrBlocks = blocks
	return man
}

// newSecretsKey creates the cluster's secrets key and lets the GKE service agent use it. Key rings and
// keys can never be deleted in GCP, so their names are left to Pulumi (a random suffix): a stack
// destroyed and brought up again gets new ones instead of failing on the old names.
func newSecretsKey(ctx *pulumi.Context, name string, args *ManagedClusterArgs, c *ManagedCluster, protect pulumi.ResourceOption) (*kms.CryptoKey, *kms.CryptoKeyIAMMember, error) {
	parent := pulumi.Parent(c)
	// The GKE service agent is named after the project number, which only a lookup gives. The invoke
	// takes the component's explicit provider through its parent.
	proj, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{ProjectId: &args.Project}, pulumi.Parent(c))
	if err != nil {
		return nil, nil, fmt.Errorf("project number of %s: %w", args.Project, err)
	}
	if proj.Number == "" {
		return nil, nil, fmt.Errorf("project number of %s: the lookup returned none", args.Project)
	}
	ring, err := kms.NewKeyRing(ctx, name+"-secrets", &kms.KeyRingArgs{
		Project:  pulumi.String(args.Project),
		Location: pulumi.String(args.Region), // GKE requires the key in the cluster's region
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	key, err := kms.NewCryptoKey(ctx, name+"-secrets", &kms.CryptoKeyArgs{
		KeyRing:        ring.ID(),
		Purpose:        pulumi.String("ENCRYPT_DECRYPT"),
		RotationPeriod: pulumi.String(secretsKeyRotation),
		Labels:         labelsWith(args.Labels, nil),
	}, parent, protect)
	if err != nil {
		return nil, nil, err
	}
	binding, err := kms.NewCryptoKeyIAMMember(ctx, name+"-secrets", &kms.CryptoKeyIAMMemberArgs{
		CryptoKeyId: key.ID(),
		Role:        pulumi.String(kmsRole),
		Member:      pulumi.String(gkeServiceAgent(proj.Number)),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return key, binding, nil
}

// gkeServiceAgent is the IAM member of a project's GKE service agent.
func gkeServiceAgent(projectNumber string) string {
	return "serviceAccount:service-" + projectNumber + "@container-engine-robot.iam.gserviceaccount.com"
}

// nodeAccountID is the node service account's id: <cluster>-nodes (see accountID).
func nodeAccountID(clusterName string) string { return accountID(clusterName, "nodes") }

// roleSuffix turns roles/logging.logWriter into logging-logWriter for resource names.
func roleSuffix(role string) string {
	return strings.ReplaceAll(strings.TrimPrefix(role, "roles/"), ".", "-")
}

// previewerBinding binds the previewers' emails (GKE's Kubernetes user names for Google identities)
// to the built-in "view" ClusterRole: read-only, Secrets excluded (Kubernetes' user-facing roles).
func previewerBinding(ctx *pulumi.Context, name string, previewers []string, opts ...pulumi.ResourceOption) (*rbacv1.ClusterRoleBinding, error) {
	var subjects rbacv1.SubjectArray
	for _, m := range previewers {
		_, email, _ := strings.Cut(m, ":")
		subjects = append(subjects, &rbacv1.SubjectArgs{
			Kind: pulumi.String("User"), Name: pulumi.String(email), ApiGroup: pulumi.String("rbac.authorization.k8s.io"),
		})
	}
	return rbacv1.NewClusterRoleBinding(ctx, name+"-previewers", &rbacv1.ClusterRoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("kost-previewers"),
			Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost")}},
		RoleRef:  &rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: pulumi.String("view")},
		Subjects: subjects,
	}, opts...)
}
