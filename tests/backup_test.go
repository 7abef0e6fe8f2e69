package tests

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
	"github.com/kost-platform/kost/policies/rules"
	"github.com/kost-platform/kost/stacks"
)

const (
	tBackupSchedule = "kubernetes:pingcap.com/v1alpha1:BackupSchedule"
	tRestore        = "kubernetes:pingcap.com/v1alpha1:Restore"
	tTidbCluster    = "kubernetes:pingcap.com/v1alpha1:TidbCluster"
)

// evaluateWith plans a shipped stack with its kost:environment changed by mutate.
func evaluateWith(t *testing.T, stack string, mutate func(env map[string]any)) *graph.Graph {
	t.Helper()
	return evaluateFileWith(t, root, stack, mutate)
}

// evaluateFileWith plans Pulumi.<stack>.yaml of dir with its kost:environment changed by mutate.
func evaluateFileWith(t *testing.T, dir, stack string, mutate func(env map[string]any)) *graph.Graph {
	t.Helper()
	sc, err := offline.ReadStackConfig(dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(sc.Values[stacks.ConfigKey]), &env); err != nil {
		t.Fatal(err)
	}
	mutate(env)
	raw, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for k, v := range sc.Values {
		values[k] = v
	}
	values[stacks.ConfigKey] = string(raw)
	g, err := offline.Run(stack, values, sc.SecretKeys, stacks.Deploy)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Every managed AWS and GCP region of the prod-like stacks writes its backups to its own bucket: the
// schedule's storage names the bucket the region made, the identity the region made is the backup
// service account's, and TiKV runs as that account (TiKV writes the backup files itself).
func TestBackupsWiredPerRegion(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"prod", "staging"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			g := evaluate(t, stack)
			n := 0
			for _, tc := range g.OfType(tTidbCluster) {
				region := regionOf(g, tc.URN).Name
				if tc.Map("metadata.annotations")["kost.io/backup-exemption"] != nil {
					if !strings.HasPrefix(region, "azure-") {
						t.Errorf("%s is exempt from backups; only Azure regions are in the shipped stacks", region)
					}
					continue
				}
				n++
				bs, ok := g.Named(tBackupSchedule, region+"-backup-schedule")
				if !ok {
					t.Fatalf("%s: no BackupSchedule", region)
				}
				var bucket string
				switch {
				case strings.HasPrefix(region, "aws-"):
					b, _ := g.Named("aws:s3/bucketV2:BucketV2", region+"-backup")
					bucket = b.Outputs["bucket"].StringValue()
					role, _ := g.Named("aws:iam/role:Role", region+"-backup")
					sa, _ := g.Named("kubernetes:core/v1:ServiceAccount", region+"-backup")
					if sa.Map("metadata.annotations")["eks.amazonaws.com/role-arn"] != role.Outputs["arn"].StringValue() {
						t.Errorf("%s: the backup service account is not the backup role: %v", region, sa.Map("metadata.annotations"))
					}
					if bs.String("spec.backupTemplate.s3.bucket") != bucket || bs.String("spec.logBackupTemplate.s3.bucket") != bucket {
						t.Errorf("%s: schedule writes to %v, the region's bucket is %s", region, bs.Map("spec.backupTemplate.s3"), bucket)
					}
				case strings.HasPrefix(region, "gcp-"):
					b, _ := g.Named("gcp:storage/bucket:Bucket", region+"-backup")
					bucket = b.Outputs["name"].StringValue()
					acct, _ := g.Named("gcp:serviceaccount/account:Account", region+"-backup")
					sa, _ := g.Named("kubernetes:core/v1:ServiceAccount", region+"-backup")
					if sa.Map("metadata.annotations")["iam.gke.io/gcp-service-account"] != acct.Outputs["email"].StringValue() {
						t.Errorf("%s: the backup service account is not the backup account: %v", region, sa.Map("metadata.annotations"))
					}
					if bs.String("spec.backupTemplate.gcs.bucket") != bucket || bs.String("spec.logBackupTemplate.gcs.bucket") != bucket {
						t.Errorf("%s: schedule writes to %v, the region's bucket is %s", region, bs.Map("spec.backupTemplate.gcs"), bucket)
					}
				default:
					t.Fatalf("%s: backed up, but no store kost knows", region)
				}
				for _, c := range []string{"tikv", "tiflash"} {
					if got := tc.String("spec." + c + ".serviceAccount"); got != "tidb-backup-manager" {
						t.Errorf("%s: %s runs as %q, want tidb-backup-manager", region, c, got)
					}
				}
				if !slices.Contains(bs.DependsOn, tc.URN) || !bs.Protect || !bs.RetainOnDelete {
					t.Errorf("%s: schedule after the cluster %v, protect %v, retain %v", region, slices.Contains(bs.DependsOn, tc.URN), bs.Protect, bs.RetainOnDelete)
				}
			}
			if n == 0 {
				t.Fatal("no region is backed up")
			}
		})
	}
}

// The restore path: the Restore kost creates for a region's restore block is accepted by the real
// CRD, points BR at the cluster (br.clusterNamespace: PITR waits for the TiKV config only when it is
// set), reads the paths given, and the schedule starts only once it is complete.
func TestRestoreRendersAndMatchesCRD(t *testing.T) {
	t.Parallel()
	v := validator(t)
	const full, log, at = "kost/full/kost-pd.tidb-2379-2026-11-27t02-00-00", "kost/log/log-2026-11-20t02-00-00", "2026-11-27T14:30:00Z"
	for name, tc := range map[string]struct {
		restore map[string]any
		want    map[string]any // the spec's fields besides the template's
	}{
		"Full": {restore: map[string]any{"full": full}, want: map[string]any{"s3.prefix": full}},
		"PointInTime": {restore: map[string]any{"full": full, "log": log, "pointInTime": at}, want: map[string]any{
			"restoreMode": "pitr", "pitrRestoredTs": at, "s3.prefix": log, "pitrFullBackupStorageProvider.s3.prefix": full,
		}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := evaluateWith(t, "staging", func(env map[string]any) {
				env["regions"].([]any)[0].(map[string]any)["restore"] = tc.restore
			})
			rs := g.OfType(tRestore)
			if len(rs) != 1 {
				t.Fatalf("%d Restores, want 1", len(rs))
			}
			r := rs[0]
			if err := v.Validate(crObject(r)); err != nil {
				t.Fatalf("the CRD refuses the Restore: %v", err)
			}
			got := map[string]any{}
			for k := range tc.want {
				got[k], _ = r.Input("spec." + k)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("restore spec (-want +got):\n%s", d)
			}
			if d := cmp.Diff(map[string]any{"cluster": "kost", "clusterNamespace": "tidb", "sendCredToTikv": false}, r.Map("spec.br")); d != "" {
				t.Errorf("br (-want +got):\n%s", d)
			}
			if r.String("spec.serviceAccount") != "tidb-backup-manager" || r.Map("metadata.annotations")["pulumi.com/waitFor"] != "jsonpath={.status.phase}=Complete" {
				t.Errorf("service account %q, annotations %v", r.String("spec.serviceAccount"), r.Map("metadata.annotations"))
			}
			bs := g.OfType(tBackupSchedule)
			if len(bs) != 1 || !slices.Contains(bs[0].DependsOn, r.URN) {
				t.Error("the BackupSchedule does not wait for the restore")
			}
		})
	}
}

// A protected environment that turns backups off fails the backups policy, cluster by cluster.
func TestBackupsPolicyCatchesAStackWithout(t *testing.T) {
	t.Parallel()
	g := evaluateWith(t, "staging", func(env map[string]any) {
		env["database"] = map[string]any{"backup": map[string]any{"enabled": false}}
	})
	if len(g.OfType(tBackupSchedule)) != 0 {
		t.Fatal("backups off, yet a schedule")
	}
	pc, err := rules.LoadPackConfig(filepath.Join(root, "policies", "config", "staging.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rules.MandatoryOf(rules.Evaluate(g, pc)) {
		if v.Policy == "backups" {
			got = append(got, v.URN)
		}
	}
	if len(got) != len(g.OfType(tTidbCluster)) || len(got) == 0 {
		t.Errorf("backups violations %v, want one per TidbCluster", got)
	}
}

// A local cluster backs up to the S3-compatible store it is given, with the key the user's Secret
// holds, which BR hands to TiKV (there is no identity to give it): the e2e stack's schedule, checked
// against the real CRD here and applied to a real API server by the end-to-end run.
func TestLocalBackupStore(t *testing.T) {
	t.Parallel()
	v := validator(t)
	// The end-to-end run describes its fake nodes as local.pools; without them here, nothing is placed.
	g := evaluateFileWith(t, filepath.Join("e2e", "testdata"), "e2e-prod", func(env map[string]any) {
		env["regions"].([]any)[0].(map[string]any)["local"].(map[string]any)["pools"] = false
	})
	bs := g.OfType(tBackupSchedule)
	if len(bs) != 1 {
		t.Fatalf("%d BackupSchedules, want 1", len(bs))
	}
	if err := v.Validate(crObject(bs[0])); err != nil {
		t.Fatalf("the CRD refuses the schedule: %v", err)
	}
	for _, tmpl := range []string{"backupTemplate", "logBackupTemplate"} {
		want := map[string]any{"provider": "minio", "endpoint": "http://minio.minio.svc:9000", "region": "us-east-1", "bucket": "kost-backups",
			"secretName": "kost-backup-s3", "forcePathStyle": true, "prefix": map[string]string{"backupTemplate": "kost/full", "logBackupTemplate": "kost/log"}[tmpl]}
		if d := cmp.Diff(want, bs[0].Map("spec."+tmpl+".s3")); d != "" {
			t.Errorf("%s.s3 (-want +got):\n%s", tmpl, d)
		}
		if v, _ := bs[0].Input("spec." + tmpl + ".br.sendCredToTikv"); v != true {
			t.Errorf("%s: sendCredToTikv %v; TiKV has no identity of its own here", tmpl, v)
		}
	}
}

// A kubeadm cluster on GCP is backed up through Workload Identity Federation with its own issuer:
// the Secret holds a credential configuration (no key) for the pool's provider, and the backup jobs,
// TiKV and TiFlash mount a projected token for that provider, at the path the configuration names.
func TestKubeadmGCPBackups(t *testing.T) {
	t.Parallel()
	v := validator(t)
	g := evaluateWith(t, "kubeadm", func(env map[string]any) {
		if env["database"] == nil {
			env["database"] = map[string]any{}
		}
		env["database"].(map[string]any)["backup"] = map[string]any{"enabled": true}
		for _, r := range env["regions"].([]any) {
			if r := r.(map[string]any); r["cloud"] != "gcp" {
				r["backupExemption"] = "not this test's"
			}
		}
	})
	bs := g.OfType(tBackupSchedule)
	if len(bs) != 1 || !strings.HasPrefix(regionOf(g, bs[0].URN).Name, "gcp-") {
		t.Fatalf("%d BackupSchedules; want the GCP region's", len(bs))
	}
	prov := g.OfType("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
	if len(prov) != 1 || !strings.Contains(prov[0].String("oidc.jwksJson"), `"alg":"RS256"`) {
		t.Fatalf("providers %d: the cluster's keys are not given to the provider", len(prov))
	}
	secret, ok := g.Named("kubernetes:core/v1:Secret", regionOf(g, bs[0].URN).Name+"-backup")
	if !ok {
		t.Fatal("no credential configuration Secret")
	}
	var creds map[string]any
	if err := json.Unmarshal([]byte(secret.String("stringData.credentials")), &creds); err != nil {
		t.Fatalf("credentials: %v", err)
	}
	audience, _ := creds["audience"].(string)
	if creds["type"] != "external_account" || !strings.HasSuffix(audience, "/workloadIdentityPools/"+prov[0].String("workloadIdentityPoolId")+"/providers/kubernetes") {
		t.Errorf("credential configuration %v", creds)
	}
	path := creds["credential_source"].(map[string]any)["file"].(string)
	tc, _ := g.Named(tTidbCluster, regionOf(g, bs[0].URN).Name+"-tidb")
	for where, spec := range map[string]string{"backupTemplate": "spec.backupTemplate", "logBackupTemplate": "spec.logBackupTemplate", "tikv": "spec.tikv"} {
		r := bs[0]
		if where == "tikv" {
			r = tc
		}
		vols, mounts := r.List(spec+".additionalVolumes"), r.List(spec+".additionalVolumeMounts")
		if len(vols) != 1 || len(mounts) != 1 {
			t.Fatalf("%s: volumes %v, mounts %v", where, vols, mounts)
		}
		src := vols[0].(map[string]any)["projected"].(map[string]any)["sources"].([]any)[0].(map[string]any)["serviceAccountToken"].(map[string]any)
		if got := mounts[0].(map[string]any)["mountPath"].(string) + "/" + src["path"].(string); got != path || src["audience"] != audience {
			t.Errorf("%s: token at %s for %v; the configuration reads %s for %s", where, got, src["audience"], path, audience)
		}
	}
	if bs[0].String("spec.backupTemplate.gcs.secretName") != secret.String("metadata.name") {
		t.Error("the schedule does not name the credential configuration")
	}
	if v2, _ := bs[0].Input("spec.backupTemplate.br.sendCredToTikv"); v2 != true {
		t.Error("BR must hand the configuration to TiKV (sendCredToTikv)")
	}
	for _, r := range []*graph.Resource{bs[0], tc} {
		if err := v.Validate(crObject(r)); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
}
