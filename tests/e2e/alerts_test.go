package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kost-platform/kost/components/data"
	"github.com/kost-platform/kost/components/monitoring"
	"github.com/kost-platform/kost/components/platform"
)

// alertTargets are the targets testdata/alerts.test.yml is written for: a prod cluster's, every
// TiDB component and the changefeed sync jobs included.
func alertTargets() monitoring.Targets {
	return monitoring.Targets{
		TiDB: &monitoring.TiDBTarget{Cluster: data.TiDBClusterName, Namespace: data.NamespaceTiDB,
			Components: []string{"pd", "tikv", "tidb", "tiflash", "ticdc"}, ClientSecret: data.TiDBClientSecret},
		Kafka: &monitoring.KafkaTarget{Cluster: data.KafkaClusterName, Namespace: data.NamespaceKafka, Exporter: true},
		Operators: []monitoring.Operator{
			{Name: "Strimzi", Namespace: platform.NamespaceStrimzi},
			{Name: "TiDB Operator", Namespace: platform.NamespaceTiDBOperator},
			{Name: "Spark operator", Namespace: platform.NamespaceSparkOperator},
		},
		VolumeNamespaces: []string{data.NamespaceTiDB, data.NamespaceKafka},
		CDCSyncNamespace: data.NamespaceTiDB,
	}
}

// kost's alert rules pass `promtool check rules` and the unit tests of testdata/alerts.test.yml
// under `promtool test rules` (Prometheus' rule engine), which cover every alert.
func TestAlertRules(t *testing.T) {
	bin := os.Getenv("KOST_E2E_BIN")
	if bin == "" {
		t.Skip("`make e2e` runs it with promtool from the tools cache (tools.sh)")
	}
	promtool := filepath.Join(bin, "promtool")
	dir := t.TempDir()
	targets := alertTargets()
	// Annotations are prose for people; the tests check what fires, when, and with which labels.
	groups := monitoring.RuleGroups(targets)
	for _, g := range groups {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			delete(r.(map[string]any), "annotations")
		}
	}
	rules, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join("testdata", "alerts.test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alerts.test.yml"), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "rules", "rules.yml"}, {"test", "rules", "alerts.test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		} else {
			t.Logf("promtool %v:\n%s", args, out)
		}
	}

	// Every alert has a case where it fires.
	var file struct {
		Tests []struct {
			AlertRuleTest []struct {
				AlertName string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(tests, &file); err != nil {
		t.Fatal(err)
	}
	var fires []string
	for _, tc := range file.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires = append(fires, a.AlertName)
			}
		}
	}
	for _, a := range monitoring.Alerts(targets) {
		if !slices.Contains(fires, a.Name) {
			t.Errorf("alert %s has no promtool case where it fires (testdata/alerts.test.yml)", a.Name)
		}
	}
}
