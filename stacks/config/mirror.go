package config

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kost-platform/kost/components/cluster"
	"sigs.k8s.io/yaml"
)

// ChartSource is a chart resolved to where it is installed from, what helm/v4.Chart takes: the
// components' cluster.ChartRef (Name is the chart's name in Repo, an oci:// reference or a local
// path).
type ChartSource = cluster.ChartRef

// mirrorKind classifies a mirror location.
type mirrorKind int

const (
	mirrorNone mirrorKind = iota
	mirrorOCI
	mirrorRepo
	mirrorDir
)

func classify(loc string) mirrorKind {
	switch {
	case loc == "":
		return mirrorNone
	case strings.HasPrefix(loc, "oci://"):
		return mirrorOCI
	case strings.HasPrefix(loc, "https://"), strings.HasPrefix(loc, "http://"):
		return mirrorRepo
	default:
		return mirrorDir
	}
}

// chartBase is a chart's name without its repository: the last element of an OCI reference.
func chartBase(name string) string { return path.Base(strings.TrimPrefix(name, "oci://")) }

// chartFiles are the two forms a published chart takes in a mirror directory.
func chartFiles(dir, base, version string) []string {
	stem := filepath.Join(dir, base+"-"+version)
	return []string{stem + ".tgz", stem}
}

// ResolveChart says where an upstream chart (a Chart of Charts or AddonCharts) at version is
// installed from under the environment's mirror. For a mirror directory it returns the first form
// present (see chartFiles), or the .tgz path when neither is (validation has reported that).
func (e *Environment) ResolveChart(c Chart, version string) ChartSource {
	loc := ""
	if e.Mirror != nil {
		loc = e.Mirror.Charts
	}
	base := chartBase(c.Name)
	switch classify(loc) {
	case mirrorOCI:
		return ChartSource{Name: strings.TrimSuffix(loc, "/") + "/" + base, Version: version}
	case mirrorRepo:
		return ChartSource{Name: base, Repo: loc, Version: version}
	case mirrorDir:
		dir := absDir(loc)
		files := chartFiles(dir, base, version)
		for _, f := range files {
			if _, err := os.Stat(f); err == nil {
				return ChartSource{Name: f, Version: version}
			}
		}
		return ChartSource{Name: files[0], Version: version}
	}
	return ChartSource{Name: c.Name, Repo: c.Repo, Version: version}
}

// TiDBOperatorCRDManifest is where the TiDB Operator's CRD manifest of a version comes from: the
// release's manifest, or its copy in the environment's mirror.
func (e *Environment) TiDBOperatorCRDManifest(version string) string {
	loc := ""
	if e.Mirror != nil {
		loc = e.Mirror.Manifests
	}
	file := "tidb-operator-crd-" + version + ".yaml"
	switch classify(loc) {
	case mirrorRepo:
		return strings.TrimSuffix(loc, "/") + "/" + file
	case mirrorDir:
		return filepath.Join(absDir(loc), file)
	}
	return TiDBOperatorCRDs(version)
}

// absDir makes a mirror directory absolute, relative to the working directory (the project when
// Pulumi runs the program), so the provider finds it whatever its own working directory is.
func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// neededChart is a chart the environment installs, at its version.
type neededChart struct {
	Key     string
	Chart   Chart
	Version string
}

// neededCharts lists the charts the environment installs with their versions, once each: the three
// operators everywhere, the self-managed add-ons (and each minor's CNI) where a region is
// self-managed.
func (e *Environment) neededCharts() []neededChart {
	v := e.Versions
	out := []neededChart{
		{"strimzi", Charts["strimzi"], v.Strimzi},
		{"tidbOperator", Charts["tidbOperator"], v.TiDBOperator},
		{"sparkOperator", Charts["sparkOperator"], v.SparkOperator},
	}
	if m := e.Monitoring; m != nil && *m.Enabled && m.Stack == MonitoringBundled {
		out = append(out, neededChart{"kubePrometheusStack", Chart{Name: MonitoringChart.Name, Repo: MonitoringChart.Repo}, MonitoringChart.Version})
	}
	seen := map[neededChart]bool{}
	add := func(n neededChart) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, r := range e.Regions {
		if r.Kubernetes == nil || r.Kubernetes.Mode != SelfManaged {
			continue
		}
		if rel, ok := KubeadmReleases[r.Kubernetes.Version]; ok {
			add(neededChart{"cilium@" + r.Kubernetes.Version, Chart{Name: rel.CNI.Name, Repo: rel.CNI.Repo}, rel.CNI.Version})
		}
		for _, k := range sortedKeys(AddonCharts) {
			a := AddonCharts[k]
			add(neededChart{k, Chart{Name: a.Name, Repo: a.Repo}, a.Version})
		}
	}
	return out
}

// validateMirror checks the mirror's locations and, for a local directory, that it holds every chart
// the environment installs at the pinned version and the TiDB Operator CRD manifest.
func (e *Environment) validateMirror(ps *Problems) {
	m := e.Mirror
	if m == nil {
		return
	}
	check := func(field, loc string) bool {
		switch {
		case strings.HasPrefix(loc, "http://"):
			ps.add("mirror."+field, "%q is plain HTTP: charts and manifests must come over https:// (or oci://, or a local directory)", loc)
			return false
		case classify(loc) == mirrorOCI && field == "manifests":
			ps.add("mirror.manifests", "%q: manifests come from an https:// base URL or a local directory, not an OCI registry", loc)
			return false
		case classify(loc) == mirrorDir:
			st, err := os.Stat(loc)
			if err != nil || !st.IsDir() {
				ps.add("mirror."+field, "%q is not a directory here (relative paths are relative to the project); give the folder holding the published %s", loc, field)
				return false
			}
		}
		return true
	}
	if check("charts", m.Charts) && classify(m.Charts) == mirrorDir {
		for _, n := range e.neededCharts() {
			base := chartBase(n.Chart.Name)
			src := e.ResolveChart(n.Chart, n.Version)
			got, err := chartVersion(src.Name)
			switch {
			case errors.Is(err, os.ErrNotExist):
				ps.add("mirror.charts", "%s holds no %s chart %s: expected %s or %s/ (helm pull %s --version %s)",
					m.Charts, n.Key, n.Version, filepath.Base(chartFiles("", base, n.Version)[0]), base+"-"+n.Version, n.Chart.Name, n.Version)
			case err != nil:
				ps.add("mirror.charts", "%s: %v", src.Name, err)
			case got != n.Version:
				ps.add("mirror.charts", "%s is chart version %s, but kost pins %s %s", src.Name, got, n.Key, n.Version)
			}
		}
	}
	if check("manifests", m.Manifests) && classify(m.Manifests) == mirrorDir {
		f := e.TiDBOperatorCRDManifest(e.Versions.TiDBOperator)
		if _, err := os.Stat(f); err != nil {
			ps.add("mirror.manifests", "%s holds no %s: copy the TiDB Operator release's manifests/crd.yaml there under that name", m.Manifests, filepath.Base(f))
		}
	}
}

// chartVersion reads the version from a chart's Chart.yaml, in a chart directory or a .tgz.
func chartVersion(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	var raw []byte
	if st.IsDir() {
		if raw, err = os.ReadFile(filepath.Join(p, "Chart.yaml")); err != nil {
			return "", fmt.Errorf("not a chart directory: %w", err)
		}
	} else if raw, err = chartYAMLFromArchive(p); err != nil {
		return "", err
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := yaml.Unmarshal(raw, &meta); err != nil {
		return "", fmt.Errorf("reading Chart.yaml: %w", err)
	}
	return meta.Version, nil
}

// chartYAMLFromArchive returns <chart>/Chart.yaml from a packaged chart.
func chartYAMLFromArchive(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a packaged chart: %w", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("not a packaged chart: no Chart.yaml")
		}
		if err != nil {
			return nil, fmt.Errorf("not a packaged chart: %w", err)
		}
		if parts := strings.Split(h.Name, "/"); len(parts) == 2 && parts[1] == "Chart.yaml" {
			return io.ReadAll(io.LimitReader(tr, 1<<20))
		}
	}
}
