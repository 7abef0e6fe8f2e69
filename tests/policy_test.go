package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/kost-platform/kost/offline"
	"github.com/kost-platform/kost/policies/rules"
	"github.com/kost-platform/kost/stacks"
)

func TestShippedEnvironmentsPassPolicies(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			if _, err := os.Stat(rules.ConfigPath(root, stack)); err != nil {
				t.Fatalf("every stack needs its policy config (CI previews with it): %v", err)
			}
			pc, err := rules.ForStack(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range rules.MandatoryOf(rules.Evaluate(evaluate(t, stack), pc)) {
				t.Errorf("%s", v)
			}
		})
	}
}

func TestBrokenEnvironmentViolatesExactly(t *testing.T) {
	g, err := offline.Evaluate("testdata", "policy-broken", stacks.Deploy)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := rules.LoadPackConfig(filepath.Join(root, "policies", "config", "prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rules.Evaluate(g, pc) {
		r, _ := g.Get(v.URN)
		got = append(got, fmt.Sprintf("%s %s %s", v.Level, v.Policy, r.Name))
	}
	slices.Sort(got)
	got = slices.Compact(got)
	want := []string{
		"advisory allowed-instance-types aws-us-east-2-spark",
		"mandatory private-control-plane aws-us-east-2",
		"mandatory quorum aws-us-east-2-kafka",
		"mandatory quorum aws-us-east-2-kafka-brokers",
		"mandatory quorum aws-us-east-2-kafka-controllers",
		"mandatory quorum aws-us-east-2-kafka-topic-tidb-cdc",
		"mandatory quorum aws-us-east-2-tidb",
		"mandatory stateful-protection aws-us-east-2-kafka",
		"mandatory stateful-protection aws-us-east-2-kafka-brokers",
		"mandatory stateful-protection aws-us-east-2-kafka-controllers",
		"mandatory stateful-protection aws-us-east-2-kafka-topic-tidb-cdc",
		"mandatory stateful-protection aws-us-east-2-tidb",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("violations of the broken environment (-want +got):\n%s", d)
	}
}

// The engine runs the same checks: through policyx, with the properties it sends, every resource of
// every shipped stack gets exactly the findings the offline run gives without resource options.
func TestEnginePathMatchesOffline(t *testing.T) {
	for _, stack := range append(shippedStacks(t), "policy-broken") {
		t.Run(stack, func(t *testing.T) {
			dir := root
			if stack == "policy-broken" {
				dir = "testdata"
			}
			g, err := offline.Evaluate(dir, stack, stacks.Deploy)
			if err != nil {
				t.Fatal(err)
			}
			pc, err := rules.ForStack(root, "prod")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rules.ResourcePolicies {
				_, cfg := pc.For(p.Name, p.Level)
				adapted := rules.Adapt(p)
				for _, r := range g.Resources {
					var engine []string
					err := adapted.Validate(context.Background(), policyx.ResourceValidationArgs{
						Manager: reporter(func(m string) { engine = append(engine, m) }),
						Config:  cfg,
						Resource: policyx.AnalyzerResource{Type: r.Type, URN: r.URN, Name: r.Name,
							Properties: resource.FromResourcePropertyMap(r.Inputs)},
					})
					if err != nil {
						t.Fatal(err)
					}
					offline := p.Check(rules.Check{R: r, Config: cfg})
					if len(engine) != len(offline) {
						t.Errorf("%s on %s: engine %v, offline %v", p.Name, r.Name, engine, offline)
					}
				}
			}
		})
	}
}

type reporter func(string)

func (r reporter) ReportViolation(message, _ string) { r(message) }
