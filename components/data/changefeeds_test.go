package data_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kost-platform/kost/components/data"
	"github.com/kost-platform/kost/graph"
)

// syncFeed is cdcsync's Feed as the job's environment carries it.
type syncFeed struct {
	ID             string   `json:"id"`
	SinkURI        string   `json:"sinkURI"`
	Rules          []string `json:"rules"`
	Protocol       string   `json:"protocol"`
	ForceReplicate bool     `json:"forceReplicate"`
}

func syncJob(t *testing.T, g *graph.Graph) (*graph.Resource, map[string]string) {
	t.Helper()
	jobs := g.OfType("kubernetes:batch/v1:Job")
	if len(jobs) != 1 {
		t.Fatalf("%d sync jobs, want 1", len(jobs))
	}
	env := map[string]string{}
	for _, e := range jobs[0].List("spec.template.spec.containers.0.env") {
		m := e.(map[string]any)
		env[m["name"].(string)] = m["value"].(string)
	}
	return jobs[0], env
}

func feedsOf(t *testing.T, env map[string]string) []syncFeed {
	t.Helper()
	var feeds []syncFeed
	if err := json.Unmarshal([]byte(env["KOST_CDC_FEEDS"]), &feeds); err != nil {
		t.Fatalf("KOST_CDC_FEEDS %q: %v", env["KOST_CDC_FEEDS"], err)
	}
	return feeds
}

// The job carries the declared set, reaches TiCDC where the TiDB Operator serves it, and waits for
// what a feed needs; the sink uses the certificate TiCDC really mounts, and satisfies the topic.
func TestChangefeedSyncJob(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{true, false} {
		t.Run("tls="+strconv.FormatBool(tlsOn), func(t *testing.T) {
			g, err := run(t, true, func(a *data.DataArgs) { a.TLS = tlsOn })
			if err != nil {
				t.Fatal(err)
			}
			job, env := syncJob(t, g)
			tc, _ := g.Named("kubernetes:pingcap.com/v1alpha1:TidbCluster", "d-tidb")
			topic, _ := g.Named("kubernetes:kafka.strimzi.io/v1:KafkaTopic", "d-kafka-topic-tidb-cdc")
			for _, dep := range []*graph.Resource{tc, topic} {
				if dep == nil || !g.DependsOn(job.URN, dep.URN) {
					t.Errorf("the job must wait for %v", dep)
				}
			}
			feeds := feedsOf(t, env)
			if len(feeds) != 1 || feeds[0].ID != "kost-tidb" || !slices.Equal(feeds[0].Rules, []string{"*.*"}) || feeds[0].Protocol != "canal-json" {
				t.Fatalf("feeds %+v, want kost-tidb of *.* in canal-json", feeds)
			}
			sink, err := url.Parse(feeds[0].SinkURI)
			if err != nil {
				t.Fatal(err)
			}
			q := sink.Query()
			// TiCDC refuses a replication factor below the topic's min.insync.replicas (acks -1).
			isr, _ := strconv.Atoi(topic.Map("spec.config")["min.insync.replicas"].(string))
			if rf, _ := strconv.Atoi(q.Get("replication-factor")); rf < isr || sink.Path != "/tidb-cdc" || q.Get("auto-create-topic") != "false" {
				t.Errorf("sink %s: want the topic tidb-cdc, kost's (no auto-create), replication factor >= min.insync.replicas %d", sink, isr)
			}
			server, _ := url.Parse(env["KOST_CDC_SERVER"])
			wantScheme, wantPort := "http", "9092"
			if tlsOn {
				wantScheme, wantPort = "https", "9093"
			}
			if server.Scheme != wantScheme || server.Host != "kost-ticdc-peer.tidb.svc:8301" {
				t.Errorf("TiCDC's API at %s, want %s://kost-ticdc-peer.tidb.svc:8301", server, wantScheme)
			}
			if sink.Port() != wantPort {
				t.Errorf("sink %s: want Kafka's port %s", sink, wantPort)
			}
			if !tlsOn {
				if q.Has("ca") || env["KOST_CDC_CA"] != "" {
					t.Errorf("TLS settings without TLS: %s, %v", sink, env)
				}
				return
			}
			// Every file the sink names is a key of a Secret TiCDC mounts at /var/lib/sink-tls/<name>.
			mounted := tc.Strings("spec.ticdc.tlsClientSecretNames")
			for _, p := range []string{"ca", "cert", "key"} {
				dir, file, _ := strings.Cut(strings.TrimPrefix(q.Get(p), "/var/lib/sink-tls/"), "/")
				sec := secretNamed(g, "tidb", dir)
				if !slices.Contains(mounted, dir) || sec == nil || sec.Map("stringData")[file] == nil {
					t.Errorf("sink %s=%s: not a file of a Secret TiCDC mounts (%v)", p, q.Get(p), mounted)
				} else if !g.DependsOn(tc.URN, sec.URN) {
					t.Errorf("the TidbCluster must wait for %s", dir)
				}
			}
			user, _ := g.Named("kubernetes:kafka.strimzi.io/v1:KafkaUser", "d-kafka-cdc-user")
			if user == nil || !g.DependsOn(job.URN, user.URN) {
				t.Error("the job must wait for TiCDC's Kafka user")
			}
			client := secretNamed(g, "tidb", "kost-cluster-client-secret")
			var vol string
			for _, v := range job.List("spec.template.spec.volumes") {
				if s, ok := v.(map[string]any)["secret"].(map[string]any); ok {
					vol, _ = s["secretName"].(string)
				}
			}
			if client == nil || vol != "kost-cluster-client-secret" || env["KOST_CDC_CERT"] == "" {
				t.Errorf("the job presents %q to TiCDC's HTTPS API; want the TiDB cluster's client certificate", vol)
			}
		})
	}
}

func secretNamed(g *graph.Graph, ns, name string) *graph.Resource {
	for _, s := range g.OfType("kubernetes:core/v1:Secret") {
		if s.String("metadata.namespace") == ns && s.String("metadata.name") == name {
			return s
		}
	}
	return nil
}

// The job runs cdcsync exactly as committed, unprivileged, on the system pool, and a different set
// is a different Job while the same set is the same one.
func TestChangefeedSyncJobRunsCommittedCode(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("cdcsync/main.go")
	if err != nil {
		t.Fatal(err)
	}
	name := func(mutate func(a *data.DataArgs)) (string, *graph.Graph) {
		g, err := run(t, true, mutate)
		if err != nil {
			t.Fatal(err)
		}
		job, _ := syncJob(t, g)
		return job.String("metadata.name"), g
	}
	first, g := name(func(*data.DataArgs) {})
	cm := g.OfType("kubernetes:core/v1:ConfigMap")
	var code string
	for _, c := range cm {
		if c.String("metadata.name") == data.CDCSyncName {
			code, _ = c.Map("data")["main.go"].(string)
		}
	}
	if code != string(src) {
		t.Error("the ConfigMap does not hold cdcsync/main.go as committed")
	}
	job, _ := syncJob(t, g)
	c := job.Map("spec.template.spec.containers.0")
	if cmd := job.Strings("spec.template.spec.containers.0.command"); !slices.Equal(cmd, []string{"go", "run", "/opt/kost/cdcsync/main.go"}) {
		t.Errorf("command %v", cmd)
	}
	sc := c["securityContext"].(map[string]any)
	if sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false ||
		job.Map("spec.template.spec.securityContext")["runAsNonRoot"] != true || job.Map("spec.template.spec")["automountServiceAccountToken"] != false {
		t.Errorf("the job must run unprivileged and without Kubernetes credentials: %v", sc)
	}
	// Found by its label (README: kubectl get jobs -l app.kubernetes.io/name=kost-cdc-sync).
	if job.Map("metadata.labels")["app.kubernetes.io/name"] != data.CDCSyncName {
		t.Errorf("labels %v: want app.kubernetes.io/name=%s", job.Map("metadata.labels"), data.CDCSyncName)
	}
	// A failed run must run again on the next `pulumi up`, not fail again at once.
	if job.Map("metadata.annotations")["pulumi.com/replaceUnready"] != "true" {
		t.Errorf("annotations %v: want pulumi.com/replaceUnready", job.Map("metadata.annotations"))
	}
	if job.Map("spec.template.spec.nodeSelector")["kost.io/pool"] != "system" {
		t.Errorf("the job must run on the system pool: %v", job.Map("spec.template.spec.nodeSelector"))
	}
	if again, _ := name(func(*data.DataArgs) {}); again != first {
		t.Errorf("the same set renamed the job: %s, then %s", first, again)
	}
	other, _ := name(func(a *data.DataArgs) { a.CDC.Feeds[0].Tables = []string{"shop.*"} })
	if other == first {
		t.Errorf("a changed set kept the job's name %s: it would never run again", first)
	}
}

func TestNoSyncJobWithoutTiCDC(t *testing.T) {
	t.Parallel()
	g, err := run(t, true, func(a *data.DataArgs) {
		a.Database.TiCDC, a.CDC.Feeds, a.Spark.Example = 0, nil, false
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.OfType("kubernetes:batch/v1:Job")) + len(g.OfType("kubernetes:kafka.strimzi.io/v1:KafkaTopic")); n != 0 {
		t.Errorf("%d jobs and topics without TiCDC", n)
	}
}

// kost owns Kafka's two CAs so that a client certificate made at deploy time is trusted by the
// brokers and trusts them, with nothing copied at run time; checked with the certificates the
// mocks really sign.
func TestKafkaTLSMaterial(t *testing.T) {
	t.Parallel()
	g, err := run(t, true, func(a *data.DataArgs) { a.TLS = true })
	if err != nil {
		t.Fatal(err)
	}
	k, _ := g.Named("kubernetes:kafka.strimzi.io/v1:Kafka", "d-kafka")
	for _, ca := range []string{"clusterCa", "clientsCa"} {
		if v := k.Map("spec." + ca)["generateCertificateAuthority"]; v != false {
			t.Errorf("spec.%s.generateCertificateAuthority = %v, want false (kost's CA)", ca, v)
		}
	}
	certs := map[string]*x509.Certificate{}
	for _, name := range []string{"kost-cluster-ca-cert", "kost-cluster-ca", "kost-clients-ca-cert", "kost-clients-ca"} {
		s := secretNamed(g, "kafka", name)
		if s == nil {
			t.Fatalf("Strimzi's Secret %s is missing", name)
		}
		labels := s.Map("metadata.labels")
		if labels["strimzi.io/kind"] != "Kafka" || labels["strimzi.io/cluster"] != data.KafkaClusterName {
			t.Errorf("%s: labels %v; Strimzi finds CA Secrets by strimzi.io/kind=Kafka and strimzi.io/cluster", name, labels)
		}
		if !g.DependsOn(k.URN, s.URN) {
			t.Errorf("the Kafka must wait for %s", name)
		}
		key := "ca.key"
		if strings.HasSuffix(name, "-cert") {
			key = "ca.crt"
			if g := s.Map("metadata.annotations")["strimzi.io/ca-cert-generation"]; g == nil {
				t.Errorf("%s: no generation annotation", name)
			}
			certs[strings.TrimSuffix(name, "-cert")] = parseCert(t, s.Map("stringData")[key].(string))
		}
		if s.Map("stringData")[key] == nil {
			t.Errorf("%s: no %s", name, key)
		}
	}
	for _, c := range []struct{ ns, secret, cn string }{{"tidb", data.TiCDCKafkaSecret, data.CDCUser}, {"spark-jobs", data.SparkKafkaSecret, data.SparkKafkaUser}} {
		s := secretNamed(g, c.ns, c.secret)
		if s == nil {
			t.Fatalf("%s/%s missing", c.ns, c.secret)
		}
		d := s.Map("stringData")
		leaf := parseCert(t, d["tls.crt"].(string))
		// Kafka's principal is the whole subject; the user's ACLs are for CN=<user>.
		if leaf.Subject.String() != "CN="+c.cn {
			t.Errorf("%s: subject %q, want exactly CN=%s", c.secret, leaf.Subject, c.cn)
		}
		pool := x509.NewCertPool()
		pool.AddCert(certs["kost-clients-ca"])
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: not a client certificate of the clients CA: %v", c.secret, err)
		}
		if !parseCert(t, d["ca.crt"].(string)).Equal(certs["kost-cluster-ca"]) {
			t.Errorf("%s: ca.crt is not the cluster CA the brokers' certificates chain to", c.secret)
		}
		if !strings.Contains(d["tls.key"].(string), "BEGIN PRIVATE KEY") {
			t.Errorf("%s: tls.key is not PKCS #8", c.secret)
		}
		user := map[string]string{data.CDCUser: "d-kafka-cdc-user", data.SparkKafkaUser: "d-kafka-spark-user"}[c.cn]
		u, _ := g.Named("kubernetes:kafka.strimzi.io/v1:KafkaUser", user)
		if u == nil || u.String("metadata.name") != c.cn || u.String("spec.authentication.type") != "tls-external" {
			t.Errorf("%s: want a tls-external KafkaUser named %s", user, c.cn)
		}
	}
	keystore := secretNamed(g, "spark-jobs", data.SparkKafkaSecret).Map("stringData")["keystore.pem"].(string)
	if !strings.Contains(keystore, "BEGIN PRIVATE KEY") || !strings.Contains(keystore, "BEGIN CERTIFICATE") {
		t.Error("keystore.pem must hold the PKCS #8 key and the certificate")
	}
}

func parseCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatalf("no PEM certificate in %q", s)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSinkURI(t *testing.T) {
	f := data.Changefeed{ID: "orders", Topic: "orders-cdc", Protocol: "debezium", Options: map[string]string{"compression": "zstd"}}
	u, err := url.Parse(data.SinkURI(f, data.Kafka{ReplicationFactor: 3}, true))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{"protocol": "debezium", "compression": "zstd", "replication-factor": "3", "enable-tls": "true",
		"ca": "/var/lib/sink-tls/kost-ticdc-kafka/ca.crt", "cert": "/var/lib/sink-tls/kost-ticdc-kafka/tls.crt",
		"key": "/var/lib/sink-tls/kost-ticdc-kafka/tls.key", "auto-create-topic": "false"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s=%q, want %q (%s)", k, q.Get(k), v, u)
		}
	}
	if u.Host != "kost-kafka-bootstrap.kafka.svc:9093" || u.Path != "/orders-cdc" || u.Scheme != "kafka" {
		t.Errorf("sink %s", u)
	}
}

// The analytics user is created from its password's hash (no password in the TidbInitializer), one
// statement a line with no blank line (the initializer runs initSql line by line).
func TestAnalyticsSQL(t *testing.T) {
	// mysql_native_password of "password" is *2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19 (MySQL docs'
	// PASSWORD() example, and what any MySQL server computes).
	got := data.AnalyticsSQL("password", []string{"shop", "ana_lytics"})
	want := "CREATE USER IF NOT EXISTS 'analytics'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19';\n" +
		"GRANT SELECT ON `shop`.* TO 'analytics'@'%';\nGRANT SELECT ON `ana_lytics`.* TO 'analytics'@'%';"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
