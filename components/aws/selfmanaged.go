package aws

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/stacks/netplan"
)

// Defaults of SelfManagedClusterArgs.
const (
	// DefaultUbuntuImage is Canonical's public SSM parameter for the current Ubuntu 24.04 LTS (noble)
	// amd64 AMI with a gp3 root volume. EC2 resolves it at launch ("resolve:ssm:" image ids are
	// accepted by launch templates), so new nodes get Canonical's latest image without a lookup.
	DefaultUbuntuImage = "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
	// DefaultControlPlaneInstanceType runs etcd and the control plane of a cluster of up to ~100 nodes.
	DefaultControlPlaneInstanceType = "m7i.large"
	// DefaultControlPlaneDiskGiB is the control planes' root volume (etcd lives on it).
	DefaultControlPlaneDiskGiB = 50
	// DefaultWorkerDiskGiB is a worker's root volume when its PoolSpec leaves DiskGiB at 0.
	DefaultWorkerDiskGiB = 50

	apiServerPort = 6443
	// ubuntuRootDevice is the root device name of Canonical's AMIs.
	ubuntuRootDevice = "/dev/sda1"
	// maxUserData is EC2's limit on user data, before base64 encoding.
	maxUserData = 16 * 1024
	// workerHopLimit lets containers (the EBS CSI controller, which has no IRSA on a self-managed
	// cluster) reach IMDSv2 for the worker role; control planes keep 1 so no pod gets their role or
	// user data.
	workerHopLimit = 2
)

// SelfManagedClusterArgs configure a kubeadm cluster on EC2: three control-plane instances behind an
// internal Network Load Balancer and one Auto Scaling group per worker pool.
type SelfManagedClusterArgs struct {
	// ClusterName is the cluster's name (kubeadm clusterName, kubernetes.io/cluster/<name> tags).
	// Required: letters, digits, '.', '_' and '-'.
	ClusterName string
	// Region of the cluster. Required.
	Region string
	// Zones are the three availability zones, in the order of PrivateSubnetIDs. Required: exactly 3,
	// distinct. Control plane i runs in Zones[i].
	Zones []string
	// KubernetesVersion is the exact release, e.g. "1.33.5". Required: 1.31 or later.
	KubernetesVersion string
	// ContainerdVersion is the exact apt version of containerd.io, e.g. "1.7.28-1~ubuntu.24.04~noble".
	// Required.
	ContainerdVersion string
	// VpcID is the Network's VPC. Required.
	VpcID pulumi.StringInput
	// PrivateSubnetIDs are the Network's private subnets, one per zone in zone order. Required.
	PrivateSubnetIDs pulumi.StringArrayInput
	// RegionCIDR is the region's address block (the VPC block): the only source the API (6443),
	// kubelet (10250) and etcd (2379-2380) ports accept. Required: a masked IPv4 prefix, not /0, not
	// overlapping the pod or Service networks.
	RegionCIDR string
	// DeployerCIDRs are where Pulumi runs from (kost's network.deployers.cidrs), as private
	// addresses reached over peering, a Transit Gateway or a VPN: the API load balancer and, as it
	// preserves client addresses, the control planes admit them on 6443. Nothing else from outside
	// RegionCIDR reaches the cluster. Default: none (only the region block reaches the API).
	DeployerCIDRs []string
	// NodePools are the worker pools, one Auto Scaling group each. Required: at least one, one of
	// them "system" (coredns and the operators run there; control planes keep kubeadm's taint).
	NodePools []cluster.PoolSpec
	// ImageID is the AMI of every node: an "ami-..." id or a "resolve:ssm:<parameter>" reference.
	// Default: DefaultUbuntuImage (Ubuntu 24.04 LTS, the release the kubeadm bootstrap is written for).
	ImageID string
	// ControlPlaneInstanceType of the three control-plane instances. Default:
	// DefaultControlPlaneInstanceType (m7i.large).
	ControlPlaneInstanceType string
	// ControlPlaneDiskGiB is the control planes' encrypted gp3 root volume. Default: 50.
	ControlPlaneDiskGiB int
	// Addons pin the CNI, the cloud-controller-manager, the EBS CSI driver and metrics-server the stack
	// installs once the API answers. Required: every chart and the cloud-controller-manager's tag.
	Addons kubeadm.AddonPins
	// TokenRotation is passed to kubeadm.BootstrapArgs.TokenRotation: changing it makes a new
	// bootstrap token (see kubeadm.Bootstrap.Token). Default: "".
	TokenRotation string
	// Protect marks the control-plane instances (etcd) and the API load balancer protected. Default:
	// false.
	Protect bool
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

// SelfManagedArgsError lists every problem found in SelfManagedClusterArgs, including those the
// kubeadm bootstrap reports.
type SelfManagedArgsError struct{ Problems []kubeadm.Problem }

func (e *SelfManagedArgsError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return "invalid self-managed cluster args: " + strings.Join(parts, "; ")
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

// bootstrapArgs are the kubeadm bootstrap's args for the cluster.
func (a *SelfManagedClusterArgs) bootstrapArgs(endpoint pulumi.StringInput) *kubeadm.BootstrapArgs {
	return &kubeadm.BootstrapArgs{
		ClusterName:          a.ClusterName,
		KubernetesVersion:    a.KubernetesVersion,
		ContainerdVersion:    a.ContainerdVersion,
		ControlPlaneEndpoint: endpoint,
		PodCIDR:              netplan.OverlayPodCIDR.String(),
		ServiceCIDR:          netplan.ServiceCIDR.String(),
		CloudProvider:        string(cluster.AWS),
		Pools:                a.NodePools,
		TokenRotation:        a.TokenRotation,
	}
}

// Validate reports every problem with the args at once, as a *SelfManagedArgsError.
func (a *SelfManagedClusterArgs) Validate() error {
	var ps []kubeadm.Problem
	bad := func(field, format string, v ...any) {
		ps = append(ps, kubeadm.Problem{Field: field, Reason: fmt.Sprintf(format, v...)})
	}
	if a == nil {
		a = &SelfManagedClusterArgs{}
	}
	d := a.withDefaults()
	// ClusterName, versions and pool names are the bootstrap's to check; the endpoint comes later.
	var kerr *kubeadm.ArgsError
	if err := d.bootstrapArgs(pulumi.String("pending")).Validate(); errors.As(err, &kerr) {
		ps = append(ps, kerr.Problems...)
	}
	if a.Region == "" {
		bad("Region", "required")
	}
	if len(a.Zones) != 3 {
		bad("Zones", "want exactly 3 zones, got %d", len(a.Zones))
	}
	for i, z := range a.Zones {
		if z == "" || slices.Index(a.Zones, z) != i {
			bad(fmt.Sprintf("Zones[%d]", i), "%q is empty or repeated", z)
		}
	}
	if a.VpcID == nil {
		bad("VpcID", "required")
	}
	if a.PrivateSubnetIDs == nil {
		bad("PrivateSubnetIDs", "required")
	}
	switch p, err := netip.ParsePrefix(a.RegionCIDR); {
	case a.RegionCIDR == "":
		bad("RegionCIDR", "required")
	case err != nil || !p.Addr().Is4():
		bad("RegionCIDR", "%q is not an IPv4 CIDR", a.RegionCIDR)
	case p != p.Masked():
		bad("RegionCIDR", "%q has host bits set (want %s)", a.RegionCIDR, p.Masked())
	case p.Bits() == 0:
		bad("RegionCIDR", "%q would open the cluster's ports to every address", a.RegionCIDR)
	case p.Overlaps(netplan.OverlayPodCIDR) || p.Overlaps(netplan.ServiceCIDR):
		bad("RegionCIDR", "%q overlaps the pod network %s or the Service network %s", a.RegionCIDR, netplan.OverlayPodCIDR, netplan.ServiceCIDR)
	}
	for i, d := range a.DeployerCIDRs {
		if p, err := netip.ParsePrefix(d); err != nil || !p.Addr().Is4() || p.Masked() != p {
			bad(fmt.Sprintf("DeployerCIDRs[%d]", i), "%q must be an IPv4 CIDR without host bits", d)
		}
	}
	if len(a.NodePools) == 0 {
		bad("NodePools", "at least one pool is required")
	} else if !slices.ContainsFunc(a.NodePools, func(p cluster.PoolSpec) bool { return p.Pool == "system" }) {
		bad("NodePools", "a system pool is required for coredns and the operators")
	}
	for i, p := range a.NodePools {
		if p.InstanceType == "" {
			bad(fmt.Sprintf("NodePools[%d].InstanceType", i), "required")
		}
		if p.Max < 1 || p.Min < 0 || p.Min > p.Desired || p.Desired > p.Max {
			bad(fmt.Sprintf("NodePools[%d]", i), "need 0 <= Min (%d) <= Desired (%d) <= Max (%d), Max >= 1", p.Min, p.Desired, p.Max)
		}
		if p.DiskGiB < 0 {
			bad(fmt.Sprintf("NodePools[%d].DiskGiB", i), "%d is negative", p.DiskGiB)
		}
	}
	if !imageRE.MatchString(d.ImageID) {
		bad("ImageID", "%q: want an ami-... id or resolve:ssm:<parameter>", d.ImageID)
	}
	ps = append(ps, a.Addons.Problems("Addons", true)...)
	if d.ControlPlaneDiskGiB < 8 {
		bad("ControlPlaneDiskGiB", "%d: want at least 8", d.ControlPlaneDiskGiB)
	}
	if len(ps) > 0 {
		return &SelfManagedArgsError{Problems: ps}
	}
	return nil
}

// NewSelfManagedCluster creates a kubeadm cluster on EC2: IAM roles and instance profiles, security
// groups, the internal API load balancer, the kubeadm bootstrap, three control-plane instances
// (joined one after the other) and one Auto Scaling group per worker pool. Pass the region's
// aws.Provider with pulumi.Provider; the tls and random providers of the bootstrap are made here.
func NewSelfManagedCluster(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, opts ...pulumi.ResourceOption) (*SelfManagedCluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("aws self-managed cluster %s: %w", name, err)
	}
	a := args.withDefaults()
	c := &SelfManagedCluster{WorkerGroups: map[string]*autoscaling.Group{}}
	if err := ctx.RegisterComponentResource("kost:aws:SelfManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("aws self-managed cluster %s: %w", name, err) }
	parent := pulumi.Parent(c)
	owned := map[string]string{"kubernetes.io/cluster/" + a.ClusterName: "owned"}

	roles, err := newSelfManagedIAM(ctx, name, &a, parent)
	if err != nil {
		return nil, wrap(err)
	}
	c.ControlPlaneRoleARN, c.WorkerRoleARN = roles.controlPlaneRole.Arn, roles.workerRole.Arn
	sgs, err := newSelfManagedSecurityGroups(ctx, name, &a, parent)
	if err != nil {
		return nil, wrap(err)
	}
	c.ControlPlaneSecurityGroup, c.WorkerSecurityGroup = sgs.controlPlane, sgs.worker
	api, err := newAPILoadBalancer(ctx, name, &a, sgs.loadBalancer, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, wrap(err)
	}
	c.LoadBalancer = api.lb

	boot, err := kubeadm.NewBootstrap(ctx, name+"-kubeadm", a.bootstrapArgs(api.lb.DnsName), parent)
	if err != nil {
		return nil, wrap(err)
	}
	c.Bootstrap = boot

	// Control planes: one launch template carries the image (EC2 instances take "resolve:ssm:" only
	// through a launch template); everything else is set on the instances themselves.
	cpTemplate, err := ec2.NewLaunchTemplate(ctx, name+"-control-plane", &ec2.LaunchTemplateArgs{
		Description:          pulumi.String("kost control planes of " + a.ClusterName),
		ImageId:              pulumi.String(a.ImageID),
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 nameTags(tagsMap(a.Tags, owned), a.ClusterName+"-control-plane"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	var ready []pulumi.Resource
	after := []pulumi.Resource{api.listener}
	for i, zone := range a.Zones {
		userData := boot.JoinControlPlane
		if i == 0 {
			userData = boot.FirstControlPlane
		}
		cpName := fmt.Sprintf("%s-cp-%d", name, i+1)
		tags := nameTags(tagsMap(a.Tags, owned, map[string]string{"kost.io/role": "control-plane"}), fmt.Sprintf("%s-cp-%d-%s", a.ClusterName, i+1, zone))
		inst, err := ec2.NewInstance(ctx, cpName, &ec2.InstanceArgs{
			LaunchTemplate: &ec2.InstanceLaunchTemplateArgs{
				Id:      cpTemplate.ID(),
				Version: cpTemplate.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput),
			},
			InstanceType:        pulumi.String(a.ControlPlaneInstanceType),
			SubnetId:            a.PrivateSubnetIDs.ToStringArrayOutput().Index(pulumi.Int(i)),
			VpcSecurityGroupIds: pulumi.StringArray{sgs.controlPlane.ID()},
			IamInstanceProfile:  roles.controlPlaneProfile.Name,
			UserDataBase64:      gzipUserData(userData),
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
		}, parent, pulumi.Protect(a.Protect), pulumi.DependsOn(after),
			// cloud-init runs once: a new token or a new launch template version must never replace a
			// control plane (a new first node would run kubeadm init again). Roll them by hand.
			pulumi.IgnoreChanges([]string{"userData", "userDataBase64", "launchTemplate"}))
		if err != nil {
			return nil, wrap(err)
		}
		att, err := lb.NewTargetGroupAttachment(ctx, cpName, &lb.TargetGroupAttachmentArgs{
			TargetGroupArn: api.targetGroup.Arn,
			TargetId:       inst.ID(),
			Port:           pulumi.Int(apiServerPort),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		c.ControlPlanes = append(c.ControlPlanes, inst)
		ready = append(ready, inst)
		// kubeadm joins control planes one at a time: the next waits for this one and its place
		// behind the load balancer.
		after = []pulumi.Resource{inst, att}
	}

	// Workers join through the load balancer once the first control plane exists.
	for _, p := range a.NodePools {
		g, err := newWorkerGroup(ctx, name, &a, p, boot.Workers[p.Pool], roles, sgs.worker,
			[]pulumi.Resource{c.ControlPlanes[0], api.listener}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		c.WorkerGroups[p.Pool] = g
		ready = append(ready, g)
	}

	k8s, err := cluster.NewKubernetesProvider(ctx, name+"-k8s", boot.AdminKubeconfig, parent)
	if err != nil {
		return nil, wrap(err)
	}
	endpoint := pulumi.Sprintf("https://%s:%d", api.lb.DnsName, apiServerPort)
	c.Addons, err = kubeadm.NewAddons(ctx, name+"-addons", &kubeadm.AddonsArgs{
		Provider: k8s, Endpoint: endpoint, CACertPEM: boot.CACertPEM,
		After:    []pulumi.Resource{c.ControlPlanes[0], api.listener},
		AddonSet: a.addonInstallers(),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	ready = append(ready, c.Addons.Ready...)
	c.Cluster = cluster.Cluster{
		Name:                 a.ClusterName,
		Cloud:                cluster.AWS,
		Region:               a.Region,
		Zones:                slices.Clone(a.Zones),
		Endpoint:             endpoint,
		Kubeconfig:           boot.AdminKubeconfig,
		Provider:             k8s,
		DedicatedPools:       true,
		Storage:              storageProfile(),
		InternalLoadBalancer: internalLoadBalancer(),
		Ready:                ready,
		JoinToken:            boot.Token,
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":         pulumi.String(a.ClusterName),
		"endpoint":            endpoint,
		"kubeconfig":          boot.AdminKubeconfig,
		"controlPlaneRoleArn": roles.controlPlaneRole.Arn,
		"workerRoleArn":       roles.workerRole.Arn,
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
	disk := p.DiskGiB
	if disk == 0 {
		disk = DefaultWorkerDiskGiB
	}
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
				VolumeSize:          pulumi.Int(disk),
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
// it, as EC2 takes it. Control-plane user data with RSA keys is close to EC2's 16 KB limit in plain
// text; gzip brings it to about a third. It fails rather than launch a node with truncated data.
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
