package cluster

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// The Kubernetes service account BR's jobs and TiKV run as when backups are on: the TiDB Operator's
// default for backup jobs (pkg/backup/constants DefaultServiceAccountName at v1.6.6), in the
// TidbCluster's namespace, which the cloud's workload identity trusts.
const (
	BackupNamespace      = "tidb"
	BackupServiceAccount = "tidb-backup-manager"
)

// BackupStore is where a cluster's TiDB backups go and how BR and TiKV reach it without a static key:
// made per region by the cloud's backup store component, read by the data plane.
type BackupStore struct {
	// Storage is BR's storage block as the Backup, BackupSchedule and Restore custom resources take it,
	// without prefix: {"s3": {provider, region, bucket, …}} or {"gcs": {projectId, bucket, …}}.
	Storage pulumi.MapOutput
	// URL names the bucket for people, e.g. s3://kost-prod-us-east-1-backup-20261128.
	URL pulumi.StringOutput
	// ServiceAccountAnnotations give the backup service account its cloud identity (IRSA role, GKE
	// service account); empty where the identity comes from Credentials and Token or a key.
	ServiceAccountAnnotations pulumi.StringMapOutput
	// Credentials, when set, is a Secret kost creates in the backup namespace, named in Storage: a
	// credential configuration (which token to exchange where), never a key. Default: none.
	Credentials *BackupCredentials
	// Token, when set, is a service-account token of the backup service account projected into the
	// backup jobs, TiKV and TiFlash, which Credentials exchanges. Default: none.
	Token *ProjectedToken
	// SendCredToTiKV has BR hand its credentials to TiKV: a local store's key, or a federated
	// credential configuration (TiKV then reads its own projected Token); never where TiKV's pod has
	// the cloud identity itself. Default: false.
	SendCredToTiKV bool
	// Ready are the grants the first backup needs (role policies, IAM bindings, federated credentials).
	Ready []pulumi.Resource
}

// BackupCredentials is a Secret of credential configuration.
type BackupCredentials struct {
	SecretName string
	Data       pulumi.StringMapInput
}

// ProjectedToken is a projected service-account token: its file and audience.
type ProjectedToken struct {
	Path, Audience string
}
