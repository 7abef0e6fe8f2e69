package aws

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
)

// Add-ons an EKS cluster gets, by when they can be installed.
var (
	addonsBeforeNodes = []string{"vpc-cni", "kube-proxy"}         // nodes need them to become Ready
	addonsAfterNodes  = []string{"coredns", "aws-ebs-csi-driver"} // their pods need nodes to run on
)

// The EBS CSI controller's service account, which its IRSA role trusts.
const (
	ebsCSINamespace      = "kube-system"
	ebsCSIServiceAccount = "ebs-csi-controller-sa"
)

// ManagedClusterArgs configure an EKS cluster and its node pools.
type ManagedClusterArgs struct {
	// ClusterName is the EKS cluster's name. Required.
	ClusterName string
	// Region of the cluster (for the kubeconfig). Required.
	Region string
	// Zones the node pools span, in subnet order. Required.
	Zones []string
	// Version is the Kubernetes minor version. Required.
	Version string
	// Autoscaler pins the cluster-autoscaler that keeps each managed node group between its min and
	// max (EKS itself scales nothing). Required.
	Autoscaler autoscaler.Pins
	// Addons pins each EKS add-on (vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver) to a version.
	// Required: all four.
	Addons map[string]string
	// SubnetIDs are the private subnets for the control plane's network interfaces and the nodes.
	// Required.
	SubnetIDs pulumi.StringArrayInput
	// PublicEndpoint enables the public API endpoint; the private endpoint is always on. Default: false.
	PublicEndpoint bool
	// PublicCIDRs may reach the public endpoint. Default: none (required when PublicEndpoint).
	PublicCIDRs []string
	// DeployerCIDRs are where Pulumi runs from (kost's network.deployers.cidrs), as private
	// addresses reached over peering, a Transit Gateway or a VPN: the cluster security group, which
	// EKS puts on the private endpoint's network interfaces and which otherwise admits only itself,
	// admits them on 443. Default: none (only the cluster's own nodes reach the private endpoint).
	DeployerCIDRs []string
	// Admins are IAM principal ARNs given cluster-admin through EKS access entries. Default: none; the
	// identity running Pulumi is admin as the cluster's creator.
	Admins []string
	// Previewers are IAM principal ARNs pull-request previews run as: an access entry with
	// AmazonEKSViewPolicy (read-only, no Secrets) at cluster scope. A preview's dry-run writes are
	// then refused, and the Kubernetes provider falls back to showing the inputs. Default: none.
	Previewers []string
	// NodePools to create. Required: at least one, one of them cluster.SystemPool ("system"), each
	// valid (cluster.PoolSpec.Problems) and named once.
	NodePools []cluster.PoolSpec
	// LogRetentionDays for control-plane logs. Default: 90.
	LogRetentionDays int
	// Protect marks the cluster and its secrets key protected (pulumi protect). Default: false.
	Protect bool
	// Profile and RoleARN go into the kubeconfig's `aws eks get-token`. Default: none.
	Profile, RoleARN string
	// Tags go on every resource. Default: none.
	Tags map[string]string
}

// ManagedCluster is an EKS cluster with secrets encrypted by its own KMS key, control-plane logging,
// an OIDC provider for IRSA, pinned add-ons, access entries and node pools.
type ManagedCluster struct {
	pulumi.ResourceState

	// EKS is the cluster resource.
	EKS *eks.Cluster
	// OIDCProviderARN is the IRSA identity provider, OIDCIssuer its issuer without https:// (the
	// prefix of the sub and aud condition keys of IRSA trust policies).
	OIDCProviderARN, OIDCIssuer pulumi.StringOutput
	// NodeRoleARN is the role the nodes run as.
	NodeRoleARN pulumi.StringOutput
	// Pools are the node pools by name.
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
	ps.Check(a.ClusterName != "", "ClusterName", "required: the EKS cluster's name")
	ps.Check(a.Region != "", "Region", "required: the cluster's AWS region, e.g. eu-west-1 (for the kubeconfig)")
	ps.Check(len(a.Zones) > 0, "Zones", "required: the zones the node pools span, in subnet order")
	ps.Check(a.Version != "", "Version", "required: the Kubernetes minor version, e.g. 1.33")
	ps.Check(a.Autoscaler.Chart.Name != "", "Autoscaler.Chart.Name", "required: the pinned cluster-autoscaler chart (EKS scales no node group itself)")
	ps.Check(a.Autoscaler.Image != "", "Autoscaler.Image", "required: the cluster-autoscaler image for the cluster's Kubernetes minor, repository:tag")
	for _, n := range append(slices.Clone(addonsBeforeNodes), addonsAfterNodes...) {
		ps.Check(a.Addons[n] != "", "Addons["+n+"]", "required: pin the EKS add-on %s to a version, e.g. from aws eks describe-addon-versions", n)
	}
	ps.Check(a.SubnetIDs != nil, "SubnetIDs", "required: the private subnets, one per zone (Network.PrivateSubnetIDs)")
	ps.Check(!a.PublicEndpoint || len(a.PublicCIDRs) > 0, "PublicCIDRs", "required with PublicEndpoint: the ranges that may reach the public API endpoint")
	for i, c := range a.DeployerCIDRs {
		p, err := netip.ParsePrefix(c)
		ps.Check(err == nil && p.Addr().Is4() && p.Masked() == p, fmt.Sprintf("DeployerCIDRs[%d]", i),
			"%q must be an IPv4 CIDR without host bits, e.g. 10.250.0.0/24", c)
	}
	// Every pool's own sizing, unique names and the system pool CoreDNS and the operators run on.
	ps = append(ps, cluster.PoolProblems("NodePools", a.NodePools)...)
	return ps.Err("EKS cluster args")
}

// NewManagedCluster creates an EKS cluster with its node pools.
func NewManagedCluster(ctx *pulumi.Context, name string, args *ManagedClusterArgs, opts ...pulumi.ResourceOption) (*ManagedCluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("eks %s: %w", name, err)
	}
	c := &ManagedCluster{Pools: map[string]*NodePool{}}
	if err := ctx.RegisterComponentResource("kost:aws:ManagedCluster", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	protect := pulumi.Protect(args.Protect)
	tags := args.Tags
	wrap := func(err error) error { return fmt.Errorf("eks %s: %w", name, err) }

	// Control plane role.
	clusterRole, err := iam.NewRole(ctx, name+"-cluster", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRoleForService("eks.amazonaws.com")),
		Description:      pulumi.String("EKS control plane of " + args.ClusterName),
		Tags:             nameTags(tags, args.ClusterName+"-cluster"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	clusterPolicy, err := iam.NewRolePolicyAttachment(ctx, name+"-cluster", &iam.RolePolicyAttachmentArgs{
		Role: clusterRole.Name, PolicyArn: pulumi.String(policyEKSCluster),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	// Secrets are encrypted with a key of the cluster's own, rotated yearly.
	key, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
		Description:          pulumi.String("Kubernetes secrets of EKS cluster " + args.ClusterName),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 nameTags(tags, args.ClusterName+"-secrets"),
	}, parent, protect)
	if err != nil {
		return nil, wrap(err)
	}
	if _, err := kms.NewAlias(ctx, name+"-secrets", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + args.ClusterName + "-secrets"),
		TargetKeyId: key.KeyId,
	}, parent); err != nil {
		return nil, wrap(err)
	}

	// The log group exists before the cluster so EKS does not create an unmanaged one that never expires.
	retention := args.LogRetentionDays
	if retention == 0 {
		retention = 90
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/eks/" + args.ClusterName + "/cluster"),
		RetentionInDays: pulumi.Int(retention),
		Tags:            nameTags(tags, args.ClusterName+"-control-plane"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}

	vpcConfig := &eks.ClusterVpcConfigArgs{
		SubnetIds:             args.SubnetIDs,
		EndpointPrivateAccess: pulumi.Bool(true),
		EndpointPublicAccess:  pulumi.Bool(args.PublicEndpoint),
	}
	if args.PublicEndpoint {
		vpcConfig.PublicAccessCidrs = pulumi.ToStringArray(args.PublicCIDRs)
	}
	ekc, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:      pulumi.String(args.ClusterName),
		Version:   pulumi.String(args.Version),
		RoleArn:   clusterRole.Arn,
		VpcConfig: vpcConfig,
		EncryptionConfig: &eks.ClusterEncryptionConfigArgs{
			Provider:  &eks.ClusterEncryptionConfigProviderArgs{KeyArn: key.Arn},
			Resources: pulumi.StringArray{pulumi.String("secrets")},
		},
		EnabledClusterLogTypes: pulumi.ToStringArray([]string{"api", "audit", "authenticator", "controllerManager", "scheduler"}),
		AccessConfig: &eks.ClusterAccessConfigArgs{
			AuthenticationMode:                      pulumi.String("API"),
			BootstrapClusterCreatorAdminPermissions: pulumi.Bool(true),
		},
		// Services get the same range in every cluster, outside every region block (config checks it).
		KubernetesNetworkConfig: &eks.ClusterKubernetesNetworkConfigArgs{
			ServiceIpv4Cidr: pulumi.String(cluster.ServiceCIDR.String()),
		},
		// kost installs vpc-cni, kube-proxy and coredns as pinned managed add-ons instead.
		BootstrapSelfManagedAddons: pulumi.Bool(false),
		// EXTENDED: a pinned version is never upgraded by AWS at the end of standard support (STANDARD
		// would); moving versions.kubernetes forward keeps clusters out of extended-support fees.
		UpgradePolicy: &eks.ClusterUpgradePolicyArgs{SupportType: pulumi.String("EXTENDED")},
		Tags:          nameTags(tags, args.ClusterName),
	}, parent, protect, pulumi.DependsOn([]pulumi.Resource{clusterPolicy, logs}))
	if err != nil {
		return nil, wrap(err)
	}
	c.EKS = ekc

	// IRSA: the cluster's OIDC issuer as an IAM identity provider.
	issuer := ekc.Identities.Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	oidc, err := iam.NewOpenIdConnectProvider(ctx, name+"-oidc", &iam.OpenIdConnectProviderArgs{
		Url:           issuer,
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		Tags:          nameTags(tags, args.ClusterName+"-oidc"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	c.OIDCProviderARN = oidc.Arn

	// Nodes: one role for every pool, with the worker, CNI, ECR and SSM (no SSH) policies.
	nodeRole, err := iam.NewRole(ctx, name+"-node", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRoleForService("ec2.amazonaws.com")),
		Description:      pulumi.String("EKS nodes of " + args.ClusterName),
		Tags:             nameTags(tags, args.ClusterName+"-node"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	c.NodeRoleARN = nodeRole.Arn
	var nodeDeps []pulumi.Resource
	for _, pa := range []struct{ suffix, arn string }{
		{"worker", policyEKSWorkerNode}, {"cni", policyEKSCNI}, {"ecr", policyECRReadOnly}, {"ssm", policySSMManagedCore},
	} {
		att, err := iam.NewRolePolicyAttachment(ctx, name+"-node-"+pa.suffix, &iam.RolePolicyAttachmentArgs{
			Role: nodeRole.Name, PolicyArn: pulumi.String(pa.arn),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		nodeDeps = append(nodeDeps, att)
	}

	addon := func(addonName string, roleARN pulumi.StringInput, deps []pulumi.Resource) (*eks.Addon, error) {
		aa := &eks.AddonArgs{
			ClusterName:              ekc.Name,
			AddonName:                pulumi.String(addonName),
			AddonVersion:             pulumi.String(args.Addons[addonName]),
			ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
			ResolveConflictsOnUpdate: pulumi.String("PRESERVE"),
			Tags:                     nameTags(tags, args.ClusterName+"-"+addonName),
		}
		if roleARN != nil {
			aa.ServiceAccountRoleArn = roleARN
		}
		return eks.NewAddon(ctx, name+"-"+addonName, aa, parent, pulumi.DependsOn(deps))
	}
	for _, n := range addonsBeforeNodes {
		a, err := addon(n, nil, nil)
		if err != nil {
			return nil, wrap(err)
		}
		nodeDeps = append(nodeDeps, a)
	}

	var ready []pulumi.Resource
	if len(args.DeployerCIDRs) > 0 {
		// EKS owns the cluster security group; a separate rule adds to it without managing it.
		rule, err := ec2.NewSecurityGroupRule(ctx, name+"-deployers-api", &ec2.SecurityGroupRuleArgs{
			Type:            pulumi.String("ingress"),
			Protocol:        pulumi.String("tcp"),
			FromPort:        pulumi.Int(443),
			ToPort:          pulumi.Int(443),
			CidrBlocks:      pulumi.ToStringArray(args.DeployerCIDRs),
			SecurityGroupId: ekc.VpcConfig.ClusterSecurityGroupId().Elem(),
			Description:     pulumi.String("kost: the Kubernetes API (private endpoint) from the deployers"),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		ready = append(ready, rule)
	}
	for _, ps := range args.NodePools {
		pool, err := NewNodePool(ctx, name+"-"+ps.Pool, &NodePoolArgs{
			Pool:         ps.Pool,
			ClusterName:  ekc.Name,
			Version:      args.Version,
			NodeRoleARN:  nodeRole.Arn,
			SubnetIDs:    args.SubnetIDs,
			InstanceType: ps.InstanceType,
			Desired:      ps.Desired, Min: ps.Min, Max: ps.Max,
			Spot:      ps.Spot,
			Dedicated: ps.Dedicated,
			DiskGiB:   ps.DiskGiB,
			Tags:      tags,
			DependsOn: nodeDeps,
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		c.Pools[ps.Pool] = pool
		// Depend on the node group itself, never on the NodePool component: the Go SDK expands a
		// component dependency to the children registered so far, which races with their registration.
		ready = append(ready, pool.NodeGroup)
	}

	// EBS CSI controller's own role (IRSA), trusted only for its service account.
	issuerHost := issuer.ApplyT(func(u string) string { return strings.TrimPrefix(u, "https://") }).(pulumi.StringOutput)
	c.OIDCIssuer = issuerHost
	csiRole, err := iam.NewRole(ctx, name+"-ebs-csi", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.All(oidc.Arn, issuerHost).ApplyT(func(xs []any) string {
			return assumeRoleForServiceAccount(xs[0].(string), xs[1].(string), ebsCSINamespace, ebsCSIServiceAccount)
		}).(pulumi.StringOutput),
		Description: pulumi.String("EBS CSI driver of " + args.ClusterName + " (IRSA)"),
		Tags:        nameTags(tags, args.ClusterName+"-ebs-csi"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	csiPolicy, err := iam.NewRolePolicyAttachment(ctx, name+"-ebs-csi", &iam.RolePolicyAttachmentArgs{
		Role: csiRole.Name, PolicyArn: pulumi.String(policyEBSCSIDriver),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	afterNodes := append(slices.Clone(ready), csiPolicy)
	for _, n := range addonsAfterNodes {
		var role pulumi.StringInput
		if n == "aws-ebs-csi-driver" {
			role = csiRole.Arn
		}
		a, err := addon(n, role, afterNodes)
		if err != nil {
			return nil, wrap(err)
		}
		ready = append(ready, a)
	}

	// Access entries: cluster-admin for the admins, view for the previewers.
	type access struct{ kind, principal, policy string }
	var entries []access
	for _, p := range args.Admins {
		entries = append(entries, access{"admin", p, accessPolicyClusterAdm})
	}
	for _, p := range args.Previewers {
		entries = append(entries, access{"previewer", p, accessPolicyView})
	}
	counts := map[string]int{}
	for _, e := range entries {
		principal := e.principal
		entryName := fmt.Sprintf("%s-%s-%d", name, e.kind, counts[e.kind])
		counts[e.kind]++
		entry, err := eks.NewAccessEntry(ctx, entryName, &eks.AccessEntryArgs{
			ClusterName:  ekc.Name,
			PrincipalArn: pulumi.String(principal),
			Type:         pulumi.String("STANDARD"),
			Tags:         nameTags(tags, entryName),
		}, parent)
		if err != nil {
			return nil, wrap(err)
		}
		if _, err := eks.NewAccessPolicyAssociation(ctx, entryName, &eks.AccessPolicyAssociationArgs{
			ClusterName:  ekc.Name,
			PrincipalArn: entry.PrincipalArn,
			PolicyArn:    pulumi.String(e.policy),
			AccessScope:  &eks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
		}, parent); err != nil {
			return nil, wrap(err)
		}
	}

	kubeconfig := pulumi.ToSecret(pulumi.All(ekc.Name, ekc.Endpoint, ekc.CertificateAuthority.Data().Elem()).ApplyT(
		func(xs []any) (string, error) {
			ka := KubeconfigArgs{
				ClusterName: xs[0].(string), Endpoint: xs[1].(string), CAData: xs[2].(string),
				Region: args.Region, Profile: args.Profile, RoleARN: args.RoleARN,
			}
			if err := ka.Validate(); err != nil {
				return "", wrap(err)
			}
			return Kubeconfig(ka), nil
		})).(pulumi.StringOutput)
	k8s, err := cluster.NewKubernetesProvider(ctx, name+"-k8s", kubeconfig, parent)
	if err != nil {
		return nil, wrap(err)
	}

	// The cluster-autoscaler, with its own role (IRSA) that may change only this cluster's groups.
	caRole, err := iam.NewRole(ctx, name+"-autoscaler", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.All(oidc.Arn, issuerHost).ApplyT(func(xs []any) string {
			return assumeRoleForServiceAccount(xs[0].(string), xs[1].(string), autoscaler.Namespace, autoscaler.ServiceAccount)
		}).(pulumi.StringOutput),
		Description: pulumi.String("cluster-autoscaler of " + args.ClusterName + " (IRSA)"),
		Tags:        nameTags(tags, args.ClusterName+"-autoscaler"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	caPolicy, err := iam.NewRolePolicy(ctx, name+"-autoscaler", &iam.RolePolicyArgs{
		Role: caRole.Name, Policy: pulumi.String(clusterAutoscalerPolicy(args.ClusterName)),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	ca, err := autoscaler.New(ctx, name+"-autoscaler", &autoscaler.Args{
		Provider: k8s, Chart: args.Autoscaler.Chart, Image: args.Autoscaler.Image,
		CloudProvider: "aws", ClusterName: args.ClusterName,
		Values:                    pulumi.Map{"awsRegion": pulumi.String(args.Region)},
		ServiceAccountAnnotations: pulumi.StringMap{"eks.amazonaws.com/role-arn": caRole.Arn},
		DependsOn:                 append(slices.Clone(ready), caPolicy),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	ready = append(ready, ca)

	c.Cluster = cluster.Cluster{
		Name:                 args.ClusterName,
		Cloud:                cluster.AWS,
		Region:               args.Region,
		Zones:                slices.Clone(args.Zones),
		Endpoint:             ekc.Endpoint,
		Kubeconfig:           kubeconfig,
		Provider:             k8s,
		DedicatedPools:       true,
		Storage:              storageProfile(),
		InternalLoadBalancer: internalLoadBalancer(),
		Ready:                ready,
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":     ekc.Name,
		"endpoint":        ekc.Endpoint,
		"oidcProviderArn": oidc.Arn,
		"nodeRoleArn":     nodeRole.Arn,
		"kubeconfig":      kubeconfig,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
