package data

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// TiDB names.
const (
	TiDBClusterName  = "kost"
	tidbAPIVersion   = "pingcap.com/v1alpha1"
	rootPasswordName = "kost-tidb-root"
)

// TidbClusterSpec renders the TidbCluster's spec.
func TidbClusterSpec(c cluster.Cluster, d Database, tlsOn bool, storageClass string) map[string]any {
	spec := map[string]any{
		"version":                    d.Version,
		"timezone":                   "UTC",
		"pvReclaimPolicy":            "Retain",
		"enableDynamicConfiguration": true,
		"configUpdateStrategy":       "RollingUpdate",
		"imagePullPolicy":            "IfNotPresent",
	}
	if tlsOn {
		spec["tlsCluster"] = map[string]any{"enabled": true}
	}
	if spreadsZones(c) {
		// One pod per node first, then even over the zones; PD labels the stores by both so the three
		// replicas of every region land in three zones.
		spec["topologySpreadConstraints"] = []any{
			map[string]any{"topologyKey": hostLabel},
			map[string]any{"topologyKey": zoneLabel},
		}
	}
	component := func(image, pool string, replicas int, r Resources, stateful bool) map[string]any {
		req, lim := requests(r, stateful)
		m := map[string]any{"baseImage": image, "replicas": replicas, "requests": req, "limits": lim}
		sel, tol := placement(c, pool)
		setIf(m, "nodeSelector", sel)
		setIf(m, "tolerations", tol)
		if stateful {
			m["storageClassName"] = storageClass
		}
		return m
	}
	pd := component("pingcap/pd", "pd", d.PD, d.PDResources, true)
	locationLabels := []any{hostLabel}
	if spreadsZones(c) {
		locationLabels = []any{zoneLabel, hostLabel}
	}
	pd["config"] = map[string]any{"replication": map[string]any{
		"location-labels": locationLabels,
		"max-replicas":    min(3, d.TiKV),
	}}
	spec["pd"] = pd
	spec["tikv"] = component("pingcap/tikv", "tikv", d.TiKV, d.TiKVResources, true)
	tidb := component("pingcap/tidb", "tidb", d.TiDB, d.TiDBResources, false)
	svc := map[string]any{"type": "ClusterIP"}
	if len(c.InternalLoadBalancer) > 0 {
		ann := map[string]any{}
		for k, v := range c.InternalLoadBalancer {
			ann[k] = v
		}
		svc = map[string]any{"type": "LoadBalancer", "annotations": ann, "externalTrafficPolicy": "Local"}
	}
	tidb["service"] = svc
	if tlsOn {
		// Clients speak TLS to TiDB (the operator uses <cluster>-tidb-server-secret only when this is
		// on), and TiDB refuses plaintext connections outright.
		tidb["tlsClient"] = map[string]any{"enabled": true}
		tidb["config"] = map[string]any{"security": map[string]any{"require-secure-transport": true}}
	}
	spec["tidb"] = tidb
	if d.TiFlash > 0 {
		tf := component("pingcap/tiflash", "tikv", d.TiFlash, d.TiFlashResources, false)
		tf["storageClaims"] = []any{map[string]any{
			"storageClassName": storageClass,
			"resources":        map[string]any{"requests": map[string]any{"storage": d.TiFlashResources.Storage}},
		}}
		spec["tiflash"] = tf
	}
	if d.TiCDC > 0 {
		ticdc := component("pingcap/ticdc", "tidb", d.TiCDC, d.TiCDCResources, false)
		if tlsOn {
			// Mounted at /var/lib/sink-tls/<name>/ (TiDB Operator v1.6.6 ticdc_member_manager.go); the
			// sink URIs name the files (SinkURI).
			ticdc["tlsClientSecretNames"] = []any{TiCDCKafkaSecret}
		}
		spec["ticdc"] = ticdc
	}
	// The discovery service (one pod a cluster) runs where the operators do.
	req, lim := requests(orDefault(d.DiscoveryResources, Resources{CPU: "80m", Memory: "128Mi"}), false)
	discovery := map[string]any{"requests": req, "limits": lim}
	sel, tol := placement(c, "system")
	setIf(discovery, "nodeSelector", sel)
	setIf(discovery, "tolerations", tol)
	spec["discovery"] = discovery
	return spec
}

// orDefault returns r, or d when r is unset.
func orDefault(r, d Resources) Resources {
	if r.CPU == "" || r.Memory == "" {
		return d
	}
	return r
}

// tidbComponents lists the components that run, for certificates.
func tidbComponents(d Database) []string {
	out := []string{"pd", "tikv", "tidb"}
	if d.TiFlash > 0 {
		out = append(out, "tiflash")
	}
	if d.TiCDC > 0 {
		out = append(out, "ticdc")
	}
	return out
}

// tidbOut is what newTiDB hands back.
type tidbOut struct {
	cluster  *apiextensions.CustomResource
	password pulumi.StringOutput
	// certificates are the TLS material's certificates (none without TLS).
	certificates []Certificate
	// caCert is the TLS CA clients verify TiDB with; empty without TLS.
	caCert pulumi.StringOutput
	// analyticsPassword is the analytics user's (AnalyticsUser) password. Secret.
	analyticsPassword pulumi.StringOutput
	// initializer creates the users.
	initializer pulumi.Resource
}

// newTiDB creates the root and analytics passwords, TLS material (with tlsOpts: the TLS provider),
// the TidbCluster and its initializer. TiCDC mounts kafkaCerts' client certificate.
func newTiDB(ctx *pulumi.Context, name string, args *DataArgs, ns string, tlsOpts []pulumi.ResourceOption, kafkaCerts *kafkaTLS,
	stateful []pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*tidbOut, error) {
	out := &tidbOut{caCert: pulumi.String("").ToStringOutput()}
	randomProvider, err := random.NewProvider(ctx, name+"-random", nil, opts...)
	if err != nil {
		return nil, err
	}
	password, err := random.NewRandomPassword(ctx, name+"-root", &random.RandomPasswordArgs{
		Length:  pulumi.Int(32),
		Special: pulumi.Bool(false), // safe in every client's connection string
	}, append(opts, pulumi.Provider(randomProvider))...)
	if err != nil {
		return nil, err
	}
	analytics, err := random.NewRandomPassword(ctx, name+"-analytics", &random.RandomPasswordArgs{
		Length:  pulumi.Int(32),
		Special: pulumi.Bool(false),
	}, append(opts, pulumi.Provider(randomProvider))...)
	if err != nil {
		return nil, err
	}
	k8s := pulumi.Provider(args.Cluster.Provider)
	deps := append([]pulumi.Resource{}, args.TiDBReady...)
	// Every object here is deleted before the TiDB Operator and its CRDs (see after).
	opts = with(opts, renderedBy(args.TiDBRendered)...)
	// The secrets the TidbCluster mounts or reads are kept with it where it is kept.
	secret, err := corev1.NewSecret(ctx, name+"-root", &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(rootPasswordName), Namespace: pulumi.String(ns),
			Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost")}},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{"root": password.Result},
	}, with(opts, append([]pulumi.ResourceOption{k8s, pulumi.DependsOn(deps)}, stateful...)...)...)
	if err != nil {
		return nil, err
	}
	if args.TLS {
		certs, err := tidbCerts(ctx, name+"-tls", TiDBClusterName, ns, tidbComponents(args.Database), stateful,
			with(with(opts, tlsOpts...), pulumi.DependsOn(deps))...)
		if err != nil {
			return nil, err
		}
		deps = append(deps, certs.Secrets...)
		out.caCert = certs.CACert
		out.certificates = certs.Certificates
		if kafkaCerts != nil && kafkaCerts.ticdc != nil {
			deps = append(deps, kafkaCerts.ticdc)
		}
	}
	spec := TidbClusterSpec(args.Cluster, args.Database, args.TLS, args.StorageClass)
	var backupReady []pulumi.Resource
	if b := args.Backup; b.Store != nil {
		id, err := newBackupIdentity(ctx, name, b, with(opts, k8s, pulumi.DependsOn(deps)))
		if err != nil {
			return nil, err
		}
		backupReady = id.ready
		deps = append(deps, id.ready...)
		withBackupIdentity(spec, b.Store)
	}
	tcMeta := meta(TiDBClusterName, ns)
	if why := args.Backup.Exemption; why != "" {
		tcMeta.Annotations = pulumi.StringMap{BackupExemptionAnnotation: pulumi.String(why)}
	}
	tc, err := apiextensions.NewCustomResource(ctx, name+"-tidb", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(tidbAPIVersion),
		Kind:        pulumi.String("TidbCluster"),
		Metadata:    tcMeta,
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, with(opts, append([]pulumi.ResourceOption{k8s, pulumi.DependsOn(deps)}, stateful...)...)...)
	if err != nil {
		return nil, err
	}
	if args.Backup.Store != nil {
		if err := newBackups(ctx, name, args.Cluster, args.Backup, tc, backupReady, stateful, opts); err != nil {
			return nil, err
		}
	}
	init := map[string]any{
		"image":           args.Database.InitializerImage,
		"imagePullPolicy": "IfNotPresent",
		"cluster":         map[string]any{"name": TiDBClusterName, "namespace": ns},
		"passwordSecret":  rootPasswordName,
		"timezone":        "UTC",
	}
	if args.TLS {
		// The MySQL client certificate (the operator's default name, said out loud).
		init["tlsClientSecretName"] = TiDBClusterName + "-tidb-client-secret"
	}
	schemas := args.Analytics.Schemas
	initSQL := analytics.Result.ApplyT(func(pw string) string { return AnalyticsSQL(pw, schemas) }).(pulumi.StringOutput)
	req, lim := requests(orDefault(args.Database.InitializerResources, Resources{CPU: "80m", Memory: "128Mi"}), false)
	init["resources"] = map[string]any{"requests": req, "limits": lim}
	sel, tol := placement(args.Cluster, "system")
	setIf(init, "nodeSelector", sel)
	setIf(init, "tolerations", tol)
	initSpec := pulumi.Map{}
	for k, v := range init {
		initSpec[k] = pulumi.Any(v)
	}
	initSpec["initSql"] = initSQL
	initializer, err := apiextensions.NewCustomResource(ctx, name+"-tidb-init", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(tidbAPIVersion),
		Kind:        pulumi.String("TidbInitializer"),
		Metadata:    meta(TiDBClusterName+"-init", ns),
		OtherFields: kubernetes.UntypedArgs{"spec": initSpec},
	}, with(opts, k8s, pulumi.DependsOn([]pulumi.Resource{tc, secret}))...)
	if err != nil {
		return nil, err
	}
	out.cluster, out.password = tc, pulumi.ToSecret(password.Result).(pulumi.StringOutput)
	out.analyticsPassword, out.initializer = pulumi.ToSecret(analytics.Result).(pulumi.StringOutput), initializer
	return out, nil
}

// AnalyticsUser is the read-only TiDB user of the Spark jobs.
const AnalyticsUser = "analytics"

// AnalyticsSQL is what the TidbInitializer runs once the root password is set: the analytics user,
// created from its password's hash (mysql_native_password: "*" and the upper-case hex of
// SHA1(SHA1(password))) so the TidbInitializer, which anyone who may read it sees, never holds the
// password, and SELECT on each schema (TiDB docs sql-statement-create-user.md: IDENTIFIED WITH
// 'mysql_native_password' AS '<hash>', the value 41 characters starting with *, stored as given). The
// schemas are plain identifiers (validated).
func AnalyticsSQL(password string, schemas []string) string {
	first := sha1.Sum([]byte(password))
	second := sha1.Sum(first[:])
	// One statement a line and no blank line: the initializer runs initSql line by line (TiDB
	// Operator v1.6.6 pkg/manager/member/tidb_init_manager.go and its start script).
	lines := []string{fmt.Sprintf("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED WITH 'mysql_native_password' AS '*%s';",
		AnalyticsUser, strings.ToUpper(hex.EncodeToString(second[:])))}
	for _, s := range schemas {
		lines = append(lines, fmt.Sprintf("GRANT SELECT ON `%s`.* TO '%s'@'%%';", s, AnalyticsUser))
	}
	return strings.Join(lines, "\n")
}

// meta is the metadata of a kost-managed object.
func meta(name, ns string, extraLabels ...map[string]string) *metav1.ObjectMetaArgs {
	labels := map[string]string{"app.kubernetes.io/managed-by": "kost"}
	for _, l := range extraLabels {
		maps.Copy(labels, l)
	}
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns), Labels: pulumi.ToStringMap(labels)}
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// Components lists the TidbCluster's components the database runs: pd, tikv and tidb, then tiflash
// and ticdc where their counts are above zero.
func (d Database) Components() []string { return tidbComponents(d) }

// TiDBClientSecret is the client certificate Secret (namespace tidb) the TiDB Operator calls the
// components with when TLS is on (see tidbCerts); their status ports accept it, so it is what
// Prometheus scrapes them with.
const TiDBClientSecret = TiDBClusterName + "-cluster-client-secret"
