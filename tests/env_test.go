package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/offline"
	"github.com/kost-platform/kost/stacks"
	"github.com/kost-platform/kost/stacks/config"
)

// root is the repository root, where Pulumi.yaml and the stack files live.
const root = ".."

var update = os.Getenv("UPDATE_GOLDEN") != ""

func shippedStacks(t testing.TB) []string {
	t.Helper()
	s := offline.ListStacks(root)
	if len(s) == 0 {
		t.Fatal("no Pulumi.<stack>.yaml found in the repository root")
	}
	return s
}

func evaluate(t testing.TB, stack string) *graph.Graph {
	t.Helper()
	g, err := offline.Evaluate(root, stack, stacks.Deploy)
	if err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	return g
}

func loadEnv(t testing.TB, stack string) *config.Environment {
	t.Helper()
	sc, err := offline.ReadStackConfig(root, stack)
	if err != nil {
		t.Fatal(err)
	}
	env, err := config.Load([]byte(sc.Values[stacks.ConfigKey]))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// golden compares got with testdata/golden/<name>, or rewrites it under UPDATE_GOLDEN=1.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs from the golden file (-want +got); rerun with UPDATE_GOLDEN=1 if the change is intended:\n%s", path, d)
	}
}

// TestEnvironmentGolden pins every shipped stack's whole graph, one fact per line (graph.Lines),
// in one file per region (testdata/golden/<stack>/<region>.txt): a changed tag or version is a
// changed line that names its resource and field. UPDATE_GOLDEN=1 rewrites them.
func TestEnvironmentGolden(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			root := g.Root()
			regions := map[string]string{} // top-level URN -> file name
			for _, r := range g.Children(root) {
				regions[r.URN] = r.Name
			}
			regionOf := func(r *graph.Resource) string {
				for u := r.URN; u != ""; {
					if name, ok := regions[u]; ok {
						return name
					}
					p, ok := g.Get(u)
					if !ok {
						break
					}
					u = p.Parent
				}
				return "_stack"
			}
			files := map[string]bool{}
			for _, r := range g.Resources {
				files[regionOf(r)] = true
			}
			dir := filepath.Join("testdata", "golden", stack)
			if update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for f := range files {
				lines := collapsePrograms(g.LinesWhere(func(r *graph.Resource) bool { return regionOf(r) == f }))
				golden(t, filepath.Join(stack, f+".txt"), []byte(strings.Join(lines, "\n")+"\n"))
			}
			// A region that no longer exists leaves a file behind: that is a difference too.
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if !files[strings.TrimSuffix(e.Name(), ".txt")] {
					t.Errorf("%s: golden file of a region the stack no longer has; rerun with UPDATE_GOLDEN=1", filepath.Join(dir, e.Name()))
				}
			}
		})
	}
}

// programLine is a line of a program kost ships in a ConfigMap (cdcsync's main.go, the Spark
// example's htap.py): the data component's tests compare those with the committed files, so a golden
// file shows each as one line with its size and digest instead of hundreds.
var programLine = regexp.MustCompile(`^(kubernetes:core/v1:ConfigMap::\S+ inputs\.data\.\S+\.(?:go|py)) \| (.*)$`)

func collapsePrograms(lines []string) []string {
	var out []string
	for i := 0; i < len(lines); {
		m := programLine.FindStringSubmatch(lines[i])
		if m == nil {
			out = append(out, lines[i])
			i++
			continue
		}
		h := sha256.New()
		n := 0
		for ; i < len(lines); i++ {
			mm := programLine.FindStringSubmatch(lines[i])
			if mm == nil || mm[1] != m[1] {
				break
			}
			h.Write([]byte(mm[2] + "\n"))
			n++
		}
		out = append(out, fmt.Sprintf("%s = <program: %d lines, sha256 %x>", m[1], n, h.Sum(nil)[:6]))
	}
	return out
}

// nonTaggable are AWS types that have no tags argument.
var nonTaggable = map[string]bool{
	"aws:ec2/routeTableAssociation:RouteTableAssociation":     true,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":       true,
	"aws:iam/rolePolicy:RolePolicy":                           true,
	"aws:kms/alias:Alias":                                     true,
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": true,
	"aws:lb/targetGroupAttachment:TargetGroupAttachment":      true,
	"aws:ec2/securityGroupRule:SecurityGroupRule":             true,
	"aws:secretsmanager/secretVersion:SecretVersion":          true,
	// A bucket's settings are resources of their own; the bucket carries the tags.
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       true,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     true,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           true,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     true,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": true,
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               true,
	// Tagged through a list of {key, value} (checked by the required-tags policy).
	"aws:autoscaling/group:Group": true,
}

func TestInvariants(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			env := loadEnv(t, stack)
			rootURN := g.Root()
			for _, inv := range g.Invokes {
				if !allowedInvokes[inv.Token] {
					t.Errorf("the program calls %s; only the reads in allowedInvokes are expected", inv.Token)
				}
				if p, ok := g.Get(inv.Provider); !ok || !p.IsProvider() {
					t.Errorf("%s uses no explicit provider (%q)", inv.Token, inv.Provider)
				}
			}
			checkCloudAccounts(t, g, env)
			for _, r := range g.Resources {
				// Parent: every resource hangs under a component, except the regions themselves.
				if r.Parent == "" {
					t.Errorf("%s has no parent", r.URN)
				}
				if r.Parent == rootURN && r.Type != "kost:stacks:Region" {
					t.Errorf("%s sits at the top of the stack; only regions may", r.URN)
				}
				if r.Custom && !r.IsProvider() {
					pkg, _, _ := strings.Cut(r.Type, ":")
					if r.Provider == "" || strings.Contains(r.Provider, "::default_") {
						t.Errorf("%s uses a default provider", r.URN)
						continue
					}
					p, ok := g.Get(r.Provider)
					if !ok || p.Type != "pulumi:providers:"+pkg {
						t.Errorf("%s uses provider %s, want an explicit pulumi:providers:%s", r.URN, r.Provider, pkg)
					}
					// Nothing is shared by accident between regions: the provider sits in the resource's region.
					if !sameRegion(g, r.URN, r.Provider) {
						t.Errorf("%s uses the provider of another region: %s", r.URN, r.Provider)
					}
				}
				if strings.HasPrefix(r.Type, "aws:") && !nonTaggable[r.Type] {
					raw, _ := r.Input("tags")
					tags, _ := raw.(map[string]any)
					for _, k := range []string{"environment", "region", "managed-by"} {
						if tags[k] == nil {
							t.Errorf("%s lacks tag %s", r.URN, k)
						}
					}
					for k, v := range env.Tags {
						if tags[k] != v {
							t.Errorf("%s: tag %s=%v, want %s from config", r.URN, k, tags[k], v)
						}
					}
				}
				if _, set := r.Inputs["kubeconfig"]; r.Type == "pulumi:providers:kubernetes" && set && !r.IsSecret("kubeconfig") {
					t.Errorf("%s: kubeconfig is not a secret", r.URN)
				}
				if r.Type == "aws:eks/cluster:Cluster" || r.Type == "aws:kms/key:Key" {
					if r.Protect != *env.Protect {
						t.Errorf("%s: protect=%v, environment protect=%v", r.URN, r.Protect, *env.Protect)
					}
				}
			}
		})
	}
}

// allowedInvokes are the provider reads the program makes: the GCP project number (for the GKE
// service agent's KMS grant) and AKS credentials (its CA is not a resource output).
var allowedInvokes = map[string]bool{
	"gcp:organizations/getProject:getProject": true,
	// The project's Cloud Storage service agent, which encrypts the backup bucket with its key.
	"gcp:storage/getProjectServiceAccount:getProjectServiceAccount":    true,
	"azure-native:containerservice:listManagedClusterUserCredentials":  true,
	"azure-native:containerservice:listManagedClusterAdminCredentials": true,
	// The tenant of the Azure credentials, for a self-managed cluster's azure.json.
	"azure-native:authorization:getClientConfig": true,
}

// checkCloudAccounts: every region's provider works in the project, subscription or region config
// names, so nothing lands in an ambient default account.
func checkCloudAccounts(t *testing.T, g *graph.Graph, env *config.Environment) {
	t.Helper()
	plans, err := env.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	for _, rp := range plans {
		region, ok := g.Named("kost:stacks:Region", rp.Key)
		if !ok {
			t.Errorf("no region %s", rp.Key)
			continue
		}
		want := map[config.Cloud]map[string]string{
			config.AWS:   {"type": "pulumi:providers:aws", "region": rp.Region},
			config.GCP:   {"type": "pulumi:providers:gcp", "project": rp.GCP.Project, "region": rp.Region},
			config.Azure: {"type": "pulumi:providers:azure-native", "subscriptionId": rp.Azure.SubscriptionID, "location": rp.Region},
		}[rp.Cloud]
		if want == nil {
			continue
		}
		provs := g.Under(region.URN, want["type"])
		if len(provs) != 1 {
			t.Errorf("%s: %d %s providers, want exactly one", rp.Key, len(provs), want["type"])
			continue
		}
		for k, v := range want {
			if k != "type" && provs[0].String(k) != v {
				t.Errorf("%s: provider %s = %q, want %q", rp.Key, k, provs[0].String(k), v)
			}
		}
	}
}

// sameRegion reports whether two resources sit under the same kost:stacks:Region.
func sameRegion(g *graph.Graph, a, b string) bool {
	region := func(urn string) string {
		for cur := urn; cur != ""; {
			r, ok := g.Get(cur)
			if !ok {
				return ""
			}
			if r.Type == "kost:stacks:Region" {
				return r.URN
			}
			cur = r.Parent
		}
		return ""
	}
	return region(a) != "" && region(a) == region(b)
}

func TestDevHasACompleteAWSRegion(t *testing.T) {
	g := evaluate(t, "dev")
	region, ok := g.Named("kost:stacks:Region", "aws-us-east-1")
	if !ok {
		t.Fatal("dev has no aws-us-east-1 region")
	}
	want := map[string]int{
		"pulumi:providers:aws":                                1,
		"aws:ec2/vpc:Vpc":                                     1,
		"aws:ec2/subnet:Subnet":                               6,
		"aws:ec2/internetGateway:InternetGateway":             1,
		"aws:ec2/natGateway:NatGateway":                       1,
		"aws:eks/cluster:Cluster":                             1,
		"aws:eks/nodeGroup:NodeGroup":                         len(config.PoolNames),
		"aws:eks/addon:Addon":                                 len(config.EKSAddonNames),
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
		"pulumi:providers:kubernetes":                         1,
	}
	got := map[string]int{}
	for typ := range want {
		got[typ] = len(g.Under(region.URN, typ))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("dev's AWS region (-want +got):\n%s", d)
	}
	env := loadEnv(t, "dev")
	ng, _ := g.Named("aws:eks/nodeGroup:NodeGroup", "aws-us-east-1-tikv")
	if got, _ := ng.Input("instanceTypes"); !slices.Equal(got.([]any), []any{env.Regions[0].NodePools["tikv"].InstanceType}) {
		t.Errorf("tikv node group instance types %v, want the dev override", got)
	}
}

func TestInvalidEnvironmentRegistersNothing(t *testing.T) {
	t.Parallel()
	cfg := map[string]string{stacks.ConfigKey: `{"name":"x","size":"prod","regions":[{"cloud":"aws","region":"us-east-1"}],"database":{"pd":2}}`}
	g, err := offline.Run("x", cfg, nil, stacks.Deploy)
	var ps config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want config.Problems, got %v", err)
	}
	if len(g.Resources) != 0 {
		t.Errorf("%d resources registered before validation failed", len(g.Resources))
	}
	g, err = offline.Run("x", nil, nil, stacks.Deploy)
	if !errors.Is(err, stacks.ErrNoEnvironment) || len(g.Resources) != 0 {
		t.Errorf("missing config: %v, %d resources", err, len(g.Resources))
	}
}

func TestSecretsAreMaskedInJSON(t *testing.T) {
	t.Parallel()
	g := evaluate(t, "dev")
	var buf bytes.Buffer
	if err := g.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var p graph.JSONPlan
	if err := json.Unmarshal(buf.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Resources {
		if r.Type == "pulumi:providers:kubernetes" && r.Inputs["kubeconfig"] != graph.Masked {
			t.Errorf("%s: kubeconfig not masked in the JSON plan", r.URN)
		}
	}
	if strings.Contains(buf.String(), "get-token") {
		t.Error("kubeconfig content leaked into the JSON plan")
	}
}
