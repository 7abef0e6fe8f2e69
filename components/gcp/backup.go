package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// backupObjectRole is what the backup account holds on the bucket: read, create, overwrite and delete
// objects and list them, nothing on the bucket itself ("grant ... the roles/storage.objectUser role",
// TiDB Operator docs, grant-permissions-to-remote-storage.md, Google Cloud Storage; BR and TiKV write
// the backup files, delete them when the retention drops a backup, and truncate the log).
const backupObjectRole = "roles/storage.objectUser"

// BackupStoreArgs configure a region's backup bucket and the identity BR and TiKV write it with.
type BackupStoreArgs struct {
	// ClusterName names the key, the service account and the bucket's labels. Required.
	ClusterName string
	// Project and Region of the bucket, the cluster's. Required.
	Project, Region string
	// RetentionDays is how long deleted and overwritten objects stay recoverable (the live backups
	// expire through the TiDB Operator's retention, see the README). Required: 1 to 365.
	RetentionDays int
	// Protect protects the bucket and its key and keeps them when Pulumi deletes them. Default: false.
	Protect bool
	// Labels for every resource that takes them. Default: none.
	Labels map[string]string
	// Issuer is a kubeadm cluster's service-account issuer (cluster.Cluster.ServiceAccountIssuer):
	// the backup account is then reached through a workload identity pool whose OIDC provider trusts
	// that issuer's keys as given (no endpoint has to be public), instead of GKE Workload Identity.
	// Default: zero (a GKE cluster).
	Issuer cluster.ServiceAccountIssuer
}

// BackupStore is a GCS bucket for BR: encrypted with its own Cloud KMS key, versioned, uniform access,
// public access prevented, and a Google service account that only the backup Kubernetes service account
// can act as (GKE Workload Identity), with object access to this bucket only.
type BackupStore struct {
	pulumi.ResourceState

	// Bucket is the GCS bucket.
	Bucket *storage.Bucket
	// Account is the backup service account.
	Account *serviceaccount.Account
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
	ps.Required(a.Project == "", "Project")
	ps.Required(a.Region == "", "Region")
	ps.Check(a.RetentionDays >= 1 && a.RetentionDays <= 365, "RetentionDays", "%d: between 1 and 365", a.RetentionDays)
	return ps.Err("backup store args")
}

// NewBackupStore creates the key, the bucket and the backup service account with its grants.
func NewBackupStore(ctx *pulumi.Context, name string, args *BackupStoreArgs, opts ...pulumi.ResourceOption) (*BackupStore, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("backup store %s: %w", name, err)
	}
	b := &BackupStore{}
	if err := ctx.RegisterComponentResource("kost:gcp:BackupStore", name, b, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	kept := []pulumi.ResourceOption{parent, pulumi.Protect(args.Protect), pulumi.RetainOnDelete(args.Protect)}
	wrap := func(err error) error { return fmt.Errorf("backup store %s: %w", name, err) }
	labels := labelsWith(args.Labels, nil)

	// Cloud Storage encrypts with the key as the project's storage service agent, which must hold the
	// key before the bucket names it (pulumi-gcp storage.getProjectServiceAccount: the lookup also makes
	// the agent exist).
	agent, err := storage.GetProjectServiceAccount(ctx, &storage.GetProjectServiceAccountArgs{Project: &args.Project}, parent)
	if err != nil {
		return nil, wrap(fmt.Errorf("storage service agent of %s: %w", args.Project, err))
	}
	// Key rings and keys can never be deleted in GCP: their names are left to Pulumi (see newSecretsKey).
	ring, err := kms.NewKeyRing(ctx, name+"-backup", &kms.KeyRingArgs{
		Project: pulumi.String(args.Project), Location: pulumi.String(args.Region), // the bucket's location
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	key, err := kms.NewCryptoKey(ctx, name+"-backup", &kms.CryptoKeyArgs{
		KeyRing: ring.ID(), Purpose: pulumi.String("ENCRYPT_DECRYPT"),
		RotationPeriod: pulumi.String(secretsKeyRotation), Labels: labels,
	}, kept...)
	if err != nil {
		return nil, wrap(err)
	}
	keyGrant, err := kms.NewCryptoKeyIAMMember(ctx, name+"-backup", &kms.CryptoKeyIAMMemberArgs{
		CryptoKeyId: key.ID(), Role: pulumi.String(kmsRole), Member: pulumi.String("serviceAccount:" + agent.EmailAddress),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	bucket, err := storage.NewBucket(ctx, name+"-backup", &storage.BucketArgs{
		Project:                  pulumi.String(args.Project),
		Location:                 pulumi.String(strings.ToUpper(args.Region)),
		StorageClass:             pulumi.String("STANDARD"),
		UniformBucketLevelAccess: pulumi.Bool(true),
		PublicAccessPrevention:   pulumi.String("enforced"),
		ForceDestroy:             pulumi.Bool(false),
		Encryption:               &storage.BucketEncryptionArgs{DefaultKmsKeyName: key.ID()},
		Versioning:               &storage.BucketVersioningArgs{Enabled: pulumi.Bool(true)},
		// Live objects never expire by age (see the AWS store): what the operator or anyone deletes
		// stays a noncurrent version for RetentionDays; soft delete keeps even those 7 days more (the
		// shortest soft delete: 604800 to 7776000 s, pulumi-gcp v7.38.0 storage BucketSoftDeletePolicy).
		SoftDeletePolicy: &storage.BucketSoftDeletePolicyArgs{RetentionDurationSeconds: pulumi.Int(7 * 24 * 3600)},
		LifecycleRules: storage.BucketLifecycleRuleArray{
			&storage.BucketLifecycleRuleArgs{
				Action: &storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("Delete")},
				Condition: &storage.BucketLifecycleRuleConditionArgs{
					WithState: pulumi.String("ARCHIVED"), DaysSinceNoncurrentTime: pulumi.Int(args.RetentionDays),
				},
			},
			&storage.BucketLifecycleRuleArgs{
				Action:    &storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("AbortIncompleteMultipartUpload")},
				Condition: &storage.BucketLifecycleRuleConditionArgs{Age: pulumi.Int(7)},
			},
		},
		Labels: labels,
	}, append(kept, pulumi.DependsOn([]pulumi.Resource{keyGrant}))...)
	if err != nil {
		return nil, wrap(err)
	}
	b.Bucket = bucket
	account, err := serviceaccount.NewAccount(ctx, name+"-backup", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   pulumi.String(accountID(args.ClusterName, "backup")),
		DisplayName: pulumi.String("TiDB backups (BR and TiKV) of " + args.ClusterName),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	b.Account = account
	objects, err := storage.NewBucketIAMMember(ctx, name+"-backup", &storage.BucketIAMMemberArgs{
		Bucket: bucket.Name, Role: pulumi.String(backupObjectRole),
		Member: pulumi.Sprintf("serviceAccount:%s", account.Email),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	if args.Issuer.URL != "" {
		// A kubeadm cluster: no GKE metadata server, the federation below instead.
		federated, err := newBackupFederation(ctx, name, args, b, account, bucket)
		if err != nil {
			return nil, wrap(err)
		}
		federated.Ready = append(federated.Ready, objects)
		b.Store = *federated
		if err := registerBackupOutputs(ctx, b, bucket, account, key); err != nil {
			return nil, err
		}
		return b, nil
	}
	// GKE Workload Identity: the Kubernetes service account tidb/tidb-backup-manager acts as the account.
	workload, err := serviceaccount.NewIAMMember(ctx, name+"-backup-workload", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: account.Name,
		Role:             pulumi.String("roles/iam.workloadIdentityUser"),
		Member: pulumi.String(fmt.Sprintf("serviceAccount:%s.svc.id.goog[%s/%s]",
			args.Project, cluster.BackupNamespace, cluster.BackupServiceAccount)),
	}, parent)
	if err != nil {
		return nil, wrap(err)
	}
	b.Store = cluster.BackupStore{
		Storage: bucket.Name.ApplyT(func(bucket string) map[string]any {
			return map[string]any{"gcs": map[string]any{"projectId": args.Project, "bucket": bucket}}
		}).(pulumi.MapOutput),
		URL:                       pulumi.Sprintf("gs://%s", bucket.Name),
		ServiceAccountAnnotations: pulumi.StringMap{"iam.gke.io/gcp-service-account": account.Email}.ToStringMapOutput(),
		Ready:                     []pulumi.Resource{objects, workload},
	}
	if err := registerBackupOutputs(ctx, b, bucket, account, key); err != nil {
		return nil, err
	}
	return b, nil
}

func registerBackupOutputs(ctx *pulumi.Context, b *BackupStore, bucket *storage.Bucket, account *serviceaccount.Account, key *kms.CryptoKey) error {
	return ctx.RegisterResourceOutputs(b, pulumi.Map{
		"bucket":         bucket.Name,
		"url":            b.Store.URL,
		"serviceAccount": account.Email,
		"key":            key.ID(),
	})
}
