package aws

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/cluster"
)

// NetworkArgs configure a region's VPC.
type NetworkArgs struct {
	// Layout is the computed address plan (addresses.Plan): the VPC block and one private and one public
	// subnet per zone. Required.
	Layout addresses.AWSLayout
	// Zones are the availability zones, in the order of Layout's subnets. Required: 1 to 3.
	Zones []string
	// ClusterName is the EKS cluster that will use the subnets; it is written into the subnet tags
	// the AWS load balancer controller and EKS look for. Required.
	ClusterName string
	// NATPerZone gives every zone its own NAT gateway (prod) instead of one shared gateway (dev).
	// Default: false.
	NATPerZone bool
	// FlowLogs sends VPC flow logs (all traffic) to CloudWatch Logs. Default: false.
	FlowLogs bool
	// FlowLogRetentionDays keeps flow logs this long. Default: 90.
	FlowLogRetentionDays int
	// Tags go on every resource. Default: none.
	Tags map[string]string
}

// Network is a VPC with public and private subnets over the zones, an internet gateway, NAT and
// routes.
type Network struct {
	pulumi.ResourceState

	// VpcID of the VPC.
	VpcID pulumi.IDOutput
	// PrivateSubnetIDs, one per zone in zone order: nodes and internal load balancers.
	PrivateSubnetIDs pulumi.StringArrayOutput
	// PublicSubnetIDs, one per zone in zone order: NAT gateways and internet-facing load balancers.
	PublicSubnetIDs pulumi.StringArrayOutput
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *NetworkArgs) Validate() error {
	if a == nil {
		a = &NetworkArgs{}
	}
	var ps cluster.Problems
	if l := a.Layout; !l.Block.IsValid() && len(l.Private) == 0 && len(l.Public) == 0 {
		ps.Add("Layout", "required: the region's address plan from addresses.AWS over the zones")
	} else {
		ps.Check(l.Block.IsValid(), "Layout.Block", "required: the VPC's block (addresses.AWS)")
		ps.Check(len(l.Private) == len(a.Zones), "Layout.Private",
			"%d private subnets for %d zones: want one per zone, plan the layout with addresses.AWS over the zones", len(l.Private), len(a.Zones))
		ps.Check(len(l.Public) == len(a.Zones), "Layout.Public",
			"%d public subnets for %d zones: want one per zone, plan the layout with addresses.AWS over the zones", len(l.Public), len(a.Zones))
	}
	ps.Check(len(a.Zones) >= 1 && len(a.Zones) <= 3, "Zones", "need 1 to 3 availability zones, got %d", len(a.Zones))
	ps.Check(a.ClusterName != "", "ClusterName", "required: the EKS cluster that uses the subnets (their kubernetes.io/cluster tag)")
	return ps.Err("aws network args")
}

// NewNetwork creates the VPC of one region.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("aws network %s: %w", name, err)
	}
	n := &Network{}
	if err := ctx.RegisterComponentResource("kost:aws:Network", name, n, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(n)
	tags := args.Tags

	vpc, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.Layout.Block.String()),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               nameTags(tags, name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("aws network %s: %w", name, err)
	}
	igw, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
		VpcId: vpc.ID(),
		Tags:  nameTags(tags, name),
	}, parent)
	if err != nil {
		return nil, err
	}

	clusterTag := "kubernetes.io/cluster/" + args.ClusterName
	var public, private pulumi.StringArray
	var publicSubnets []*ec2.Subnet
	for i, zone := range args.Zones {
		pub, err := newSubnet(ctx, fmt.Sprintf("%s-public-%s", name, zone), vpc, args.Layout.Public[i], zone,
			tagsWith(tags, map[string]string{"Name": name + "-public-" + zone, "kubernetes.io/role/elb": "1", clusterTag: "shared", "kost.io/tier": "public"}), parent)
		if err != nil {
			return nil, err
		}
		publicSubnets = append(publicSubnets, pub)
		public = append(public, pub.ID().ToStringOutput())
	}

	publicRT, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId: vpc.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{
			CidrBlock: pulumi.String("0.0.0.0/0"),
			GatewayId: igw.ID(),
		}},
		Tags: nameTags(tags, name+"-public"),
	}, parent)
	if err != nil {
		return nil, err
	}
	for i, zone := range args.Zones {
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-public-%s", name, zone), &ec2.RouteTableAssociationArgs{
			SubnetId:     publicSubnets[i].ID(),
			RouteTableId: publicRT.ID(),
		}, parent); err != nil {
			return nil, err
		}
	}

	// NAT: one per zone in prod, so losing a zone never cuts the others off; one shared in dev.
	nats := 1
	if args.NATPerZone {
		nats = len(args.Zones)
	}
	var natIDs []pulumi.IDOutput
	for i := 0; i < nats; i++ {
		zone := args.Zones[i]
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-%s", name, zone), &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   nameTags(tags, fmt.Sprintf("%s-nat-%s", name, zone)),
		}, parent)
		if err != nil {
			return nil, err
		}
		nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-nat-%s", name, zone), &ec2.NatGatewayArgs{
			AllocationId: eip.AllocationId,
			SubnetId:     publicSubnets[i].ID(),
			Tags:         nameTags(tags, fmt.Sprintf("%s-nat-%s", name, zone)),
		}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return nil, err
		}
		natIDs = append(natIDs, nat.ID())
	}

	for i, zone := range args.Zones {
		priv, err := newSubnet(ctx, fmt.Sprintf("%s-private-%s", name, zone), vpc, args.Layout.Private[i], zone,
			tagsWith(tags, map[string]string{"Name": name + "-private-" + zone, "kubernetes.io/role/internal-elb": "1", clusterTag: "shared", "kost.io/tier": "private"}), parent)
		if err != nil {
			return nil, err
		}
		private = append(private, priv.ID().ToStringOutput())
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-%s", name, zone), &ec2.RouteTableArgs{
			VpcId: vpc.ID(),
			Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{
				CidrBlock:    pulumi.String("0.0.0.0/0"),
				NatGatewayId: natIDs[i%len(natIDs)],
			}},
			Tags: nameTags(tags, fmt.Sprintf("%s-private-%s", name, zone)),
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-private-%s", name, zone), &ec2.RouteTableAssociationArgs{
			SubnetId:     priv.ID(),
			RouteTableId: rt.ID(),
		}, parent); err != nil {
			return nil, err
		}
	}

	if args.FlowLogs {
		if err := newFlowLogs(ctx, name, vpc, args, parent); err != nil {
			return nil, err
		}
	}

	n.VpcID = vpc.ID()
	n.PrivateSubnetIDs = private.ToStringArrayOutput()
	n.PublicSubnetIDs = public.ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":            n.VpcID,
		"privateSubnetIds": n.PrivateSubnetIDs,
		"publicSubnetIds":  n.PublicSubnetIDs,
	}); err != nil {
		return nil, err
	}
	return n, nil
}

func newSubnet(ctx *pulumi.Context, name string, vpc *ec2.Vpc, block netip.Prefix, zone string, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*ec2.Subnet, error) {
	s, err := ec2.NewSubnet(ctx, name, &ec2.SubnetArgs{
		VpcId:               vpc.ID(),
		CidrBlock:           pulumi.String(block.String()),
		AvailabilityZone:    pulumi.String(zone),
		MapPublicIpOnLaunch: pulumi.Bool(false), // nothing gets a public IP by accident, not even in public subnets
		Tags:                tags,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("subnet %s: %w", name, err)
	}
	return s, nil
}

func newFlowLogs(ctx *pulumi.Context, name string, vpc *ec2.Vpc, args *NetworkArgs, parent pulumi.ResourceOption) error {
	retention := args.FlowLogRetentionDays
	if retention == 0 {
		retention = 90
	}
	lg, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(retention),
		Tags:            nameTags(args.Tags, name+"-flow-logs"),
	}, parent)
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRoleForService("vpc-flow-logs.amazonaws.com")),
		Description:      pulumi.String("VPC flow logs of " + name),
		Tags:             nameTags(args.Tags, name+"-flow-logs"),
	}, parent)
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: lg.Arn.ApplyT(func(arn string) string {
			return policyDocument{Version: "2012-10-17", Statement: []statement{{
				Effect:   "Allow",
				Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
				Resource: []string{arn, arn + ":*"},
			}}}.String()
		}).(pulumi.StringOutput),
	}, parent); err != nil {
		return err
	}
	_, err = ec2.NewFlowLog(ctx, name+"-flow-logs", &ec2.FlowLogArgs{
		VpcId:              vpc.ID(),
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     lg.Arn,
		IamRoleArn:         role.Arn,
		Tags:               nameTags(args.Tags, name+"-flow-logs"),
	}, parent)
	return err
}
