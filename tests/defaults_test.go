package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kost-platform/kost/offline"
	"github.com/kost-platform/kost/policies/rules"
	"github.com/kost-platform/kost/stacks"
)

// TestFreshDefaultsPassDefaultPolicies plans, for each cloud, mode and size, a new stack that sets
// only what kost requires, and checks it against the policy pack with no config of its own (every
// policy's defaults), as a stack copied from the README would be checked before anyone writes a
// policies/config/<stack>.json. Defaults that fail kost's own policies are defects.
func TestFreshDefaultsPassDefaultPolicies(t *testing.T) {
	t.Parallel()
	required := map[string]map[string]any{
		"aws":   {"cloud": "aws", "region": "us-east-1"},
		"gcp":   {"cloud": "gcp", "region": "europe-west4", "gcp": map[string]any{"project": "acme-kost-fresh"}},
		"azure": {"cloud": "azure", "region": "westeurope", "azure": map[string]any{"subscriptionId": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}},
	}
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		for _, mode := range []string{"managed", "self-managed"} {
			for _, size := range []string{"dev", "prod"} {
				t.Run(fmt.Sprintf("%s/%s/%s", cloud, mode, size), func(t *testing.T) {
					t.Parallel()
					region := map[string]any{"kubernetes": map[string]any{"mode": mode}}
					if size == "prod" && (cloud == "azure" || (cloud == "aws" && mode == "self-managed")) {
						// Protected by default, backed up by default; kost cannot back these up (README,
						// Backups), and says so until the exemption is written (config tests cover it).
						region["backupExemption"] = "accepted in this test"
					}
					for k, v := range required[cloud] {
						region[k] = v
					}
					// Private API servers need their deployers: the one field kost requires beyond the region.
					deployers := map[string]any{"deployers": map[string]any{"cidrs": []any{"10.250.0.0/24"}}}
					env, err := json.Marshal(map[string]any{"name": "fresh", "size": size, "network": deployers, "regions": []any{region}})
					if err != nil {
						t.Fatal(err)
					}
					g, err := offline.Run("fresh", map[string]string{stacks.ConfigKey: string(env)}, nil, stacks.Deploy)
					if err != nil {
						t.Fatalf("a stack of defaults does not plan: %v", err)
					}
					for _, v := range rules.MandatoryOf(rules.Evaluate(g, rules.PackConfig{})) {
						t.Errorf("%s", v)
					}
				})
			}
		}
	}
}
