package crdcheck

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// repoRoot is the repository root as seen from this package's folder.
const repoRoot = "../.."

var shared struct {
	once sync.Once
	v    *Validator
	err  error
}

// sharedValidator loads the real CRDs once for all tests, skipping when the folder is absent.
func sharedValidator(tb testing.TB) *Validator {
	tb.Helper()
	dir, ok := Dir(repoRoot)
	if !ok {
		tb.Skipf("CRD folder %s not found (set %s to the folder holding strimzi-*/, tidb-operator-*/, spark-operator-*/)", dir, envDir)
	}
	shared.once.Do(func() { shared.v, shared.err = Load(dir) })
	if shared.err != nil {
		tb.Fatalf("Load(%s): %v", dir, shared.err)
	}
	return shared.v
}

func kafka(edit func(kafkaSpec map[string]any)) map[string]any {
	spec := map[string]any{
		"listeners": []any{
			map[string]any{"name": "plain", "port": 9092, "type": "internal", "tls": false},
		},
	}
	if edit != nil {
		edit(spec)
	}
	return map[string]any{
		"apiVersion": "kafka.strimzi.io/v1",
		"kind":       "Kafka",
		"metadata":   map[string]any{"name": "events", "namespace": "kafka"},
		"spec":       map[string]any{"kafka": spec},
	}
}

func kafkaUser(auth map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "kafka.strimzi.io/v1",
		"kind":       "KafkaUser",
		"metadata":   map[string]any{"name": "app", "namespace": "kafka", "labels": map[string]any{"strimzi.io/cluster": "events"}},
		"spec":       map[string]any{"authentication": auth},
	}
}

func tidbCluster(edit func(pd map[string]any)) map[string]any {
	pd := map[string]any{"replicas": 3, "baseImage": "pingcap/pd"}
	if edit != nil {
		edit(pd)
	}
	return map[string]any{
		"apiVersion": "pingcap.com/v1alpha1",
		"kind":       "TidbCluster",
		"metadata":   map[string]any{"name": "basic", "namespace": "tidb"},
		"spec": map[string]any{
			"version": "v8.5.0",
			"pd":      pd,
			"tikv":    map[string]any{"replicas": 3, "baseImage": "pingcap/tikv"},
			"tidb":    map[string]any{"replicas": 2, "baseImage": "pingcap/tidb"},
		},
	}
}

func sparkApplication() map[string]any {
	return map[string]any{
		"apiVersion": "sparkoperator.k8s.io/v1beta2",
		"kind":       "SparkApplication",
		"metadata":   map[string]any{"name": "pi", "namespace": "spark"},
		"spec": map[string]any{
			"type":                "Scala",
			"mode":                "cluster",
			"sparkVersion":        "3.5.5",
			"mainClass":           "org.apache.spark.examples.SparkPi",
			"mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
			"driver":              map[string]any{"cores": 1, "memory": "512m"},
			"executor":            map[string]any{"instances": 1, "cores": 1, "memory": "512m"},
		},
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	v := sharedValidator(t)
	cases := map[string]struct {
		reason  string
		obj     map[string]any
		wantErr bool
		wantIn  string
	}{
		"KafkaMinimal": {
			reason: "a Kafka with only the required listeners is accepted",
			obj:    kafka(nil),
		},
		"KafkaUnknownField": {
			reason:  "strict field validation rejects a field the schema does not know",
			obj:     kafka(func(s map[string]any) { s["foo"] = "bar" }),
			wantErr: true,
			wantIn:  `unknown field "spec.kafka.foo"`,
		},
		"KafkaUnknownTopLevelField": {
			reason:  "unknown fields next to spec are rejected too",
			obj:     func() map[string]any { o := kafka(nil); o["extra"] = 1; return o }(),
			wantErr: true,
			wantIn:  `unknown field "extra"`,
		},
		"KafkaUnknownMetadataField": {
			reason:  "metadata is decoded strictly into ObjectMeta",
			obj:     func() map[string]any { o := kafka(nil); o["metadata"].(map[string]any)["label"] = "x"; return o }(),
			wantErr: true,
			wantIn:  `unknown field "metadata.label"`,
		},
		"KafkaPortAsString": {
			reason: "a listener port given as a string has the wrong type",
			obj: kafka(func(s map[string]any) {
				s["listeners"].([]any)[0].(map[string]any)["port"] = "9092"
			}),
			wantErr: true,
			wantIn:  "spec.kafka.listeners[0].port",
		},
		"KafkaListenerMissingTLS": {
			reason: "a listener lacking a required property is rejected",
			obj: kafka(func(s map[string]any) {
				delete(s["listeners"].([]any)[0].(map[string]any), "tls")
			}),
			wantErr: true,
			wantIn:  "spec.kafka.listeners[0].tls: Required value",
		},
		"KafkaListenerBadEnum": {
			reason: "a listener type outside the enum is rejected",
			obj: kafka(func(s map[string]any) {
				s["listeners"].([]any)[0].(map[string]any)["type"] = "public"
			}),
			wantErr: true,
			wantIn:  "Unsupported value",
		},
		"KafkaMetricsCEL": {
			reason:  "the CEL rule on metricsConfig requires valueFrom for jmxPrometheusExporter",
			obj:     kafka(func(s map[string]any) { s["metricsConfig"] = map[string]any{"type": "jmxPrometheusExporter"} }),
			wantErr: true,
			wantIn:  "valueFrom property is required",
		},
		"KafkaStatusDropped": {
			reason: "CREATE drops .status when the status subresource is on, so an invalid status is ignored",
			obj: func() map[string]any {
				o := kafka(nil)
				o["status"] = map[string]any{"observedGeneration": "x"}
				return o
			}(),
		},
		"KafkaUserTLSValidity": {
			reason: "validityDays and renewalDays are allowed together with type tls",
			obj:    kafkaUser(map[string]any{"type": "tls", "validityDays": 30, "renewalDays": 10}),
		},
		"KafkaUserScramValidityCEL": {
			reason:  "the KafkaUser CEL rule forbids validityDays with scram-sha-512",
			obj:     kafkaUser(map[string]any{"type": "scram-sha-512", "validityDays": 30}),
			wantErr: true,
			wantIn:  "'validityDays' and 'renewalDays' can be configured only with 'type: tls'",
		},
		"TidbClusterMinimal": {
			reason: "a TidbCluster with pd, tikv and tidb replicas is accepted",
			obj:    tidbCluster(nil),
		},
		"TidbClusterUnknownPDField": {
			reason:  "an unknown field under spec.pd is rejected",
			obj:     tidbCluster(func(pd map[string]any) { pd["replica"] = 3 }),
			wantErr: true,
			wantIn:  `unknown field "spec.pd.replica"`,
		},
		"TidbClusterPDWithoutReplicas": {
			reason:  "spec.pd.replicas is required",
			obj:     tidbCluster(func(pd map[string]any) { delete(pd, "replicas") }),
			wantErr: true,
			wantIn:  "spec.pd.replicas: Required value",
		},
		"SparkApplicationMinimal": {
			reason: "a SparkApplication with the required fields is accepted",
			obj:    sparkApplication(),
		},
		"UnknownKind": {
			reason:  "a kind no loaded CRD defines is rejected, naming it",
			obj:     map[string]any{"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaCluster", "metadata": map[string]any{"name": "a", "namespace": "b"}},
			wantErr: true,
			wantIn:  "kafka.strimzi.io/v1, Kind=KafkaCluster",
		},
		"UnknownVersion": {
			reason:  "a version the CRD does not define is rejected",
			obj:     func() map[string]any { o := kafka(nil); o["apiVersion"] = "kafka.strimzi.io/v1beta2"; return o }(),
			wantErr: true,
			wantIn:  "kafka.strimzi.io/v1beta2, Kind=Kafka",
		},
		"MissingName": {
			reason:  "metadata.name is required",
			obj:     func() map[string]any { o := kafka(nil); delete(o["metadata"].(map[string]any), "name"); return o }(),
			wantErr: true,
			wantIn:  "metadata.name: Required value",
		},
		"GenerateNameOnly": {
			reason: "generateName is not enough: no server resolves it here",
			obj: func() map[string]any {
				o := kafka(nil)
				m := o["metadata"].(map[string]any)
				delete(m, "name")
				m["generateName"] = "events-"
				return o
			}(),
			wantErr: true,
			wantIn:  "metadata.name: Required value",
		},
		"InvalidName": {
			reason:  "metadata.name must be a DNS-1123 subdomain",
			obj:     func() map[string]any { o := kafka(nil); o["metadata"].(map[string]any)["name"] = "Events_1"; return o }(),
			wantErr: true,
			wantIn:  "metadata.name: Invalid value",
		},
		"MissingNamespace": {
			reason:  "a namespaced kind needs metadata.namespace",
			obj:     func() map[string]any { o := kafka(nil); delete(o["metadata"].(map[string]any), "namespace"); return o }(),
			wantErr: true,
			wantIn:  "metadata.namespace: Required value",
		},
		"MalformedMetadata": {
			reason:  "metadata that does not decode as ObjectMeta fails the request",
			obj:     func() map[string]any { o := kafka(nil); o["metadata"].(map[string]any)["labels"] = 5; return o }(),
			wantErr: true,
			wantIn:  "cannot be decoded as ObjectMeta",
		},
		"InvalidNamespace": {
			reason:  "metadata.namespace must be a DNS label",
			obj:     func() map[string]any { o := kafka(nil); o["metadata"].(map[string]any)["namespace"] = "a.b"; return o }(),
			wantErr: true,
			wantIn:  "metadata.namespace: Invalid value",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := v.Validate(tc.obj)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("%s\nValidate() error = %v, wantErr %t", tc.reason, err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("%s\nValidate() error = %v\nwant it to contain %q", tc.reason, err, tc.wantIn)
			}
		})
	}
}

func TestValidateErrorStructure(t *testing.T) {
	t.Parallel()
	v := sharedValidator(t)
	obj := kafka(func(s map[string]any) {
		s["foo"] = "bar"
		s["listeners"].([]any)[0].(map[string]any)["port"] = "9092"
	})
	before := kafka(func(s map[string]any) {
		s["foo"] = "bar"
		s["listeners"].([]any)[0].(map[string]any)["port"] = "9092"
	})

	err := v.Validate(obj)
	var verr *Error
	if !errors.As(err, &verr) {
		t.Fatalf("Validate() error = %v (%T), want a *Error", err, err)
	}
	if diff := cmp.Diff([]string{"spec.kafka.foo"}, verr.Unknown); diff != "" {
		t.Errorf("Error.Unknown mismatch (-want +got):\n%s", diff)
	}
	var paths []string
	for _, fe := range verr.Fields {
		paths = append(paths, fe.Field)
	}
	if !slices.Contains(paths, "spec.kafka.listeners[0].port") {
		t.Errorf("Error.Fields paths = %v, want spec.kafka.listeners[0].port among them", paths)
	}
	if got, want := len(verr.Unwrap()), len(verr.Unknown)+len(verr.Fields); got != want {
		t.Errorf("len(Unwrap()) = %d, want %d", got, want)
	}
	if diff := cmp.Diff(before, obj); diff != "" {
		t.Errorf("Validate modified its argument (-before +after):\n%s", diff)
	}
}

func TestValidateUnknownKindIs(t *testing.T) {
	t.Parallel()
	v := sharedValidator(t)
	err := v.Validate(map[string]any{"apiVersion": "example.com/v1", "kind": "Thing"})
	if !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("Validate() error = %v, want one wrapping ErrUnknownKind", err)
	}
	if !strings.Contains(err.Error(), "kafka.strimzi.io/v1, Kind=Kafka") {
		t.Errorf("Validate() error = %v, want it to list the loaded kinds", err)
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	v := sharedValidator(t)
	got := v.Kinds()
	if !slices.IsSorted(got) {
		t.Errorf("Kinds() is not sorted: %v", got)
	}
	var picked []string
	for _, k := range got {
		switch k {
		case "kafka.strimzi.io/v1, Kind=Kafka", "kafka.strimzi.io/v1, Kind=KafkaUser",
			"pingcap.com/v1alpha1, Kind=TidbCluster", "sparkoperator.k8s.io/v1beta2, Kind=SparkApplication":
			picked = append(picked, k)
		}
	}
	want := []string{
		"kafka.strimzi.io/v1, Kind=Kafka",
		"kafka.strimzi.io/v1, Kind=KafkaUser",
		"pingcap.com/v1alpha1, Kind=TidbCluster",
		"sparkoperator.k8s.io/v1beta2, Kind=SparkApplication",
	}
	if diff := cmp.Diff(want, picked); diff != "" {
		t.Errorf("Kinds() mismatch on the kinds the platform uses (-want +got):\n%s", diff)
	}
}

// widgetCRD is a small cluster-scoped CRD; schema is spliced in under openAPIV3Schema.
func widgetCRD(schema string) string {
	return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
` + schema
}

const widgetSchema = `        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, default: 1, minimum: 1}
`

func TestLoad(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason  string
		files   map[string]string
		wantErr bool
		wantIn  string
	}{
		"MultiDocumentWithOtherKinds": {
			reason: "other kinds and empty documents are skipped, CRDs in any document are loaded",
			files: map[string]string{
				"a/crds.yaml":  "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n---\n" + widgetCRD(widgetSchema),
				"values.yml":   "replicas: 3\nimage: {tag: v1}\n",
				"notes.txt":    "not YAML: [",
				"b/list.yaml":  "- a\n- b\n",
				"b/empty.yaml": "",
			},
			wantIn: "example.com/v1, Kind=Widget",
		},
		"NoCRD": {
			reason:  "a folder without any CRD is an error",
			files:   map[string]string{"values.yaml": "a: 1\n"},
			wantErr: true,
			wantIn:  "no CustomResourceDefinition",
		},
		"NotStructural": {
			reason: "a schema without types is not structural and reported at Load",
			files: map[string]string{"crd.yaml": widgetCRD(`        type: object
        properties:
          spec: {description: untyped}
`)},
			wantErr: true,
			wantIn:  "not structural",
		},
		"InvalidDefault": {
			reason: "a default that breaks its own schema is reported at Load",
			files: map[string]string{"crd.yaml": widgetCRD(`        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, default: 0, minimum: 1}
`)},
			wantErr: true,
			wantIn:  "defaults",
		},
		"BrokenCELRule": {
			reason: "a CEL rule that does not compile is reported at Load",
			files: map[string]string{"crd.yaml": widgetCRD(`        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.nosuchfield > 1
            properties:
              size: {type: integer}
`)},
			wantErr: true,
			wantIn:  "x-kubernetes-validations",
		},
		"UnknownCRDField": {
			reason:  "CRD files are decoded strictly",
			files:   map[string]string{"crd.yaml": strings.Replace(widgetCRD(widgetSchema), "  scope: Cluster", "  scope: Cluster\n  scoop: x", 1)},
			wantErr: true,
			wantIn:  "scoop",
		},
		"Duplicate": {
			reason:  "two CRDs defining the same kind are an error",
			files:   map[string]string{"one.yaml": widgetCRD(widgetSchema), "two.yaml": widgetCRD(widgetSchema)},
			wantErr: true,
			wantIn:  "already defined",
		},
		"V1beta1": {
			reason:  "apiextensions.k8s.io/v1beta1 CRDs are no longer served by kube-apiserver",
			files:   map[string]string{"crd.yaml": strings.Replace(widgetCRD(widgetSchema), "apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1", 1)},
			wantErr: true,
			wantIn:  "v1beta1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for p, content := range tc.files {
				p = filepath.Join(dir, p)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			v, err := Load(dir)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("%s\nLoad() error = %v, wantErr %t", tc.reason, err, tc.wantErr)
			}
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = strings.Join(v.Kinds(), "\n")
			}
			if !strings.Contains(got, tc.wantIn) {
				t.Errorf("%s\nLoad() = %q, want it to contain %q", tc.reason, got, tc.wantIn)
			}
		})
	}
}

func TestValidateClusterScoped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crd.yaml"), []byte(widgetCRD(widgetSchema)), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := Load(dir)
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	widget := func(meta map[string]any, spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": meta, "spec": spec}
	}
	cases := map[string]struct {
		reason  string
		obj     map[string]any
		wantErr bool
		wantIn  string
	}{
		"Valid": {
			reason: "a cluster-scoped object without namespace is accepted",
			obj:    widget(map[string]any{"name": "w"}, map[string]any{"size": 2}),
		},
		"DefaultApplied": {
			reason: "defaults are applied before validation, so an empty spec is valid",
			obj:    widget(map[string]any{"name": "w"}, map[string]any{}),
		},
		"Namespace": {
			reason:  "a cluster-scoped object must not carry a namespace",
			obj:     widget(map[string]any{"name": "w", "namespace": "default"}, map[string]any{}),
			wantErr: true,
			wantIn:  "metadata.namespace: Forbidden",
		},
		"Minimum": {
			reason:  "schema bounds apply",
			obj:     widget(map[string]any{"name": "w"}, map[string]any{"size": 0}),
			wantErr: true,
			wantIn:  "spec.size: Invalid value: 0",
		},
		"NullWithDefault": {
			reason: "a null for a defaulted, non-nullable field is defaulted, as on the API server",
			obj:    widget(map[string]any{"name": "w"}, map[string]any{"size": nil}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := v.Validate(tc.obj)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("%s\nValidate() error = %v, wantErr %t", tc.reason, err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("%s\nValidate() error = %v\nwant it to contain %q", tc.reason, err, tc.wantIn)
			}
		})
	}
}

// TestDir is not parallel: it sets the environment.
func TestDir(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "shared", "crds"), 0o755); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(root, "main")
	other := t.TempDir()
	cases := map[string]struct {
		reason string
		env    string
		want   string
		wantOK bool
	}{
		"Default": {
			reason: "without the variable the folder is ../shared/crds next to the repository",
			want:   filepath.Join(root, "shared", "crds"),
			wantOK: true,
		},
		"Override": {
			reason: "KOST_CRD_DIR wins",
			env:    other,
			want:   other,
			wantOK: true,
		},
		"Missing": {
			reason: "a folder that does not exist is reported with ok false",
			env:    filepath.Join(other, "absent"),
			want:   filepath.Join(other, "absent"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(envDir, tc.env)
			dir, ok := Dir(repo)
			if diff := cmp.Diff(struct {
				Dir string
				OK  bool
			}{tc.want, tc.wantOK}, struct {
				Dir string
				OK  bool
			}{dir, ok}); diff != "" {
				t.Errorf("%s\nDir() mismatch (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	dir, ok := Dir(repoRoot)
	if !ok {
		b.Skipf("CRD folder %s not found", dir)
	}
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	v := sharedValidator(b)
	objs := map[string]map[string]any{
		"Kafka":            kafka(nil),
		"KafkaUser":        kafkaUser(map[string]any{"type": "tls", "validityDays": 30, "renewalDays": 10}),
		"TidbCluster":      tidbCluster(nil),
		"SparkApplication": sparkApplication(),
	}
	for name, obj := range objs {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := v.Validate(obj); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
