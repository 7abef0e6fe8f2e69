package gcp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/iam"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Federation of a kubeadm cluster's service accounts with Google Cloud (Workload Identity Federation
// with a Kubernetes OIDC issuer): the token a pod's projected volume holds is exchanged at Google's STS
// for a token of the backup account, which a credential configuration (external_account) describes.
const (
	// backupTokenPath is where the backup jobs, TiKV and TiFlash find their projected token.
	backupTokenPath = "/var/run/secrets/kost/backup/token"
	// backupProviderID names the pool's OIDC provider (4 to 32 of [a-z0-9-]).
	backupProviderID = "kubernetes"
	// backupCredentialsSecret holds the credential configuration: which token to exchange where, no key.
	backupCredentialsSecret = "kost-backup-gcp"
)

// backupPoolID is the cluster's workload identity pool: 4 to 32 of [a-z0-9-], never gcp- (pulumi-gcp
// iam.WorkloadIdentityPool workloadIdentityPoolId), a digest of the cluster's name.
func backupPoolID(clusterName string) string {
	sum := sha256.Sum256([]byte(clusterName))
	return "kost-" + hex.EncodeToString(sum[:])[:12]
}

// externalAccount is the credential configuration Google's client libraries read from
// GOOGLE_APPLICATION_CREDENTIALS (BR and the TiDB Operator's own client through Go's oauth2/google,
// TiKV's gcp_v2 client through google-cloud-auth external_account, components/cloud/gcp_v2/src/
// credentials.rs at v8.5.7): exchange the projected token at STS, then impersonate the account. The
// fields and URLs are golang.org/x/oauth2 v0.36.0 google/externalaccount's: basecredentials.go
// (defaultTokenURL https://sts.<universe>/v1/token, subject token type ...:jwt) and
// executablecredsource.go (the iamcredentials .../serviceAccounts/<email>:generateAccessToken form).
func externalAccount(audience, accountEmail string) (string, error) {
	out, err := json.Marshal(map[string]any{
		"type":                              "external_account",
		"audience":                          audience,
		"subject_token_type":                "urn:ietf:params:oauth:token-type:jwt",
		"token_url":                         "https://sts.googleapis.com/v1/token",
		"service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" + accountEmail + ":generateAccessToken",
		"credential_source":                 map[string]any{"file": backupTokenPath},
	})
	return string(out), err
}

// newBackupFederation makes the pool, its provider trusting the cluster's issuer with its keys inline,
// and lets only tidb/tidb-backup-manager's tokens act as the backup account.
func newBackupFederation(ctx *pulumi.Context, name string, args *BackupStoreArgs, b *BackupStore, account *serviceaccount.Account,
	bucket *storage.Bucket) (*cluster.BackupStore, error) {
	parent := pulumi.Parent(b)
	proj, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{ProjectId: &args.Project}, parent)
	if err != nil {
		return nil, fmt.Errorf("project number of %s: %w", args.Project, err)
	}
	poolID := backupPoolID(args.ClusterName)
	pool, err := iam.NewWorkloadIdentityPool(ctx, name+"-backup", &iam.WorkloadIdentityPoolArgs{
		Project:                pulumi.String(args.Project),
		WorkloadIdentityPoolId: pulumi.String(poolID),
		DisplayName:            pulumi.String(truncate("kost "+args.ClusterName, 32)), // at most 32 characters
		Description:            pulumi.String("Service accounts of the kubeadm cluster " + args.ClusterName),
	}, parent)
	if err != nil {
		return nil, err
	}
	subject := "system:serviceaccount:" + cluster.BackupNamespace + ":" + cluster.BackupServiceAccount
	provider, err := iam.NewWorkloadIdentityPoolProvider(ctx, name+"-backup", &iam.WorkloadIdentityPoolProviderArgs{
		Project:                        pulumi.String(args.Project),
		WorkloadIdentityPoolId:         pool.WorkloadIdentityPoolId,
		WorkloadIdentityPoolProviderId: pulumi.String(backupProviderID),
		AttributeMapping:               pulumi.StringMap{"google.subject": pulumi.String("assertion.sub")},
		// Only the backup service account's tokens are exchanged at all.
		AttributeCondition: pulumi.String(fmt.Sprintf("assertion.sub == '%s'", subject)),
		Oidc: &iam.WorkloadIdentityPoolProviderOidcArgs{
			IssuerUri: pulumi.String(args.Issuer.URL),
			// The keys as given: Google never fetches the issuer's discovery document, so the API
			// server stays private. Empty audiences: tokens must name the provider itself.
			JwksJson: args.Issuer.JWKS.ToStringPtrOutput(),
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	poolName := fmt.Sprintf("projects/%s/locations/global/workloadIdentityPools/%s", proj.Number, poolID)
	audience := "//iam.googleapis.com/" + poolName + "/providers/" + backupProviderID
	impersonate, err := serviceaccount.NewIAMMember(ctx, name+"-backup-federation", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: account.Name,
		Role:             pulumi.String("roles/iam.workloadIdentityUser"),
		Member:           pulumi.String("principal://iam.googleapis.com/" + poolName + "/subject/" + subject),
	}, parent, pulumi.DependsOn([]pulumi.Resource{provider}))
	if err != nil {
		return nil, err
	}
	creds := account.Email.ApplyT(func(email string) (string, error) { return externalAccount(audience, email) }).(pulumi.StringOutput)
	return &cluster.BackupStore{
		Storage: bucket.Name.ApplyT(func(bucket string) map[string]any {
			return map[string]any{"gcs": map[string]any{"projectId": args.Project, "bucket": bucket, "secretName": backupCredentialsSecret}}
		}).(pulumi.MapOutput),
		URL:                       pulumi.Sprintf("gs://%s", bucket.Name),
		ServiceAccountAnnotations: pulumi.StringMap{}.ToStringMapOutput(),
		// The TiDB Operator turns the Secret's "credentials" into GOOGLE_APPLICATION_CREDENTIALS for BR
		// (images/tidb-backup-manager/entrypoint.sh at v1.6.6), and BR hands the configuration to TiKV
		// (sendCredToTikv), which reads the token from the same path in its own pods.
		Credentials:    &cluster.BackupCredentials{SecretName: backupCredentialsSecret, Data: pulumi.StringMap{"credentials": creds}},
		Token:          &cluster.ProjectedToken{Path: backupTokenPath, Audience: audience},
		SendCredToTiKV: true,
		Ready:          []pulumi.Resource{impersonate},
	}, nil
}

// truncate cuts s to n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
