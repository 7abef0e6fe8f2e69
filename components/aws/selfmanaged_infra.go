package aws

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// cloudControllerManagerActions are what the AWS cloud-controller-manager needs on the control
// planes, as its documentation lists them (kubernetes.github.io/cloud-provider-aws, "Prerequisites",
// control plane policy): node lifecycle and zone/instance-type labels (DescribeInstances, ...),
// Service load balancers (ELB/NLB, their security group rules), routes and volumes of the legacy
// in-tree paths. It runs with hostNetwork on the control planes and gets these through IMDSv2.
var cloudControllerManagerActions = []string{
	"autoscaling:DescribeAutoScalingGroups",
	"autoscaling:DescribeLaunchConfigurations",
	"autoscaling:DescribeTags",
	"ec2:DescribeInstances",
	"ec2:DescribeRegions",
	"ec2:DescribeRouteTables",
	"ec2:DescribeSecurityGroups",
	"ec2:DescribeSubnets",
	"ec2:DescribeVolumes",
	"ec2:DescribeAvailabilityZones",
	"ec2:CreateSecurityGroup",
	"ec2:CreateTags",
	"ec2:CreateVolume",
	"ec2:ModifyInstanceAttribute",
	"ec2:ModifyVolume",
	"ec2:AttachVolume",
	"ec2:AuthorizeSecurityGroupIngress",
	"ec2:CreateRoute",
	"ec2:DeleteRoute",
	"ec2:DeleteSecurityGroup",
	"ec2:DeleteVolume",
	"ec2:DetachVolume",
	"ec2:RevokeSecurityGroupIngress",
	"ec2:DescribeVpcs",
	"elasticloadbalancing:AddTags",
	"elasticloadbalancing:AttachLoadBalancerToSubnets",
	"elasticloadbalancing:ApplySecurityGroupsToLoadBalancer",
	"elasticloadbalancing:CreateLoadBalancer",
	"elasticloadbalancing:CreateLoadBalancerPolicy",
	"elasticloadbalancing:CreateLoadBalancerListeners",
	"elasticloadbalancing:ConfigureHealthCheck",
	"elasticloadbalancing:DeleteLoadBalancer",
	"elasticloadbalancing:DeleteLoadBalancerListeners",
	"elasticloadbalancing:DescribeLoadBalancers",
	"elasticloadbalancing:DescribeLoadBalancerAttributes",
	"elasticloadbalancing:DetachLoadBalancerFromSubnets",
	"elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
	"elasticloadbalancing:ModifyLoadBalancerAttributes",
	"elasticloadbalancing:RegisterInstancesWithLoadBalancer",
	"elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer",
	"elasticloadbalancing:CreateListener",
	"elasticloadbalancing:CreateTargetGroup",
	"elasticloadbalancing:DeleteListener",
	"elasticloadbalancing:DeleteTargetGroup",
	"elasticloadbalancing:DescribeListeners",
	"elasticloadbalancing:DescribeLoadBalancerPolicies",
	"elasticloadbalancing:DescribeTargetGroups",
	"elasticloadbalancing:DescribeTargetHealth",
	"elasticloadbalancing:ModifyListener",
	"elasticloadbalancing:ModifyTargetGroup",
	"elasticloadbalancing:RegisterTargets",
	"elasticloadbalancing:DeregisterTargets",
	"elasticloadbalancing:SetLoadBalancerPoliciesOfListener",
	"iam:CreateServiceLinkedRole",
	"kms:DescribeKey",
}

// cloudControllerManagerNodeActions are the node policy of the same documentation, less its ECR
// actions (AmazonEC2ContainerRegistryReadOnly grants them).
var cloudControllerManagerNodeActions = []string{"ec2:DescribeInstances", "ec2:DescribeRegions"}

// allowAll is a policy allowing actions on every resource (the CCM and node policies are unscoped
// in their documentation: the resources they manage do not exist yet).
func allowAll(actions []string) string {
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect: "Allow", Action: actions, Resource: "*",
	}}}.String()
}

type selfManagedIAM struct {
	controlPlaneRole, workerRole       *iam.Role
	controlPlaneProfile, workerProfile *iam.InstanceProfile
}

// newSelfManagedIAM makes the control-plane and worker roles and their instance profiles.
//
//   - control planes: the cloud-controller-manager's documented policy (inline) and
//     AmazonSSMManagedInstanceCore (Session Manager instead of SSH);
//   - control planes also: the cluster-autoscaler's (clusterAutoscalerPolicy: scaling only this
//     cluster's tagged groups).
//   - control planes also: AmazonEBSCSIDriverPolicy, for the EBS CSI controller, which runs there on
//     the host network (no IRSA on a self-managed cluster; workers keep a metadata hop limit of 1).
//   - workers: AmazonEC2ContainerRegistryReadOnly (image pulls from ECR), AmazonSSMManagedInstanceCore
//     and the CCM's documented node policy (inline); no volume rights.
func newSelfManagedIAM(ctx *pulumi.Context, name string, a *SelfManagedClusterArgs, opts ...pulumi.ResourceOption) (*selfManagedIAM, error) {
	out := &selfManagedIAM{}
	type role struct {
		suffix   string
		actions  []string
		policies map[string]string
		role     **iam.Role
		profile  **iam.InstanceProfile
	}
	for _, r := range []role{
		{"control-plane", cloudControllerManagerActions, map[string]string{
			"ebs-csi": policyEBSCSIDriver, "ssm": policySSMManagedCore,
		}, &out.controlPlaneRole, &out.controlPlaneProfile},
		{"worker", cloudControllerManagerNodeActions, map[string]string{
			"ecr": policyECRReadOnly, "ssm": policySSMManagedCore,
		}, &out.workerRole, &out.workerProfile},
	} {
		n := name + "-" + r.suffix
		tags := nameTags(a.Tags, a.ClusterName+"-"+r.suffix)
		role, err := iam.NewRole(ctx, n, &iam.RoleArgs{
			AssumeRolePolicy: pulumi.String(assumeRoleForService("ec2.amazonaws.com")),
			Description:      pulumi.String("kubeadm " + r.suffix + " nodes of " + a.ClusterName),
			Tags:             tags,
		}, opts...)
		if err != nil {
			return nil, err
		}
		if _, err := iam.NewRolePolicy(ctx, n+"-ccm", &iam.RolePolicyArgs{
			Role:   role.ID(),
			Policy: pulumi.String(allowAll(r.actions)),
		}, opts...); err != nil {
			return nil, err
		}
		for _, suffix := range sortedKeys(r.policies) {
			if _, err := iam.NewRolePolicyAttachment(ctx, n+"-"+suffix, &iam.RolePolicyAttachmentArgs{
				Role: role.Name, PolicyArn: pulumi.String(r.policies[suffix]),
			}, opts...); err != nil {
				return nil, err
			}
		}
		profile, err := iam.NewInstanceProfile(ctx, n, &iam.InstanceProfileArgs{Role: role.Name, Tags: tags}, opts...)
		if err != nil {
			return nil, err
		}
		*r.role, *r.profile = role, profile
	}
	// The cluster-autoscaler runs on the control planes with their role: it may scale only this
	// cluster's tagged groups.
	if _, err := iam.NewRolePolicy(ctx, name+"-control-plane-autoscaler", &iam.RolePolicyArgs{
		Role:   out.controlPlaneRole.ID(),
		Policy: pulumi.String(clusterAutoscalerPolicy(a.ClusterName)),
	}, opts...); err != nil {
		return nil, err
	}
	return out, nil
}

type selfManagedSecurityGroups struct {
	controlPlane, worker, loadBalancer *ec2.SecurityGroup
}

// newSelfManagedSecurityGroups makes the nodes' and the API load balancer's security groups.
// Ingress from outside the cluster comes only from the region block: 6443 (API, also the load
// balancer's traffic and health checks, which come from its addresses in the private subnets),
// 10250 (kubelet) and, on control planes, 2379-2380 (etcd); and from the deployers, on 6443 only. Nodes of the cluster reach each other
// on every port but 22 (the CNI's overlay, NodePorts, DNS) through rules naming the groups, not
// addresses.
// Nothing is open to 0.0.0.0/0 and port 22 is not open at all (Session Manager replaces SSH).
// Egress is open: nodes pull packages and images through the NAT gateways.
func newSelfManagedSecurityGroups(ctx *pulumi.Context, name string, a *SelfManagedClusterArgs, opts ...pulumi.ResourceOption) (*selfManagedSecurityGroups, error) {
	owned := map[string]string{"kubernetes.io/cluster/" + a.ClusterName: "owned"}
	sg := func(suffix, description string, tags map[string]string) (*ec2.SecurityGroup, error) {
		return ec2.NewSecurityGroup(ctx, name+"-"+suffix, &ec2.SecurityGroupArgs{
			VpcId:       a.VpcID,
			Description: pulumi.String(description),
			Tags:        nameTags(tagsMap(a.Tags, tags), a.ClusterName+"-"+suffix),
		}, opts...)
	}
	out := &selfManagedSecurityGroups{}
	var err error
	if out.controlPlane, err = sg("control-plane", "kubeadm control planes of "+a.ClusterName, owned); err != nil {
		return nil, err
	}
	if out.worker, err = sg("worker", "kubeadm workers of "+a.ClusterName, owned); err != nil {
		return nil, err
	}
	// Not tagged owned: the cloud-controller-manager must find exactly one tagged group per node.
	if out.loadBalancer, err = sg("api", "API load balancer of "+a.ClusterName, nil); err != nil {
		return nil, err
	}
	type rule struct {
		suffix, kind, protocol, description string
		from, to                            int
		group                               *ec2.SecurityGroup
		cidrs                               []string
		source                              *ec2.SecurityGroup
	}
	region, anywhere := []string{a.RegionBlock}, []string{"0.0.0.0/0"}
	cp, w, api := out.controlPlane, out.worker, out.loadBalancer
	rules := []rule{
		{"cp-api", "ingress", "tcp", "Kubernetes API from the region block (and the API load balancer)", cluster.APIServerPort, cluster.APIServerPort, cp, region, nil},
		{"cp-etcd", "ingress", "tcp", "etcd from the region block", 2379, 2380, cp, region, nil},
		{"cp-kubelet", "ingress", "tcp", "kubelet from the region block", 10250, 10250, cp, region, nil},
		{"cp-egress", "egress", "-1", "all egress (packages and images through NAT)", 0, 0, cp, anywhere, nil},
		{"worker-kubelet", "ingress", "tcp", "kubelet from the region block", 10250, 10250, w, region, nil},
		{"worker-egress", "egress", "-1", "all egress (packages and images through NAT)", 0, 0, w, anywhere, nil},
		{"api-ingress", "ingress", "tcp", "Kubernetes API from the region block", cluster.APIServerPort, cluster.APIServerPort, api, region, nil},
		{"api-egress", "egress", "tcp", "to the API servers and their health checks", cluster.APIServerPort, cluster.APIServerPort, api, region, nil},
	}
	if len(a.DeployerCIDRs) > 0 {
		// The load balancer preserves client addresses, so the control planes see the deployers too.
		rules = append(rules,
			rule{"api-deployers", "ingress", "tcp", "Kubernetes API from the deployers", cluster.APIServerPort, cluster.APIServerPort, api, a.DeployerCIDRs, nil},
			rule{"cp-api-deployers", "ingress", "tcp", "Kubernetes API from the deployers (through the load balancer)", cluster.APIServerPort, cluster.APIServerPort, cp, a.DeployerCIDRs, nil})
	}
	// Between the cluster's nodes: everything the CNI (VXLAN, Geneve, IP-in-IP, BGP, health checks),
	// NodePorts and host-network pods use, by group membership; every port but 22.
	intra := []struct {
		suffix, protocol string
		from, to         int
	}{{"tcp-low", "tcp", 0, 21}, {"tcp", "tcp", 23, 65535}, {"udp", "udp", 0, 65535}, {"icmp", "icmp", -1, -1}, {"ipip", "4", 0, 0}}
	for _, pair := range []struct {
		suffix      string
		to, from    *ec2.SecurityGroup
		description string
	}{
		{"cp-from-cp", cp, cp, "between control planes"}, {"cp-from-worker", cp, w, "from workers"},
		{"worker-from-worker", w, w, "between workers"}, {"worker-from-cp", w, cp, "from control planes"},
	} {
		for _, p := range intra {
			rules = append(rules, rule{pair.suffix + "-" + p.suffix, "ingress", p.protocol, "cluster traffic " + pair.description,
				p.from, p.to, pair.to, nil, pair.from})
		}
	}
	for _, r := range rules {
		ra := &ec2.SecurityGroupRuleArgs{
			Type: pulumi.String(r.kind), Protocol: pulumi.String(r.protocol), Description: pulumi.String(r.description),
			FromPort: pulumi.Int(r.from), ToPort: pulumi.Int(r.to), SecurityGroupId: r.group.ID(),
		}
		if r.source != nil {
			ra.SourceSecurityGroupId = r.source.ID()
		} else {
			ra.CidrBlocks = pulumi.ToStringArray(r.cidrs)
		}
		if _, err := ec2.NewSecurityGroupRule(ctx, name+"-"+r.suffix, ra, opts...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type apiLoadBalancer struct {
	lb          *lb.LoadBalancer
	targetGroup *lb.TargetGroup
	listener    *lb.Listener
}

// newAPILoadBalancer makes the internal Network Load Balancer in front of the API servers: TCP 6443
// to a target group of the control-plane instances with a TCP health check on 6443. Client IP
// preservation is off: with it, a control plane reaching the API through the load balancer and
// landing on itself (kubeadm init and join, the kubelet, the controller-manager) would see its own
// address as source and drop the reply (NLB hairpin).
func newAPILoadBalancer(ctx *pulumi.Context, name string, a *SelfManagedClusterArgs, sg *ec2.SecurityGroup, parent, protect pulumi.ResourceOption) (*apiLoadBalancer, error) {
	tags := nameTags(tagsMap(a.Tags, map[string]string{"kubernetes.io/cluster/" + a.ClusterName: "owned"}), a.ClusterName+"-api")
	nlb, err := lb.NewLoadBalancer(ctx, name+"-api", &lb.LoadBalancerArgs{
		LoadBalancerType:             pulumi.String("network"),
		Internal:                     pulumi.Bool(true),
		Subnets:                      a.PrivateSubnetIDs,
		SecurityGroups:               pulumi.StringArray{sg.ID()},
		EnableCrossZoneLoadBalancing: pulumi.Bool(true),
		EnableDeletionProtection:     pulumi.Bool(a.Protect),
		Tags:                         tags,
	}, parent, protect)
	if err != nil {
		return nil, err
	}
	tg, err := lb.NewTargetGroup(ctx, name+"-api", &lb.TargetGroupArgs{
		Port:                pulumi.Int(cluster.APIServerPort),
		Protocol:            pulumi.String("TCP"),
		TargetType:          pulumi.String("instance"),
		VpcId:               a.VpcID,
		PreserveClientIp:    pulumi.String("false"),
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String("TCP"),
			Port:               pulumi.String(fmt.Sprint(cluster.APIServerPort)),
			Interval:           pulumi.Int(10),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(2),
		},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	ln, err := lb.NewListener(ctx, name+"-api", &lb.ListenerArgs{
		LoadBalancerArn: nlb.Arn,
		Port:            pulumi.Int(cluster.APIServerPort),
		Protocol:        pulumi.String("TCP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: tg.Arn,
		}},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	return &apiLoadBalancer{lb: nlb, targetGroup: tg, listener: ln}, nil
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
