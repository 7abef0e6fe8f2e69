package data

import (
	"fmt"
	"maps"
	"path"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Backup paths inside the bucket: full backups under kost/full (the operator adds
// <cluster>-pd.<namespace>-2379-<time> per backup), the log under kost/log (it adds log-<time>).
const (
	backupFullPrefix = "kost/full"
	backupLogPrefix  = "kost/log"
	// BackupScheduleName is the BackupSchedule; its full backups are named <it>-<time>, its log backup
	// log-<it> (TiDB Operator v1.6.6 pkg/apis/pingcap/v1alpha1 GetBackupCRDName, GetLogBackupCRDName).
	BackupScheduleName = "kost"
	restoreName        = "kost-restore"
)

// Backup schedules BR backups of the TidbCluster to the region's bucket.
type Backup struct {
	// Store is the region's backup bucket and the identity that writes it; nil turns backups (and
	// restores) off. Default: nil.
	Store *cluster.BackupStore
	// Schedule is the full backup's cron (UTC). Required with Store.
	Schedule string
	// Log keeps a log backup for point-in-time recovery. Default: false.
	Log bool
	// RetentionDays is how far back a restore can go (the schedule's maxReservedTime). Required with
	// Store: at least 1.
	RetentionDays int
	// JobResources size the backup and restore jobs (BR and the backup manager). Default: 250m, 1Gi.
	JobResources Resources
	// Restore fills the new TidbCluster from a backup in the bucket. Default: none.
	Restore *Restore
	// Exemption says why this cluster has no backups though its environment wants them; written on
	// the TidbCluster as the kost.io/backup-exemption annotation, which the backups policy reads.
	// Only without Store. Default: none.
	Exemption string
}

// BackupExemptionAnnotation carries Backup.Exemption on the TidbCluster.
const BackupExemptionAnnotation = "kost.io/backup-exemption"

// Restore names a backup in the bucket to restore.
type Restore struct {
	// Full is the full backup's path in the bucket. Required.
	Full string
	// Log is the log backup's path; with PointInTime the log is replayed up to that time. Default: none.
	Log string
	// PointInTime is an RFC 3339 time. Required with Log.
	PointInTime string
}

// problems reports what is wrong with the backup settings.
func (b Backup) problems(ps *cluster.Problems) {
	if b.Store == nil {
		ps.Check(b.Restore == nil, "Backup.Restore", "a restore reads the backup bucket: set Backup.Store")
		ps.Check(b.Schedule == "", "Backup.Store", "required with Backup.Schedule: the bucket and identity the backups use")
		return
	}
	ps.Check(b.Exemption == "", "Backup.Exemption", "only for a cluster without backups: remove it or Backup.Store")
	ps.Required(b.Schedule == "", "Backup.Schedule")
	ps.Check(b.RetentionDays >= 1, "Backup.RetentionDays", "%d: at least 1", b.RetentionDays)
	if r := b.Restore; r != nil {
		ps.Required(r.Full == "", "Backup.Restore.Full")
		ps.Check((r.Log == "") == (r.PointInTime == ""), "Backup.Restore.PointInTime", "Log and PointInTime go together")
	}
}

// storageAt is the store's storage block with a prefix, as the CRs take it.
func storageAt(s cluster.BackupStore, prefix string) pulumi.MapOutput {
	return s.Storage.ApplyT(func(m map[string]any) map[string]any {
		out := map[string]any{}
		for provider, v := range m {
			block := maps.Clone(v.(map[string]any))
			block["prefix"] = prefix
			out[provider] = block
		}
		return out
	}).(pulumi.MapOutput)
}

// brTemplate is what every backup and restore job gets: the service account with the cloud identity,
// BR pointed at the cluster, the credentials left with the pods where they have an identity
// (sendCredToTikv false: TiKV has its own, and BR refuses to forward ambient credentials) and the
// job's size. The jobs tolerate no pool's taint, so they run on the system pool.
func (b Backup) brTemplate() map[string]any {
	req, lim := requests(b.jobResources(), false)
	t := map[string]any{
		"serviceAccount": cluster.BackupServiceAccount,
		"br":             map[string]any{"cluster": TiDBClusterName, "clusterNamespace": cluster.BackupNamespace, "sendCredToTikv": b.Store.SendCredToTiKV},
		"resources":      map[string]any{"requests": req, "limits": lim},
	}
	if tok := b.Store.Token; tok != nil {
		vol, mount := tokenVolume(*tok)
		t["additionalVolumes"], t["additionalVolumeMounts"] = []any{vol}, []any{mount}
	}
	return t
}

// jobResources are the backup and restore jobs' requests.
func (b Backup) jobResources() Resources {
	return orDefault(b.JobResources, Resources{CPU: "250m", Memory: "1Gi"})
}

// merge returns a copy of the template with the storage block (a map of one provider) and more.
func merge(template map[string]any, storage map[string]any, more map[string]any) map[string]any {
	out := maps.Clone(template)
	maps.Copy(out, storage)
	maps.Copy(out, more)
	return out
}

// BackupScheduleSpec renders the BackupSchedule: the full backup on the schedule, the log backup
// beside it, retention by maxReservedTime (never maxBackups, which deletes the log backup's own CR:
// pingcap/tidb-operator#6320), and every template complete on its own (v1.6.6 reads neither the
// schedule-level br nor storage: buildBackup copies only the templates).
func (b Backup) BackupScheduleSpec(full, log map[string]any) map[string]any {
	t := b.brTemplate()
	spec := map[string]any{
		"schedule":        b.Schedule,
		"maxReservedTime": fmt.Sprintf("%dh", 24*b.RetentionDays),
		// cleanPolicy Delete: the backups the retention drops are deleted from the bucket with their CR.
		"backupTemplate": merge(t, full, map[string]any{"backupType": "full", "cleanPolicy": "Delete"}),
	}
	if b.Log {
		// backupMode log must be said: the template is copied verbatim and defaults to snapshot.
		spec["logBackupTemplate"] = merge(t, log, map[string]any{"backupMode": "log", "cleanPolicy": "Delete"})
	}
	return spec
}

// RestoreSpec renders the Restore: the full backup, or with a log and a time, point-in-time recovery
// from the full backup and the log (the restore's own storage is the log's then).
func (b Backup) RestoreSpec(full, log map[string]any) map[string]any {
	t := b.brTemplate()
	if b.Restore.Log == "" {
		return merge(t, full, nil)
	}
	return merge(t, log, map[string]any{
		"restoreMode":                   "pitr",
		"pitrRestoredTs":                b.Restore.PointInTime,
		"pitrFullBackupStorageProvider": full,
	})
}

// backupOut is what newBackup hands back.
type backupOut struct {
	// ready is what the TidbCluster waits for: the service account TiKV runs as.
	ready []pulumi.Resource
}

// newBackupIdentity creates the backup service account with its cloud identity, and the operator's
// backup RBAC (manifests/backup/backup-rbac.yaml at v1.6.6), before the TidbCluster: TiKV runs as the
// account, because TiKV writes the backup files itself.
func newBackupIdentity(ctx *pulumi.Context, name string, b Backup, opts []pulumi.ResourceOption) (*backupOut, error) {
	s := b.Store
	ns := pulumi.String(cluster.BackupNamespace)
	labels := pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost"), "app.kubernetes.io/component": pulumi.String("tidb-backup-manager")}
	opts = with(opts, pulumi.DependsOn(s.Ready))
	sa, err := corev1.NewServiceAccount(ctx, name+"-backup", &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(cluster.BackupServiceAccount), Namespace: ns, Labels: labels,
			Annotations: s.ServiceAccountAnnotations},
	}, opts...)
	if err != nil {
		return nil, err
	}
	role, err := rbacv1.NewRole(ctx, name+"-backup", &rbacv1.RoleArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(cluster.BackupServiceAccount), Namespace: ns, Labels: labels},
		Rules: rbacv1.PolicyRuleArray{
			&rbacv1.PolicyRuleArgs{ApiGroups: pulumi.StringArray{pulumi.String("")}, Resources: pulumi.StringArray{pulumi.String("events")},
				Verbs: pulumi.StringArray{pulumi.String("*")}},
			&rbacv1.PolicyRuleArgs{ApiGroups: pulumi.StringArray{pulumi.String("pingcap.com")},
				Resources: pulumi.ToStringArray([]string{"backups", "restores", "compactbackups"}),
				Verbs:     pulumi.ToStringArray([]string{"get", "watch", "list", "update"})},
		},
	}, opts...)
	if err != nil {
		return nil, err
	}
	binding, err := rbacv1.NewRoleBinding(ctx, name+"-backup", &rbacv1.RoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(cluster.BackupServiceAccount), Namespace: ns, Labels: labels},
		Subjects: rbacv1.SubjectArray{&rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(cluster.BackupServiceAccount), Namespace: ns}},
		RoleRef:  &rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: role.Metadata.Name().Elem()},
	}, opts...)
	if err != nil {
		return nil, err
	}
	out := &backupOut{ready: []pulumi.Resource{sa, role, binding}}
	if c := s.Credentials; c != nil {
		secret, err := corev1.NewSecret(ctx, name+"-backup", &corev1.SecretArgs{
			Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(c.SecretName), Namespace: ns, Labels: labels},
			Type:       pulumi.String("Opaque"),
			StringData: c.Data,
		}, opts...)
		if err != nil {
			return nil, err
		}
		out.ready = append(out.ready, secret)
	}
	return out, nil
}

// newBackups creates the Restore (when asked) and the BackupSchedule, after the TidbCluster.
func newBackups(ctx *pulumi.Context, name string, c cluster.Cluster, b Backup, tc pulumi.Resource, ready []pulumi.Resource,
	stateful, opts []pulumi.ResourceOption) error {
	s := *b.Store
	k8s := pulumi.Provider(c.Provider)
	full, log := storageAt(s, backupFullPrefix), storageAt(s, backupLogPrefix)
	deps := append([]pulumi.Resource{tc}, ready...)
	crMeta := func(n string) *metav1.ObjectMetaArgs { return meta(n, cluster.BackupNamespace) }
	if r := b.Restore; r != nil {
		restoreFull, restoreLog := storageAt(s, r.Full), storageAt(s, r.Log)
		spec := pulumi.All(restoreFull, restoreLog).ApplyT(func(xs []any) map[string]any {
			return b.RestoreSpec(xs[0].(map[string]any), xs[1].(map[string]any))
		}).(pulumi.MapOutput)
		m := crMeta(restoreName)
		// Pulumi waits for the restore to finish, so the schedule (whose log backup must not run during
		// a restore) starts after it; a large restore takes hours.
		m.Annotations = pulumi.StringMap{"pulumi.com/waitFor": pulumi.String("jsonpath={.status.phase}=Complete")}
		restore, err := apiextensions.NewCustomResource(ctx, name+"-restore", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String(tidbAPIVersion), Kind: pulumi.String("Restore"), Metadata: m,
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, with(opts, k8s, pulumi.DependsOn(deps), pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "24h"}))...)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		deps = append(deps, restore)
	}
	spec := pulumi.All(full, log).ApplyT(func(xs []any) map[string]any {
		return b.BackupScheduleSpec(xs[0].(map[string]any), xs[1].(map[string]any))
	}).(pulumi.MapOutput)
	// Deleting a BackupSchedule deletes every Backup it made, and with them the data (cleanPolicy
	// Delete): it is kept like the TidbCluster where the environment is protected.
	if _, err := apiextensions.NewCustomResource(ctx, name+"-backup-schedule", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(tidbAPIVersion), Kind: pulumi.String("BackupSchedule"), Metadata: crMeta(BackupScheduleName),
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, with(opts, append([]pulumi.ResourceOption{k8s, pulumi.DependsOn(deps)}, stateful...)...)...); err != nil {
		return fmt.Errorf("backup schedule: %w", err)
	}
	return nil
}

// withBackupIdentity runs TiKV and TiFlash as the backup service account, with the token its identity
// needs where it is federated: BR has TiKV (and TiFlash) write the backup files to the bucket themselves, with their own
// credentials (TiDB Operator docs, grant-permissions-to-remote-storage.md: "the TiKV Pod also needs to
// perform read and write operations"; spec.tikv.serviceAccount, and spec.tiflash.serviceAccount with
// TiFlash). Changing a component's service account rolls it.
func withBackupIdentity(spec map[string]any, s *cluster.BackupStore) {
	for _, c := range []string{"tikv", "tiflash"} {
		m, ok := spec[c].(map[string]any)
		if !ok {
			continue
		}
		m["serviceAccount"] = cluster.BackupServiceAccount
		if tok := s.Token; tok != nil {
			vol, mount := tokenVolume(*tok)
			m["additionalVolumes"], m["additionalVolumeMounts"] = []any{vol}, []any{mount}
		}
	}
}

// backupTokenVolume names the projected token's volume.
const backupTokenVolume = "kost-backup-token"

// tokenVolume is the projected service-account token a federated credential configuration reads,
// and its mount: an hour's token, which the kubelet renews.
func tokenVolume(t cluster.ProjectedToken) (volume, mount map[string]any) {
	dir, file := path.Split(t.Path)
	volume = map[string]any{"name": backupTokenVolume, "projected": map[string]any{"sources": []any{map[string]any{
		"serviceAccountToken": map[string]any{"audience": t.Audience, "expirationSeconds": 3600, "path": file},
	}}}}
	return volume, map[string]any{"name": backupTokenVolume, "mountPath": strings.TrimSuffix(dir, "/"), "readOnly": true}
}
