package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// backupBase is base() with database.backup left to its defaults (on: base is protected).
func backupBase() map[string]any {
	m := base()
	m["database"].(map[string]any)["backup"] = map[string]any{}
	return m
}

func backupBlock(m map[string]any) map[string]any {
	return m["database"].(map[string]any)["backup"].(map[string]any)
}

func TestBackupValidation(t *testing.T) {
	t.Parallel()
	gcp := map[string]any{"cloud": "gcp", "region": "europe-west4", "gcp": map[string]any{"project": "acme-kost-prod"}}
	cases := map[string]validateCase{
		"Defaults":   {reason: "a protected managed environment backs up by default", mutate: func(map[string]any) {}},
		"Hourly":     {reason: "any cron the operator's parser takes", mutate: func(m map[string]any) { backupBlock(m)["schedule"] = "15 */6 * * *" }},
		"Descriptor": {reason: "robfig/cron descriptors are schedules too", mutate: func(m map[string]any) { backupBlock(m)["schedule"] = "@daily" }},
		"BadCron": {reason: "the operator would never run it", mutate: func(m map[string]any) { backupBlock(m)["schedule"] = "every day" },
			wantPaths: []string{"database.backup.schedule"}, wantText: "not a cron schedule"},
		"SixFields": {reason: "ParseStandard takes five fields, not seconds", mutate: func(m map[string]any) { backupBlock(m)["schedule"] = "0 0 2 * * *" },
			wantPaths: []string{"database.backup.schedule"}, wantText: "five fields"},
		"NoRetention": {reason: "a backup kept 0 days is none", mutate: func(m map[string]any) { backupBlock(m)["retentionDays"] = 0 },
			wantPaths: []string{"database.backup.retentionDays"}, wantText: "between 1 and 365"},
		"SelfManaged": {reason: "kubeadm pods have no cloud identity: the gap must be written down", mutate: func(m map[string]any) {
			region(m, 1)["kubernetes"] = map[string]any{"mode": "self-managed"}
		}, wantPaths: []string{"regions[1].backupExemption"}, wantText: "no cloud identity"},
		"KubeadmGCP": {reason: "GCP federates a kubeadm cluster's issuer with its keys inline", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "gcp", "region": "europe-west4",
				"gcp": map[string]any{"project": "acme-kost-prod"}, "kubernetes": map[string]any{"mode": "self-managed"}})
		}},
		"Azure": {reason: "the operator reads Azure Blob only with a static key", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "azure", "region": "westeurope",
				"azure": map[string]any{"subscriptionId": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}})
		}, wantPaths: []string{"regions[2].backupExemption"}, wantText: "newAzblobStorageImpl"},
		"AzureExempt": {reason: "an exemption is the environment's written decision", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "azure", "region": "westeurope", "backupExemption": "accepted",
				"azure": map[string]any{"subscriptionId": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}})
		}},
		"LocalStore": {reason: "a local cluster backs up to the S3-compatible store it is given", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "local", "region": "kind",
				"local": map[string]any{"context": "kind-kost", "backup": map[string]any{"endpoint": "http://minio.minio.svc:9000", "bucket": "kost-backups", "secretName": "kost-backup-s3"}}})
		}},
		"LocalWithoutStore": {reason: "a local cluster without a store cannot be backed up", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "local", "region": "kind", "local": map[string]any{"context": "kind-kost"}})
		}, wantPaths: []string{"regions[2].backupExemption"}, wantText: "local.backup"},
		"LocalStoreProblems": {reason: "every problem of the store at once", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "local", "region": "kind",
				"local": map[string]any{"context": "kind-kost", "backup": map[string]any{"endpoint": "minio:9000", "bucket": "B", "secretName": "Keys!"}}})
		}, wantPaths: []string{"regions[2].local.backup.bucket", "regions[2].local.backup.endpoint", "regions[2].local.backup.secretName"}, wantText: "the store's URL"},
		"NeedlessExemption": {reason: "a region kost backs up needs none", mutate: func(m map[string]any) { region(m, 0)["backupExemption"] = "why not" },
			wantPaths: []string{"regions[0].backupExemption"}, wantText: "remove the exemption"},
		"OffNeedsNoExemption": {reason: "no backups, nothing to exempt", mutate: func(m map[string]any) {
			backupBlock(m)["enabled"] = false
			region(m, 1)["kubernetes"] = map[string]any{"mode": "self-managed"}
		}},
		"OldTiDBOnGCP": {reason: "TiKV before v8.5.7 cannot use GKE workload identity (said once for two regions)", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), gcp, map[string]any{"cloud": "gcp", "region": "us-central1", "gcp": map[string]any{"project": "acme-kost-prod"}})
			m["versions"] = map[string]any{"tidb": "v8.5.5"}
		}, wantPaths: []string{"versions.tidb"}, wantText: "need TiDB v8.5.7"},
		"OldTiDBOnAWSIsFine": {reason: "TiKV's AWS chain has web identity in every v8.5", mutate: func(m map[string]any) {
			m["versions"] = map[string]any{"tidb": "v8.5.0"}
		}},
		"OffWithOldTiDB": {reason: "no backups, no constraint", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), gcp)
			m["versions"] = map[string]any{"tidb": "v8.5.2"}
			backupBlock(m)["enabled"] = false
		}},
		"RestoreFull": {reason: "a full backup path", mutate: func(m map[string]any) {
			region(m, 0)["restore"] = map[string]any{"full": "kost/full/kost-pd.tidb-2379-2026-11-27t02-00-00"}
		}},
		"RestorePITR": {reason: "a full backup, the log and a time", mutate: func(m map[string]any) {
			region(m, 0)["restore"] = map[string]any{"full": "kost/full/a", "log": "kost/log/log-2026-11-20t02-00-00", "pointInTime": "2026-11-27T14:30:00Z"}
		}},
		"RestoreNeedsBackups": {reason: "the restore reads the bucket with the backup identity", mutate: func(m map[string]any) {
			backupBlock(m)["enabled"] = false
			region(m, 0)["restore"] = map[string]any{"full": "kost/full/a"}
		}, wantPaths: []string{"regions[0].restore"}, wantText: "database.backup.enabled: true"},
		"RestoreProblems": {reason: "every problem of the block at once", mutate: func(m map[string]any) {
			region(m, 0)["restore"] = map[string]any{"log": "s3://bucket/kost/log", "pointInTime": "yesterday"}
		}, wantPaths: []string{"regions[0].restore.full", "regions[0].restore.log", "regions[0].restore.pointInTime"}, wantText: "has a scheme"},
		"RestoreLogWithoutTime": {reason: "a log is replayed up to a time", mutate: func(m map[string]any) {
			region(m, 0)["restore"] = map[string]any{"full": "kost/full/a", "log": "kost/log/b"}
		}, wantPaths: []string{"regions[0].restore.pointInTime"}, wantText: "required with log"},
		"RestoreTimeWithoutLog": {reason: "a time needs the log", mutate: func(m map[string]any) {
			region(m, 0)["restore"] = map[string]any{"full": "kost/full/a", "pointInTime": "2026-11-27T14:30:00Z"}
		}, wantPaths: []string{"regions[0].restore.log"}, wantText: "required with pointInTime"},
		"RestoreDirtyPath": {reason: "paths are the bucket's keys", mutate: func(m map[string]any) {
			region(m, 0)["restore"] = map[string]any{"full": "kost/../full/"}
		}, wantPaths: []string{"regions[0].restore.full"}, wantText: "must not start or end with /"},
	}
	runValidateCases(t, backupBase, cases)
}

func TestBackupDefaults(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		mutate func(m map[string]any)
		want   BackupSpec
	}{
		"ProtectedManaged": {mutate: func(map[string]any) {},
			want: BackupSpec{Enabled: true, Schedule: DefaultBackupSchedule, Log: true, RetentionDays: DefaultBackupRetentionDays}},
		"Unprotected": {mutate: func(m map[string]any) { m["protect"] = false },
			want: BackupSpec{Enabled: false, Schedule: DefaultBackupSchedule, Log: true, RetentionDays: DefaultBackupRetentionDays}},
		"ProtectedWithExemptKubeadm": {mutate: func(m map[string]any) {
			region(m, 1)["kubernetes"] = map[string]any{"mode": "self-managed"}
			region(m, 1)["backupExemption"] = "accepted"
		}, want: BackupSpec{Enabled: true, Schedule: DefaultBackupSchedule, Log: true, RetentionDays: DefaultBackupRetentionDays}},
		"Asked": {mutate: func(m map[string]any) {
			m["protect"] = false
			m["database"].(map[string]any)["backup"] = map[string]any{"enabled": true, "log": false, "retentionDays": 3, "schedule": "0 */12 * * *"}
		}, want: BackupSpec{Enabled: true, Schedule: "0 */12 * * *", Log: false, RetentionDays: 3}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := backupBase()
			tc.mutate(m)
			rs := resolve(t, m)
			if d := cmp.Diff(tc.want, rs[0].Layers.Backup); d != "" {
				t.Errorf("resolved backup (-want +got):\n%s", d)
			}
		})
	}
}

// A restore block reaches the resolution on every kind of region (a local one included).
func TestRestoreResolved(t *testing.T) {
	t.Parallel()
	m := backupBase()
	m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "local", "region": "kind",
		"restore": map[string]any{"full": "kost/full/b"},
		"local":   map[string]any{"context": "kind-kost", "backup": map[string]any{"endpoint": "http://minio:9000", "bucket": "kost-backups", "secretName": "keys"}}})
	region(m, 0)["restore"] = map[string]any{"full": "kost/full/a"}
	rs := resolve(t, m)
	got := map[string]string{}
	for _, r := range rs {
		if r.Restore != nil {
			got[r.Key] = r.Restore.Full
		}
	}
	if d := cmp.Diff(map[string]string{"aws-us-east-1": "kost/full/a", "local-kind": "kost/full/b"}, got); d != "" {
		t.Errorf("restores resolved (-want +got):\n%s", d)
	}
}
