package config

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// publish writes a chart the way a mirror holds it: <name>-<version>.tgz (packed) or
// <name>-<version>/ (unpacked), with a Chart.yaml of version chartVersion.
func publish(t *testing.T, dir, name, version, chartVersion string, packed bool) {
	t.Helper()
	chartYAML := "apiVersion: v2\nname: " + name + "\nversion: " + chartVersion + "\n"
	if !packed {
		d := filepath.Join(dir, name+"-"+version)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "Chart.yaml"), []byte(chartYAML), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Create(filepath.Join(dir, name+"-"+version+".tgz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: name + "/Chart.yaml", Mode: 0o644, Size: int64(len(chartYAML))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(chartYAML)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

// publishedMirror is a directory mirror holding the pinned operator charts and CRD manifest.
func publishedMirror(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	publish(t, dir, "strimzi-kafka-operator", Pinned.Strimzi, Pinned.Strimzi, true)
	publish(t, dir, "tidb-operator", Pinned.TiDBOperator, Pinned.TiDBOperator, false)
	publish(t, dir, "spark-operator", Pinned.SparkOperator, Pinned.SparkOperator, true)
	publish(t, dir, MonitoringChart.Name, MonitoringChart.Version, MonitoringChart.Version, true)
	if err := os.WriteFile(filepath.Join(dir, "tidb-operator-crd-"+Pinned.TiDBOperator+".yaml"), []byte("---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestResolveChart(t *testing.T) {
	t.Parallel()
	dir := publishedMirror(t)
	publish(t, dir, "tidb-operator", "1.2.3", "1.2.3", false)
	strimzi, tidb := Charts["strimzi"], Charts["tidbOperator"]
	cases := map[string]struct {
		reason string
		mirror *Mirror
		chart  Chart
		want   ChartSource
	}{
		"Upstream": {reason: "no mirror: the chart's own repository", chart: tidb,
			want: ChartSource{Name: "tidb-operator", Repo: tidb.Repo, Version: "1.2.3"}},
		"UpstreamOCI": {reason: "no mirror: Strimzi's OCI reference", chart: strimzi,
			want: ChartSource{Name: strimzi.Name, Version: "1.2.3"}},
		"OCIMirror": {reason: "every chart under the OCI prefix by its name", mirror: &Mirror{Charts: "oci://registry.example.com/charts/"}, chart: strimzi,
			want: ChartSource{Name: "oci://registry.example.com/charts/strimzi-kafka-operator", Version: "1.2.3"}},
		"RepoMirror": {reason: "a Helm repository holding every chart", mirror: &Mirror{Charts: "https://charts.example.com"}, chart: strimzi,
			want: ChartSource{Name: "strimzi-kafka-operator", Repo: "https://charts.example.com", Version: "1.2.3"}},
		"DirectoryUnpacked": {reason: "an unpacked chart directory", mirror: &Mirror{Charts: dir}, chart: tidb,
			want: ChartSource{Name: filepath.Join(dir, "tidb-operator-1.2.3"), Version: "1.2.3"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := &Environment{Mirror: tc.mirror}
			if d := cmp.Diff(tc.want, e.ResolveChart(tc.chart, "1.2.3")); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
		})
	}
	e := &Environment{Mirror: &Mirror{Charts: dir}}
	if got := e.ResolveChart(strimzi, Pinned.Strimzi).Name; got != filepath.Join(dir, "strimzi-kafka-operator-"+Pinned.Strimzi+".tgz") {
		t.Errorf("a packed chart resolves to its .tgz, got %s", got)
	}
}

func TestTiDBOperatorCRDManifest(t *testing.T) {
	t.Parallel()
	for loc, want := range map[string]string{
		"":                                  TiDBOperatorCRDs("v1.6.6"),
		"https://mirror.example.com/m/":     "https://mirror.example.com/m/tidb-operator-crd-v1.6.6.yaml",
		"/srv/kost":                         "/srv/kost/tidb-operator-crd-v1.6.6.yaml",
		"oci://registry.example.com/charts": TiDBOperatorCRDs("v1.6.6"), // refused by validation
	} {
		e := &Environment{Mirror: &Mirror{Manifests: loc}}
		if got := e.TiDBOperatorCRDManifest("v1.6.6"); got != want {
			t.Errorf("manifests %q: %s, want %s", loc, got, want)
		}
	}
}

func TestValidateMirror(t *testing.T) {
	t.Parallel()
	good := publishedMirror(t)
	stale := publishedMirror(t)
	// The directory claims the pinned version; the chart inside is another.
	if err := os.Remove(filepath.Join(stale, "spark-operator-"+Pinned.SparkOperator+".tgz")); err != nil {
		t.Fatal(err)
	}
	publish(t, stale, "spark-operator", Pinned.SparkOperator, "2.0.0", true)
	partial := t.TempDir()
	cases := map[string]struct {
		reason    string
		mirror    map[string]any
		wantPaths []string
		wantText  []string
	}{
		"Directory":  {reason: "a directory with every pinned chart and the manifest", mirror: map[string]any{"charts": good, "manifests": good}},
		"Registries": {reason: "registries are not looked into offline", mirror: map[string]any{"charts": "oci://r.example.com/c", "manifests": "https://m.example.com"}},
		"PlainHTTP": {reason: "charts never come over plain HTTP", mirror: map[string]any{"charts": "http://charts.example.com"},
			wantPaths: []string{"mirror.charts"}, wantText: []string{"plain HTTP"}},
		"ManifestsFromOCI": {reason: "the CRD manifest is a file, not an OCI artifact", mirror: map[string]any{"manifests": "oci://r.example.com/c"},
			wantPaths: []string{"mirror.manifests"}, wantText: []string{"not an OCI registry"}},
		"NoSuchDirectory": {reason: "a typo in the path", mirror: map[string]any{"charts": filepath.Join(good, "nope")},
			wantPaths: []string{"mirror.charts"}, wantText: []string{"not a directory"}},
		"MissingEverything": {reason: "each missing chart and the manifest named, all at once", mirror: map[string]any{"charts": partial, "manifests": partial},
			wantPaths: []string{"mirror.charts", "mirror.charts", "mirror.charts", "mirror.charts", "mirror.manifests"},
			wantText: []string{"holds no strimzi chart 1.2.0", "helm pull oci://quay.io/strimzi-helm/strimzi-kafka-operator", "tidb-operator-crd-v1.6.6.yaml",
				"holds no kubePrometheusStack chart 88.3.0"}},
		"WrongVersionInside": {reason: "the Chart.yaml decides, not the file name", mirror: map[string]any{"charts": stale},
			wantPaths: []string{"mirror.charts"}, wantText: []string{"is chart version 2.0.0, but kost pins sparkOperator 2.5.2"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := base()
			m["mirror"] = tc.mirror
			_, err := load(t, m)
			var got []string
			var ps Problems
			if errors.As(err, &ps) {
				got = ps.Paths()
			} else if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(tc.wantPaths)
			slices.Sort(want)
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("%s: problem paths (-want +got):\n%s\n%v", tc.reason, d, err)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: message lacks %q:\n%v", tc.reason, w, err)
				}
			}
		})
	}
}
