package tests

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kost-platform/kost/components/data"
	"github.com/kost-platform/kost/graph"
)

// The whole HTAP loop of the prod-shaped e2e stack (TLS, protected, the example on): every custom
// resource of it is accepted by the real CRDs, TiCDC's user may write what the feeds write, Spark's
// may read it, and the example reads the topic a feed writes, with the certificate and the TiDB user
// kost put in its namespace.
func TestHTAPLoopMatchesCRDs(t *testing.T) {
	t.Parallel()
	v := validator(t)
	g := evaluateFileWith(t, filepath.Join("e2e", "testdata"), "e2e-prod", func(env map[string]any) {
		env["regions"].([]any)[0].(map[string]any)["local"].(map[string]any)["pools"] = false
	})
	for _, kind := range []string{"KafkaUser", "SparkApplication", "TidbCluster", "TidbInitializer", "Kafka", "KafkaTopic"} {
		rs := ofKind(g, kind)
		if len(rs) == 0 {
			t.Errorf("no %s", kind)
		}
		for _, r := range rs {
			if err := v.Validate(crObject(r)); err != nil {
				t.Errorf("the CRD refuses %s: %v", r.Name, err)
			}
		}
	}
	topics := map[string]bool{}
	for _, tp := range ofKind(g, "KafkaTopic") {
		topics[tp.String("metadata.name")] = true
	}
	job := g.OfType("kubernetes:batch/v1:Job")
	if len(job) != 1 {
		t.Fatalf("%d sync jobs", len(job))
	}
	var feeds string
	for _, e := range job[0].List("spec.template.spec.containers.0.env") {
		if m := e.(map[string]any); m["name"] == "KOST_CDC_FEEDS" {
			feeds = m["value"].(string)
		}
	}
	users := map[string]*graph.Resource{}
	for _, u := range ofKind(g, "KafkaUser") {
		users[u.String("metadata.name")] = u
	}
	allows := func(user, topic, op string) bool {
		for _, a := range users[user].List("spec.authorization.acls") {
			acl := a.(map[string]any)
			res := acl["resource"].(map[string]any)
			if res["type"] == "topic" && res["name"] == topic && slices.Contains(acl["operations"].([]any), any(op)) {
				return true
			}
		}
		return false
	}
	for topic := range topics {
		if !strings.Contains(feeds, "/"+topic+"?") {
			t.Errorf("topic %s: no feed writes it", topic)
		}
		if !allows(data.CDCUser, topic, "Write") || !allows(data.SparkKafkaUser, topic, "Read") {
			t.Errorf("topic %s: TiCDC may not write it or Spark may not read it", topic)
		}
	}
	app := ofKind(g, "SparkApplication")[0]
	ns := app.String("metadata.namespace")
	var topic string
	for _, e := range app.List("spec.driver.env") {
		if m := e.(map[string]any); m["name"] == "KOST_CDC_TOPIC" {
			topic = m["value"].(string)
		}
	}
	if !topics[topic] {
		t.Errorf("the example reads %q, which no feed writes (%v)", topic, topics)
	}
	for _, vol := range app.List("spec.volumes") {
		sec, ok := vol.(map[string]any)["secret"].(map[string]any)
		if !ok {
			continue
		}
		if secretIn(g, ns, sec["secretName"].(string)) == nil {
			t.Errorf("the example mounts %s/%s, which kost does not make", ns, sec["secretName"])
		}
	}
	if init := app.List("spec.driver.initContainers"); len(init) != 1 {
		t.Errorf("with TLS the driver needs the trust store init container, got %v", init)
	}
}

func ofKind(g *graph.Graph, kind string) []*graph.Resource {
	var out []*graph.Resource
	for _, r := range g.Resources {
		if strings.HasSuffix(r.Type, ":"+kind) && r.Custom {
			out = append(out, r)
		}
	}
	return out
}

func secretIn(g *graph.Graph, ns, name string) *graph.Resource {
	for _, s := range g.OfType("kubernetes:core/v1:Secret") {
		if s.String("metadata.namespace") == ns && s.String("metadata.name") == name {
			return s
		}
	}
	return nil
}
