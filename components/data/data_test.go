package data_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/data"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
)

var res = data.Resources{CPU: "1", Memory: "1Gi", Storage: "10Gi"}

// What the stacks give the data plane by default (config.Images, SparkPackages, the default feed).
var (
	sparkPackages = []string{"com.mysql:mysql-connector-j:26.10.0", "org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.0"}
	syncImage     = "docker.io/library/golang:1.26"
	defaultFeed   = data.Changefeed{ID: "tidb", Tables: []string{"*.*"}, Topic: "tidb-cdc", Protocol: "canal-json", Partitions: 12}
)

// run builds the data plane on a fake cluster: pooled over three zones, or a local one.
func run(t *testing.T, pooled bool, mutate func(a *data.DataArgs)) (*graph.Graph, error) {
	t.Helper()
	return offline.Run("test", nil, nil, func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.ToSecret(pulumi.String("{}")).(pulumi.StringOutput)})
		if err != nil {
			return err
		}
		// Stand-ins for the platform's operators: what the data plane must wait for.
		op, err := corev1.NewNamespace(ctx, "operators", &corev1.NamespaceArgs{}, pulumi.Provider(k8s))
		if err != nil {
			return err
		}
		c := cluster.Cluster{Name: "c", Provider: k8s}
		if pooled {
			c.Zones, c.DedicatedPools = []string{"a", "b", "c"}, true
			c.InternalLoadBalancer = map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
		}
		a := &data.DataArgs{
			Cluster: c, KafkaReady: []pulumi.Resource{op}, TiDBReady: []pulumi.Resource{op}, SparkReady: []pulumi.Resource{op},
			Database: data.Database{PD: 3, TiKV: 3, TiDB: 2, TiFlash: 1, TiCDC: 1, Version: "v8.5.7", InitializerImage: "tnir/mysqlclient:1.4.6",
				PDResources: res, TiKVResources: res, TiDBResources: res, TiFlashResources: res, TiCDCResources: res},
			Kafka: data.Kafka{Brokers: 3, Controllers: 3, ReplicationFactor: 3, MinInsyncReplicas: 2, Version: "4.3.1",
				BrokerResources: res, ControllerResources: res},
			Spark: data.Spark{JobNamespaces: []string{"spark-jobs"}, Example: true, Image: "docker.io/library/spark:4.0.0", Version: "4.0.0",
				Packages: sparkPackages},
			CDC: data.CDC{SyncImage: syncImage, Feeds: []data.Changefeed{defaultFeed}},
		}
		mutate(a)
		_, err = data.NewData(ctx, "d", a)
		return err
	})
}

func TestTLSMaterial(t *testing.T) {
	t.Parallel()
	g, err := run(t, true, func(a *data.DataArgs) { a.TLS = true })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range g.OfType("kubernetes:core/v1:Secret") {
		if s.String("type") == "kubernetes.io/tls" {
			names = append(names, s.String("metadata.name"))
			if !s.IsSecret("stringData") {
				t.Errorf("%s: key material must be a secret", s.Name)
			}
		}
	}
	slices.Sort(names)
	// tidb-operator v1.6.6 names: <cluster>-<component>-cluster-secret and <cluster>-cluster-client-secret
	// (tlsCluster), <cluster>-tidb-server-secret and <cluster>-tidb-client-secret (tidb.tlsClient;
	// pkg/util/util.go TiDBServerTLSSecretName, TiDBClientTLSSecretName).
	want := []string{"kost-cluster-client-secret", "kost-pd-cluster-secret", "kost-ticdc-cluster-secret",
		"kost-tidb-client-secret", "kost-tidb-cluster-secret", "kost-tidb-server-secret", "kost-tiflash-cluster-secret", "kost-tikv-cluster-secret"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("TLS secrets the TiDB Operator expects (-want +got):\n%s", d)
	}
	csr, _ := g.Named("tls:index/certRequest:CertRequest", "d-tls-pd")
	dns, _ := csr.Input("dnsNames")
	for _, n := range []string{"kost-pd", "kost-pd.tidb.svc", "*.kost-pd-peer.tidb.svc", "*.kost-pd-peer"} {
		if !slices.Contains(dns.([]any), any(n)) {
			t.Errorf("PD certificate lacks %s: %v", n, dns)
		}
	}
	cert, _ := g.Named("tls:index/locallySignedCert:LocallySignedCert", "d-tls-pd")
	uses, _ := cert.Input("allowedUses")
	if !slices.Contains(uses.([]any), any("server_auth")) || !slices.Contains(uses.([]any), any("client_auth")) {
		t.Errorf("peer certificates need server and client auth: %v", uses)
	}
	server, _ := g.Named("tls:index/certRequest:CertRequest", "d-tls-mysql-server")
	if dns, _ := server.Input("dnsNames"); !slices.Contains(dns.([]any), any("kost-tidb.tidb.svc")) {
		t.Errorf("the MySQL server certificate must answer on the tidb service: %v", dns)
	}
	tc, _ := g.Named("kubernetes:pingcap.com/v1alpha1:TidbCluster", "d-tidb")
	// The operator mounts the server secret only with tlsClient on; TiDB refuses plaintext clients.
	if on, _ := tc.Input("spec.tidb.tlsClient.enabled"); on != true {
		t.Errorf("client TLS is off: spec.tidb.tlsClient.enabled = %v", on)
	}
	if req, _ := tc.Input("spec.tidb.config.security.require-secure-transport"); req != true {
		t.Errorf("TiDB still accepts plaintext clients: require-secure-transport = %v", req)
	}
	init, _ := g.Named("kubernetes:pingcap.com/v1alpha1:TidbInitializer", "d-tidb-init")
	if s := init.String("spec.tlsClientSecretName"); s != "kost-tidb-client-secret" {
		t.Errorf("the initializer connects with %q, not the MySQL client certificate", s)
	}
	for _, s := range g.OfType("kubernetes:core/v1:Secret") {
		if s.String("type") == "kubernetes.io/tls" && !g.DependsOn(tc.URN, s.URN) {
			t.Errorf("the TidbCluster must wait for %s", s.Name)
		}
	}
}

func TestDataPlaneShapes(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason   string
		pooled   bool
		tls      bool
		protect  bool
		service  string
		spread   bool
		listener string
		users    int
	}{
		"CloudProd": {reason: "cloud cluster, TLS, protected", pooled: true, tls: true, protect: true, service: "LoadBalancer", spread: true, listener: "tls", users: 2},
		"CloudDev":  {reason: "cloud cluster without TLS", pooled: true, service: "LoadBalancer", spread: true, listener: "plain"},
		"Local":     {reason: "local cluster: no zones, no load balancer", service: "ClusterIP", listener: "plain"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, err := run(t, tc.pooled, func(a *data.DataArgs) { a.TLS, a.Protect = tc.tls, tc.protect })
			if err != nil {
				t.Fatal(err)
			}
			tcr, _ := g.Named("kubernetes:pingcap.com/v1alpha1:TidbCluster", "d-tidb")
			if got := tcr.String("spec.tidb.service.type"); got != tc.service {
				t.Errorf("%s: TiDB service %s, want %s", tc.reason, got, tc.service)
			}
			_, spread := tcr.Input("spec.topologySpreadConstraints")
			if spread != tc.spread {
				t.Errorf("%s: zone spread %v, want %v", tc.reason, spread, tc.spread)
			}
			_, sel := tcr.Input("spec.tikv.nodeSelector")
			if sel != tc.pooled {
				t.Errorf("%s: TiKV node selector %v, want %v", tc.reason, sel, tc.pooled)
			}
			k, _ := g.Named("kubernetes:kafka.strimzi.io/v1:Kafka", "d-kafka")
			if got := k.String("spec.kafka.listeners.0.name"); got != tc.listener {
				t.Errorf("%s: listener %v, want %s", tc.reason, got, tc.listener)
			}
			if got := len(g.OfType("kubernetes:kafka.strimzi.io/v1:KafkaUser")); got != tc.users {
				t.Errorf("%s: %d Kafka users, want %d", tc.reason, got, tc.users)
			}
			for _, r := range g.Resources {
				// The data, the secrets the TidbCluster mounts (TLS) or reads (root password), and
				// the Kafka cluster's CAs (Strimzi finds them by the label strimzi.io/kind).
				kind := r.Type[strings.LastIndex(r.Type, ":")+1:]
				stateful := slices.Contains([]string{"TidbCluster", "Kafka", "KafkaNodePool", "KafkaTopic"}, kind) ||
					(kind == "Secret" && r.String("metadata.namespace") == data.NamespaceTiDB) ||
					(kind == "Secret" && r.Map("metadata.labels")["strimzi.io/kind"] == "Kafka")
				if stateful && (r.Protect != tc.protect || r.RetainOnDelete != tc.protect) {
					t.Errorf("%s: %s protect %v retain %v", tc.reason, r.Name, r.Protect, r.RetainOnDelete)
				}
				if !stateful && (r.Protect || r.RetainOnDelete) {
					t.Errorf("%s: %s is protected or retained but holds no data", tc.reason, r.Name)
				}
			}
			for _, p := range g.OfType("kubernetes:kafka.strimzi.io/v1:KafkaNodePool") {
				v := p.Map("spec.storage.volumes.0")
				if v["deleteClaim"] != false || v["class"] != "kost-db" || v["type"] != "persistent-claim" {
					t.Errorf("%s: %s volume %v", tc.reason, p.Name, v)
				}
			}
			app, ok := g.Named("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", "d-spark-example")
			if !ok || app.String("spec.driver.serviceAccount") != data.SparkDriverAccount {
				t.Errorf("%s: the example runs as the driver account", tc.reason)
			}
			if _, ttl := app.Input("spec.timeToLiveSeconds"); ttl {
				t.Errorf("%s: with timeToLiveSeconds the operator deletes the example and every pulumi up runs it again", tc.reason)
			}
		})
	}
}

// validArgs are data args that pass Validate, built outside the Pulumi runtime (Validate reads no
// outputs): zero-valued resources stand in for the provider and the operators.
func validArgs() *data.DataArgs {
	op := &corev1.Namespace{}
	return &data.DataArgs{
		Cluster: cluster.Cluster{Name: "c", Provider: &kubernetes.Provider{}}, KafkaReady: []pulumi.Resource{op}, TiDBReady: []pulumi.Resource{op}, SparkReady: []pulumi.Resource{op},
		Database: data.Database{PD: 3, TiKV: 3, TiDB: 2, TiFlash: 1, TiCDC: 1, Version: "v8.5.7", InitializerImage: "tnir/mysqlclient:1.4.6",
			PDResources: res, TiKVResources: res, TiDBResources: res, TiFlashResources: res, TiCDCResources: res},
		Kafka: data.Kafka{Brokers: 3, Controllers: 3, ReplicationFactor: 3, MinInsyncReplicas: 2, Version: "4.3.1",
			BrokerResources: res, ControllerResources: res},
		Spark: data.Spark{JobNamespaces: []string{"spark-jobs"}, Example: true, Image: "docker.io/library/spark:4.0.0", Version: "4.0.0",
			Packages: sparkPackages},
		CDC: data.CDC{SyncImage: syncImage, Feeds: []data.Changefeed{defaultFeed}},
	}
}

func TestDataArgsValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		mutate func(a *data.DataArgs)
		want   []string
	}{
		"Valid":          {mutate: func(*data.DataArgs) {}},
		"RFAboveBrokers": {mutate: func(a *data.DataArgs) { a.Kafka.ReplicationFactor = 4 }, want: []string{"Kafka.ReplicationFactor"}},
		"ISRTooHigh":     {mutate: func(a *data.DataArgs) { a.Kafka.MinInsyncReplicas = 3 }, want: []string{"Kafka.MinInsyncReplicas"}},
		"ISROfOne": {mutate: func(a *data.DataArgs) {
			a.Kafka.Brokers, a.Kafka.ReplicationFactor, a.Kafka.MinInsyncReplicas = 1, 1, 1
		}},
		"NoStorage":      {mutate: func(a *data.DataArgs) { a.Database.TiKVResources.Storage = "" }, want: []string{"Database.TiKVResources.Storage"}},
		"NoOperators":    {mutate: func(a *data.DataArgs) { a.TiDBReady = nil }, want: []string{"TiDBReady"}},
		"TiFlashNoDisk":  {mutate: func(a *data.DataArgs) { a.Database.TiFlashResources.Storage = "" }, want: []string{"Database.TiFlashResources.Storage"}},
		"NoTiFlash":      {mutate: func(a *data.DataArgs) { a.Database.TiFlash, a.Database.TiFlashResources.Storage = 0, "" }},
		"ExampleNoImage": {mutate: func(a *data.DataArgs) { a.Spark.Image = "" }, want: []string{"Spark.Image"}},
		"NoExample":      {mutate: func(a *data.DataArgs) { a.Spark = data.Spark{} }},
		"SQLInSchema": {mutate: func(a *data.DataArgs) {
			a.Analytics.Schemas = []string{"shop", "x`.* TO 'a'@'%'; DROP USER root; --", "MySQL"}
		},
			want: []string{"Analytics.Schemas[1]", "Analytics.Schemas[2]"}},
		"Backups": {mutate: func(a *data.DataArgs) {
			a.Backup = data.Backup{Store: &cluster.BackupStore{}, Schedule: "0 2 * * *", Log: true, RetentionDays: 14,
				Restore: &data.Restore{Full: "kost/full/a", Log: "kost/log/b", PointInTime: "2026-11-27T14:30:00Z"}}
		}},
		"Exempt":               {mutate: func(a *data.DataArgs) { a.Backup = data.Backup{Exemption: "no store on this cloud"} }},
		"ScheduleWithoutStore": {mutate: func(a *data.DataArgs) { a.Backup = data.Backup{Schedule: "0 2 * * *"} }, want: []string{"Backup.Store"}},
		"RestoreWithoutStore":  {mutate: func(a *data.DataArgs) { a.Backup = data.Backup{Restore: &data.Restore{Full: "x"}} }, want: []string{"Backup.Restore"}},
		"BackupProblems": {mutate: func(a *data.DataArgs) {
			a.Backup = data.Backup{Store: &cluster.BackupStore{}, Exemption: "both", Restore: &data.Restore{Log: "kost/log/b"}}
		}, want: []string{"Backup.Exemption", "Backup.Schedule", "Backup.RetentionDays", "Backup.Restore.Full", "Backup.Restore.PointInTime"}},
		"Several": {mutate: func(a *data.DataArgs) { a.Database.PD, a.Kafka.Version, a.Cluster.Provider = 0, "", nil },
			want: []string{"Cluster.Provider", "Database.PD", "Kafka.Version"}},
	}
	for name, tc := range cases {
		a := validArgs()
		tc.mutate(a)
		if d := cmp.Diff(tc.want, cluster.ProblemFields(a.Validate())); d != "" {
			t.Errorf("%s: fields with problems (-want +got):\n%s", name, d)
		}
	}
	if err := (*data.DataArgs)(nil).Validate(); err == nil {
		t.Error("nil args are valid")
	}
}

// NewData refuses bad args before it registers anything.
func TestNewDataRegistersNothingWhenInvalid(t *testing.T) {
	t.Parallel()
	g, err := run(t, true, func(a *data.DataArgs) { a.Kafka.ReplicationFactor = 4 })
	var aerr *cluster.ArgsError
	if !errors.As(err, &aerr) {
		t.Fatalf("error %v, want a *cluster.ArgsError", err)
	}
	if n := len(g.OfType("kost:data:Data")); n != 0 {
		t.Errorf("%d data components registered", n)
	}
}
