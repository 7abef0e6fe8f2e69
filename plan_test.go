package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kost-platform/kost/graph"
)

func TestPlanCommand(t *testing.T) {
	cases := map[string]struct {
		reason string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		"DevText": {reason: "the README's first command", args: []string{"--stack", "dev", "--dir", "."}, code: 0,
			stdout: []string{"aws-us-east-1  kost:stacks:Region", "aws:ec2/vpc:Vpc", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "pulumi:providers:kubernetes", "Total: "}},
		"DevJSON": {reason: "machine-readable plan", args: []string{"--stack", "dev", "--format", "json", "--dir", "."}, code: 0,
			stdout: []string{`"resources": [`, `"urn": "urn:pulumi:dev::kost::`}},
		"Broken": {reason: "a bad environment exits non-zero with the validation message", args: []string{"--stack", "broken", "--dir", "tests/testdata"}, code: 1,
			stderr: []string{"problems:", "database.pd", "regions[0].cidr", "databse", `did you mean "database"`}},
		"PolicyViolations": {reason: "mandatory violations fail the plan and are listed", args: []string{"--stack", "policy-broken", "--dir", "tests/testdata"}, code: 1,
			stdout: []string{"Policies: ", "[mandatory] quorum: PD has 1 members"}, stderr: []string{"mandatory policies are violated"}},
		"NoStack":   {reason: "a missing stack file is named", args: []string{"--stack", "nope", "--dir", "."}, code: 1, stderr: []string{"Pulumi.nope.yaml"}},
		"BadFormat": {reason: "bad flags are usage errors", args: []string{"--format", "yaml"}, code: 2, stderr: []string{"use text or json"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := planCommand(tc.args, &out, &errb)
			if code != tc.code {
				t.Fatalf("%s: exit %d, want %d\nstderr: %s", tc.reason, code, tc.code, errb.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("%s: stdout lacks %q:\n%s", tc.reason, s, out.String())
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("%s: stderr lacks %q:\n%s", tc.reason, s, errb.String())
				}
			}
			if strings.Contains(name, "JSON") {
				var p graph.JSONPlan
				if err := json.Unmarshal(out.Bytes(), &p); err != nil || len(p.Resources) == 0 {
					t.Errorf("not a JSON plan: %v", err)
				}
			}
		})
	}
}
