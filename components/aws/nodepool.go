package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// PoolLabel is the node label (and taint key) naming a node's workload pool.
const PoolLabel = cluster.PoolLabel

// NodePoolArgs configure one EKS managed node group.
type NodePoolArgs struct {
	// Pool is the workload pool name (system, pd, tikv, tidb, kafka, spark). Required.
	Pool string
	// ClusterName of the EKS cluster. Required.
	ClusterName pulumi.StringInput
	// Version is the cluster's Kubernetes version, so nodes follow the control plane. Required.
	Version string
	// NodeRoleARN is the role the nodes run as. Required.
	NodeRoleARN pulumi.StringInput
	// SubnetIDs are the private subnets to spread over, one per zone. Required.
	SubnetIDs pulumi.StringArrayInput
	// InstanceType of the nodes. Required.
	InstanceType string
	// Desired, Min and Max node counts. Required: 0 <= Min <= Desired <= Max, Max >= 1.
	Desired, Min, Max int
	// Spot uses spot capacity. Default: false.
	Spot bool
	// Dedicated taints the nodes with kost.io/pool=<pool>:NoSchedule so only the pool's workload runs
	// there. Default: false (the system pool).
	Dedicated bool
	// DiskGiB of the encrypted gp3 root volume: 20 to 16384. Default: cluster.DefaultDiskGiB (50).
	DiskGiB int
	// Tags go on the node group, its launch template, instances and volumes. Default: none.
	Tags map[string]string
	// DependsOn are resources the node group waits for (the CNI add-on, the node role's policies).
	// Pulumi does not pass a component's dependsOn to its children, so give them here. Default: none.
	DependsOn []pulumi.Resource
}

// NodePool is an EKS managed node group with an encrypted, IMDSv2-only launch template.
type NodePool struct {
	pulumi.ResourceState

	// NodeGroup is the managed node group.
	NodeGroup *eks.NodeGroup
	// Labels set on every node of the pool.
	Labels map[string]string
}

// spec is the pool as a cluster.PoolSpec, whose rules and default disk it shares.
func (a *NodePoolArgs) spec() cluster.PoolSpec {
	return cluster.PoolSpec{
		Pool: a.Pool, InstanceType: a.InstanceType, Desired: a.Desired, Min: a.Min, Max: a.Max,
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
	ps = append(ps, a.spec().Problems()...)
	ps.Check(a.ClusterName != nil, "ClusterName", "required: the EKS cluster's name (its Name output)")
	ps.Check(a.Version != "", "Version", "required: the cluster's Kubernetes minor version, e.g. 1.33, so nodes follow the control plane")
	ps.Check(a.NodeRoleARN != nil, "NodeRoleARN", "required: the IAM role the nodes run as")
	ps.Check(a.SubnetIDs != nil, "SubnetIDs", "required: the private subnets, one per zone (Network.PrivateSubnetIDs)")
	return ps.Err("aws node pool args")
}

// NewNodePool creates the node group of one workload pool.
func NewNodePool(ctx *pulumi.Context, name string, args *NodePoolArgs, opts ...pulumi.ResourceOption) (*NodePool, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("aws node pool %s: %w", name, err)
	}
	p := &NodePool{Labels: map[string]string{PoolLabel: args.Pool}}
	if err := ctx.RegisterComponentResource("kost:aws:NodePool", name, p, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(p)
	tags := tagsWith(args.Tags, map[string]string{PoolLabel: args.Pool})
	lt, err := ec2.NewLaunchTemplate(ctx, name, &ec2.LaunchTemplateArgs{
		Description: pulumi.String("kost " + args.Pool + " nodes"),
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(args.spec().Disk()),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(2),
		},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tags},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: tags},
		},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("aws node pool %s: %w", name, err)
	}
	capacity := "ON_DEMAND"
	if args.Spot {
		capacity = "SPOT"
	}
	var taints eks.NodeGroupTaintArray
	if args.Dedicated {
		taints = eks.NodeGroupTaintArray{&eks.NodeGroupTaintArgs{
			Key:    pulumi.String(PoolLabel),
			Value:  pulumi.String(args.Pool),
			Effect: pulumi.String("NO_SCHEDULE"),
		}}
	}
	ng, err := eks.NewNodeGroup(ctx, name, &eks.NodeGroupArgs{
		ClusterName:   args.ClusterName,
		Version:       pulumi.String(args.Version),
		NodeRoleArn:   args.NodeRoleARN,
		SubnetIds:     args.SubnetIDs,
		InstanceTypes: pulumi.StringArray{pulumi.String(args.InstanceType)},
		CapacityType:  pulumi.String(capacity),
		AmiType:       pulumi.String("AL2023_x86_64_STANDARD"),
		ScalingConfig: &eks.NodeGroupScalingConfigArgs{
			DesiredSize: pulumi.Int(args.Desired),
			MinSize:     pulumi.Int(args.Min),
			MaxSize:     pulumi.Int(args.Max),
		},
		UpdateConfig:   &eks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
		LaunchTemplate: &eks.NodeGroupLaunchTemplateArgs{Id: lt.ID(), Version: lt.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput)},
		Labels:         pulumi.ToStringMap(p.Labels),
		Taints:         taints,
		Tags:           tags,
	}, parent, pulumi.DependsOn(args.DependsOn),
		// The cluster autoscaler owns the desired size once the pool exists.
		pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
	if err != nil {
		return nil, fmt.Errorf("aws node pool %s: %w", name, err)
	}
	p.NodeGroup = ng
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{
		"nodeGroupArn": ng.Arn,
		"pool":         pulumi.String(args.Pool),
	}); err != nil {
		return nil, err
	}
	return p, nil
}
