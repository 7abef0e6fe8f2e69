package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/compute/v2"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
)

// Names inside the API load balancer.
const (
	lbFrontend = "apiserver"
	lbPool     = "control-plane"
	lbProbe    = "apiserver-readyz"
)

// smBuilder is the Azure side of the kubeadm sequence (kubeadm.Infrastructure): it makes the
// resources of one SelfManagedCluster.
type smBuilder struct {
	ctx          *pulumi.Context
	name         string
	args         *SelfManagedClusterArgs
	c            *SelfManagedCluster
	tags         pulumi.StringMap
	rgScope      pulumi.StringOutput
	sshPublicKey pulumi.StringOutput
	// vaultID and the secrets' scopes, once Secrets has made them.
	vaultID, pkiScope, tokenScope pulumi.StringOutput
	// cpRole is the control planes' custom role (and its GUID), once the first control plane made it.
	cpRole   *roleDefinition
	cpRoleID string
}

func newSMBuilder(ctx *pulumi.Context, name string, args *SelfManagedClusterArgs, c *SelfManagedCluster) *smBuilder {
	return &smBuilder{
		ctx: ctx, name: name, args: args, c: c,
		tags:    tagsWith(args.Tags, map[string]string{clusterTag: args.ClusterName}),
		rgScope: pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", args.SubscriptionID, args.ResourceGroupName),
	}
}

// clusterTag names the cluster of every resource the component makes.
const clusterTag = "kost-cluster"

// securityRules are the NIC NSG's rules. The subnet's NSG keeps Azure's defaults (VNet and load
// balancer traffic in, nothing from the Internet); these narrow the cluster ports further, to the
// region block and, on the API port only, the deployers: without the deny, Azure's AllowVnetInBound
// would also admit peered networks and on-premises ranges reached through gateways. Nothing
// mentions port 22; nothing admits the Internet.
func (b *smBuilder) securityRules() []pulumi.Map {
	clusterPorts := pulumi.ToStringArray([]string{fmt.Sprint(cluster.APIServerPort), "10250", "2379-2380"})
	rules := []pulumi.Map{{
		"securityRuleName":         pulumi.String("kost-cluster-ports-from-region"),
		"description":              pulumi.String("API server, kubelet and etcd from the region block only"),
		"priority":                 pulumi.Int(100),
		"direction":                pulumi.String("Inbound"),
		"access":                   pulumi.String("Allow"),
		"protocol":                 pulumi.String("Tcp"),
		"sourceAddressPrefix":      pulumi.String(b.args.RegionBlock),
		"sourcePortRange":          pulumi.String("*"),
		"destinationAddressPrefix": pulumi.String("*"),
		"destinationPortRanges":    clusterPorts,
	}, {
		"securityRuleName":         pulumi.String("kost-apiserver-probe"),
		"description":              pulumi.String("the API load balancer's health probe"),
		"priority":                 pulumi.Int(110),
		"direction":                pulumi.String("Inbound"),
		"access":                   pulumi.String("Allow"),
		"protocol":                 pulumi.String("Tcp"),
		"sourceAddressPrefix":      pulumi.String("AzureLoadBalancer"),
		"sourcePortRange":          pulumi.String("*"),
		"destinationAddressPrefix": pulumi.String("*"),
		"destinationPortRange":     pulumi.String(fmt.Sprint(cluster.APIServerPort)),
	}, {
		"securityRuleName":         pulumi.String("kost-cluster-ports-deny"),
		"description":              pulumi.String("API server, kubelet and etcd from anywhere else"),
		"priority":                 pulumi.Int(4000),
		"direction":                pulumi.String("Inbound"),
		"access":                   pulumi.String("Deny"),
		"protocol":                 pulumi.String("Tcp"),
		"sourceAddressPrefix":      pulumi.String("*"),
		"sourcePortRange":          pulumi.String("*"),
		"destinationAddressPrefix": pulumi.String("*"),
		"destinationPortRanges":    clusterPorts,
	}}
	if len(b.args.DeployerCIDRs) > 0 {
		// The internal load balancer keeps the client's address: the API servers see the deployers.
		rules = append(rules, pulumi.Map{
			"securityRuleName":         pulumi.String("kost-apiserver-from-deployers"),
			"description":              pulumi.String("API server from the deployers (network.deployers)"),
			"priority":                 pulumi.Int(120),
			"direction":                pulumi.String("Inbound"),
			"access":                   pulumi.String("Allow"),
			"protocol":                 pulumi.String("Tcp"),
			"sourceAddressPrefixes":    pulumi.ToStringArray(b.args.DeployerCIDRs),
			"sourcePortRange":          pulumi.String("*"),
			"destinationAddressPrefix": pulumi.String("*"),
			"destinationPortRange":     pulumi.String(fmt.Sprint(cluster.APIServerPort)),
		})
	}
	return rules
}

// Endpoint implements kubeadm.Infrastructure: the NIC NSG with its rules, the API servers' internal
// load balancer (its private frontend address is the endpoint) and the VMs' SSH key.
func (b *smBuilder) Endpoint(ctx *pulumi.Context, opts ...pulumi.ResourceOption) (kubeadm.Endpoint, error) {
	if err := b.network(pulumi.Composite(opts...)); err != nil {
		return kubeadm.Endpoint{}, err
	}
	// Azure refuses a Linux VM without a password or an SSH key: the VMs get the public half of a
	// key nobody holds (its private half stays in the encrypted state and is never exported).
	tlsP, err := tls.NewProvider(ctx, b.name+"-tls", nil, opts...)
	if err != nil {
		return kubeadm.Endpoint{}, err
	}
	sshKey, err := tls.NewPrivateKey(ctx, b.name+"-ssh", &tls.PrivateKeyArgs{
		Algorithm: pulumi.String("RSA"), RsaBits: pulumi.Int(4096),
	}, append(opts, pulumi.Provider(tlsP))...)
	if err != nil {
		return kubeadm.Endpoint{}, err
	}
	b.sshPublicKey = sshKey.PublicKeyOpenssh
	return kubeadm.Endpoint{Address: b.c.APIServerIP, Resources: []pulumi.Resource{b.c.LoadBalancer}}, nil
}

// network makes the NIC NSG with its rules and the API servers' internal load balancer.
func (b *smBuilder) network(parent pulumi.ResourceOption) error {
	a := b.args
	nsg, err := newNetworkResource(b.ctx, "NetworkSecurityGroup", b.name+"-nodes", pulumi.Map{
		"networkSecurityGroupName": pulumi.String(a.ClusterName + "-nodes"),
		"resourceGroupName":        a.ResourceGroupName,
		"location":                 pulumi.String(a.Region),
		// Rules are separate resources: the provider keeps the ones the cloud-controller-manager adds
		// for LoadBalancer Services when it updates the NSG.
		"tags": b.tags,
	}, parent)
	if err != nil {
		return err
	}
	b.c.SecurityGroup = nsg
	for _, r := range b.securityRules() {
		r["resourceGroupName"] = a.ResourceGroupName
		r["networkSecurityGroupName"] = nsg.Name
		ruleName := string(r["securityRuleName"].(pulumi.String))
		if _, err := newNetworkResource(b.ctx, "SecurityRule", b.name+"-"+strings.TrimPrefix(ruleName, "kost-"), r, parent); err != nil {
			return err
		}
	}

	lbName := a.ClusterName + "-apiserver"
	lbID := pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/loadBalancers/%s",
		a.SubscriptionID, a.ResourceGroupName, lbName)
	lb, err := newNetworkResource(b.ctx, "LoadBalancer", b.name+"-apiserver", pulumi.Map{
		"loadBalancerName":  pulumi.String(lbName),
		"resourceGroupName": a.ResourceGroupName,
		"location":          pulumi.String(a.Region),
		"sku":               pulumi.Map{"name": pulumi.String("Standard"), "tier": pulumi.String("Regional")},
		"frontendIPConfigurations": pulumi.Array{pulumi.Map{
			"name":                      pulumi.String(lbFrontend),
			"subnet":                    subResource(a.NodeSubnetID),
			"privateIPAllocationMethod": pulumi.String("Dynamic"),
			"privateIPAddressVersion":   pulumi.String("IPv4"),
			// Zone-redundant: the address survives the loss of a zone.
			"zones": pulumi.ToStringArray(a.Zones),
		}},
		"backendAddressPools": pulumi.Array{pulumi.Map{"name": pulumi.String(lbPool)}},
		"probes": pulumi.Array{pulumi.Map{
			"name": pulumi.String(lbProbe),
			// Https /readyz on 6443 rather than a bare TCP connect: a joining control plane's API
			// server listens before its etcd member is up, and must not get traffic until it is ready.
			// Azure does not check the certificate; /readyz is open to anonymous clients (kubeadm's
			// default system:public-info-viewer binding).
			"protocol":          pulumi.String("Https"),
			"port":              pulumi.Int(cluster.APIServerPort),
			"requestPath":       pulumi.String("/readyz"),
			"intervalInSeconds": pulumi.Int(5),
			"numberOfProbes":    pulumi.Int(2),
			"probeThreshold":    pulumi.Int(2),
		}},
		"loadBalancingRules": pulumi.Array{pulumi.Map{
			"name":                    pulumi.String("apiserver"),
			"protocol":                pulumi.String("Tcp"),
			"frontendPort":            pulumi.Int(cluster.APIServerPort),
			"backendPort":             pulumi.Int(cluster.APIServerPort),
			"frontendIPConfiguration": subResource(pulumi.Sprintf("%s/frontendIPConfigurations/%s", lbID, lbFrontend)),
			"backendAddressPool":      subResource(pulumi.Sprintf("%s/backendAddressPools/%s", lbID, lbPool)),
			"probe":                   subResource(pulumi.Sprintf("%s/probes/%s", lbID, lbProbe)),
			"enableFloatingIP":        pulumi.Bool(false),
			"enableTcpReset":          pulumi.Bool(true),
			"idleTimeoutInMinutes":    pulumi.Int(30), // watches are long-lived
			"disableOutboundSnat":     pulumi.Bool(true),
		}},
		"tags": b.tags,
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return err
	}
	b.c.LoadBalancer = lb
	b.c.APIServerIP = firstPrivateIP(lb.FrontendIPConfigurations)
	return nil
}

// linuxConfiguration turns password logins off; Azure then insists on an SSH key, which nobody holds.
func (b *smBuilder) linuxConfiguration() *compute.LinuxConfigurationArgs {
	key := b.sshPublicKey.ApplyT(strings.TrimSpace).(pulumi.StringOutput)
	return &compute.LinuxConfigurationArgs{
		DisablePasswordAuthentication: pulumi.Bool(true),
		ProvisionVMAgent:              pulumi.Bool(true), // Run Command and the managed-identity extension need it
		Ssh: &compute.SshConfigurationArgs{PublicKeys: compute.SshPublicKeyTypeArray{&compute.SshPublicKeyTypeArgs{
			KeyData: key,
			Path:    pulumi.String("/home/" + adminUsername + "/.ssh/authorized_keys"),
		}}},
	}
}

// ControlPlane implements kubeadm.Infrastructure: a NIC in the API pool, the VM and its identity's
// role on the group. The first control plane's user data puts the load balancer's address on its
// loopback before kubeadm init, a joining one's after its join (hairpin).
func (b *smBuilder) ControlPlane(ctx *pulumi.Context, cp kubeadm.ControlPlaneArgs, opts ...pulumi.ResourceOption) (kubeadm.Machine, error) {
	a := b.args
	size := a.ControlPlaneInstanceType
	if size == "" {
		size = DefaultControlPlaneVMSize
	}
	disk := a.ControlPlaneDiskGiB
	if disk == 0 {
		disk = DefaultControlPlaneDiskGiB
	}
	poolID := pulumi.Sprintf("%s/backendAddressPools/%s", b.c.LoadBalancer.ID(), lbPool)
	vmName := fmt.Sprintf("%s-cp-%s", a.ClusterName, cp.Zone)
	logical := fmt.Sprintf("%s-cp-%s", b.name, cp.Zone)
	nic, err := newNetworkResource(ctx, "NetworkInterface", logical, pulumi.Map{
		"networkInterfaceName": pulumi.String(vmName + "-nic"),
		"resourceGroupName":    a.ResourceGroupName,
		"location":             pulumi.String(a.Region),
		"networkSecurityGroup": subResource(b.c.SecurityGroup.ID()),
		"ipConfigurations": pulumi.Array{pulumi.Map{
			"name":                            pulumi.String("ipconfig"),
			"primary":                         pulumi.Bool(true),
			"privateIPAllocationMethod":       pulumi.String("Dynamic"),
			"subnet":                          subResource(a.NodeSubnetID),
			"loadBalancerBackendAddressPools": pulumi.Array{subResource(poolID)},
		}},
		"tags": b.tags,
	}, append(opts, pulumi.Protect(a.Protect))...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	data := hairpinUserData(cp.UserData, b.c.APIServerIP, cp.Index == 0)
	vm, err := compute.NewVirtualMachine(ctx, logical, &compute.VirtualMachineArgs{
		VmName:            pulumi.String(vmName),
		ResourceGroupName: a.ResourceGroupName,
		Location:          pulumi.String(a.Region),
		Zones:             pulumi.StringArray{pulumi.String(cp.Zone)},
		HardwareProfile:   &compute.HardwareProfileArgs{VmSize: pulumi.String(size)},
		Identity:          &compute.VirtualMachineIdentityArgs{Type: compute.ResourceIdentityTypeSystemAssigned},
		NetworkProfile: &compute.NetworkProfileArgs{NetworkInterfaces: compute.NetworkInterfaceReferenceArray{
			&compute.NetworkInterfaceReferenceArgs{Id: nic.ID(), Primary: pulumi.Bool(true)},
		}},
		OsProfile: &compute.OSProfileArgs{
			ComputerName:       pulumi.String(vmName), // the node name
			AdminUsername:      pulumi.String(adminUsername),
			CustomData:         customData(data),
			LinuxConfiguration: b.linuxConfiguration(),
		},
		SecurityProfile: &compute.SecurityProfileArgs{EncryptionAtHost: pulumi.Bool(!a.DisableEncryptionAtHost)},
		StorageProfile: &compute.StorageProfileArgs{
			ImageReference: a.imageReference(),
			OsDisk: &compute.OSDiskArgs{
				CreateOption: pulumi.String(string(compute.DiskCreateOptionTypesFromImage)),
				DeleteOption: pulumi.String(string(compute.DiskDeleteOptionTypesDelete)),
				Caching:      compute.CachingTypesReadWrite,
				OsType:       compute.OperatingSystemTypesLinux,
				DiskSizeGB:   pulumi.Int(disk),
				ManagedDisk: &compute.ManagedDiskParametersArgs{
					StorageAccountType: pulumi.String(string(compute.StorageAccountTypes_Premium_LRS)),
				},
			},
		},
		Tags: b.tags,
	}, append(opts, pulumi.Protect(a.Protect), pulumi.DependsOn(cp.After),
		// cloud-init runs once: new user data must never replace a control plane.
		pulumi.IgnoreChanges([]string{"osProfile.customData"}))...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	principal := vm.Identity.PrincipalId().Elem()
	ra, err := b.controlPlaneRole(ctx, cp.Zone, principal, opts...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	grants, err := b.secretRoles(ctx, logical, principal, true, opts...)
	if err != nil {
		return kubeadm.Machine{}, err
	}
	b.c.ControlPlanes = append(b.c.ControlPlanes, vm)
	b.c.ControlPlanePrincipalIDs = append(b.c.ControlPlanePrincipalIDs, principal)
	ip := firstPrivateIP(nic.IPConfigurations)
	return kubeadm.Machine{Resources: append([]pulumi.Resource{vm, nic, ra}, grants...), PrivateIP: ip}, nil
}

// ControlPlanesDone implements kubeadm.Infrastructure: every control plane's NIC joins the API pool
// on its own.
func (b *smBuilder) ControlPlanesDone(*pulumi.Context, []kubeadm.Machine, ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	return nil, nil
}

// Addons implements kubeadm.Infrastructure: cloud-provider-azure reads the tenant and the NSG from
// its cloud config.
func (b *smBuilder) Addons(ctx *pulumi.Context) (kubeadm.AddonSet, error) {
	tenant, err := tenantID(ctx, b.c)
	if err != nil {
		return kubeadm.AddonSet{}, err
	}
	return b.args.addonInstallers(b.args.cloudConfig(tenant, b.c.SecurityGroup.Name), tenant), nil
}

// workers makes one Uniform scale set per pool over the zones. Uniform, not Flexible: the
// cluster-autoscaler's Azure provider and cloud-provider-azure (vmType "vmss") drive Uniform scale
// sets by instance id (ProviderID .../virtualMachineScaleSets/<set>/virtualMachines/<id>), the
// long-standing path of both; Flexible needs vmType "vmssflex" and newer autoscaler support.
func (b *smBuilder) WorkerGroup(ctx *pulumi.Context, w kubeadm.WorkerGroupArgs, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	a := b.args
	p := w.Pool
	{
		setName := a.ClusterName + "-" + p.Pool
		vmProfile := &compute.VirtualMachineScaleSetVMProfileArgs{
			OsProfile: &compute.VirtualMachineScaleSetOSProfileArgs{
				ComputerNamePrefix: pulumi.String(setName), // node names: <prefix><6-character instance id>
				AdminUsername:      pulumi.String(adminUsername),
				CustomData:         customData(w.UserData),
				LinuxConfiguration: b.linuxConfiguration(),
			},
			StorageProfile: &compute.VirtualMachineScaleSetStorageProfileArgs{
				ImageReference: a.imageReference(),
				// No deleteOption: it applies to Flexible scale sets only (the compute API's
				// VirtualMachineScaleSetOSDisk.deleteOption); a Uniform set's instances take their OS
				// disks with them.
				OsDisk: &compute.VirtualMachineScaleSetOSDiskArgs{
					CreateOption: pulumi.String(string(compute.DiskCreateOptionTypesFromImage)),
					Caching:      compute.CachingTypesReadWrite,
					OsType:       compute.OperatingSystemTypesLinux,
					DiskSizeGB:   pulumi.Int(p.Disk()),
					ManagedDisk: &compute.VirtualMachineScaleSetManagedDiskParametersArgs{
						StorageAccountType: pulumi.String(string(compute.StorageAccountTypes_Premium_LRS)),
					},
				},
			},
			NetworkProfile: &compute.VirtualMachineScaleSetNetworkProfileArgs{
				NetworkInterfaceConfigurations: compute.VirtualMachineScaleSetNetworkConfigurationArray{&compute.VirtualMachineScaleSetNetworkConfigurationArgs{
					Name:                 pulumi.String("nic"),
					Primary:              pulumi.Bool(true),
					NetworkSecurityGroup: &compute.SubResourceArgs{Id: b.c.SecurityGroup.ID()},
					IpConfigurations: compute.VirtualMachineScaleSetIPConfigurationArray{&compute.VirtualMachineScaleSetIPConfigurationArgs{
						Name:    pulumi.String("ipconfig"),
						Primary: pulumi.Bool(true),
						Subnet:  &compute.ApiEntityReferenceArgs{Id: a.NodeSubnetID},
					}},
				}},
			},
			SecurityProfile: &compute.SecurityProfileArgs{EncryptionAtHost: pulumi.Bool(!a.DisableEncryptionAtHost)},
		}
		if p.Spot {
			vmProfile.Priority = pulumi.String(string(compute.VirtualMachinePriorityTypesSpot))
			vmProfile.EvictionPolicy = pulumi.String(string(compute.VirtualMachineEvictionPolicyTypesDelete))
			vmProfile.BillingProfile = &compute.BillingProfileArgs{MaxPrice: pulumi.Float64(-1)} // evicted for capacity only
		}
		vmss, err := compute.NewVirtualMachineScaleSet(ctx, b.name+"-"+p.Pool, &compute.VirtualMachineScaleSetArgs{
			VmScaleSetName:    pulumi.String(setName),
			ResourceGroupName: a.ResourceGroupName,
			Location:          pulumi.String(a.Region),
			Zones:             pulumi.ToStringArray(a.Zones),
			OrchestrationMode: pulumi.String("Uniform"),
			// Desired is the initial capacity only: Azure autoscale settings are not used (the insights
			// module is not available); the cluster-autoscaler sizes the set within Min and Max.
			Sku:                      &compute.SkuArgs{Name: pulumi.String(p.InstanceType), Tier: pulumi.String("Standard"), Capacity: pulumi.Float64(float64(p.Desired))},
			Overprovision:            pulumi.Bool(false), // the autoscaler counts instances exactly
			SinglePlacementGroup:     pulumi.Bool(false),
			PlatformFaultDomainCount: pulumi.Int(1), // zonal sets spread best with one fault domain
			ZoneBalance:              pulumi.Bool(false),
			// Manual: a new model (a rotated token, a new image) applies to new instances only.
			UpgradePolicy:         &compute.UpgradePolicyArgs{Mode: compute.UpgradeModeManual},
			Identity:              &compute.VirtualMachineScaleSetIdentityArgs{Type: compute.ResourceIdentityTypeSystemAssigned},
			VirtualMachineProfile: vmProfile,
			// The cluster-autoscaler finds the set by these tags and keeps it between min and max
			// (cluster-autoscaler cloudprovider/azure/README.md, auto-discovery setup).
			Tags: tagsWith(a.Tags, map[string]string{clusterTag: a.ClusterName, poolTag: p.Pool,
				"cluster-autoscaler-enabled": "true", "cluster-autoscaler-name": a.ClusterName,
				"min": fmt.Sprint(p.Min), "max": fmt.Sprint(p.Max)}),
		}, append(opts, pulumi.DependsOn(w.After), pulumi.IgnoreChanges([]string{
			// The cluster-autoscaler owns the capacity.
			"sku.capacity",
			// The cloud-controller-manager adds the set to its Service load balancers' pools.
			"virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0].loadBalancerBackendAddressPools",
		}))...)
		if err != nil {
			return nil, err
		}
		principal := vmss.Identity.PrincipalId().Elem()
		b.c.ScaleSets[p.Pool] = vmss
		b.c.WorkerPrincipalIDs[p.Pool] = principal
		ra, err := newRoleAssignment(ctx, b.name+"-"+p.Pool+"-reader", roleAssignmentArgs{
			SubscriptionID: a.SubscriptionID,
			RoleDefinition: roleReader,
			PrincipalID:    principal,
			PrincipalType:  "ServicePrincipal",
			Scope:          b.rgScope,
			Description:    "kost " + a.ClusterName + ": cloud-node-manager and Azure Disk CSI node plugin of pool " + p.Pool,
		}, opts...)
		if err != nil {
			return nil, err
		}
		grants, err := b.secretRoles(ctx, b.name+"-"+p.Pool, principal, false, opts...)
		if err != nil {
			return nil, err
		}
		return append([]pulumi.Resource{vmss, ra}, grants...), nil
	}
}

// controlPlaneRole gives a control plane its role on the resource group (WorkerGroup gives the
// workers theirs):
//   - control planes: the cluster's custom role (controlPlaneActions), made with the first control
//     plane. The cloud-controller-manager (on the control planes, managed identity through IMDS)
//     reads VMs and scale sets, writes load balancers, their pools, public IPs, NSG rules and the
//     scale sets' network profiles; the Azure Disk CSI controller creates, attaches, resizes and
//     deletes managed disks; the cluster-autoscaler sets scale-set capacity and deletes instances.
//     All of it lives in this group, which is the role's only assignable scope.
//   - workers: Reader, for the CSI node plugin, which only reads its VM.
func (b *smBuilder) controlPlaneRole(ctx *pulumi.Context, zone string, principal pulumi.StringOutput, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	a := b.args
	if b.cpRole == nil {
		rd, id, err := b.controlPlaneRoleDefinition(ctx, opts...)
		if err != nil {
			return nil, err
		}
		b.cpRole, b.cpRoleID = rd, id
	}
	return newRoleAssignment(ctx, fmt.Sprintf("%s-cp-%s-role", b.name, zone), roleAssignmentArgs{
		SubscriptionID: a.SubscriptionID,
		RoleDefinition: b.cpRoleID,
		PrincipalID:    principal,
		PrincipalType:  "ServicePrincipal",
		Scope:          b.rgScope,
		Description:    "kost " + a.ClusterName + ": cloud-controller-manager, Azure Disk CSI controller and cluster-autoscaler",
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{b.cpRole}))...)
}
