package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kost-platform/kost/components/monitoring"
	"github.com/kost-platform/kost/stacks/config"
)

func readmeSection(t *testing.T, marker string) (before, section, after string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- "+marker+":begin -->\n", "<!-- "+marker+":end -->"
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %s markers", marker)
	}
	return s[:i+len(begin)], s[i+len(begin) : j], s[j:]
}

// rendered checks that the README's marker section is want, or, with UPDATE_GOLDEN, writes it.
func rendered(t *testing.T, marker, want string) {
	t.Helper()
	before, got, after := readmeSection(t, marker)
	if update {
		if err := os.WriteFile(filepath.Join(root, "README.md"), []byte(before+want+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("README %s section is stale (-want +got); run UPDATE_GOLDEN=1 go test ./tests/:\n%s", marker, d)
	}
}

// The README's versions table is rendered from stacks/config/versions.go.
func TestReadmeVersionsTable(t *testing.T) { rendered(t, "versions", config.VersionsMarkdown()) }

// The README's config reference documents every key of the environment, and nothing else.
func TestReadmeConfigReference(t *testing.T) {
	_, section, _ := readmeSection(t, "config")
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(documented)
	keys := configKeys(reflect.TypeFor[config.Environment](), "")
	slices.Sort(keys)
	if d := cmp.Diff(keys, documented); d != "" {
		t.Errorf("README config reference vs the config types (-types +README):\n%s", d)
	}
}

// configKeys lists the documented key paths of a config type: leaves, with lists as [] and maps of
// structs as .<pool>; Versions is documented as one row, versions.<key>.
func configKeys(t reflect.Type, prefix string) []string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[config.Versions]() {
		return []string{prefix + ".<key>"}
	}
	switch t.Kind() {
	case reflect.Struct:
		var out []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			out = append(out, configKeys(f.Type, p)...)
		}
		return out
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return configKeys(t.Elem(), prefix+"[]")
		}
	case reflect.Map:
		e := t.Elem()
		if e.Kind() == reflect.Pointer {
			e = e.Elem()
		}
		if e.Kind() == reflect.Struct {
			return configKeys(e, prefix+".<pool>")
		}
	}
	return []string{prefix}
}

// The README's alert runbook lists every alert kost defines, rendered from components/monitoring.
func TestReadmeAlerts(t *testing.T) {
	targets := monitoring.Targets{
		TiDB:             &monitoring.TiDBTarget{Cluster: "kost", Namespace: "tidb", Components: []string{"pd", "tikv", "tidb", "tiflash", "ticdc"}},
		Kafka:            &monitoring.KafkaTarget{Cluster: "kost", Namespace: "kafka"},
		Operators:        []monitoring.Operator{{Name: "Strimzi", Namespace: "strimzi"}},
		VolumeNamespaces: []string{"tidb", "kafka"},
		CDCSyncNamespace: "tidb",
	}
	var b strings.Builder
	b.WriteString("| alert | severity | after | what it means | what to do |\n|---|---|---|---|---|\n")
	for _, a := range monitoring.Alerts(targets) {
		fmt.Fprintf(&b, "| <a id=\"%s\"></a>`%s` | %s | %s | %s | %s |\n", strings.ToLower(a.Name), a.Name, a.Severity, a.For, a.Summary, a.Runbook)
	}
	rendered(t, "alerts", b.String())
}
