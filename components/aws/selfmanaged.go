package aws

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
)

// Defaults of SelfManagedClusterArgs.
const (
	// DefaultUbuntuImage is Canonical's public SSM parameter for the current Ubuntu 24.04 LTS (noble)
	// amd64 AMI with a gp3 root volume. EC2 resolves it at launch ("resolve:ssm:" image ids are
	// accepted by launch templates), so new nodes get Canonical's latest image without a lookup.
	DefaultUbuntuImage = "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
	// DefaultControlPlaneInstanceType runs etcd and the control plane of a cluster of up to ~100 nodes.
	DefaultControlPlaneInstanceType = "m7i.large"
	// DefaultControlPlaneDiskGiB is the control planes' root volume (etcd lives on it). A worker's is
	// cluster.PoolSpec.Disk (cluster.DefaultDiskGiB when its PoolSpec leaves DiskGiB at 0).
	DefaultControlPlaneDiskGiB = 50

	// ubuntuRootDevice is the root device name of Canonical's AMIs.
	ubuntuRootDevice = "/dev/sda1"
	// maxUserData is EC2's limit on user data, before base64 encoding.
	maxUserData = 16 * 1024
	// workerHopLimit keeps containers on workers from the instance metadata service and so from the
	// worker role: an IMDSv2 answer does not survive the extra hop into a pod's network namespace.
	// Nothing on a worker needs it: the EBS CSI node plugin reads its metadata from the Kubernetes API
	// (the node's provider ID and labels, aws-ebs-csi-driver docs/install.md "Kubernetes Metadata"),
	// and the EBS CSI controller runs on the control planes with their role (addonInstallers).
	workerHopLimit = 1
)

// SelfManagedClusterArgs configure a kubeadm cluster on EC2: three control-plane instances behind an
// internal Network Load Balancer and one Auto Scaling group per worker pool. The kubeadm sequence
// (kubeadm.NewCluster) is the same on every cloud; these args add what only EC2 has.
type SelfManagedClusterArgs struct {
	// ClusterSpec is what every self-managed cluster takes (name, region, zones in the order of
	// PrivateSubnetIDs, versions, RegionBlock = the VPC block, deployers, pools, add-on pins, token
	// rotation, protection). ControlPlaneInstanceType defaults to DefaultControlPlaneInstanceType.
	kubeadm.ClusterSpec
	// VpcID is the Network's VPC. Required.
	VpcID pulumi.StringInput
	// PrivateSubnetIDs are the Network's private subnets, one per zone in zone order. Required.
	PrivateSubnetIDs pulumi.StringArrayInput
	// ImageID is the AMI of every node: an "ami-..." id or a "resolve:ssm:<parameter>" reference.
	// Default: DefaultUbuntuImage (Ubuntu 24.04 LTS, the release the kubeadm bootstrap is written for).
	ImageID string
	// ControlPlaneDiskGiB is the control planes' encrypted gp3 root volume. Default: 50.
	ControlPlaneDiskGiB int
	// Tags go on every resource. Default: none.
	Tags map[string]string
}

// SelfManagedCluster is a kubeadm cluster on EC2, handed up as a cluster.Cluster.
type SelfManagedCluster struct {
	pulumi.ResourceState

	// Bootstrap is the PKI, token and node configuration.
	Bootstrap *kubeadm.Bootstrap
	// Cluster is the contract handed to the platform layer.
	Cluster cluster.Cluster
	// LoadBalancer is the internal NLB in front of the API servers.
	LoadBalancer *lb.LoadBalancer
	// ControlPlanes are the three control-plane instances, in zone order; the first ran kubeadm init.
	ControlPlanes []*ec2.Instance
	// ControlPlaneReady are their readiness gates (kubeadm.Cluster.ControlPlaneReady).
	ControlPlaneReady []pulumi.Resource
	// WorkerGroups are the Auto Scaling groups by pool.
	WorkerGroups map[string]*autoscaling.Group
	// ControlPlaneSecurityGroup and WorkerSecurityGroup are the nodes' only security groups (each
	// tagged kubernetes.io/cluster/<name>=owned, as the cloud-controller-manager expects).
	ControlPlaneSecurityGroup, WorkerSecurityGroup *ec2.SecurityGroup
	// Addons are the CNI, cloud-controller-manager, CSI driver and metrics-server.
	Addons *kubeadm.Addons
	// ControlPlaneRoleARN and WorkerRoleARN are the nodes' IAM roles.
	ControlPlaneRoleARN, WorkerRoleARN pulumi.StringOutput
}

var imageRE = regexp.MustCompile(`^(ami-[0-9a-f]{8,17}|resolve:ssm:/\S+)$`)

// withDefaults returns a copy of the args with the defaults filled in.
func (a SelfManagedClusterArgs) withDefaults() SelfManagedClusterArgs {
	if a.ImageID == "" {
		a.ImageID = DefaultUbuntuImage
	}
	if a.ControlPlaneInstanceType == "" {
		a.ControlPlaneInstanceType = DefaultControlPlaneInstanceType
	}
	if a.ControlPlaneDiskGiB == 0 {
		a.ControlPlaneDiskGiB = DefaultControlPlaneDiskGiB
	}
	return a
}

// Validate reports every problem with the args at once, the shared spec's and EC2's, as a
// *cluster.ArgsError.
func (a *SelfManagedClusterArgs) Validate() error {
	if a == nil {
		a = &SelfManagedClusterArgs{}
	}
	d := a.withDefaults()
	return kubeadm.ValidateCluster(&d.ClusterSpec, &ec2Infra{a: &d})
}

// ec2Infra is the EC2 side of the kubeadm sequence.
type ec2Infra struct {
	ctx   *pulumi.Context
	name  string
	a     *SelfManagedClusterArgs
	c     *SelfManagedCluster
	roles *selfManagedIAM
	sgs   *selfManagedSecurityGroups
	api   *apiLoadBalancer
	// cpTemplate carries the control planes' image (EC2 instances take "resolve:ssm:" only through a
	// launch template); everything else is set on the instances themselves.
	cpTemplate *ec2.LaunchTemplate
}

// Profile implements kubeadm.Infrastructure.
func (e *ec2Infra) Profile() kubeadm.Profile {
	return kubeadm.Profile{Cloud: cluster.AWS, ChartAddons: true, Storage: storageProfile(), InternalLoadBalancer: internalLoadBalancer(), Secrets: e.a.secretRefs()}
}

// Problems implements kubeadm.Infrastructure: what only EC2 checks (of the args with their
// defaults).
func (e *ec2Infra) Problems() []cluster.Problem {
	var ps cluster.Problems
	a := e.a
	ps.Check(a.VpcID != nil, "VpcID", "required: the region's VPC (Network.VpcID)")
	ps.Check(a.PrivateSubnetIDs != nil, "PrivateSubnetIDs", "required: the private subnets, one per zone in zone order (Network.PrivateSubnetIDs)")
	ps.Check(imageRE.MatchString(a.ImageID), "ImageID", "%q: want an ami-... id or resolve:ssm:<parameter>, or leave it empty for Ubuntu 24.04 LTS (DefaultUbuntuImage)", a.ImageID)
	ps.Check(a.ControlPlaneDiskGiB >= 8, "ControlPlaneDiskGiB", "%d: want at least 8 (or 0 for %d)", a.ControlPlaneDiskGiB, DefaultControlPlaneDiskGiB)
	return ps
}

// Endpoint implements kubeadm.Infrastructure: the IAM roles, the security groups, the internal NLB
// (its DNS name is the endpoint) and the control planes' launch template.
func (e *ec2Infra) Endpoint(ctx *pulumi.Context, opts ...pulumi.ResourceOption) (kubeadm.Endpoint, error) {
	a := e.a
	var err error
	if e.roles, err = newSelfManagedIAM(ctx, e.name, a, opts...); err != nil {
		return kubeadm.Endpoint{}, err
	}
	e.c.ControlPlaneRoleARN, e.c.WorkerRoleARN = e.roles.controlPlaneRole.Arn, e.roles.workerRole.Arn
	if e.sgs, err = newSelfManagedSecurityGroups(ctx, e.name, a, opts...); err != nil {
		return kubeadm.Endpoint{}, err
	}
	e.c.ControlPlaneSecurityGroup, e.c.WorkerSecurityGroup = e.sgs.controlPlane, e.sgs.worker
	if e.api, err = newAPILoadBalancer(ctx, e.name, a, e.sgs.loadBalancer, pulumi.Composite(opts...), pulumi.Protect(a.Protect)); err != nil {
		return kubeadm.Endpoint{}, err
	}
	e.c.LoadBalancer = e.api.lb
	owned := map[string]string{"kubernetes.io/cluster/" + a.ClusterName: "owned"}
	if e.cpTemplate, err = ec2.NewLaunchTemplate(ctx, e.name+"-control-plane", &ec2.LaunchTemplateArgs{
		Description:          pulumi.String("kost control planes of " + a.ClusterName),
		ImageId:              pulumi.String(a.ImageID),
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 nameTags(tagsMap(a.Tags, owned), a.ClusterName+"-control-plane"),
	}, opts...); err != nil {
		return kubeadm.Endpoint{}, err
	}
	return kubeadm.Endpoint{Address: e.api.lb.DnsName, Resources: []pulumi.Resource{e.api.listener}}, nil
}

// ControlPlane implements kubeadm.Infrastructure: an instance in the zone's private subnet and its
// place in the API target group.
func (e *ec2Infra) ControlPlane(ctx *pulumi.Context, args kubeadm.ControlPlaneArgs, opts ...pulumi.ResourceOption) (kubeadm.Machine, error) {
	a := e.a
	owned := map[string]string{"kubernetes.io/cluster/" + a.ClusterName: "owned"}
	cpName := fmt.Sprintf("%s-cp-%d", e.name, args.Index+1)
	tags := nameTags(tagsMap(a.Tags, owned, map[string]string{"kost.io/role": "control-plane"}), fmt.Sprintf("%s-cp-%d-%s", a.ClusterName, args.Index+1, args.Zone))
	inst, err := ec2.NewInstance(ctx, cpName, &ec2.InstanceArgs{
		LaunchTemplate: &ec2.InstanceLaunchTemplateArgs{
			Id:      e.cpTemplate.ID(),
			Version: e.cpTemplate.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput),
		},
		InstanceType:        pulumi.String(a.ControlPlaneInstanceType),
		SubnetId:            a.PrivateSubnetIDs.ToStringArrayOutput().Index(pulumi.Int(args.Index)),
		VpcSecurityGroupIds: pulumi.StringArray{e.sgs.controlPlane.ID()},
		IamInstanceProfile:  e.roles.controlPlaneProfile.Name,
		UserDataBase64:      gzipUserData(args.UserData),
		MetadataOptions: &ec2.InstanceMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
			InstanceMetadataTags:    pulumi.String("disabled"),
		},
		RootBlockDevice: &ec2.InstanceRootBlockDeviceArgs{
			VolumeType:          pulumi.String("gp3"),
			VolumeSize:          pulumi.Int(a.ControlPlaneDiskGiB),
			Encrypted:           pulumi.Bool(true),
			DeleteOnTermination: pulumi.Bool(true),
			Tags:                tags,
		},
		DisableApiTermination: pulumi.Bool(a.Protect),
		Tags:                  tags,
	}, append(opts, pulumi.Protect(a.Protect), pulumi.DependsOn(args.After),
		// cloud-init runs once: new user data or a new launch template version must never replace a
		// control plane (a new first node would run kubeadm init again). Roll them by hand.
		pulumi.IgnoreChanges([]string{"userData", "userDataBase64", "launchTemplate"}))...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	att, err := lb.NewTargetGroupAttachment(ctx, cpName, &lb.TargetGroupAttachmentArgs{
		TargetGroupArn: e.api.targetGroup.Arn,
		TargetId:       inst.ID(),
		Port:           pulumi.Int(cluster.APIServerPort),
	}, opts...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	e.c.ControlPlanes = append(e.c.ControlPlanes, inst)
	return kubeadm.Machine{Resources: []pulumi.Resource{inst, att}, PrivateIP: inst.PrivateIp}, nil
}

// ControlPlanesDone implements kubeadm.Infrastructure: on EC2 every control plane joins the target
// group on its own.
func (e *ec2Infra) ControlPlanesDone(*pulumi.Context, []kubeadm.Machine, ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	return nil, nil
}

// WorkerGroup implements kubeadm.Infrastructure: a launch template and an Auto Scaling group.
func (e *ec2Infra) WorkerGroup(ctx *pulumi.Context, args kubeadm.WorkerGroupArgs, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	g, err := newWorkerGroup(ctx, e.name, e.a, args.Pool, args.UserData, e.roles, e.sgs.worker, args.After, opts...)
	if err != nil {
		return nil, err
	}
	e.c.WorkerGroups[args.Pool.Pool] = g
	return []pulumi.Resource{g}, nil
}

// Addons implements kubeadm.Infrastructure.
func (e *ec2Infra) Addons(*pulumi.Context) (kubeadm.AddonSet, error) {
	return e.a.addonInstallers(), nil
}

// NewSelfManagedCluster creates a kubeadm cluster on EC2 with the shared kubeadm sequence: IAM
// roles and instance profiles, security groups, the internal API load balancer, the bootstrap,
// three control-plane instances (each joining once the previous one serves) and one Auto Scaling
// group per worker pool. Pass the region's aws.Provider with pulumi.Provider; the tls, random and
// command providers are made inside.
func NewSelfManagedCluster(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, opts ...pulumi.ResourceOption) (*SelfManagedCluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("aws self-managed cluster %s: %w", name, err)
	}
	a := args.withDefaults()
	c := &SelfManagedCluster{WorkerGroups: map[string]*autoscaling.Group{}}
	if err := ctx.RegisterComponentResource("kost:aws:SelfManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	k, err := kubeadm.NewCluster(ctx, name, c, &a.ClusterSpec, &ec2Infra{ctx: ctx, name: name, a: &a, c: c})
	if err != nil {
		return nil, fmt.Errorf("aws self-managed cluster %s: %w", name, err)
	}
	c.Bootstrap, c.Addons, c.Cluster = k.Bootstrap, k.Addons, k.Contract
	for _, g := range k.ControlPlaneReady {
		c.ControlPlaneReady = append(c.ControlPlaneReady, g)
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":         pulumi.String(a.ClusterName),
		"endpoint":            k.Endpoint,
		"kubeconfig":          k.Bootstrap.AdminKubeconfig,
		"controlPlaneRoleArn": c.ControlPlaneRoleARN,
		"workerRoleArn":       c.WorkerRoleARN,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// tagsMap merges tag maps, later ones winning.
func tagsMap(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// newWorkerGroup makes a pool's launch template and Auto Scaling group over the private subnets.
func newWorkerGroup(ctx *pulumi.Context, name string, a *SelfManagedClusterArgs, p cluster.PoolSpec, userData pulumi.StringOutput,
	roles *selfManagedIAM, sg *ec2.SecurityGroup, deps []pulumi.Resource, opts ...pulumi.ResourceOption) (*autoscaling.Group, error) {
	poolName := name + "-" + p.Pool
	owned := "kubernetes.io/cluster/" + a.ClusterName
	tags := nameTags(tagsMap(a.Tags, map[string]string{owned: "owned", PoolLabel: p.Pool, "kost.io/role": "worker"}), a.ClusterName+"-"+p.Pool)
	lt, err := ec2.NewLaunchTemplate(ctx, poolName, &ec2.LaunchTemplateArgs{
		Description:         pulumi.String("kost " + p.Pool + " workers of " + a.ClusterName),
		ImageId:             pulumi.String(a.ImageID),
		InstanceType:        pulumi.String(p.InstanceType),
		IamInstanceProfile:  &ec2.LaunchTemplateIamInstanceProfileArgs{Arn: roles.workerProfile.Arn},
		VpcSecurityGroupIds: pulumi.StringArray{sg.ID()},
		UserData:            gzipUserData(userData),
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String(ubuntuRootDevice),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(p.Disk()),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(workerHopLimit),
			InstanceMetadataTags:    pulumi.String("disabled"),
		},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tags},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: tags},
		},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 tags,
	}, opts...)
	if err != nil {
		return nil, err
	}
	// Tags on the group itself: the cluster-autoscaler's auto-discovery and node templates (so it can
	// scale a pool up from zero). Instances get theirs from the launch template.
	groupTags := map[string]string{
		"Name": a.ClusterName + "-" + p.Pool, owned: "owned", PoolLabel: p.Pool,
		"k8s.io/cluster-autoscaler/enabled":                                              "true",
		"k8s.io/cluster-autoscaler/" + a.ClusterName:                                     "owned",
		"k8s.io/cluster-autoscaler/node-template/label/" + PoolLabel:                     p.Pool,
		"k8s.io/cluster-autoscaler/node-template/label/kubernetes.io/os":                 "linux",
		"k8s.io/cluster-autoscaler/node-template/label/node.kubernetes.io/instance-type": p.InstanceType,
	}
	if p.Dedicated {
		groupTags["k8s.io/cluster-autoscaler/node-template/taint/"+PoolLabel] = p.Pool + ":NoSchedule"
	}
	for k, v := range a.Tags {
		if _, ok := groupTags[k]; !ok {
			groupTags[k] = v
		}
	}
	var gt autoscaling.GroupTagArray
	for _, k := range sortedKeys(groupTags) {
		gt = append(gt, &autoscaling.GroupTagArgs{Key: pulumi.String(k), Value: pulumi.String(groupTags[k]), PropagateAtLaunch: pulumi.Bool(false)})
	}
	version := lt.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput)
	ga := &autoscaling.GroupArgs{
		VpcZoneIdentifiers:     a.PrivateSubnetIDs,
		MinSize:                pulumi.Int(p.Min),
		MaxSize:                pulumi.Int(p.Max),
		DesiredCapacity:        pulumi.Int(p.Desired),
		HealthCheckType:        pulumi.String("EC2"),
		HealthCheckGracePeriod: pulumi.Int(300),
		CapacityRebalance:      pulumi.Bool(p.Spot),
		Tags:                   gt,
	}
	if p.Spot {
		ga.MixedInstancesPolicy = &autoscaling.GroupMixedInstancesPolicyArgs{
			InstancesDistribution: &autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs{
				OnDemandBaseCapacity:                pulumi.Int(0),
				OnDemandPercentageAboveBaseCapacity: pulumi.Int(0),
				SpotAllocationStrategy:              pulumi.String("price-capacity-optimized"),
			},
			LaunchTemplate: &autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs{
				LaunchTemplateSpecification: &autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs{
					LaunchTemplateId: lt.ID(),
					Version:          version,
				},
			},
		}
	} else {
		ga.LaunchTemplate = &autoscaling.GroupLaunchTemplateArgs{Id: lt.ID(), Version: version}
	}
	return autoscaling.NewGroup(ctx, poolName, ga, append(opts, pulumi.DependsOn(deps),
		// The cluster autoscaler owns the desired size once the group exists.
		pulumi.IgnoreChanges([]string{"desiredCapacity"}))...)
}

// gzipUserData compresses a node's cloud-init user data (cloud-init reads gzip) and base64-encodes
// it, as EC2 takes it. User data with the secret tool and the bootstrap script is close to EC2's 16 KB
// limit in plain text; gzip brings it to about a third. It fails rather than launch a node with
// truncated data. It stays a secret in the state although it now holds references only (no key, no
// token: tests/userdata_test.go).
func gzipUserData(s pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.ToSecret(s.ApplyT(func(text string) (string, error) {
		gz, err := gzipBytes([]byte(text))
		if err != nil {
			return "", err
		}
		if len(gz) > maxUserData {
			return "", fmt.Errorf("user data is %d bytes gzipped, over EC2's %d", len(gz), maxUserData)
		}
		return base64Std(gz), nil
	})).(pulumi.StringOutput)
}
