package offline

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kost-platform/kost/graph"
)

// The Azure subscription and Entra ID tenant the mock cloud runs in.
const (
	azureSubscription = "00000000-0000-4000-8000-00000000c0de"
	azureTenant       = "00000000-0000-4000-8000-0000000e7a1d"
)

// azureLocations holds the location of each mock AKS cluster by "<resource group>/<name>", for the
// credential invokes, which only know those two.
var azureLocations sync.Map

// uuidOf shapes a digest as a UUID.
func uuidOf(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// azureName is the name input of a resource, or an auto-name like the provider's.
func azureName(o *Out, input string) string {
	if n := o.In(input); n != "" {
		return n
	}
	return o.R.Name + o.Hash[:8]
}

// azureID is the ARM id of a resource in a resource group.
func azureID(rg, provider, path string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", azureSubscription, rg, provider, path)
}

// azureLocation is a resource's location input, or its provider's.
func azureLocation(o *Out) string {
	if l := o.In("location"); l != "" {
		return l
	}
	return o.Region
}

// aksCredentials answers like AKS's user credential listing: one base64 kubeconfig, for Entra ID
// users with kubelogin in device-code mode. (kost turns local accounts off, so it never lists the
// admin credentials.)
func aksCredentials(args resource.PropertyMap, kind string) resource.PropertyMap {
	str := func(k string) string {
		s, _ := graph.Plain(args[resource.PropertyKey(k)], false).(string)
		return s
	}
	rg, name := str("resourceGroupName"), str("resourceName")
	loc := "westeurope"
	if l, ok := azureLocations.Load(rg + "/" + name); ok {
		loc = l.(string)
	}
	// The public FQDN, as the cluster mock computes it with the default DNS prefix. (AKS answers with
	// the private FQDN for a private cluster; kost takes the server from the cluster's outputs.)
	server := fmt.Sprintf("https://%s-%s.hcp.%s.azmk8s.io:443", name, hash("aks", rg, name)[:8], loc)
	user := kind + "_" + rg + "_" + name
	auth := strings.Join([]string{
		"    exec:",
		"      apiVersion: client.authentication.k8s.io/v1beta1",
		"      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630,",
		"        --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, " + azureTenant + ", --login, devicecode]",
		"      command: kubelogin",
		"      env: null",
		"      interactiveMode: IfAvailable",
		"      provideClusterInfo: false",
		"",
	}, "\n")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: %s
    server: %s
  name: %s
contexts:
- context:
    cluster: %s
    user: %s
  name: %s
current-context: %s
kind: Config
preferences: {}
users:
- name: %s
  user:
%s`, fakeCA(name), server, name, name, user, name, name, user, auth)
	return resource.PropertyMap{"kubeconfigs": resource.NewProperty([]resource.PropertyValue{
		resource.NewProperty(resource.PropertyMap{
			"name":  resource.NewProperty(kind),
			"value": resource.NewProperty(base64.StdEncoding.EncodeToString([]byte(kubeconfig))),
		}),
	})}
}

// The mock Azure identity's ids (getClientConfig).
const (
	MockAzureTenantID       = "8c5b3f4e-2a1d-4e6f-9b0c-7d8e9f0a1b2c"
	MockAzureSubscriptionID = "00000000-0000-0000-0000-000000000000"
	MockAzureClientID       = "3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f"
	MockAzureObjectID       = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"
)

var azureNetwork = func(kind, input string) func(o *Out) {
	return func(o *Out) {
		name := azureName(o, input)
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.Network", kind+"/"+name)
		o.Set("name", name)
		o.Set("location", azureLocation(o))
		o.Set("provisioningState", "Succeeded")
		o.Set("etag", `W/"`+uuidOf(o.Hash)+`"`)
	}
}

var azurePublicIP = azureNetwork("publicIPAddresses", "publicIpAddressName")

var azureIdentity = func(o *Out) {
	o.Set("identity", map[string]any{
		"type":        "SystemAssigned",
		"principalId": uuidOf(hash("principal", o.ID)),
		"tenantId":    azureTenant,
	})
}

// azureOutputs are what the cloud computes for each of its resource types.
var azureOutputs = map[string]func(o *Out){
	"azure-native:resources:ResourceGroup": func(o *Out) {
		name := azureName(o, "resourceGroupName")
		o.ID = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", azureSubscription, name)
		o.Set("name", name)
		o.Set("location", azureLocation(o))
		o.Set("properties", map[string]any{"provisioningState": "Succeeded"})
	},
	"azure-native:network:VirtualNetwork":       azureNetwork("virtualNetworks", "virtualNetworkName"),
	"azure-native:network:NetworkSecurityGroup": azureNetwork("networkSecurityGroups", "networkSecurityGroupName"),
	"azure-native:network:NatGateway":           azureNetwork("natGateways", "natGatewayName"),
	"azure-native:network:PublicIPAddress": func(o *Out) {
		azurePublicIP(o)
		o.Set("ipAddress", fmt.Sprintf("198.51.100.%d", int(o.Hash[0])%250+1))
	},
	"azure-native:network:Subnet": func(o *Out) {
		name := azureName(o, "subnetName")
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.Network", "virtualNetworks/"+o.In("virtualNetworkName")+"/subnets/"+name)
		o.Set("name", name)
		o.Set("provisioningState", "Succeeded")
	},
	"azure-native:containerservice:ManagedCluster": func(o *Out) {
		name, rg, loc := azureName(o, "resourceName"), o.In("resourceGroupName"), azureLocation(o)
		prefix := o.In("dnsPrefix")
		if prefix == "" {
			prefix = name
		}
		h := hash("aks", rg, name)
		o.ID = azureID(rg, "Microsoft.ContainerService", "managedClusters/"+name)
		o.Set("name", name)
		o.Set("location", loc)
		fqdn := fmt.Sprintf("%s-%s.hcp.%s.azmk8s.io", prefix, h[:8], loc)
		o.Set("fqdn", fqdn)
		o.Set("azurePortalFQDN", fmt.Sprintf("%s-%s.portal.hcp.%s.azmk8s.io", prefix, h[:8], loc))
		if private, _ := o.R.Input("apiServerAccessProfile.enablePrivateCluster"); private == true {
			o.Set("privateFQDN", fmt.Sprintf("%s-%s.%s.privatelink.%s.azmk8s.io", prefix, h[:8], uuidOf(h[8:]), loc))
		}
		azureLocations.Store(rg+"/"+name, loc)
		o.Set("identity", map[string]any{
			"type":        "SystemAssigned",
			"principalId": uuidOf(hash("principal", h)),
			"tenantId":    azureTenant,
		})
		nodeRG := o.In("nodeResourceGroup")
		if nodeRG == "" {
			nodeRG = fmt.Sprintf("MC_%s_%s_%s", rg, name, loc)
		}
		o.Set("nodeResourceGroup", nodeRG)
		o.Set("identityProfile", map[string]any{"kubeletidentity": map[string]any{
			"clientId":   uuidOf(hash("kubelet-client", h)),
			"objectId":   uuidOf(hash("kubelet-object", h)),
			"resourceId": azureID(nodeRG, "Microsoft.ManagedIdentity", "userAssignedIdentities/"+name+"-agentpool"),
		}})
		o.Set("oidcIssuerProfile", map[string]any{
			"enabled":   true,
			"issuerURL": fmt.Sprintf("https://%s.oic.prod-aks.azure.com/%s/%s/", loc, azureTenant, uuidOf(hash("oidc", h))),
		})
		if v := o.In("kubernetesVersion"); v != "" {
			o.Set("currentKubernetesVersion", v+".4")
		}
		o.Set("provisioningState", "Succeeded")
		o.Set("powerState", map[string]any{"code": "Running"})
		o.Set("maxAgentPools", 100)
	},
	"azure-native:containerservice:AgentPool": func(o *Out) {
		name := azureName(o, "agentPoolName")
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.ContainerService", "managedClusters/"+o.In("resourceName")+"/agentPools/"+name)
		o.Set("name", name)
		if v := o.In("orchestratorVersion"); v != "" {
			o.Set("currentOrchestratorVersion", v+".4")
		}
		o.Set("provisioningState", "Succeeded")
		o.Set("powerState", map[string]any{"code": "Running"})
	},
	"azure-native:authorization:RoleDefinition": func(o *Out) {
		name := o.In("roleDefinitionId")
		if name == "" {
			name = uuidOf(o.Hash)
		}
		o.ID = o.In("scope") + "/providers/Microsoft.Authorization/roleDefinitions/" + name
		o.Set("name", name)
		o.Set("type", "Microsoft.Authorization/roleDefinitions")
	},
	"azure-native:authorization:RoleAssignment": func(o *Out) {
		name := o.In("roleAssignmentName")
		if name == "" {
			name = uuidOf(o.Hash)
		}
		o.ID = o.In("scope") + "/providers/Microsoft.Authorization/roleAssignments/" + name
		o.Set("name", name)
		o.Set("type", "Microsoft.Authorization/roleAssignments")
		o.Set("createdOn", "2026-01-01T00:00:00Z")
	},
	// Self-managed clusters: the API load balancer, NICs, NSG rules, VMs, scale sets and Run Commands.
	"azure-native:network:LoadBalancer": func(o *Out) {
		name, rg := azureName(o, "loadBalancerName"), o.In("resourceGroupName")
		o.ID = azureID(rg, "Microsoft.Network", "loadBalancers/"+name)
		o.Set("name", name)
		o.Set("location", azureLocation(o))
		o.Set("provisioningState", "Succeeded")
		// Each frontend gets its id and, when dynamic, a private address of the node subnet.
		frontends, _ := o.R.Input("frontendIPConfigurations")
		list, _ := frontends.([]any)
		out := make([]any, 0, len(list))
		for i, f := range list {
			fe, _ := f.(map[string]any)
			cp := map[string]any{}
			for k, v := range fe {
				cp[k] = v
			}
			feName, _ := cp["name"].(string)
			cp["id"] = o.ID + "/frontendIPConfigurations/" + feName
			if _, ok := cp["privateIPAddress"]; !ok {
				cp["privateIPAddress"] = fmt.Sprintf("10.0.127.%d", 200+(int(o.Hash[i%len(o.Hash)])%50))
			}
			out = append(out, cp)
		}
		o.Set("frontendIPConfigurations", out)
	},
	"azure-native:network:NetworkInterface": func(o *Out) {
		name := azureName(o, "networkInterfaceName")
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.Network", "networkInterfaces/"+name)
		o.Set("name", name)
		o.Set("location", azureLocation(o))
		o.Set("provisioningState", "Succeeded")
		o.Set("macAddress", strings.ToUpper(strings.Join([]string{"00", "0d", "3a", o.Hash[:2], o.Hash[2:4], o.Hash[4:6]}, "-")))
	},
	"azure-native:network:SecurityRule": func(o *Out) {
		name := azureName(o, "securityRuleName")
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.Network", "networkSecurityGroups/"+o.In("networkSecurityGroupName")+"/securityRules/"+name)
		o.Set("name", name)
		o.Set("provisioningState", "Succeeded")
	},
	"azure-native:compute:VirtualMachine": func(o *Out) {
		name := azureName(o, "vmName")
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.Compute", "virtualMachines/"+name)
		o.Set("name", name)
		o.Set("location", azureLocation(o))
		o.Set("vmId", uuidOf(hash("vm", o.ID)))
		o.Set("provisioningState", "Succeeded")
		azureIdentity(o)
	},
	"azure-native:compute:VirtualMachineScaleSet": func(o *Out) {
		name := azureName(o, "vmScaleSetName")
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.Compute", "virtualMachineScaleSets/"+name)
		o.Set("name", name)
		o.Set("location", azureLocation(o))
		o.Set("uniqueId", uuidOf(hash("vmss", o.ID)))
		o.Set("provisioningState", "Succeeded")
		azureIdentity(o)
	},
	"azure-native:compute:VirtualMachineRunCommandByVirtualMachine": func(o *Out) {
		name := azureName(o, "runCommandName")
		o.ID = azureID(o.In("resourceGroupName"), "Microsoft.Compute", "virtualMachines/"+o.In("vmName")+"/runCommands/"+name)
		o.Set("name", name)
		o.Set("location", azureLocation(o))
		o.Set("provisioningState", "Succeeded")
		o.Set("instanceView", map[string]any{"executionState": "Succeeded", "exitCode": 0})
	},
}

// azureInvokes answer the cloud's invokes.
var azureInvokes = map[string]func(args resource.PropertyMap) resource.PropertyMap{
	// The identity running Pulumi, as the provider's credentials resolve it.
	"azure-native:authorization:getClientConfig": func(resource.PropertyMap) resource.PropertyMap {
		return resource.NewPropertyMapFromMap(map[string]any{
			"clientId":       MockAzureClientID,
			"objectId":       MockAzureObjectID,
			"subscriptionId": MockAzureSubscriptionID,
			"tenantId":       MockAzureTenantID,
		})
	},
	"azure-native:containerservice:listManagedClusterUserCredentials": func(args resource.PropertyMap) resource.PropertyMap {
		return aksCredentials(args, "clusterUser")
	},
}
