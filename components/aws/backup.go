package aws

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// BackupStoreArgs configure a region's backup bucket and the identity BR and TiKV write it with.
type BackupStoreArgs struct {
	// ClusterName names the bucket (its prefix), key and role. Required.
	ClusterName string
	// Region of the bucket, the cluster's. Required.
	Region string
	// OIDCProviderARN and OIDCIssuer (host and path, no scheme) are the cluster's IRSA identity
	// provider (ManagedCluster.OIDCProviderARN and .OIDCIssuer). Required.
	OIDCProviderARN, OIDCIssuer pulumi.StringInput
	// RetentionDays is how long deleted and overwritten objects stay recoverable (the live backups
	// expire through the TiDB Operator's retention, see the README). Required: 1 to 365.
	RetentionDays int
	// Protect protects the bucket and its key and keeps them when Pulumi deletes them. Default: false.
	Protect bool
	// Tags for every resource. Default: none.
	Tags map[string]string
}

// BackupStore is an S3 bucket for BR: encrypted with its own KMS key, versioned, private, TLS only,
// and an IRSA role that only the backup service account can assume, allowed only on this bucket.
type BackupStore struct {
	pulumi.ResourceState

	// Bucket is the S3 bucket.
	Bucket *s3.BucketV2
	// Role is the IRSA role of the backup service account.
	Role *iam.Role
	// Store is what the data plane reads.
	Store cluster.BackupStore
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError.
func (a *BackupStoreArgs) Validate() error {
	if a == nil {
		a = &BackupStoreArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.ClusterName == "", "ClusterName")
	ps.Required(a.Region == "", "Region")
	ps.Check(a.OIDCProviderARN != nil, "OIDCProviderARN", "required: the cluster's IRSA provider (ManagedCluster.OIDCProviderARN)")
	ps.Check(a.OIDCIssuer != nil, "OIDCIssuer", "required: the cluster's OIDC issuer without https:// (ManagedCluster.OIDCIssuer)")
	ps.Check(a.RetentionDays >= 1 && a.RetentionDays <= 365, "RetentionDays", "%d: between 1 and 365", a.RetentionDays)
	return ps.Err("backup store args")
}

// backupBucketPrefix is the bucket's name prefix: S3 appends a unique suffix of 26 characters to at
// most 37 (pulumi-aws s3.BucketV2 bucketPrefix), within the 63 of a bucket name.
func backupBucketPrefix(clusterName string) string {
	p := clusterName + "-backup-"
	if len(p) > 37 {
		p = strings.TrimRight(p[:36], "-") + "-"
	}
	return p
}

// backupPolicy lets the backup role use only this bucket and its key, with the actions BR and TiKV
// need: "s3:ListBucket, s3:GetObject, s3:DeleteObject, s3:PutObject and s3:AbortMultipartUpload" to back
// up, the same without the last to restore (TiDB docs, "Backup storages", Authentication > Amazon S3,
// minimum privileges for TiKV and BR); GenerateDataKey and Decrypt for objects under SSE-KMS.
func backupPolicy(bucketARN, keyARN string) string {
	return policyDocument{Version: "2012-10-17", Statement: []statement{
		{Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: bucketARN},
		{Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, Resource: bucketARN + "/*"},
		{Effect: "Allow", Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: keyARN},
	}}.String()
}

// tlsOnlyPolicy refuses every request to the bucket that does not use TLS.
func tlsOnlyPolicy(bucketARN string) string {
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect: "Deny", Principal: map[string]any{"AWS": "*"}, Action: "s3:*",
		Resource:  []string{bucketARN, bucketARN + "/*"},
		Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
	}}}.String()
}

// NewBackupStore creates the bucket, its key and policies, and the backup role.
func NewBackupStore(ctx *pulumi.Context, name string, args *BackupStoreArgs, opts ...pulumi.ResourceOption) (*BackupStore, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("backup store %s: %w", name, err)
	}
	b := &BackupStore{}
	if err := ctx.RegisterComponentResource("kost:aws:BackupStore", name, b, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	// Stateful: the bucket and the key its objects are encrypted with survive a destroy of the rest.
	kept := []pulumi.ResourceOption{parent, pulumi.Protect(args.Protect), pulumi.RetainOnDelete(args.Protect)}
	wrap := func(err error) error { return fmt.Errorf("backup store %s: %w", name, err) }
	tags := args.Tags

	key, err := kms.NewKey(ctx, name+"-backup", &kms.KeyArgs{
		Description:          pulumi.String("TiDB backups of " + args.ClusterName),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 nameTags(tags, args.ClusterName+"-backup"),
	}, kept...)
	if err != nil {
		return nil, wrap(err)
	}
	bucket, err := s3.NewBucketV2(ctx, name+"-backup", &s3.BucketV2Args{
		BucketPrefix: pulumi.String(backupBucketPrefix(args.ClusterName)),
		ForceDestroy: pulumi.Bool(false),
		Tags:         nameTags(tags, args.ClusterName+"-backup"),
	}, kept...)
	if err != nil {
		return nil, wrap(err)
	}
	b.Bucket = bucket
	var settings []pulumi.Resource
	add := func(r pulumi.Resource, err error) error {
		settings = append(settings, r)
		return err
	}
	if err := add(s3.NewBucketPublicAccessBlock(ctx, name+"-backup", &s3.BucketPublicAccessBlockArgs{
		Bucket:          bucket.ID(),
		BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)); err != nil {
		return nil, wrap(err)
	}
	if err := add(s3.NewBucketOwnershipControls(ctx, name+"-backup", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent)); err != nil {
		return nil, wrap(err)
	}
	if err := add(s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-backup", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: key.Arn,
			},
			BucketKeyEnabled: pulumi.Bool(true), // one KMS call per object batch, not per object
		}},
	}, parent)); err != nil {
		return nil, wrap(err)
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name+"-backup", &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent)
	if err := add(versioning, err); err != nil {
		return nil, wrap(err)
	}
	// Live objects never expire by age: the log backup's metadata is written once, when it starts, and
	// the newest full backup older than the retention is the base of the oldest point-in-time
	// restore; the TiDB Operator deletes and truncates what retention drops. What it (or anyone)
	// deletes stays recoverable as a noncurrent version for RetentionDays.
	all := &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")}
	if err := add(s3.NewBucketLifecycleConfigurationV2(ctx, name+"-backup", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{
			&s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("deleted-backups"), Status: pulumi.String("Enabled"), Filter: all,
				NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
					NoncurrentDays: pulumi.Int(args.RetentionDays),
				},
				Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
			},
			&s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("incomplete-uploads"), Status: pulumi.String("Enabled"), Filter: all,
				AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
					DaysAfterInitiation: pulumi.Int(7),
				},
			},
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning}))); err != nil {
		return nil, wrap(err)
	}
	if err := add(s3.NewBucketPolicy(ctx, name+"-backup", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: bucket.Arn.ApplyT(tlsOnlyPolicy).(pulumi.StringOutput),
	}, parent, pulumi.DependsOn(settings[:1]))); err != nil {
		return nil, wrap(err)
	}

	role, err := iam.NewRole(ctx, name+"-backup", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.All(args.OIDCProviderARN, args.OIDCIssuer).ApplyT(func(xs []any) string {
			return assumeRoleForServiceAccount(xs[0].(string), xs[1].(string), cluster.BackupNamespace, cluster.BackupServiceAccount)
		}).(pulumi.StringOutput),
		Description: pulumi.String("TiDB backups (BR and TiKV) of " + args.ClusterName + " (IRSA)"),
		Tags:        nameTags(tags, args.ClusterName+"-backup"),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	b.Role = role
	policy, err := iam.NewRolePolicy(ctx, name+"-backup", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: pulumi.All(bucket.Arn, key.Arn).ApplyT(func(xs []any) string {
			return backupPolicy(xs[0].(string), xs[1].(string))
		}).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	b.Store = cluster.BackupStore{
		Storage: bucket.Bucket.ApplyT(func(bucket string) map[string]any {
			return map[string]any{"s3": map[string]any{"provider": "aws", "region": args.Region, "bucket": bucket}}
		}).(pulumi.MapOutput),
		URL: pulumi.Sprintf("s3://%s", bucket.Bucket),
		ServiceAccountAnnotations: pulumi.StringMap{
			"eks.amazonaws.com/role-arn": role.Arn,
		}.ToStringMapOutput(),
		Ready: append(settings, policy),
	}
	if err := ctx.RegisterResourceOutputs(b, pulumi.Map{
		"bucket":  bucket.Bucket,
		"url":     b.Store.URL,
		"roleArn": role.Arn,
		"keyArn":  key.Arn,
	}); err != nil {
		return nil, err
	}
	return b, nil
}
