package gcp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
)

// Defaults of SelfManagedClusterArgs.
const (
	// DefaultSelfManagedImage is Canonical's Ubuntu 24.04 LTS (amd64) image family: every new VM takes
	// the family's latest image.
	DefaultSelfManagedImage = "ubuntu-os-cloud/ubuntu-2404-lts-amd64"
	// DefaultControlPlaneMachineType runs the API server, etcd, the controllers, the cloud-controller-
	// manager and the CSI controller (4 vCPU, 16 GiB).
	DefaultControlPlaneMachineType = "e2-standard-4"
	// controlPlaneDiskGiB is the control planes' boot disk (etcd lives there).
	controlPlaneDiskGiB = 100
	// userDataKey is the instance metadata key cloud-init's GCE datasource reads.
	userDataKey = "user-data"
)

// apiPortString is the API port as firewall rules take it.
var apiPortString = strconv.Itoa(cluster.APIServerPort)

// controlPlanePermissions are the control planes' custom project role, instead of the predefined
// compute.instanceAdmin.v1, loadBalancerAdmin, securityAdmin and storageAdmin (845 permissions
// together; every one below is in them, so the role only takes access away). Upstream documents no
// permissions for the GCP cloud-controller-manager (kubernetes/cloud-provider-gcp#339 closed without
// an answer) nor for the cluster-autoscaler's GCE provider (no README in cloudprovider/gce), so the
// list follows the calls the three controllers make at the pinned versions, for what kost enables,
// each Compute method mapped to the permissions of its REST reference's "IAM Permissions" block
// (read through iann0036/iam-dataset gcp/map.json, a crawl of those blocks, f9b3c62b; the Google
// pages themselves were not readable here). The "use" permissions checked on referenced resources
// (addresses.use*, healthChecks/httpHealthChecks.useReadOnly, instanceGroups.use, instances.use,
// regionBackendServices.use, targetPools.use, disks.use) are not in that crawl; they are kept because
// every one is in the predefined roles they replace and in other least-privilege lists for the same
// controller code, not because a Google page was seen to require them:
//
// C, cloud-provider-gcp v36.2.4 (and v35.0.8: the same calls), with kost's flags running only the
// cloud-node, cloud-node-lifecycle and service controllers (routes and node IPAM off): instances and
// zones for nodes (providers/gce/gce_instances.go, gce_zones.go); for internal LoadBalancer Services
// unmanaged instance groups, health checks, regional backend services, internal addresses and
// forwarding rules (gce_loadbalancer_internal.go); for external ones target pools, legacy HTTP health
// checks, external addresses and forwarding rules (gce_loadbalancer_external.go); firewall rules for
// both (gce_firewall.go, which also needs networks.updatePolicy); and the operations it waits on.
//
// A, the cluster-autoscaler 1.36.1 (cloudprovider/gce/autoscaling_gce_client.go): lists instance
// groups and their managers, resizes them, creates and deletes their instances, reads templates and
// machine types, and, with --regional (components/autoscaler sets it for gce), the region's zones.
//
// D, the GCE PD CSI driver v1.26.4: its documented minimum (docs/kubernetes/user-guides/
// driver-install.md: instances.get, attachDisk, detachDisk, disks.get, plus storageAdmin) narrowed to
// the disk calls of pkg/gce-cloud-provider/compute/gce-compute.go for zonal disks: create, delete,
// resize, list (the attacher's ListVolumes) and use. Snapshot permissions are left out: kost deploys
// no snapshot controller.
//
// roles/iam.serviceAccountUser is not in the role: it is granted on the two node accounts only
// (attaching a disk to a VM that runs as a service account needs actAs on that account). Logs,
// metrics and images come from nodeRoles.
var controlPlanePermissions = []string{
	"compute.addresses.create",             // C external
	"compute.addresses.createInternal",     // C internal
	"compute.addresses.delete",             // C external
	"compute.addresses.deleteInternal",     // C internal
	"compute.addresses.get",                // C
	"compute.addresses.list",               // C
	"compute.addresses.use",                // C external
	"compute.addresses.useInternal",        // C internal
	"compute.disks.create",                 // D
	"compute.disks.delete",                 // D
	"compute.disks.get",                    // D
	"compute.disks.list",                   // D
	"compute.disks.resize",                 // D
	"compute.disks.use",                    // D
	"compute.firewalls.create",             // C
	"compute.firewalls.delete",             // C
	"compute.firewalls.get",                // C
	"compute.firewalls.update",             // C
	"compute.forwardingRules.create",       // C
	"compute.forwardingRules.delete",       // C
	"compute.forwardingRules.get",          // C
	"compute.globalOperations.get",         // C
	"compute.healthChecks.create",          // C internal
	"compute.healthChecks.delete",          // C internal
	"compute.healthChecks.get",             // C internal
	"compute.healthChecks.update",          // C internal
	"compute.healthChecks.useReadOnly",     // C internal
	"compute.httpHealthChecks.create",      // C external
	"compute.httpHealthChecks.delete",      // C external
	"compute.httpHealthChecks.get",         // C external
	"compute.httpHealthChecks.update",      // C external
	"compute.httpHealthChecks.useReadOnly", // C external
	"compute.instanceGroupManagers.get",    // A
	"compute.instanceGroupManagers.list",   // A
	"compute.instanceGroupManagers.update", // A
	"compute.instanceGroups.create",        // C internal
	"compute.instanceGroups.delete",        // C internal
	"compute.instanceGroups.get",           // C internal
	"compute.instanceGroups.list",          // A
	"compute.instanceGroups.update",        // C internal
	"compute.instanceGroups.use",           // C internal
	"compute.instanceTemplates.get",        // A
	"compute.instances.attachDisk",         // D
	"compute.instances.detachDisk",         // D
	"compute.instances.get",                // C D
	"compute.instances.list",               // C external
	"compute.instances.use",                // C
	"compute.machineTypes.get",             // A
	"compute.networks.updatePolicy",        // C firewalls
	"compute.networks.use",                 // C forwarding rules
	"compute.regionBackendServices.create", // C internal
	"compute.regionBackendServices.delete", // C internal
	"compute.regionBackendServices.get",    // C internal
	"compute.regionBackendServices.update", // C internal
	"compute.regionBackendServices.use",    // C internal
	"compute.regionOperations.get",         // C
	"compute.regions.get",                  // A --regional
	"compute.subnetworks.use",              // C internal forwarding rules
	"compute.targetPools.addInstance",      // C external
	"compute.targetPools.create",           // C external
	"compute.targetPools.delete",           // C external
	"compute.targetPools.get",              // C external
	"compute.targetPools.removeInstance",   // C external
	"compute.targetPools.use",              // C external
	"compute.zoneOperations.get",           // C A D
	"compute.zones.list",                   // C D
}

// controlPlaneRoleID is the custom role's id: letters, digits, '_' and '.', 3 to 64 characters
// (cloud.google.com/iam/docs/reference/rest/v1/projects.roles: roleId; a cluster name of at most 40
// characters gives at most 52). Its suffix is the end of the control planes' service account's
// unique id, so a re-created cluster (a new account) gets a new role: a deleted role's id stays
// taken for up to 37 days (pulumi-gcp projects.IAMCustomRole).
func controlPlaneRoleID(cluster string, accountUniqueID pulumi.StringOutput) pulumi.StringOutput {
	return accountUniqueID.ApplyT(func(id string) string {
		return strings.ReplaceAll(cluster, "-", "_") + "_cp_" + id[max(len(id)-8, 0):]
	}).(pulumi.StringOutput)
}

// serviceAccountUserRole lets the control planes act as the node accounts (disk attachment).
const serviceAccountUserRole = "roles/iam.serviceAccountUser"

// SelfManagedClusterArgs configure a kubeadm cluster on Compute Engine VMs. The kubeadm sequence
// (kubeadm.NewCluster) is the same on every cloud; these args add what only Compute Engine has.
type SelfManagedClusterArgs struct {
	// ClusterSpec is what every self-managed cluster takes. Here the name is also the prefix of every
	// GCP name (lowercase letters, digits and hyphens, starting with a letter, at most 40
	// characters); the zones must be in Region; RegionBlock is addresses.GCPLayout.Block; the load
	// balancer takes clients from every region when DeployerCIDRs are set (global access), so a
	// deployer behind Cloud VPN elsewhere reaches it; each pool's Desired, Min and Max are totals over
	// the zones (one zonal managed instance group per zone) and must be multiples of 3.
	// ControlPlaneInstanceType defaults to DefaultControlPlaneMachineType.
	kubeadm.ClusterSpec
	// Project is the GCP project ID. Required.
	Project string
	// Network and Subnetwork are the VPC network and the node subnetwork (Network.NetworkID,
	// Network.SubnetworkID). The load balancer's address is taken from the subnetwork. Required.
	Network, Subnetwork pulumi.StringInput
	// Image of every VM (boot disk source). Default: DefaultSelfManagedImage (Ubuntu 24.04 LTS).
	Image string
	// Labels go on every VM, disk, template and the forwarding rule. Default: none.
	Labels map[string]string
}

// SelfManagedCluster is a kubeadm cluster on Compute Engine: three shielded control-plane VMs (one per
// zone) behind an internal passthrough Network Load Balancer on 6443, one zonal managed instance
// group per worker pool and zone sized by the cluster-autoscaler, two least-privilege service
// accounts (control planes, workers) and the firewall rules of the Kubernetes ports, handed up as a
// cluster.Cluster.
type SelfManagedCluster struct {
	pulumi.ResourceState

	// Bootstrap is the cluster's PKI, token and cloud-init user data.
	Bootstrap *kubeadm.Bootstrap
	// Cluster is the contract handed to the platform layer.
	Cluster cluster.Cluster
	// ControlPlanes are the control-plane VMs, in zone order; ControlPlanes[0] ran kubeadm init.
	ControlPlanes []*compute.Instance
	// ControlPlaneReady are their readiness gates (kubeadm.Cluster.ControlPlaneReady).
	ControlPlaneReady []pulumi.Resource
	// Address is the load balancer's reserved internal address: the ControlPlaneEndpoint.
	Address *compute.Address
	// ForwardingRule is the internal load balancer's frontend (TCP 6443).
	ForwardingRule *compute.ForwardingRule
	// Workers are the worker groups by pool name.
	Workers map[string][]*compute.InstanceGroupManager
	// Addons are the CNI, the cloud-controller-manager, the PD CSI driver and metrics-server.
	Addons *kubeadm.Addons
	// ControlPlaneServiceAccount and WorkerServiceAccount are the emails the VMs run as.
	ControlPlaneServiceAccount, WorkerServiceAccount pulumi.StringOutput
}

// Validate reports every problem with the args at once, the shared spec's and Compute Engine's, as
// a *cluster.ArgsError.
func (a *SelfManagedClusterArgs) Validate() error {
	if a == nil {
		a = &SelfManagedClusterArgs{}
	}
	return kubeadm.ValidateCluster(&a.ClusterSpec, &gceInfra{args: a})
}

// gceInfra is the Compute Engine side of the kubeadm sequence.
type gceInfra struct {
	name            string
	args            *SelfManagedClusterArgs
	c               *SelfManagedCluster
	image, cpType   string
	cpTag, nodeTag  string
	accounts        *selfManagedAccounts
	project, region pulumi.StringInput
}

// Profile implements kubeadm.Infrastructure. The bootstrap was named after the component before
// the sequence was shared: FormerBootstrapName keeps its identity.
func (g *gceInfra) Profile() kubeadm.Profile {
	return kubeadm.Profile{Cloud: cluster.GCP, Storage: storageProfile(), InternalLoadBalancer: internalLoadBalancer(),
		FormerBootstrapName: g.name, Secrets: g.args.secretRefs()}
}

// Problems implements kubeadm.Infrastructure: what only Compute Engine checks (the spec's shared
// rules, pools included, are kubeadm's).
func (g *gceInfra) Problems() []cluster.Problem {
	var ps cluster.Problems
	a := g.args
	ps.Check(a.ClusterName == "" || validName(a.ClusterName, maxNameLen), "ClusterName",
		"%q: use lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most %d characters (it prefixes every GCP name)",
		a.ClusterName, maxNameLen)
	ps.Required(a.Project == "", "Project")
	ps.Required(a.Network == nil, "Network")
	ps.Required(a.Subnetwork == nil, "Subnetwork")
	for i, z := range a.Zones {
		ps.Check(a.Region == "" || strings.HasPrefix(z, a.Region+"-"), fmt.Sprintf("Zones[%d]", i),
			"zone %q is not in region %s: give the region's zones, e.g. %s-b", z, a.Region, a.Region)
	}
	ps.Check(a.Image == "" || !strings.ContainsAny(a.Image, " \t\n"), "Image",
		"%q is not an image or image family reference such as %s", a.Image, DefaultSelfManagedImage)
	ps = append(ps, addonImageProblems(a.Addons.Images)...)
	for i, p := range a.NodePools {
		ps.Nest(fmt.Sprintf("NodePools[%d]", i), g.poolProblems(p))
	}
	return ps
}

// poolProblems are a worker pool's problems on Compute Engine (fields relative to the pool): a GCP
// name that leaves room in the instance names, counts a group per zone can hold.
func (g *gceInfra) poolProblems(p cluster.PoolSpec) []cluster.Problem {
	a := g.args
	ps := cluster.Problems(gcpPoolProblems(p))
	z := len(a.Zones)
	ps.Check(z == 0 || (p.Desired%z == 0 && p.Min%z == 0 && p.Max%z == 0), "Desired",
		"Desired %d, Min %d and Max %d must be multiples of the %d zones (a group per zone)", p.Desired, p.Min, p.Max, z)
	// Instance names are <cluster>-<pool>-xxxx and must stay within 63 characters (the node name).
	n := len(a.ClusterName) + 1 + len(p.Pool)
	ps.Check(n <= 58, "Pool", "%s-%s is %d characters: at most 58 leave room for the instance suffix, shorten the pool or cluster name",
		a.ClusterName, p.Pool, n)
	return ps
}

// Endpoint implements kubeadm.Infrastructure: the service accounts, the firewall rules (the
// Kubernetes ports from the region block only, the API server from Google's health checkers and the
// deployers; no SSH, nothing from the internet) and the load balancer's reserved address. The load
// balancer itself needs the control planes (ControlPlanesDone).
func (g *gceInfra) Endpoint(ctx *pulumi.Context, opts ...pulumi.ResourceOption) (kubeadm.Endpoint, error) {
	args := g.args
	parent := pulumi.Composite(opts...)
	var err error
	if g.accounts, err = newSelfManagedAccounts(ctx, g.name, args, parent); err != nil {
		return kubeadm.Endpoint{}, err
	}
	g.c.ControlPlaneServiceAccount, g.c.WorkerServiceAccount = g.accounts.cp.Email, g.accounts.worker.Email
	if err := newSelfManagedFirewalls(ctx, g.name, args, g.cpTag, g.nodeTag, parent); err != nil {
		return kubeadm.Endpoint{}, err
	}
	g.c.Address, err = compute.NewAddress(ctx, g.name+"-api", &compute.AddressArgs{
		Name:        pulumi.String(args.ClusterName + "-api"),
		Project:     g.project,
		Region:      g.region,
		Subnetwork:  args.Subnetwork,
		AddressType: pulumi.String("INTERNAL"),
		Purpose:     pulumi.String("GCE_ENDPOINT"),
		Description: pulumi.String("kost: Kubernetes API of " + args.ClusterName),
		Labels:      labelsWith(args.Labels, nil),
	}, opts...)
	if err != nil {
		return kubeadm.Endpoint{}, err
	}
	return kubeadm.Endpoint{Address: g.c.Address.Address}, nil
}

// ControlPlane implements kubeadm.Infrastructure: a shielded VM without an external address. A
// joining control plane's user data sends kubeadm join to the first control plane while its own API
// server is down (joinUserData: the load balancer answers its backends from themselves).
func (g *gceInfra) ControlPlane(ctx *pulumi.Context, cp kubeadm.ControlPlaneArgs, opts ...pulumi.ResourceOption) (kubeadm.Machine, error) {
	args := g.args
	userData := cp.UserData
	if cp.First != nil {
		userData = joinUserData(g.c.Address.Address, cp.First.PrivateIP, cp.UserData)
	}
	vm, err := compute.NewInstance(ctx, fmt.Sprintf("%s-cp-%d", g.name, cp.Index), &compute.InstanceArgs{
		Name:        pulumi.Sprintf("%s-cp-%d", args.ClusterName, cp.Index),
		Project:     g.project,
		Zone:        pulumi.String(cp.Zone),
		MachineType: pulumi.String(g.cpType),
		Description: pulumi.String("kost: control plane of " + args.ClusterName),
		BootDisk: &compute.InstanceBootDiskArgs{
			AutoDelete: pulumi.Bool(true),
			InitializeParams: &compute.InstanceBootDiskInitializeParamsArgs{
				Image:  pulumi.String(g.image),
				Size:   pulumi.Int(controlPlaneDiskGiB),
				Type:   pulumi.String("pd-balanced"), // encrypted at rest (Google-managed keys)
				Labels: labelsWith(args.Labels, nil),
			},
		},
		// No access config: no external address. Egress goes through the network's Cloud NAT.
		NetworkInterfaces: compute.InstanceNetworkInterfaceArray{&compute.InstanceNetworkInterfaceArgs{
			Subnetwork: args.Subnetwork,
		}},
		ServiceAccount: &compute.InstanceServiceAccountArgs{
			Email:  g.accounts.cp.Email,
			Scopes: pulumi.StringArray{pulumi.String(cloudPlatformScope)},
		},
		ShieldedInstanceConfig: &compute.InstanceShieldedInstanceConfigArgs{
			EnableSecureBoot: pulumi.Bool(true), EnableVtpm: pulumi.Bool(true), EnableIntegrityMonitoring: pulumi.Bool(true),
		},
		Scheduling: &compute.InstanceSchedulingArgs{
			ProvisioningModel: pulumi.String("STANDARD"),
			AutomaticRestart:  pulumi.Bool(true),
			OnHostMaintenance: pulumi.String("MIGRATE"),
		},
		Metadata:               vmMetadata(userData),
		CanIpForward:           pulumi.Bool(false),
		Tags:                   pulumi.StringArray{pulumi.String(g.cpTag), pulumi.String(g.nodeTag)},
		Labels:                 labelsWith(args.Labels, map[string]string{"kost-role": "control-plane"}),
		DeletionProtection:     pulumi.Bool(args.Protect),
		AllowStoppingForUpdate: pulumi.Bool(true),
	}, append(opts, pulumi.Protect(args.Protect), pulumi.DependsOn(slices.Concat(cp.After, g.accounts.deps)),
		// cloud-init runs once: new user data (a new bootstrap script) must never replace (or even
		// update) a control plane.
		pulumi.IgnoreChanges([]string{`metadata["user-data"]`}))...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	g.c.ControlPlanes = append(g.c.ControlPlanes, vm)
	return kubeadm.Machine{
		Resources: []pulumi.Resource{vm},
		PrivateIP: vm.NetworkInterfaces.Index(pulumi.Int(0)).NetworkIp().Elem(),
	}, nil
}

// ControlPlanesDone implements kubeadm.Infrastructure: the internal load balancer, whose zonal
// instance groups hold the control planes.
func (g *gceInfra) ControlPlanesDone(ctx *pulumi.Context, _ []kubeadm.Machine, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	fr, err := newAPILoadBalancer(ctx, g.name, g.args, g.c, g.c.Address, pulumi.Composite(opts...))
	if err != nil {
		return nil, err
	}
	g.c.ForwardingRule = fr
	return []pulumi.Resource{fr}, nil
}

// WorkerGroup implements kubeadm.Infrastructure: an instance template and a zonal managed instance
// group per zone.
func (g *gceInfra) WorkerGroup(ctx *pulumi.Context, w kubeadm.WorkerGroupArgs, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	migs, err := newWorkerGroup(ctx, g.name, g.args, w.Pool, g.image, w.UserData, g.accounts, g.nodeTag, g.c, w.After, pulumi.Composite(opts...))
	if err != nil {
		return nil, err
	}
	out := make([]pulumi.Resource, len(migs))
	for i, m := range migs {
		out[i] = m
	}
	return out, nil
}

// Addons implements kubeadm.Infrastructure.
func (g *gceInfra) Addons(*pulumi.Context) (kubeadm.AddonSet, error) {
	return g.args.addonInstallers(g.nodeTag)
}

// NewSelfManagedCluster creates a kubeadm cluster on Compute Engine VMs with the shared kubeadm
// sequence. Pass the region's gcp provider with pulumi.Provider; every child takes it from the
// component, and the tls, random and command providers are made inside.
func NewSelfManagedCluster(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, opts ...pulumi.ResourceOption) (*SelfManagedCluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("gcp self-managed cluster %s: %w", name, err)
	}
	c := &SelfManagedCluster{Workers: map[string][]*compute.InstanceGroupManager{}}
	if err := ctx.RegisterComponentResource("kost:gcp:SelfManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	infra := &gceInfra{
		name: name, args: args, c: c, image: args.Image, cpType: args.ControlPlaneInstanceType,
		cpTag: args.ClusterName + "-control-plane", nodeTag: args.ClusterName + "-node",
		project: pulumi.String(args.Project), region: pulumi.String(args.Region),
	}
	if infra.image == "" {
		infra.image = DefaultSelfManagedImage
	}
	if infra.cpType == "" {
		infra.cpType = DefaultControlPlaneMachineType
	}
	k, err := kubeadm.NewCluster(ctx, name, c, &args.ClusterSpec, infra)
	if err != nil {
		return nil, fmt.Errorf("gcp self-managed cluster %s: %w", name, err)
	}
	c.Bootstrap, c.Addons, c.Cluster = k.Bootstrap, k.Addons, k.Contract
	for _, g := range k.ControlPlaneReady {
		c.ControlPlaneReady = append(c.ControlPlaneReady, g)
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"endpoint":                   k.Endpoint,
		"kubeconfig":                 k.Bootstrap.AdminKubeconfig,
		"controlPlaneServiceAccount": c.ControlPlaneServiceAccount,
		"workerServiceAccount":       c.WorkerServiceAccount,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// vmMetadata is every VM's instance metadata: cloud-init's user data, no project-wide SSH keys, and
// the metadata server's legacy endpoints off (they answer without the Metadata-Flavor header, the
// usual SSRF path to the user data and the VM's token).
func vmMetadata(userData pulumi.StringOutput) pulumi.StringMap {
	return pulumi.StringMap{
		userDataKey:                userData,
		"block-project-ssh-keys":   pulumi.String("true"),
		"disable-legacy-endpoints": pulumi.String("true"),
		"serial-port-enable":       pulumi.String("false"),
	}
}

// selfManagedAccounts are the control planes' and the workers' service accounts.
type selfManagedAccounts struct {
	cp, worker *serviceaccount.Account
	// deps are the role bindings the VMs wait for.
	deps []pulumi.Resource
}

func newSelfManagedAccounts(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, parent pulumi.ResourceOption) (*selfManagedAccounts, error) {
	project := pulumi.String(args.Project)
	account := func(suffix, what string) (*serviceaccount.Account, error) {
		return serviceaccount.NewAccount(ctx, name+"-"+suffix, &serviceaccount.AccountArgs{
			Project:     project,
			AccountId:   pulumi.String(accountID(args.ClusterName, suffix)),
			DisplayName: pulumi.String(what + " of " + args.ClusterName),
			Description: pulumi.String("kost: the " + what + " of self-managed cluster " + args.ClusterName),
		}, parent)
	}
	a := &selfManagedAccounts{}
	var err error
	if a.cp, err = account("cp", "control planes"); err != nil {
		return nil, err
	}
	if a.worker, err = account("wk", "workers"); err != nil {
		return nil, err
	}
	grant := func(who string, sa *serviceaccount.Account, roles []string) error {
		for _, role := range roles {
			m, err := projects.NewIAMMember(ctx, name+"-"+who+"-"+roleSuffix(role), &projects.IAMMemberArgs{
				Project: project, Role: pulumi.String(role), Member: sa.Member,
			}, parent)
			if err != nil {
				return err
			}
			a.deps = append(a.deps, m)
		}
		return nil
	}
	if err := grant("cp", a.cp, nodeRoles); err != nil {
		return nil, err
	}
	role, err := projects.NewIAMCustomRole(ctx, name+"-cp-role", &projects.IAMCustomRoleArgs{
		Project:     project,
		RoleId:      controlPlaneRoleID(args.ClusterName, a.cp.UniqueId),
		Title:       pulumi.String("kost " + args.ClusterName + " control planes"),
		Description: pulumi.String("kost: the cloud-controller-manager, PD CSI controller and cluster-autoscaler of self-managed cluster " + args.ClusterName),
		Permissions: pulumi.ToStringArray(controlPlanePermissions),
	}, parent)
	if err != nil {
		return nil, err
	}
	binding, err := projects.NewIAMMember(ctx, name+"-cp-control-plane-role", &projects.IAMMemberArgs{
		Project: project, Role: role.Name, Member: a.cp.Member,
	}, parent)
	if err != nil {
		return nil, err
	}
	a.deps = append(a.deps, binding)
	if err := grant("wk", a.worker, nodeRoles); err != nil {
		return nil, err
	}
	// actAs on the node accounts only, never project-wide.
	for _, t := range []struct {
		suffix string
		sa     *serviceaccount.Account
	}{{"cp", a.cp}, {"wk", a.worker}} {
		m, err := serviceaccount.NewIAMMember(ctx, name+"-cp-actas-"+t.suffix, &serviceaccount.IAMMemberArgs{
			ServiceAccountId: t.sa.Name,
			Role:             pulumi.String(serviceAccountUserRole),
			Member:           a.cp.Member,
		}, parent)
		if err != nil {
			return nil, err
		}
		a.deps = append(a.deps, m)
	}
	return a, nil
}

// accountID is a service account id (6 to 30 characters): <cluster>-<suffix>, or the cluster name's
// start and a digest of the whole name, so it stays unique per project.
func accountID(clusterName, suffix string) string {
	suffix = "-" + suffix
	if id := clusterName + suffix; len(id) <= 30 {
		return id
	}
	sum := sha256.Sum256([]byte(clusterName))
	digest := hex.EncodeToString(sum[:])[:6]
	head := strings.TrimRight(clusterName[:30-len(suffix)-len(digest)-1], "-")
	return head + "-" + digest + suffix
}

// newSelfManagedFirewalls admits the Kubernetes ports: the API server, kubelet and etcd from the
// region block, the API server from Google's health checkers and from the deployers. The network's
// own rules stay as they are; no other rule here has a source outside the block, none names port 22.
func newSelfManagedFirewalls(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, cpTag, nodeTag string, parent pulumi.ResourceOption) error {
	type rule struct {
		suffix, description string
		sources             []string
		ports               []string
		targets             []string
	}
	rules := []rule{
		{"k8s-api", "Kubernetes API from the region block", []string{args.RegionBlock}, []string{apiPortString}, []string{cpTag}},
		{"k8s-api-hc", "Kubernetes API from Google's load-balancer health checks", healthCheckRanges, []string{apiPortString}, []string{cpTag}},
		{"k8s-kubelet", "kubelet from the region block", []string{args.RegionBlock}, []string{"10250"}, []string{nodeTag}},
		{"k8s-etcd", "etcd from the region block", []string{args.RegionBlock}, []string{"2379-2380"}, []string{cpTag}},
	}
	if len(args.DeployerCIDRs) > 0 {
		rules = append(rules, rule{"k8s-api-deployers", "Kubernetes API from the deployers (network.deployers)", args.DeployerCIDRs, []string{apiPortString}, []string{cpTag}})
	}
	for _, r := range rules {
		if _, err := compute.NewFirewall(ctx, name+"-"+r.suffix, &compute.FirewallArgs{
			Name:         pulumi.String(args.ClusterName + "-" + r.suffix),
			Project:      pulumi.String(args.Project),
			Network:      args.Network,
			Description:  pulumi.String("kost: " + r.description),
			Direction:    pulumi.String("INGRESS"),
			Priority:     pulumi.Int(1000),
			SourceRanges: pulumi.ToStringArray(r.sources),
			TargetTags:   pulumi.ToStringArray(r.targets),
			Allows: compute.FirewallAllowArray{&compute.FirewallAllowArgs{
				Protocol: pulumi.String("tcp"), Ports: pulumi.ToStringArray(r.ports),
			}},
		}, parent); err != nil {
			return err
		}
	}
	return nil
}

// newAPILoadBalancer builds the internal passthrough Network Load Balancer of the API servers: one
// unmanaged instance group per zone holding that zone's control plane, a regional TCP health check on
// 6443, an INTERNAL regional backend service and an INTERNAL forwarding rule on the reserved address.
func newAPILoadBalancer(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, c *SelfManagedCluster, addr *compute.Address, parent pulumi.ResourceOption) (*compute.ForwardingRule, error) {
	project, region := pulumi.String(args.Project), pulumi.String(args.Region)
	hc, err := compute.NewRegionHealthCheck(ctx, name+"-api", &compute.RegionHealthCheckArgs{
		Name:               pulumi.String(args.ClusterName + "-api"),
		Project:            project,
		Region:             region,
		CheckIntervalSec:   pulumi.Int(5),
		TimeoutSec:         pulumi.Int(5),
		HealthyThreshold:   pulumi.Int(2),
		UnhealthyThreshold: pulumi.Int(3),
		TcpHealthCheck:     &compute.RegionHealthCheckTcpHealthCheckArgs{Port: pulumi.Int(cluster.APIServerPort)},
	}, parent)
	if err != nil {
		return nil, err
	}
	var backends compute.RegionBackendServiceBackendArray
	for i, zone := range args.Zones {
		ig, err := compute.NewInstanceGroup(ctx, fmt.Sprintf("%s-cp-%d", name, i), &compute.InstanceGroupArgs{
			Name:        pulumi.Sprintf("%s-cp-%d", args.ClusterName, i),
			Project:     project,
			Zone:        pulumi.String(zone),
			Network:     args.Network,
			Description: pulumi.String("kost: control plane of " + args.ClusterName + " in " + zone),
			Instances:   pulumi.StringArray{c.ControlPlanes[i].SelfLink},
		}, parent)
		if err != nil {
			return nil, err
		}
		backends = append(backends, &compute.RegionBackendServiceBackendArgs{
			Group: ig.SelfLink, BalancingMode: pulumi.String("CONNECTION"),
		})
	}
	bs, err := compute.NewRegionBackendService(ctx, name+"-api", &compute.RegionBackendServiceArgs{
		Name:                         pulumi.String(args.ClusterName + "-api"),
		Project:                      project,
		Region:                       region,
		LoadBalancingScheme:          pulumi.String("INTERNAL"),
		Protocol:                     pulumi.String("TCP"),
		HealthChecks:                 hc.ID(),
		Backends:                     backends,
		ConnectionDrainingTimeoutSec: pulumi.Int(30),
	}, parent)
	if err != nil {
		return nil, err
	}
	return compute.NewForwardingRule(ctx, name+"-api", &compute.ForwardingRuleArgs{
		Name:                pulumi.String(args.ClusterName + "-api"),
		Project:             project,
		Region:              region,
		LoadBalancingScheme: pulumi.String("INTERNAL"),
		IpProtocol:          pulumi.String("TCP"),
		Ports:               pulumi.StringArray{pulumi.Sprintf("%d", cluster.APIServerPort)},
		BackendService:      bs.ID(),
		Network:             args.Network,
		Subnetwork:          args.Subnetwork,
		IpAddress:           addr.Address,
		// Deployers may connect from another region (a peered network, Cloud VPN); the firewall
		// still admits only them from outside the region block.
		AllowGlobalAccess: pulumi.Bool(len(args.DeployerCIDRs) > 0),
		Labels:            labelsWith(args.Labels, nil),
	}, parent)
}

// newWorkerGroup makes one pool's instance template and a zonal managed instance group in each zone,
// sized by the cluster-autoscaler (which drives zonal groups only, and drains a node before it
// removes it; Compute Engine's own autoscaler would delete VMs on CPU alone).
func newWorkerGroup(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, p cluster.PoolSpec, image string,
	userData pulumi.StringOutput, accounts *selfManagedAccounts, nodeTag string, c *SelfManagedCluster, after []pulumi.Resource, parent pulumi.ResourceOption,
) ([]*compute.InstanceGroupManager, error) {
	project, region := pulumi.String(args.Project), pulumi.String(args.Region)
	labels := labelsWith(args.Labels, map[string]string{poolResourceLabel: p.Pool, "kost-role": "worker"})
	scheduling := &compute.InstanceTemplateSchedulingArgs{
		ProvisioningModel: pulumi.String("STANDARD"),
		AutomaticRestart:  pulumi.Bool(true),
		OnHostMaintenance: pulumi.String("MIGRATE"),
	}
	if p.Spot {
		scheduling = &compute.InstanceTemplateSchedulingArgs{
			ProvisioningModel:         pulumi.String("SPOT"),
			Preemptible:               pulumi.Bool(true),
			AutomaticRestart:          pulumi.Bool(false),
			OnHostMaintenance:         pulumi.String("TERMINATE"),
			InstanceTerminationAction: pulumi.String("DELETE"),
		}
	}
	base := args.ClusterName + "-" + p.Pool
	tmpl, err := compute.NewInstanceTemplate(ctx, name+"-"+p.Pool, &compute.InstanceTemplateArgs{
		// Templates are immutable: new user data (a new bootstrap script) makes a new template before the old
		// one goes, so the prefix leaves the name to Pulumi.
		NamePrefix:  pulumi.String(base + "-"),
		Project:     project,
		Region:      region,
		Description: pulumi.String("kost: workers of pool " + p.Pool + " of " + args.ClusterName),
		MachineType: pulumi.String(p.InstanceType),
		Disks: compute.InstanceTemplateDiskArray{&compute.InstanceTemplateDiskArgs{
			Boot: pulumi.Bool(true), AutoDelete: pulumi.Bool(true),
			SourceImage: pulumi.String(image),
			DiskType:    pulumi.String("pd-balanced"), // encrypted at rest (Google-managed keys)
			DiskSizeGb:  pulumi.Int(p.Disk()),
			Labels:      labels,
		}},
		NetworkInterfaces: compute.InstanceTemplateNetworkInterfaceArray{&compute.InstanceTemplateNetworkInterfaceArgs{
			Subnetwork: args.Subnetwork,
		}},
		ServiceAccount: &compute.InstanceTemplateServiceAccountArgs{
			Email:  accounts.worker.Email,
			Scopes: pulumi.StringArray{pulumi.String(cloudPlatformScope)},
		},
		ShieldedInstanceConfig: &compute.InstanceTemplateShieldedInstanceConfigArgs{
			EnableSecureBoot: pulumi.Bool(true), EnableVtpm: pulumi.Bool(true), EnableIntegrityMonitoring: pulumi.Bool(true),
		},
		Scheduling:   scheduling,
		Metadata:     vmMetadata(userData),
		CanIpForward: pulumi.Bool(false),
		Tags:         pulumi.StringArray{pulumi.String(nodeTag)},
		Labels:       labels,
	}, parent, pulumi.DependsOn(accounts.deps))
	if err != nil {
		return nil, err
	}
	var migs []*compute.InstanceGroupManager
	perZone := len(args.Zones)
	for _, zone := range args.Zones {
		zoneName := base + "-" + zoneSuffix(zone)
		mig, err := compute.NewInstanceGroupManager(ctx, name+"-"+p.Pool+"-"+zoneSuffix(zone), &compute.InstanceGroupManagerArgs{
			Name:             pulumi.String(zoneName),
			Project:          project,
			Zone:             pulumi.String(zone),
			BaseInstanceName: pulumi.String(base),
			Description:      pulumi.String("kost: workers of pool " + p.Pool + " of " + args.ClusterName + " in " + zone),
			Versions: compute.InstanceGroupManagerVersionArray{&compute.InstanceGroupManagerVersionArgs{
				Name: pulumi.String(p.Pool), InstanceTemplate: tmpl.SelfLinkUnique,
			}},
			TargetSize: pulumi.Int(p.Desired / perZone),
			// New templates apply to new VMs only: running workers (and their pods) are never
			// replaced by new user data.
			UpdatePolicy: &compute.InstanceGroupManagerUpdatePolicyArgs{
				Type:                pulumi.String("OPPORTUNISTIC"),
				MinimalAction:       pulumi.String("REPLACE"),
				MaxSurgeFixed:       pulumi.Int(1),
				MaxUnavailableFixed: pulumi.Int(0),
			},
			WaitForInstances: pulumi.Bool(false),
		}, parent, pulumi.DependsOn(after), pulumi.IgnoreChanges([]string{"targetSize"})) // the cluster-autoscaler owns the size
		if err != nil {
			return nil, err
		}
		migs = append(migs, mig)
	}
	c.Workers[p.Pool] = migs
	return migs, nil
}

// zoneSuffix is a zone's letter (europe-west1-b: b).
func zoneSuffix(zone string) string { return zone[strings.LastIndex(zone, "-")+1:] }

// autoscalerGroups are the worker groups as the cluster-autoscaler takes them: per pool, the zonal
// groups named <cluster>-<pool>-<zone letter>, each between the pool's min and max over the zones.
func (a *SelfManagedClusterArgs) autoscalerGroups() []autoscaler.Group {
	var out []autoscaler.Group
	z := max(len(a.Zones), 1)
	for _, p := range a.NodePools {
		out = append(out, autoscaler.Group{NamePrefix: a.ClusterName + "-" + p.Pool + "-", Min: p.Min / z, Max: p.Max / z})
	}
	return out
}
