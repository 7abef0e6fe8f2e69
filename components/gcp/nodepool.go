package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// PoolLabel is the node label (and taint key) naming a node's workload pool.
const PoolLabel = cluster.PoolLabel

// poolResourceLabel is the GCE label naming a node VM's pool (GCP label keys take no dots or slashes).
const poolResourceLabel = "kost-pool"

// cloudPlatformScope lets IAM alone decide what the node service account may do.
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// NodePoolArgs configure one GKE node pool spread over the cluster's zones.
type NodePoolArgs struct {
	// Pool is the workload pool name (system, pd, tikv, tidb, kafka, spark); it is also the GKE node
	// pool's name, unique in its cluster. Required: lowercase letters, digits and hyphens, starting with
	// a letter, at most 40 characters.
	Pool string
	// Cluster is the GKE cluster's name (or id). Required.
	Cluster pulumi.StringInput
	// Project is the GCP project ID. Required.
	Project string
	// Region is the regional cluster's location. Required.
	Region string
	// Zones the pool spreads over (node locations). Required: at least one.
	Zones []string
	// MachineType of the nodes, e.g. n2-standard-4. Required.
	MachineType string
	// Desired, Min and Max node counts over all zones. Required: 0 <= Min <= Desired <= Max, Max >= 1.
	// Min and Max become the autoscaler's total limits; every zone starts with ceil(Desired/zones)
	// nodes, fewer if that would pass Max (a regional pool starts with the same count in every zone).
	Desired, Min, Max int
	// Spot uses Spot VMs. Default: false.
	Spot bool
	// Dedicated taints the nodes kost.io/pool=<pool>:NoSchedule so only the pool's workload runs there.
	// Default: false (the system pool).
	Dedicated bool
	// DiskGiB of the pd-balanced boot disk (always encrypted at rest), within a cluster.PoolSpec's
	// bounds. Default: cluster.DefaultDiskGiB (50).
	DiskGiB int
	// ServiceAccount is the email of the service account the nodes run as. Required.
	ServiceAccount pulumi.StringInput
	// Labels go on the node VMs and their disks, with kost-pool=<pool>. Default: none.
	Labels map[string]string
	// DependsOn are resources the pool waits for (the node service account's role bindings). Pulumi
	// does not pass a component's dependsOn to its children, so give them here, and give custom
	// resources only, never components. Default: none.
	DependsOn []pulumi.Resource
}

// NodePool is a GKE node pool with shielded nodes, the GKE metadata server (Workload Identity),
// auto-repair, auto-upgrade (nodes follow the control plane's version) and total-count autoscaling.
type NodePool struct {
	pulumi.ResourceState

	// Pool is the GKE node pool.
	Pool *container.NodePool
	// Labels set on every node of the pool.
	Labels map[string]string
}

// spec is the pool as the shared cluster.PoolSpec (MachineType is its InstanceType), for the rules
// and the disk default every cloud's pools share.
func (a *NodePoolArgs) spec() cluster.PoolSpec {
	return cluster.PoolSpec{Pool: a.Pool, InstanceType: a.MachineType, Desired: a.Desired, Min: a.Min, Max: a.Max,
		Spot: a.Spot, Dedicated: a.Dedicated, DiskGiB: a.DiskGiB}
}

// Validate reports every problem with the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *NodePoolArgs) Validate() error {
	if a == nil {
		a = &NodePoolArgs{}
	}
	var ps cluster.Problems
	for _, p := range a.spec().Problems() {
		if p.Field == "InstanceType" {
			p.Field = "MachineType"
		}
		ps = append(ps, p)
	}
	ps = append(ps, gcpPoolProblems(a.spec())...)
	ps.Required(a.Cluster == nil, "Cluster")
	ps.Required(a.Project == "", "Project")
	ps.Required(a.Region == "", "Region")
	ps.Required(len(a.Zones) == 0, "Zones")
	ps.Required(a.ServiceAccount == nil, "ServiceAccount")
	return ps.Err("gcp node pool args")
}

// gcpPoolProblems are a pool's problems only GCP has (fields relative to the pool): its name is
// also the GCP name of its node pool or instance groups.
func gcpPoolProblems(p cluster.PoolSpec) []cluster.Problem {
	var ps cluster.Problems
	checkName(&ps, "Pool", p.Pool)
	return ps
}

// poolsProblems are the problems of a cluster's pools under field: the shared ones
// (cluster.PoolProblems: each pool's own, unique names, a system pool) and GCP's, under the same
// paths.
func poolsProblems(field string, pools []cluster.PoolSpec) []cluster.Problem {
	ps := cluster.Problems(cluster.PoolProblems(field, pools))
	for i, p := range pools {
		ps.Nest(fmt.Sprintf("%s[%d]", field, i), gcpPoolProblems(p))
	}
	return ps
}

// initialPerZone is the node count every zone starts with: ceil(desired/zones), lowered so the pool
// never starts above max (then the autoscaler brings it up to min as pods wait for nodes).
func initialPerZone(desired, maxTotal, zones int) int {
	n := (desired + zones - 1) / zones
	if n*zones > maxTotal {
		n = maxTotal / zones
	}
	return n
}

// NewNodePool creates the node pool of one workload pool.
func NewNodePool(ctx *pulumi.Context, name string, args *NodePoolArgs, opts ...pulumi.ResourceOption) (*NodePool, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("gcp node pool %s: %w", name, err)
	}
	p := &NodePool{Labels: map[string]string{PoolLabel: args.Pool}}
	if err := ctx.RegisterComponentResource("kost:gcp:NodePool", name, p, opts...); err != nil {
		return nil, err
	}
	var taints container.NodePoolNodeConfigTaintArray
	if args.Dedicated {
		taints = container.NodePoolNodeConfigTaintArray{&container.NodePoolNodeConfigTaintArgs{
			Key:    pulumi.String(PoolLabel),
			Value:  pulumi.String(args.Pool),
			Effect: pulumi.String("NO_SCHEDULE"),
		}}
	}
	np, err := container.NewNodePool(ctx, name, &container.NodePoolArgs{
		Name:             pulumi.String(args.Pool),
		Project:          pulumi.String(args.Project),
		Location:         pulumi.String(args.Region),
		Cluster:          args.Cluster,
		NodeLocations:    pulumi.ToStringArray(args.Zones),
		InitialNodeCount: pulumi.Int(initialPerZone(args.Desired, args.Max, len(args.Zones))),
		Autoscaling: &container.NodePoolAutoscalingArgs{
			TotalMinNodeCount: pulumi.Int(args.Min),
			TotalMaxNodeCount: pulumi.Int(args.Max),
			LocationPolicy:    pulumi.String("BALANCED"),
		},
		Management: &container.NodePoolManagementArgs{
			AutoRepair:  pulumi.Bool(true),
			AutoUpgrade: pulumi.Bool(true),
		},
		// One extra node at a time, none taken away first: stateful pools keep their quorum.
		UpgradeSettings: &container.NodePoolUpgradeSettingsArgs{
			Strategy:       pulumi.String("SURGE"),
			MaxSurge:       pulumi.Int(1),
			MaxUnavailable: pulumi.Int(0),
		},
		NodeConfig: &container.NodePoolNodeConfigArgs{
			MachineType:    pulumi.String(args.MachineType),
			ImageType:      pulumi.String("COS_CONTAINERD"),
			DiskType:       pulumi.String("pd-balanced"),
			DiskSizeGb:     pulumi.Int(args.spec().Disk()),
			Spot:           pulumi.Bool(args.Spot),
			ServiceAccount: args.ServiceAccount,
			OauthScopes:    pulumi.StringArray{pulumi.String(cloudPlatformScope)},
			Labels:         pulumi.ToStringMap(p.Labels),
			Taints:         taints,
			ResourceLabels: labelsWith(args.Labels, map[string]string{poolResourceLabel: args.Pool}),
			ShieldedInstanceConfig: &container.NodePoolNodeConfigShieldedInstanceConfigArgs{
				EnableSecureBoot:          pulumi.Bool(true),
				EnableIntegrityMonitoring: pulumi.Bool(true),
			},
			// Pods see the GKE metadata server (Workload Identity), never the node's credentials.
			WorkloadMetadataConfig: &container.NodePoolNodeConfigWorkloadMetadataConfigArgs{
				Mode: pulumi.String("GKE_METADATA"),
			},
		},
	}, pulumi.Parent(p), pulumi.DependsOn(args.DependsOn),
		// The autoscaler owns the node count once the pool exists; the initial count would otherwise
		// replace the pool whenever Desired changes.
		pulumi.IgnoreChanges([]string{"initialNodeCount", "nodeCount"}))
	if err != nil {
		return nil, fmt.Errorf("gcp node pool %s: %w", name, err)
	}
	p.Pool = np
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{
		"nodePoolId": np.ID(),
		"pool":       pulumi.String(args.Pool),
	}); err != nil {
		return nil, err
	}
	return p, nil
}
