package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Lines renders the graph one fact per line, for golden files a reviewer can read: every line starts
// with the resource's key (type::name), then one of its options (parent, provider, dependsOn,
// protect, retainOnDelete, aliases) or one leaf input at its path. A multi-line string is one line
// per line of it ("path | text"). Secrets are masked. Resources are in URN order, paths sorted, so a
// changed value is a changed line that names its resource and field.
func (g *Graph) Lines() []string { return g.LinesWhere(func(*Resource) bool { return true }) }

// LinesWhere are the Lines of the resources keep accepts (a region's, for a golden file per region).
func (g *Graph) LinesWhere(keep func(*Resource) bool) []string {
	key := func(urn string) string {
		if r, ok := g.byURN[urn]; ok {
			return r.Type + "::" + r.Name
		}
		return urn
	}
	rs := slices.DeleteFunc(slices.Clone(g.Resources), func(r *Resource) bool { return !keep(r) })
	slices.SortFunc(rs, func(a, b *Resource) int { return strings.Compare(a.URN, b.URN) })
	var out []string
	for _, r := range rs {
		k := key(r.URN)
		add := func(format string, v ...any) { out = append(out, k+" "+fmt.Sprintf(format, v...)) }
		if r.Parent != "" {
			add("parent %s", key(r.Parent))
		}
		if r.Provider != "" {
			add("provider %s", key(r.Provider))
		}
		deps := make([]string, 0, len(r.DependsOn))
		for _, d := range r.DependsOn {
			deps = append(deps, key(d))
		}
		slices.Sort(deps)
		for _, d := range slices.Compact(deps) {
			add("dependsOn %s", d)
		}
		if r.Protect {
			add("protect")
		}
		if r.RetainOnDelete {
			add("retainOnDelete")
		}
		for _, a := range r.Aliases {
			add("alias %s", a)
		}
		flatten("inputs", PlainMap(r.Inputs, true), func(path, value string) { add("%s %s", path, value) })
	}
	return out
}

// WriteLines writes Lines, one per line.
func (g *Graph) WriteLines(w io.Writer) error {
	_, err := io.WriteString(w, strings.Join(g.Lines(), "\n")+"\n")
	return err
}

// flatten emits each leaf of v under path: objects by sorted key, arrays by index, multi-line strings
// line by line, other values as JSON.
func flatten(path string, v any, emit func(path, value string)) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			emit(path, "= {}")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			flatten(path+"."+k, x[k], emit)
		}
	case []any:
		if len(x) == 0 {
			emit(path, "= []")
			return
		}
		for i, e := range x {
			flatten(fmt.Sprintf("%s.%d", path, i), e, emit)
		}
	case string:
		if strings.Contains(x, "\n") {
			for _, l := range strings.Split(strings.TrimSuffix(x, "\n"), "\n") {
				emit(path, "| "+l)
			}
			return
		}
		b, _ := json.Marshal(x)
		emit(path, "= "+string(b))
	default:
		b, err := json.Marshal(x)
		if err != nil {
			b = []byte(fmt.Sprintf("%q", fmt.Sprint(x)))
		}
		emit(path, "= "+string(b))
	}
}
