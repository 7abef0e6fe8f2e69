package tests

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// deniedPackages are what makes every `pulumi up` compile and link far more than kost uses: the
// pulumi-kubernetes packages that import every API group (yaml v1 and v2, kustomize, helm v2 and v3)
// and azure-native's network module. components/manifest and components/azure/armnetwork.go register
// what kost needs by token instead (README, "Build cost").
var deniedPackages = []string{
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml/v2",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/kustomize",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/kustomize/v2",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v2",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3",
	// Every network type of every Azure API (the largest package the program linked); the nine
	// kost makes are registered by token (components/azure/armnetwork.go).
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2",
}

// maxAPIGroups bounds the Kubernetes API-group packages the program links (meta, core, rbac,
// storage, apiextensions today; 68 with yaml/v2).
const maxAPIGroups = 10

var apiGroupRE = regexp.MustCompile(`^github\.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/[a-z0-9]+/v[0-9a-z]+$`)

// The program's dependency closure keeps the build cheap: none of the denied packages, few API
// groups. It reads what `go build .` would compile (go list -deps), so a new import anywhere in the
// program's packages is caught.
func TestProgramDependencyClosure(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/kost-platform/kost").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	groups := 0
	for _, d := range deps {
		for _, denied := range deniedPackages {
			if d == denied {
				t.Errorf("the program imports %s, which each `pulumi up` would compile and link whole (README, \"Build cost\"); register the few types kost needs by token (components/manifest, components/azure/armnetwork.go)", d)
			}
		}
		if apiGroupRE.MatchString(d) {
			groups++
		}
	}
	if groups > maxAPIGroups {
		t.Errorf("the program links %d Kubernetes API-group packages, at most %d: something imports them wholesale", groups, maxAPIGroups)
	}
	t.Logf("%d packages, %d Kubernetes API groups", len(deps), groups)
}

// layerRules say which of kost's packages a package (by path prefix) may import: arrows point down,
// from the program (stacks, main) through the components to the leaves (the cluster contract,
// addresses, graph), never up. The first matching prefix applies.
var layerRules = []struct {
	prefix string
	may    []string
}{
	{"components/cluster", nil},
	{"components/manifest", nil},
	{"components/autoscaler", []string{"components/cluster"}},
	{"components/kubeadm", []string{"components/cluster", "components/autoscaler", "addresses"}},
	{"components/", []string{"components/", "addresses"}},
	{"addresses", []string{"components/cluster"}},
	{"graph", nil},
	{"offline", []string{"graph"}},
	{"policies", []string{"policies/", "graph"}},
}

// Every package's imports of kost's own packages follow layerRules: the folder tree tells the layers
// (DESIGN.md, "Layers point one way in the folder tree too").
func TestLayersPointDown(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	const mod = "github.com/kost-platform/kost/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		for _, rule := range layerRules {
			if !strings.HasPrefix(pkg, rule.prefix) {
				continue
			}
			checked++
			for _, imp := range fields[1:] {
				if !strings.HasPrefix(imp, mod) {
					continue
				}
				dep := strings.TrimPrefix(imp, mod)
				ok := false
				for _, may := range rule.may {
					ok = ok || dep == may || (strings.HasSuffix(may, "/") && strings.HasPrefix(dep, may))
				}
				if !ok {
					t.Errorf("%s imports %s: an arrow up or across the layers (allowed: %v)", pkg, dep, rule.may)
				}
			}
			break
		}
	}
	if checked < 12 {
		t.Errorf("checked %d packages: the rules match fewer packages than kost has below the program", checked)
	}
}
