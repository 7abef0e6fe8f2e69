package azure

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/kubeadm"
)

// Key Vault's built-in data-plane roles, given on one secret each (learn.microsoft.com/azure/
// role-based-access-control/built-in-roles/security: Secrets User has secrets/getSecret/action and
// readMetadata/action, Secrets Officer secrets/*).
const (
	// roleKeyVaultSecretsUser reads a secret's value.
	roleKeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6"
	// roleKeyVaultSecretsOfficer also writes it (the control planes publish the join token).
	roleKeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
)

// Key Vault resources, registered by token as the role assignments are (the Go SDK's keyvault module
// is not among the modules the proxy serves at kost's azure-native version), with the plugin version
// of every other azure-native resource.
const (
	keyVaultType       = "azure-native:keyvault:Vault"
	keyVaultSecretType = "azure-native:keyvault:Secret"
	// tokenPlaceholder is the join token secret's value until the first control plane publishes one
	// (kost-secret treats it as absent). Azure makes a secret with a value or not at all.
	tokenPlaceholder = "none"
	// softDeleteDays is the shortest soft-delete retention Key Vault allows (7 to 90 days, fixed at
	// creation; learn.microsoft.com/azure/key-vault/general/soft-delete-overview): a destroyed vault's
	// name is free again a week later (re-creating the stack earlier needs `az keyvault purge`).
	softDeleteDays = 7
)

// keyVault is a Key Vault or one of its secrets, by token.
type keyVault struct {
	pulumi.CustomResourceState
	Name pulumi.StringOutput `pulumi:"name"`
}

// vaultName is the cluster's Key Vault: names are global, 3 to 24 letters, digits and '-', starting
// with a letter, no "--" (learn.microsoft.com/azure/azure-resource-manager/management/
// resource-name-rules#microsoftkeyvault), so it is "kost-" and a digest of the subscription, the
// location and the cluster's name.
func (a *SelfManagedClusterArgs) vaultName() string {
	sum := sha256.Sum256([]byte(a.SubscriptionID + "/" + a.Region + "/" + a.ClusterName))
	return "kost-" + hex.EncodeToString(sum[:])[:16]
}

// secretNames are the names of the cluster's PKI and join token in its vault.
func (a *SelfManagedClusterArgs) secretNames() (pki, token string) {
	return a.ClusterName + "-kubeadm-pki", a.ClusterName + "-join-token"
}

// secretRefs say where the nodes find the secrets.
func (a *SelfManagedClusterArgs) secretRefs() kubeadm.SecretRefs {
	pki, token := a.secretNames()
	base := "https://" + a.vaultName() + ".vault.azure.net/secrets/"
	return kubeadm.SecretRefs{Cloud: "azure", PKI: base + pki, Token: base + token}
}

// Secrets implements kubeadm.Infrastructure: a Key Vault with Azure RBAC, soft delete (and purge
// protection when the cluster is protected), the PKI secret and the join token secret. The
// identities are the VMs' and scale sets' own, known only once they exist: ControlPlane and
// WorkerGroup give them their roles on the two secrets.
func (b *smBuilder) Secrets(ctx *pulumi.Context, pki pulumi.StringOutput, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	a := b.args
	tenant, err := tenantID(ctx, b.c)
	if err != nil {
		return nil, err
	}
	props := pulumi.Map{
		"tenantId":                  pulumi.String(tenant),
		"sku":                       pulumi.Map{"family": pulumi.String("A"), "name": pulumi.String("standard")},
		"enableRbacAuthorization":   pulumi.Bool(true),
		"enableSoftDelete":          pulumi.Bool(true),
		"softDeleteRetentionInDays": pulumi.Int(softDeleteDays),
		// Azure RBAC decides; the API still wants the list (empty unless recovering a vault).
		"accessPolicies": pulumi.Array{},
	}
	if a.Protect {
		// A protected cluster's CA material cannot be purged during the retention either (Key Vault's
		// purge protection cannot be turned off again: a protected environment is not re-created).
		props["enablePurgeProtection"] = pulumi.Bool(true)
	}
	var vault keyVault
	if err := ctx.RegisterResource(keyVaultType, b.name+"-vault", pulumi.Map{
		"resourceGroupName": a.ResourceGroupName,
		"vaultName":         pulumi.String(a.vaultName()),
		"location":          pulumi.String(a.Region),
		"properties":        props,
		"tags":              b.tags,
	}, &vault, utilities.PkgResourceDefaultOpts(append(opts, pulumi.Protect(a.Protect)))...); err != nil {
		return nil, err
	}
	b.vaultID = vault.ID().ToStringOutput()
	pkiName, tokenName := a.secretNames()
	secret := func(logical, name string, value pulumi.StringInput, extra ...pulumi.ResourceOption) (*keyVault, error) {
		var s keyVault
		err := ctx.RegisterResource(keyVaultSecretType, logical, pulumi.Map{
			"resourceGroupName": a.ResourceGroupName,
			"vaultName":         pulumi.String(a.vaultName()),
			"secretName":        pulumi.String(name),
			"properties":        pulumi.Map{"value": value},
			"tags":              b.tags,
		}, &s, utilities.PkgResourceDefaultOpts(append(append(opts, pulumi.DependsOn([]pulumi.Resource{&vault}),
			pulumi.AdditionalSecretOutputs([]string{"properties"})), extra...))...)
		return &s, err
	}
	pkiSecret, err := secret(b.name+"-pki", pkiName, pki, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, err
	}
	// The control planes write the token from their first minutes on: Pulumi makes the secret with a
	// placeholder and never looks at its value again.
	tokenSecret, err := secret(b.name+"-join-token", tokenName, pulumi.String(tokenPlaceholder),
		pulumi.IgnoreChanges([]string{"properties.value"}))
	if err != nil {
		return nil, err
	}
	b.pkiScope = pulumi.Sprintf("%s/secrets/%s", b.vaultID, pkiName)
	b.tokenScope = pulumi.Sprintf("%s/secrets/%s", b.vaultID, tokenName)
	return []pulumi.Resource{&vault, pkiSecret, tokenSecret}, nil
}

// secretRoles give an identity its roles on the secrets: every node reads the join token, control
// planes also write it and read the PKI.
func (b *smBuilder) secretRoles(ctx *pulumi.Context, logical string, principal pulumi.StringOutput, controlPlane bool, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	a := b.args
	type grant struct {
		suffix, role string
		scope        pulumi.StringOutput
	}
	grants := []grant{{"join-token-reader", roleKeyVaultSecretsUser, b.tokenScope}}
	if controlPlane {
		grants = []grant{{"join-token-writer", roleKeyVaultSecretsOfficer, b.tokenScope}, {"pki-reader", roleKeyVaultSecretsUser, b.pkiScope}}
	}
	var out []pulumi.Resource
	for _, g := range grants {
		ra, err := newRoleAssignment(ctx, logical+"-"+g.suffix, roleAssignmentArgs{
			SubscriptionID: a.SubscriptionID,
			RoleDefinition: g.role,
			PrincipalID:    principal,
			PrincipalType:  "ServicePrincipal",
			Scope:          g.scope,
			Description:    "kost " + a.ClusterName + ": kubeadm secrets (" + g.suffix + ")",
		}, opts...)
		if err != nil {
			return nil, err
		}
		out = append(out, ra)
	}
	return out, nil
}
