package aws_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	kaws "github.com/kost-platform/kost/components/aws"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/internal/fixtures"
)

type backupFixture struct{ g *graph.Graph }

var backupStores fixtures.Cache[backupFixture]

func backupStore(t *testing.T, protect bool) *backupFixture {
	scenario := map[bool]string{true: "Protected", false: "Unprotected"}[protect]
	return backupStores.Get(t, scenario, func(t *testing.T) *backupFixture {
		f := &backupFixture{}
		f.g = run(t, func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := kaws.NewBackupStore(ctx, "eu", &kaws.BackupStoreArgs{
				ClusterName:     "kost-prod-eu-west-1",
				Region:          "eu-west-1",
				OIDCProviderARN: pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
				OIDCIssuer:      pulumi.String("oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
				RetentionDays:   14,
				Protect:         protect,
				Tags:            map[string]string{"environment": "prod"},
			}, opts...)
			return err
		})
		return f
	})
}

type policyDoc struct {
	Statement []struct {
		Effect    string
		Action    any
		Resource  any
		Principal map[string]any
		Condition map[string]map[string]string
	}
}

func parsePolicy(t *testing.T, s string) policyDoc {
	t.Helper()
	var d policyDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return d
}

// The role reaches this bucket and its key only, with BR's documented minimum, and only the backup
// service account can assume it.
func TestBackupStoreRole(t *testing.T) {
	t.Parallel()
	g := backupStore(t, true).g
	bucket := named(t, g, "aws:s3/bucketV2:BucketV2", "eu-backup")
	bucketARN := "arn:aws:s3:::" + bucket.Outputs["bucket"].StringValue()
	key := named(t, g, "aws:kms/key:Key", "eu-backup")
	role := named(t, g, "aws:iam/role:Role", "eu-backup")
	trust := parsePolicy(t, role.String("assumeRolePolicy")).Statement[0]
	if d := cmp.Diff(map[string]string{
		"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:tidb:tidb-backup-manager",
		"oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
	}, trust.Condition["StringEquals"]); d != "" {
		t.Errorf("trust condition (-want +got):\n%s", d)
	}
	got := map[string]any{}
	for _, st := range parsePolicy(t, named(t, g, "aws:iam/rolePolicy:RolePolicy", "eu-backup").String("policy")).Statement {
		if st.Effect != "Allow" {
			t.Errorf("statement %+v", st)
		}
		for _, a := range st.Action.([]any) {
			got[a.(string)] = st.Resource
		}
	}
	want := map[string]any{
		"s3:ListBucket": bucketARN, "s3:GetObject": bucketARN + "/*", "s3:PutObject": bucketARN + "/*",
		"s3:DeleteObject": bucketARN + "/*", "s3:AbortMultipartUpload": bucketARN + "/*",
		"kms:GenerateDataKey": key.Outputs["arn"].StringValue(), "kms:Decrypt": key.Outputs["arn"].StringValue(),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

// The bucket: its own key, versioned, private, TLS only, settings applied to it, kept where protected.
func TestBackupStoreBucket(t *testing.T) {
	t.Parallel()
	g := backupStore(t, true).g
	bucket := named(t, g, "aws:s3/bucketV2:BucketV2", "eu-backup")
	key := named(t, g, "aws:kms/key:Key", "eu-backup")
	if input(bucket, "bucketPrefix") != "kost-prod-eu-west-1-backup-" || input(bucket, "forceDestroy") != false {
		t.Errorf("bucket prefix %v, forceDestroy %v", input(bucket, "bucketPrefix"), input(bucket, "forceDestroy"))
	}
	for _, r := range []*graph.Resource{bucket, key} {
		if !r.Protect || !r.RetainOnDelete {
			t.Errorf("%s: protect %v, retainOnDelete %v; want both", r.URN, r.Protect, r.RetainOnDelete)
		}
	}
	if input(key, "enableKeyRotation") != true {
		t.Error("the backup key is not rotated")
	}
	sse := named(t, g, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "eu-backup")
	if d := cmp.Diff(map[string]any{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.Outputs["arn"].StringValue()},
		input(sse, "rules.0.applyServerSideEncryptionByDefault")); d != "" {
		t.Errorf("default encryption (-want +got):\n%s", d)
	}
	pab := named(t, g, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "eu-backup")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if input(pab, k) != true {
			t.Errorf("public access block %s = %v", k, input(pab, k))
		}
	}
	if v := named(t, g, "aws:s3/bucketVersioningV2:BucketVersioningV2", "eu-backup"); input(v, "versioningConfiguration.status") != "Enabled" {
		t.Error("versioning is off")
	}
	deny := parsePolicy(t, named(t, g, "aws:s3/bucketPolicy:BucketPolicy", "eu-backup").String("policy")).Statement[0]
	if deny.Effect != "Deny" || deny.Condition["Bool"]["aws:SecureTransport"] != "false" {
		t.Errorf("TLS-only policy: %+v", deny)
	}
	// Nothing live expires by age; deleted versions after the retention; stale uploads after a week.
	lc := named(t, g, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "eu-backup")
	rules := lc.List("rules")
	if len(rules) != 2 {
		t.Fatalf("rules: %v", rules)
	}
	if input(lc, "rules.0.noncurrentVersionExpiration.noncurrentDays") != 14.0 || input(lc, "rules.0.expiration.days") != nil {
		t.Errorf("rule 0: %v", rules[0])
	}
	if input(lc, "rules.1.abortIncompleteMultipartUpload.daysAfterInitiation") != 7.0 {
		t.Errorf("rule 1: %v", rules[1])
	}
	for _, typ := range []string{"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketPolicy:BucketPolicy",
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "aws:s3/bucketVersioningV2:BucketVersioningV2"} {
		if s := named(t, g, typ, "eu-backup"); !slices.Contains(s.DependsOn, bucket.URN) {
			t.Errorf("%s does not apply to the bucket", typ)
		}
	}
}

// An unprotected environment's bucket is neither protected nor kept.
func TestBackupStoreUnprotected(t *testing.T) {
	t.Parallel()
	g := backupStore(t, false).g
	for _, typ := range []string{"aws:s3/bucketV2:BucketV2", "aws:kms/key:Key"} {
		if r := named(t, g, typ, "eu-backup"); r.Protect || r.RetainOnDelete {
			t.Errorf("%s: protect %v, retainOnDelete %v", typ, r.Protect, r.RetainOnDelete)
		}
	}
}

func TestBackupStoreArgsValidate(t *testing.T) {
	t.Parallel()
	var a *kaws.BackupStoreArgs
	if d := cmp.Diff([]string{"ClusterName", "Region", "OIDCProviderARN", "OIDCIssuer", "RetentionDays"}, cluster.ProblemFields(a.Validate())); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}
