package azure

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// PoolLabel is the node label (and taint key) naming a node's workload pool.
const PoolLabel = cluster.PoolLabel

// poolTag is the Azure tag naming a pool's nodes: Azure tag names may not contain '/', so the label
// name cannot be the tag name.
const poolTag = "kost-pool"

// agentPoolName is what AKS accepts as a Linux agent pool name: 1 to 12 lowercase letters and digits,
// starting with a letter.
var agentPoolName = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)

// NodePoolArgs configure one AKS User agent pool.
type NodePoolArgs struct {
	// Pool is the workload pool name (pd, tikv, tidb, kafka, spark); it is also the agent pool's name,
	// so 1 to 12 lowercase letters and digits. Required.
	Pool string
	// ResourceGroupName of the cluster. Required.
	ResourceGroupName pulumi.StringInput
	// ClusterName of the AKS cluster. Required.
	ClusterName pulumi.StringInput
	// Version is the cluster's Kubernetes minor version, so nodes follow the control plane. Required.
	Version string
	// Zones the pool spreads its nodes over, e.g. "1", "2", "3". Required.
	Zones []string
	// SubnetID is the node subnet. Required.
	SubnetID pulumi.StringInput
	// VMSize of the nodes, e.g. Standard_E8ds_v5. Required.
	VMSize string
	// Desired, Min and Max node counts over all zones; the cluster autoscaler scales between Min and
	// Max. Required: 0 <= Min <= Desired <= Max, Max >= 1.
	Desired, Min, Max int
	// Spot uses spot VMs that are deleted on eviction, at any price up to the on-demand one. AKS
	// taints spot nodes with SpotTaint, which their pods must tolerate. Default: false.
	Spot bool
	// Dedicated taints the nodes with kost.io/pool=<pool>:NoSchedule so only the pool's workload runs
	// there. Default: false.
	Dedicated bool
	// DiskGiB of the managed OS disk: 20 or more. Default: cluster.DefaultDiskGiB (50).
	DiskGiB int
	// EncryptionAtHost encrypts the VMs' temporary disks and caches at the host too. The subscription
	// needs the Microsoft.Compute/EncryptionAtHost feature. Default: false (ManagedCluster turns it on).
	EncryptionAtHost bool
	// Tags go on the agent pool and its VMs. Default: none.
	Tags map[string]string
	// DependsOn are resources the agent pool waits for: the subnet's role assignment and the previous
	// agent pool (AKS refuses concurrent agent pool operations on one cluster). Pulumi does not pass
	// a component's dependsOn to its children, so give them here. Default: none.
	DependsOn []pulumi.Resource
}

// NodePool is an AKS User agent pool of one workload pool, spread over the zones.
type NodePool struct {
	pulumi.ResourceState

	// AgentPool is the agent pool resource.
	AgentPool *containerservice.AgentPool
	// Labels set on every node of the pool.
	Labels map[string]string
}

// agentPoolProblems are what Azure checks of a pool beyond cluster.PoolSpec.Problems (field names
// relative to the pool): its name is the AKS agent pool's (or the scale set's) name.
func agentPoolProblems(p cluster.PoolSpec) []cluster.Problem {
	var ps cluster.Problems
	ps.Check(p.Pool == "" || agentPoolName.MatchString(p.Pool), "Pool",
		"%q must be 1 to 12 lowercase letters and digits, starting with a letter (Azure names the agent pool or scale set after it)", p.Pool)
	return ps
}

// spec is the pool as a cluster.PoolSpec, whose rules and default disk it shares.
func (a *NodePoolArgs) spec() cluster.PoolSpec {
	return cluster.PoolSpec{
		Pool: a.Pool, InstanceType: a.VMSize, Desired: a.Desired, Min: a.Min, Max: a.Max,
		Spot: a.Spot, Dedicated: a.Dedicated, DiskGiB: a.DiskGiB,
	}
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *NodePoolArgs) Validate() error {
	if a == nil {
		a = &NodePoolArgs{}
	}
	var ps cluster.Problems
	spec := a.spec()
	for _, p := range append(spec.Problems(), agentPoolProblems(spec)...) {
		if p.Field == "InstanceType" {
			p.Field, p.Reason = "VMSize", "required: the nodes' VM size, e.g. Standard_E8ds_v5"
		}
		ps = append(ps, p)
	}
	ps.Check(a.ResourceGroupName != nil, "ResourceGroupName", "required: the cluster's resource group")
	ps.Check(a.ClusterName != nil, "ClusterName", "required: the AKS cluster's name")
	ps.Check(a.Version != "", "Version", "required: the cluster's Kubernetes minor version, e.g. 1.33")
	ps.Check(len(a.Zones) > 0, "Zones", "required: the zones the pool spreads over, e.g. 1, 2 and 3")
	ps.Check(a.SubnetID != nil, "SubnetID", "required: the node subnet (Network.NodeSubnetID)")
	ps.Nest("Tags", tagProblems(a.Tags))
	return ps.Err("azure node pool args")
}

// SpotTaint is the taint AKS puts on every spot node; pods scheduled on a spot pool must tolerate it.
const SpotTaint = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"

// poolTaints are a pool's node taints: the pool's own when dedicated, and AKS's spot taint, which AKS
// adds to every spot pool anyway (written here so the pool's inputs match what AKS reports).
func poolTaints(pool string, dedicated, spot bool) pulumi.StringArray {
	var taints pulumi.StringArray
	if dedicated {
		taints = append(taints, pulumi.String(PoolLabel+"="+pool+":NoSchedule"))
	}
	if spot {
		taints = append(taints, pulumi.String(SpotTaint))
	}
	return taints
}

// NewNodePool creates the agent pool of one workload pool.
func NewNodePool(ctx *pulumi.Context, name string, args *NodePoolArgs, opts ...pulumi.ResourceOption) (*NodePool, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("azure node pool %s: %w", name, err)
	}
	p := &NodePool{Labels: map[string]string{PoolLabel: args.Pool}}
	if err := ctx.RegisterComponentResource("kost:azure:NodePool", name, p, opts...); err != nil {
		return nil, err
	}
	pa := &containerservice.AgentPoolArgs{
		AgentPoolName:          pulumi.String(args.Pool),
		ResourceGroupName:      args.ResourceGroupName,
		ResourceName:           args.ClusterName,
		Mode:                   pulumi.String(string(containerservice.AgentPoolModeUser)),
		Type:                   pulumi.String(string(containerservice.AgentPoolTypeVirtualMachineScaleSets)),
		OrchestratorVersion:    pulumi.String(args.Version),
		OsType:                 pulumi.String(string(containerservice.OSTypeLinux)),
		OsSKU:                  pulumi.String(string(containerservice.OSSKUUbuntu)),
		VmSize:                 pulumi.String(args.VMSize),
		OsDiskSizeGB:           pulumi.Int(args.spec().Disk()),
		OsDiskType:             pulumi.String(string(containerservice.OSDiskTypeManaged)),
		EnableEncryptionAtHost: pulumi.Bool(args.EncryptionAtHost),
		AvailabilityZones:      pulumi.ToStringArray(args.Zones),
		VnetSubnetID:           args.SubnetID,
		EnableAutoScaling:      pulumi.Bool(true),
		Count:                  pulumi.Int(args.Desired),
		MinCount:               pulumi.Int(args.Min),
		MaxCount:               pulumi.Int(args.Max),
		NodeLabels:             pulumi.ToStringMap(p.Labels),
		NodeTaints:             poolTaints(args.Pool, args.Dedicated, args.Spot),
		Tags:                   tagsWith(args.Tags, map[string]string{poolTag: args.Pool}),
	}
	if args.Spot {
		pa.ScaleSetPriority = pulumi.String(string(containerservice.ScaleSetPrioritySpot))
		pa.ScaleSetEvictionPolicy = pulumi.String(string(containerservice.ScaleSetEvictionPolicyDelete))
		pa.SpotMaxPrice = pulumi.Float64(-1) // never evicted for price, only for capacity
	}
	ap, err := containerservice.NewAgentPool(ctx, name, pa, pulumi.Parent(p), pulumi.DependsOn(args.DependsOn),
		// The cluster autoscaler owns the node count once the pool exists.
		pulumi.IgnoreChanges([]string{"count"}))
	if err != nil {
		return nil, fmt.Errorf("azure node pool %s: %w", name, err)
	}
	p.AgentPool = ap
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{
		"agentPoolId": ap.ID(),
		"pool":        pulumi.String(args.Pool),
	}); err != nil {
		return nil, err
	}
	return p, nil
}
