package tests

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// deniedPackages are what makes every `pulumi up` compile and link the whole Kubernetes API: the
// pulumi-kubernetes packages that import every API group (yaml v1 and v2, kustomize, helm v2 and v3).
// components/manifest registers yaml/v2's components by token instead (README, "Build cost").
var deniedPackages = []string{
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml/v2",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/kustomize",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/kustomize/v2",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v2",
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3",
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
				t.Errorf("the program imports %s, which links every Kubernetes API group into each `pulumi up`; use components/manifest", d)
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
