package data

import (
	"crypto/sha256"
	_ "embed" // cdcsync's source
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// cdcSyncSource is cdcsync (./cdcsync/main.go): the program the sync job compiles and runs, so what
// runs in the cluster is the very code its tests exercise against a fake of TiCDC's API.
//
//go:embed cdcsync/main.go
var cdcSyncSource string

// Changefeed sync names.
const (
	// CDCFeedPrefix starts the ID of every TiCDC changefeed kost owns (cdcsync removes those that
	// leave the set and touches no other).
	CDCFeedPrefix = "kost-"
	// CDCSyncName names the sync job's ConfigMap and, with a digest of what it does, its Jobs.
	CDCSyncName = "kost-cdc-sync"
	// tiCDCPort is TiCDC's API port (TiDB Operator v1.6.6 v1alpha1.DefaultTiCDCPort 8301); the
	// operator makes only the headless <cluster>-ticdc-peer service for it.
	tiCDCPort = 8301
	// sinkTLSDir is where TiCDC finds spec.ticdc.tlsClientSecretNames' Secrets (TiDB Operator
	// v1.6.6 ticdc_member_manager.go ticdcSinkCertPath).
	sinkTLSDir = "/var/lib/sink-tls"
	// cdcSyncWait is how long the job waits for TiCDC, the topics and each feed to run; the Job's
	// deadline and Pulumi's wait allow for compiling first.
	cdcSyncWait     = 20 * time.Minute
	cdcSyncDeadline = cdcSyncWait + 10*time.Minute
	cdcSyncSrcDir   = "/opt/kost/cdcsync"
	cdcSyncTLSDir   = "/var/lib/kost/ticdc-tls"
)

// SinkURI is a changefeed's Kafka sink: the cluster's bootstrap service, the feed's topic (which
// kost creates: auto-create-topic=false), the protocol, a replication factor that satisfies the
// topic's min.insync.replicas (TiCDC checks it with required-acks -1: tiflow v8.5.7
// pkg/sink/kafka/options.go validateMinInsyncReplicas), the feed's options and, with TLS, the
// certificate TiCDC mounts (ca = the brokers' CA; TiCDC needs all three files: options.go applyTLS).
func SinkURI(f Changefeed, k Kafka, tlsOn bool) string {
	q := url.Values{}
	for key, v := range f.Options {
		q.Set(key, v)
	}
	q.Set("protocol", f.Protocol)
	q.Set("replication-factor", strconv.Itoa(k.ReplicationFactor))
	q.Set("auto-create-topic", "false")
	port := 9092
	if tlsOn {
		port = 9093
		dir := sinkTLSDir + "/" + TiCDCKafkaSecret + "/"
		q.Set("enable-tls", "true")
		q.Set("ca", dir+"ca.crt")
		q.Set("cert", dir+"tls.crt")
		q.Set("key", dir+"tls.key")
	}
	u := url.URL{Scheme: "kafka", Host: fmt.Sprintf("%s-kafka-bootstrap.%s.svc:%d", KafkaClusterName, NamespaceKafka, port),
		Path: "/" + f.Topic, RawQuery: q.Encode()}
	return u.String()
}

// syncFeed is one entry of cdcsync's KOST_CDC_FEEDS (cdcsync.Feed).
type syncFeed struct {
	ID             string   `json:"id"`
	SinkURI        string   `json:"sinkURI"`
	Rules          []string `json:"rules"`
	Protocol       string   `json:"protocol"`
	ForceReplicate bool     `json:"forceReplicate"`
}

// CDCSyncFeeds is the declared set as cdcsync reads it (KOST_CDC_FEEDS), sorted by ID.
func CDCSyncFeeds(feeds []Changefeed, k Kafka, tlsOn bool) string {
	out := make([]syncFeed, 0, len(feeds))
	for _, f := range feeds {
		out = append(out, syncFeed{ID: CDCFeedPrefix + f.ID, SinkURI: SinkURI(f, k, tlsOn), Rules: f.Tables,
			Protocol: f.Protocol, ForceReplicate: f.ForceReplicate})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the sink URIs' & stay readable in the Job
	if err := enc.Encode(out); err != nil {
		panic(err) // strings and bools only
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// CDCSyncJobName names the job after a digest of everything it does: a change of the set, of
// cdcsync or of its image is a new Job (it replaces the old one, and Pulumi waits for it), and an
// unchanged set runs nothing.
func CDCSyncJobName(spec map[string]any) string {
	b, err := json.Marshal(spec)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(append(b, cdcSyncSource...))
	return CDCSyncName + "-" + hex.EncodeToString(sum[:])[:10]
}

// CDCSyncJobSpec renders the sync job: the pinned Go image compiles and runs cdcsync (mounted from
// the ConfigMap CDCSyncName) against TiCDC's API, with the declared set in its environment. It runs
// on the system pool as a non-root user with a read-only root filesystem and no Kubernetes
// credentials (it needs none); with TLS it presents the cluster's client certificate, as the TiDB
// Operator itself does (<cluster>-cluster-client-secret: TiDB Operator v1.6.6
// pkg/controller/http_client.go). A failure's message is the pod's termination message.
func CDCSyncJobSpec(c cluster.Cluster, a *DataArgs) map[string]any {
	scheme := "http"
	if a.TLS {
		scheme = "https"
	}
	env := []any{
		map[string]any{"name": "KOST_CDC_SERVER", "value": fmt.Sprintf("%s://%s-ticdc-peer.%s.svc:%d", scheme, TiDBClusterName, NamespaceTiDB, tiCDCPort)},
		map[string]any{"name": "KOST_CDC_FEEDS", "value": CDCSyncFeeds(a.CDC.Feeds, a.Kafka, a.TLS)},
		map[string]any{"name": "KOST_CDC_PREFIX", "value": CDCFeedPrefix},
		map[string]any{"name": "KOST_CDC_WAIT", "value": cdcSyncWait.String()},
		// The toolchain in the image, nothing downloaded, caches in the scratch volume.
		map[string]any{"name": "GOTOOLCHAIN", "value": "local"},
		map[string]any{"name": "GOPROXY", "value": "off"},
		map[string]any{"name": "GOFLAGS", "value": "-trimpath"},
		map[string]any{"name": "CGO_ENABLED", "value": "0"},
		map[string]any{"name": "GOCACHE", "value": "/tmp/go-cache"},
		map[string]any{"name": "GOPATH", "value": "/tmp/go"},
		map[string]any{"name": "HOME", "value": "/tmp"},
	}
	mounts := []any{
		map[string]any{"name": "src", "mountPath": cdcSyncSrcDir, "readOnly": true},
		map[string]any{"name": "tmp", "mountPath": "/tmp"},
	}
	volumes := []any{
		map[string]any{"name": "src", "configMap": map[string]any{"name": CDCSyncName}},
		// Compiling cdcsync fills about 90 MiB of build cache.
		map[string]any{"name": "tmp", "emptyDir": map[string]any{"sizeLimit": "512Mi"}},
	}
	if a.TLS {
		env = append(env,
			map[string]any{"name": "KOST_CDC_CA", "value": cdcSyncTLSDir + "/ca.crt"},
			map[string]any{"name": "KOST_CDC_CERT", "value": cdcSyncTLSDir + "/tls.crt"},
			map[string]any{"name": "KOST_CDC_KEY", "value": cdcSyncTLSDir + "/tls.key"})
		mounts = append(mounts, map[string]any{"name": "ticdc-tls", "mountPath": cdcSyncTLSDir, "readOnly": true})
		volumes = append(volumes, map[string]any{"name": "ticdc-tls", "secret": map[string]any{"secretName": TiDBClusterName + "-cluster-client-secret"}})
	}
	req, lim := requests(orDefault(a.CDC.SyncResources, Resources{CPU: "500m", Memory: "512Mi"}), false)
	pod := map[string]any{
		"restartPolicy":                "Never",
		"automountServiceAccountToken": false,
		"securityContext": map[string]any{
			"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
			"seccompProfile": map[string]any{"type": "RuntimeDefault"},
		},
		"containers": []any{map[string]any{
			"name":                     "cdcsync",
			"image":                    a.CDC.SyncImage,
			"imagePullPolicy":          "IfNotPresent",
			"command":                  []any{"go", "run", cdcSyncSrcDir + "/main.go"},
			"env":                      env,
			"resources":                map[string]any{"requests": req, "limits": lim},
			"terminationMessagePolicy": "FallbackToLogsOnError",
			"securityContext": map[string]any{
				"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
				"capabilities": map[string]any{"drop": []any{"ALL"}},
			},
			"volumeMounts": mounts,
		}},
		"volumes": volumes,
	}
	sel, tol := placement(c, "system")
	setIf(pod, "nodeSelector", sel)
	setIf(pod, "tolerations", tol)
	return map[string]any{
		// cdcsync retries TiCDC itself; a second pod only if the first is lost with its node.
		"backoffLimit":          1,
		"activeDeadlineSeconds": int(cdcSyncDeadline.Seconds()),
		"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": CDCSyncName, "app.kubernetes.io/managed-by": "kost"}},
			"spec":     pod,
		},
	}
}

// newChangefeeds makes the sync job's ConfigMap and Job, after the TidbCluster, the change topics and
// TiCDC's Kafka user (after). Pulumi waits for the Job to complete, so `pulumi up` fails with
// TiCDC's message when TiCDC refuses a feed.
func newChangefeeds(ctx *pulumi.Context, name string, a *DataArgs, after []pulumi.Resource, opts ...pulumi.ResourceOption) error {
	on := with(opts, append(renderedBy(a.TiDBRendered), pulumi.Provider(a.Cluster.Provider))...)
	src, err := corev1.NewConfigMap(ctx, name+"-cdc-sync", &corev1.ConfigMapArgs{
		Metadata: meta(CDCSyncName, NamespaceTiDB),
		Data:     pulumi.StringMap{"main.go": pulumi.String(cdcSyncSource)},
	}, with(on, pulumi.DependsOn(a.TiDBReady))...)
	if err != nil {
		return err
	}
	spec := CDCSyncJobSpec(a.Cluster, a)
	// Labelled like its pods, so `kubectl get jobs -l app.kubernetes.io/name=kost-cdc-sync` finds it.
	jobMeta := meta(CDCSyncJobName(spec), NamespaceTiDB, map[string]string{"app.kubernetes.io/name": CDCSyncName})
	// A Job that failed (TiCDC refused, or Kafka stayed away) is replaced, so run again, by the next
	// `pulumi up` once the cause is fixed, rather than failing it again at once (pulumi-kubernetes
	// v4.25.0 provider.go: replaceUnready).
	jobMeta.Annotations = pulumi.StringMap{"pulumi.com/replaceUnready": pulumi.String("true")}
	_, err = apiextensions.NewCustomResource(ctx, name+"-cdc-sync", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("batch/v1"),
		Kind:        pulumi.String("Job"),
		Metadata:    jobMeta,
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, with(on, pulumi.DependsOn(append([]pulumi.Resource{src}, after...)),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: (cdcSyncDeadline + 5*time.Minute).String(), Update: (cdcSyncDeadline + 5*time.Minute).String()}))...)
	return err
}
