package config

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/blang/semver"
	"github.com/robfig/cron"
)

// Backup defaults (database.backup).
const (
	// DefaultBackupSchedule is a full backup every day at 02:00 UTC.
	DefaultBackupSchedule = "0 2 * * *"
	// DefaultBackupRetentionDays is how far back a restore can go by default.
	DefaultBackupRetentionDays = 14
	// maxBackupRetentionDays bounds retention; longer-lived copies are an archive, planned by hand.
	maxBackupRetentionDays = 365
)

// minTiDBForBackup is the oldest TiDB whose TiKV reaches each cloud's object storage with the identity
// kost gives it (no static key): TiKV writes the backup files itself, so its client decides.
//   - AWS: the web-identity (IRSA) provider is in TiKV's AWS credential chain in every v8.5 release
//     (tikv/tikv components/cloud/aws/src/util.rs, aws-config DefaultCredentialsChain).
//   - GCP: TiKV's GCS client sends no credentials without a key file before v8.5.7; v8.5.7 adds the
//     gcp_v2 client (components/cloud/gcp_v2, on by default: src/config backup.gcp-v2-enable) that uses
//     Application Default Credentials, which GKE Workload Identity serves, and takes an external_account
//     configuration (components/cloud/gcp_v2/src/credentials.rs), which a kubeadm cluster's federation
//     is.
//
// Azure is not here: kost does not back it up (backupBlocker).
var minTiDBForBackup = map[Cloud]string{AWS: "v8.5.0", GCP: "v8.5.7"}

// validateBackup checks database.backup of a defaulted environment.
func (e *Environment) validateBackup(ps *Problems) {
	b := e.Database.Backup
	if _, err := cron.ParseStandard(b.Schedule); err != nil {
		// The parser the TiDB Operator v1.6.6 schedules with (robfig/cron v1.2.0 ParseStandard, in
		// pkg/backup/backupschedule/backup_schedule_manager.go): what it refuses, the schedule never runs.
		ps.add("database.backup.schedule", "%q is not a cron schedule (%v); five fields, minute hour day month weekday, UTC, e.g. %q",
			b.Schedule, err, DefaultBackupSchedule)
	}
	if d := *b.RetentionDays; d < 1 || d > maxBackupRetentionDays {
		ps.add("database.backup.retentionDays", "%d: between 1 and %d days", d, maxBackupRetentionDays)
	}
	if !*b.Enabled {
		return
	}
	tooOld := map[Cloud]bool{}
	for i, r := range e.Regions {
		p := fmt.Sprintf("regions[%d]", i)
		why := r.backupBlocker()
		switch {
		case why != "" && r.BackupExemption == "":
			ps.add(p+".backupExemption", "database.backup is on, but kost cannot back up this region: %s. Set backupExemption "+
				"to the reason this environment accepts a region without backups (the backups policy lets the cluster through "+
				"and the graph says why), or set database.backup.enabled: false (README, Backups)", why)
		case why == "" && r.BackupExemption != "":
			ps.add(p+".backupExemption", "kost backs this region up; remove the exemption")
		case why == "":
			if least, ok := minTiDBForBackup[r.Cloud]; ok && e.Versions != nil && olderThan(e.Versions.TiDB, least) && !tooOld[r.Cloud] {
				tooOld[r.Cloud] = true // once per cloud, however many regions
				ps.add("versions.tidb", "%s: backups on %s need TiDB %s or later (TiKV writes to the bucket with the pod's identity "+
					"only from there); use %s or set database.backup.enabled: false", e.Versions.TiDB, r.Cloud, least, Pinned.TiDB)
			}
		}
	}
}

// backupBlocker says why kost cannot back a region up, or "".
func (r *Region) backupBlocker() string {
	switch {
	case r.Cloud == Local && (r.Local == nil || r.Local.Backup == nil):
		return "a local cluster has no bucket kost can make: give it one with local.backup"
	case r.Cloud == Local:
		return ""
	case r.Kubernetes != nil && r.Kubernetes.Mode == SelfManaged && r.Cloud == AWS:
		return "kost's kubeadm clusters on AWS give pods no cloud identity: the nodes' is withheld from them, and IAM " +
			"federates a Kubernetes issuer only through a public discovery endpoint, which kost does not publish yet " +
			"(GCP accepts the issuer's keys inline: kubeadm regions there are backed up); kost puts no static key in a cluster"
	case r.Cloud == Azure: // managed or self-managed
		return "the TiDB Operator v1.6.6 reads and cleans Azure Blob backups with its own client, which takes only an account " +
			"key, a SAS token or a service principal's secret (pkg/backup/util/remote.go newAzblobStorageImpl), and kost puts " +
			"no static key in a cluster"
	}
	return ""
}

// olderThan reports whether version v (vX.Y.Z) is older than least; unparsable versions are left to
// the versions check.
func olderThan(v, least string) bool {
	a, errA := semver.ParseTolerant(v)
	b, errB := semver.ParseTolerant(least)
	return errA == nil && errB == nil && a.LT(b)
}

// validateLocalBackup checks a local region's S3-compatible store.
func (r *Region) validateLocalBackup(p string, ps *Problems) {
	if r.Local == nil || r.Local.Backup == nil {
		return
	}
	b := r.Local.Backup
	if u, err := url.Parse(b.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ps.add(p+".endpoint", "%q: the store's URL, e.g. http://minio.minio.svc:9000", b.Endpoint)
	}
	if !s3BucketRE.MatchString(b.Bucket) {
		ps.add(p+".bucket", "%q: an existing bucket's name (3 to 63 lowercase letters, digits, '.' and '-')", b.Bucket)
	}
	if !dnsSubdomainRE.MatchString(b.SecretName) {
		ps.add(p+".secretName", "%q: the Secret in namespace tidb with access_key and secret_key (a lowercase DNS name)", b.SecretName)
	}
}

var (
	s3BucketRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)
)

// validateRestore checks a region's restore block.
func (r *Region) validateRestore(e *Environment, p string, ps *Problems) {
	rs := r.Restore
	if rs == nil {
		return
	}
	if !*e.Database.Backup.Enabled {
		ps.add(p, "a restore reads the region's backup bucket with the backup identity: set database.backup.enabled: true")
	}
	for _, f := range []struct{ field, value string }{{"full", rs.Full}, {"log", rs.Log}} {
		if f.value == "" {
			continue
		}
		if msg := backupPathProblem(f.value); msg != "" {
			ps.add(p+"."+f.field, "%q %s", f.value, msg)
		}
	}
	if rs.Full == "" {
		ps.add(p+".full", "required: the full backup's path in the bucket (kubectl get backup -n tidb, column BackupPath, without scheme and bucket)")
	}
	switch {
	case rs.Log != "" && rs.PointInTime == "":
		ps.add(p+".pointInTime", "required with log: the time to restore to, RFC 3339, e.g. 2026-11-27T14:30:00Z")
	case rs.Log == "" && rs.PointInTime != "":
		ps.add(p+".log", "required with pointInTime: the log backup's path, whose log is replayed up to that time")
	case rs.PointInTime != "":
		if _, err := time.Parse(time.RFC3339, rs.PointInTime); err != nil {
			ps.add(p+".pointInTime", "%q is not an RFC 3339 time, e.g. 2026-11-27T14:30:00Z", rs.PointInTime)
		}
	}
}

// backupPathProblem says what is wrong with a path inside the bucket, or "".
func backupPathProblem(s string) string {
	switch {
	case strings.Contains(s, "://"):
		return "has a scheme: give the path inside the region's bucket only"
	case strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/"):
		return "must not start or end with /"
	case path.Clean(s) != s || strings.Contains(s, ".."):
		return "is not a clean path"
	}
	return ""
}

// BackupSpec is database.backup, resolved.
type BackupSpec struct {
	// Enabled makes the region's bucket, the backup identity and the BackupSchedule.
	Enabled bool
	// Schedule is the full backup's cron (UTC).
	Schedule string
	// Log keeps a log backup for point-in-time recovery.
	Log bool
	// RetentionDays is how far back a restore can go.
	RetentionDays int
}

func (e *Environment) backupSpec() BackupSpec {
	b := e.Database.Backup
	return BackupSpec{Enabled: *b.Enabled, Schedule: b.Schedule, Log: *b.Log, RetentionDays: *b.RetentionDays}
}
