package gcp

import (
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/kubeadm"
)

// Secret Manager roles of the self-managed cluster's service accounts, each bound on one secret only
// (cloud.google.com/secret-manager/docs/access-control: secretVersionManager adds, lists, disables
// and destroys versions but cannot read them, hence also secretAccessor).
const (
	// secretAccessorRole reads a secret's versions (secretmanager.versions.access).
	secretAccessorRole = "roles/secretmanager.secretAccessor"
	// secretVersionManagerRole adds versions and destroys old ones (the control planes keep only the
	// newest join token enabled).
	secretVersionManagerRole = "roles/secretmanager.secretVersionManager"
)

// secretIDs are the Secret Manager ids of a cluster's PKI and join token.
func secretIDs(clusterName string) (pki, token string) {
	return clusterName + "-kubeadm-pki", clusterName + "-join-token"
}

// secretRefs say where the nodes find the secrets.
func (a *SelfManagedClusterArgs) secretRefs() kubeadm.SecretRefs {
	pki, token := secretIDs(a.ClusterName)
	base := "projects/" + a.Project + "/secrets/"
	return kubeadm.SecretRefs{Cloud: "gcp", PKI: base + pki, Token: base + token}
}

// Secrets implements kubeadm.Infrastructure: two Secret Manager secrets (automatic replication,
// Google-managed encryption) with bindings on each secret only: the control planes' account reads
// both and manages the token's versions, the workers' account reads the token. The project needs the
// Secret Manager API (secretmanager.googleapis.com) enabled, as it needs Compute Engine's.
func (g *gceInfra) Secrets(ctx *pulumi.Context, pki pulumi.StringOutput, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	a := g.args
	pkiID, tokenID := secretIDs(a.ClusterName)
	secret := func(logical, id string, protect bool) (*secretmanager.Secret, error) {
		return secretmanager.NewSecret(ctx, logical, &secretmanager.SecretArgs{
			Project:     g.project,
			SecretId:    pulumi.String(id),
			Replication: &secretmanager.SecretReplicationArgs{Auto: &secretmanager.SecretReplicationAutoArgs{}},
			Labels:      labelsWith(a.Labels, nil),
		}, append(opts, pulumi.Protect(protect))...)
	}
	pkiSecret, err := secret(g.name+"-pki", pkiID, a.Protect)
	if err != nil {
		return nil, err
	}
	version, err := secretmanager.NewSecretVersion(ctx, g.name+"-pki", &secretmanager.SecretVersionArgs{
		Secret: pkiSecret.ID(), SecretData: pki,
	}, append(opts, pulumi.Protect(a.Protect))...)
	if err != nil {
		return nil, err
	}
	token, err := secret(g.name+"-join-token", tokenID, false)
	if err != nil {
		return nil, err
	}
	out := []pulumi.Resource{version}
	for _, b := range []struct {
		suffix string
		s      *secretmanager.Secret
		role   string
		member pulumi.StringOutput
	}{
		{"pki-cp-accessor", pkiSecret, secretAccessorRole, g.accounts.cp.Member},
		{"join-token-cp-accessor", token, secretAccessorRole, g.accounts.cp.Member},
		{"join-token-cp-versions", token, secretVersionManagerRole, g.accounts.cp.Member},
		{"join-token-wk-accessor", token, secretAccessorRole, g.accounts.worker.Member},
	} {
		m, err := secretmanager.NewSecretIamMember(ctx, g.name+"-"+b.suffix, &secretmanager.SecretIamMemberArgs{
			Project: g.project, SecretId: b.s.SecretId, Role: pulumi.String(b.role), Member: b.member,
		}, opts...)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
