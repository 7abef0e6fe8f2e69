package tests

import (
	"strings"
	"sync"
	"testing"

	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/tests/crdcheck"
)

var (
	crdOnce      sync.Once
	crdValidator *crdcheck.Validator
	crdErr       error
	crdDir       string
	crdFound     bool
)

// validator loads the operators' real CRDs once per test binary, or skips when they are absent.
func validator(t *testing.T) *crdcheck.Validator {
	t.Helper()
	crdOnce.Do(func() {
		crdDir, crdFound = crdcheck.Dir(root)
		if crdFound {
			crdValidator, crdErr = crdcheck.Load(crdDir)
		}
	})
	if !crdFound {
		t.Skipf("no CRD folder at %s: set KOST_CRD_DIR to the operators' CRDs (strimzi, tidb-operator, spark-operator) to run strict validation", crdDir)
	}
	if crdErr != nil {
		t.Fatal(crdErr)
	}
	return crdValidator
}

// crObject is the object the Kubernetes provider would send for a custom resource.
func crObject(r *graph.Resource) map[string]any {
	return graph.PlainMap(r.Inputs, false)
}

// Every custom resource of every shipped environment is accepted by the API server under
// fieldValidation=Strict: structural schema, unknown fields refused, defaults, CEL rules.
func TestCustomResourcesMatchCRDs(t *testing.T) {
	v := validator(t)
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			n := 0
			for _, r := range g.Resources {
				if !r.Custom || crGroup(r) == "" {
					continue
				}
				n++
				if err := v.Validate(crObject(r)); err != nil {
					t.Errorf("%s: %v", r.Name, err)
				}
			}
			if n == 0 {
				t.Fatal("no custom resources validated")
			}
		})
	}
}

// The validation is strict: a typo in a spec is refused, so the test above cannot pass vacuously.
func TestCRDValidationRefusesUnknownFields(t *testing.T) {
	v := validator(t)
	g := evaluate(t, "dev")
	for _, r := range g.Resources {
		if crGroup(r) == "" {
			continue
		}
		obj := crObject(r)
		obj["spec"].(map[string]any)["replicaz"] = 3
		err := v.Validate(obj)
		if err == nil || !strings.Contains(err.Error(), "replicaz") {
			t.Errorf("%s with spec.replicaz: %v, want an unknown-field error", r.Name, err)
		}
	}
}
