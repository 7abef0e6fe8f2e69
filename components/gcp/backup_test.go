package gcp_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
)

var backupStores fixtures.Cache[graph.Graph]

func backupStore(t *testing.T, protect bool) *graph.Graph {
	scenario := map[bool]string{true: "Protected", false: "Unprotected"}[protect]
	return backupStores.Get(t, scenario, func(t *testing.T) *graph.Graph {
		return run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := kgcp.NewBackupStore(ctx, "europe", &kgcp.BackupStoreArgs{
				ClusterName: "kost-dev-" + region, Project: project, Region: region,
				RetentionDays: 14, Protect: protect, Labels: map[string]string{"environment": "dev"},
			}, opts...)
			return err
		})
	})
}

func only(t *testing.T, g *graph.Graph, typ string) *graph.Resource {
	t.Helper()
	rs := g.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d of %s, want 1", len(rs), typ)
	}
	return rs[0]
}

// The bucket: its own Cloud KMS key (which the storage agent may use before the bucket names it),
// uniform access, public access prevented, versioned, deleted versions kept for the retention.
func TestBackupStoreBucket(t *testing.T) {
	t.Parallel()
	g := backupStore(t, true)
	bucket := only(t, g, "gcp:storage/bucket:Bucket")
	key := only(t, g, "gcp:kms/cryptoKey:CryptoKey")
	grant := only(t, g, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
	if input(bucket, "encryption.defaultKmsKeyName") != key.ID || input(bucket, "location") != "EUROPE-WEST1" {
		t.Errorf("encryption %v, location %v; key %s", input(bucket, "encryption"), input(bucket, "location"), key.ID)
	}
	member, _ := input(grant, "member").(string)
	if !slices.Contains(bucket.DependsOn, grant.URN) || !strings.HasPrefix(member, "serviceAccount:service-") ||
		!strings.HasSuffix(member, "@gs-project-accounts.iam.gserviceaccount.com") || input(grant, "cryptoKeyId") != key.ID {
		t.Errorf("bucket waits for %v; key grant to %v", bucket.DependsOn, input(grant, "member"))
	}
	for k, want := range map[string]any{"uniformBucketLevelAccess": true, "publicAccessPrevention": "enforced", "forceDestroy": false, "versioning.enabled": true} {
		if got := input(bucket, k); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if d := cmp.Diff([]any{
		map[string]any{"action": map[string]any{"type": "Delete"}, "condition": map[string]any{"withState": "ARCHIVED", "daysSinceNoncurrentTime": 14.0}},
		map[string]any{"action": map[string]any{"type": "AbortIncompleteMultipartUpload"}, "condition": map[string]any{"age": 7.0}},
	}, input(bucket, "lifecycleRules")); d != "" {
		t.Errorf("lifecycle (-want +got):\n%s", d)
	}
	for _, r := range []*graph.Resource{bucket, key} {
		if !r.Protect || !r.RetainOnDelete {
			t.Errorf("%s: protect %v, retainOnDelete %v", r.URN, r.Protect, r.RetainOnDelete)
		}
	}
}

// The account: object access to this bucket only, and only the backup Kubernetes service account
// acts as it.
func TestBackupStoreIdentity(t *testing.T) {
	t.Parallel()
	g := backupStore(t, true)
	account := only(t, g, "gcp:serviceaccount/account:Account")
	email := account.Outputs["email"].StringValue()
	objects := only(t, g, "gcp:storage/bucketIAMMember:BucketIAMMember")
	bucket := only(t, g, "gcp:storage/bucket:Bucket")
	if d := cmp.Diff(map[string]any{"bucket": bucket.Outputs["name"].StringValue(), "role": "roles/storage.objectUser", "member": "serviceAccount:" + email},
		map[string]any{"bucket": input(objects, "bucket"), "role": input(objects, "role"), "member": input(objects, "member")}); d != "" {
		t.Errorf("bucket grant (-want +got):\n%s", d)
	}
	wi := only(t, g, "gcp:serviceaccount/iAMMember:IAMMember")
	if input(wi, "role") != "roles/iam.workloadIdentityUser" || input(wi, "member") != "serviceAccount:acme-kost-dev.svc.id.goog[tidb/tidb-backup-manager]" {
		t.Errorf("workload identity: %v %v", input(wi, "role"), input(wi, "member"))
	}
	if len(g.OfType("gcp:projects/iAMMember:IAMMember")) != 0 {
		t.Error("the backup account holds a project role")
	}
}

func TestBackupStoreUnprotected(t *testing.T) {
	t.Parallel()
	g := backupStore(t, false)
	for _, typ := range []string{"gcp:storage/bucket:Bucket", "gcp:kms/cryptoKey:CryptoKey"} {
		if r := only(t, g, typ); r.Protect || r.RetainOnDelete {
			t.Errorf("%s: protect %v, retainOnDelete %v", typ, r.Protect, r.RetainOnDelete)
		}
	}
}

func TestBackupStoreArgsValidate(t *testing.T) {
	t.Parallel()
	var a *kgcp.BackupStoreArgs
	if d := cmp.Diff([]string{"ClusterName", "Project", "Region", "RetentionDays"}, cluster.ProblemFields(a.Validate())); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}

var federatedStores fixtures.Cache[graph.Graph]

// A kubeadm cluster's store: the same bucket and account, reached through a workload identity pool
// whose provider trusts the cluster's issuer with its keys inline.
func federatedStore(t *testing.T) *graph.Graph {
	return federatedStores.Get(t, "Federated", func(t *testing.T) *graph.Graph {
		return run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := kgcp.NewBackupStore(ctx, "europe", &kgcp.BackupStoreArgs{
				ClusterName: "kost-kubeadm-" + region, Project: project, Region: region, RetentionDays: 7,
				Issuer: cluster.ServiceAccountIssuer{URL: "https://kubernetes.default.svc.cluster.local",
					JWKS: pulumi.String(`{"keys":[{"use":"sig","kty":"RSA","kid":"k","alg":"RS256","n":"AQAB","e":"AQAB"}]}`).ToStringOutput()},
			}, opts...)
			return err
		})
	})
}

func TestBackupStoreFederation(t *testing.T) {
	t.Parallel()
	g := federatedStore(t)
	pool := only(t, g, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool")
	prov := only(t, g, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
	poolID, _ := input(pool, "workloadIdentityPoolId").(string)
	if len(poolID) < 4 || len(poolID) > 32 || strings.HasPrefix(poolID, "gcp-") || input(prov, "workloadIdentityPoolId") != poolID {
		t.Errorf("pool id %q (provider's %v)", poolID, input(prov, "workloadIdentityPoolId"))
	}
	if d := cmp.Diff(map[string]any{"issuerUri": "https://kubernetes.default.svc.cluster.local",
		"jwksJson": `{"keys":[{"use":"sig","kty":"RSA","kid":"k","alg":"RS256","n":"AQAB","e":"AQAB"}]}`}, input(prov, "oidc")); d != "" {
		t.Errorf("oidc (-want +got):\n%s", d)
	}
	if input(prov, "attributeCondition") != "assertion.sub == 'system:serviceaccount:tidb:tidb-backup-manager'" ||
		prov.Map("attributeMapping")["google.subject"] != "assertion.sub" {
		t.Errorf("only the backup service account's tokens may be exchanged: %v, %v", input(prov, "attributeCondition"), prov.Map("attributeMapping"))
	}
	// The account is impersonated by that subject of the pool, never by GKE's workload pool.
	members := map[string]bool{}
	for _, m := range g.OfType("gcp:serviceaccount/iAMMember:IAMMember") {
		members[input(m, "member").(string)] = input(m, "role") == "roles/iam.workloadIdentityUser"
	}
	number := ""
	for m := range members {
		if rest, ok := strings.CutPrefix(m, "principal://iam.googleapis.com/projects/"); ok {
			number, _, _ = strings.Cut(rest, "/")
		}
	}
	want := "principal://iam.googleapis.com/projects/" + number + "/locations/global/workloadIdentityPools/" + poolID +
		"/subject/system:serviceaccount:tidb:tidb-backup-manager"
	if d := cmp.Diff(map[string]bool{want: true}, members); d != "" || number == "" {
		t.Errorf("impersonation (-want +got):\n%s", d)
	}
}
