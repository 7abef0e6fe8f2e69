package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/stacks/config"
)

// azureRoles names the built-in Azure roles kost assigns (Azure built-in roles reference).
var azureRoles = map[string]string{
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"4d97b98b-1d4f-4787-a291-c67834d212e7": "Network Contributor",
	"b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b": "Azure Kubernetes Service RBAC Cluster Admin",
	"7f6c6a51-bcf8-42ba-9220-52d62157d7db": "Azure Kubernetes Service RBAC Reader",
	"4abbcc35-e782-43d8-92c5-2d3f1bd2253f": "Azure Kubernetes Service Cluster User Role",
	"acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
}

// unstable are the parts of a planned name the mocks make up per run or region (OIDC issuers,
// auto-named log groups, the project number), folded to placeholders.
var unstable = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/[0-9A-F]+`), "{oidc-issuer}"},
	{regexp.MustCompile(`arn:aws:logs:[a-z0-9-]+:[0-9]+:log-group:\{region\}-flow-logs-[0-9a-f]+`), "{flow-log-group}"},
	{regexp.MustCompile(`service-[0-9]+@`), "service-{project-number}@"},
	// The backup bucket (S3 adds a unique suffix to its prefix) and its key.
	{regexp.MustCompile(`arn:aws:s3:::\{cluster\}-backup-[0-9a-z]+`), "arn:aws:s3:::{backup-bucket}"},
	{regexp.MustCompile(`arn:aws:kms:[a-z0-9-]+:[0-9]+:key/[0-9a-f-]+`), "arn:aws:kms:{region}:{account}:key/{backup-key}"},
	{regexp.MustCompile(`-(system|pd|tikv|tidb|kafka|spark)-(reader|join-token-reader)\b`), "-{pool}-$2"},
	{regexp.MustCompile(`-cp-[0-9]+-`), "-cp-{n}-"},
	{regexp.MustCompile(`/roles/[a-z][a-z0-9_]*_cp_[0-9]{1,8}\b`), "/roles/{cluster_}_cp_{account-id}"},
	{regexp.MustCompile(`-previewer-[0-9]+-`), "-previewer-{i}-"},
}

// TestIdentitiesAndTheirGrants pins every identity kost creates in every shipped stack and what it
// may do: IAM roles with their trust, managed and inline policies, EKS access entries, GCP service
// accounts and IAM bindings, Azure role assignments, and Kubernetes service accounts, roles and
// bindings made outside the operators' charts (whose RBAC is the chart's, pinned with the chart).
// Regions are folded together (names with {region}, {cluster}, {project}, {subscription}); a new
// grant or a wider one changes testdata/golden/identities.txt and shows up in review.
// UPDATE_GOLDEN=1 rewrites it. The README's identity table must name every identity.
func TestIdentitiesAndTheirGrants(t *testing.T) {
	lines := map[string]bool{}
	for _, stack := range shippedStacks(t) {
		g, regions := planRegions(t, stack)
		for _, pr := range regions {
			fold := folder(pr.plan)
			for _, l := range identityLines(t, g, pr.region.URN, pr.plan) {
				lines[fold(l)] = true
			}
		}
	}
	var out []string
	for l := range lines {
		out = append(out, l)
	}
	sort.Strings(out)
	golden(t, "identities.txt", []byte(strings.Join(out, "\n")+"\n"))

	readme, err := os.ReadFile(root + "/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range identities(out) {
		if !strings.Contains(string(readme), "`"+id+"`") {
			t.Errorf("the README's identity table does not name %s", id)
		}
	}
}

// identities are the distinct identities of the golden lines (the text before " may ").
func identities(lines []string) []string {
	var out []string
	for _, l := range lines {
		id, _, _ := strings.Cut(l, " may ")
		_, id, _ = strings.Cut(id, " ") // drop the cloud/mode prefix
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// folder replaces a region's own names with placeholders so regions of one shape fold together.
func folder(rp config.ResolvedRegion) func(string) string {
	var pairs []string
	// The principals of kubernetes.admins and .previewers come from the stack file.
	for _, a := range rp.Admins {
		pairs = append(pairs, a, "{kubernetes.admins}")
	}
	for _, p := range rp.Previewers {
		_, email, found := strings.Cut(p, ":")
		pairs = append(pairs, p, "{kubernetes.previewers}")
		if found {
			pairs = append(pairs, email, "{kubernetes.previewers}")
		}
	}
	pairs = append(pairs, rp.ClusterName, "{cluster}", rp.Key, "{region}")
	if rp.GCP.Project != "" {
		pairs = append(pairs, rp.GCP.Project, "{project}")
	}
	if rp.Azure.SubscriptionID != "" {
		pairs = append(pairs, rp.Azure.SubscriptionID, "{subscription}")
	}
	if rp.Azure.ResourceGroup != "" {
		pairs = append(pairs, rp.Azure.ResourceGroup, "{resource-group}")
	}
	r := strings.NewReplacer(pairs...)
	return func(s string) string {
		s = r.Replace(s)
		for _, u := range unstable {
			s = u.re.ReplaceAllString(s, u.with)
		}
		return s
	}
}

// identityLines describes every grant in a region, one line each: "<cloud>/<mode> <identity> may <what>".
func identityLines(t *testing.T, g *graph.Graph, region string, rp config.ResolvedRegion) []string {
	t.Helper()
	prefix := fmt.Sprintf("%s/%s ", rp.Cloud, rp.Mode)
	var out []string
	add := func(identity, what string) { out = append(out, prefix+identity+" may "+what) }
	// dependency returns the resource of a type that r depends on (the identity a grant is for).
	dependency := func(r *graph.Resource, typ string) string {
		for _, d := range r.DependsOn {
			if dr, ok := g.Get(d); ok && dr.Type == typ {
				return dr.Name
			}
		}
		return "?"
	}
	for _, r := range g.Under(region, "") {
		switch r.Type {
		case "aws:iam/role:Role":
			add("aws-role:"+r.Name, "be assumed by "+trust(t, r.String("assumeRolePolicy")))
		case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
			add("aws-role:"+dependency(r, "aws:iam/role:Role"), "use the managed policy "+r.String("policyArn"))
		case "aws:iam/rolePolicy:RolePolicy":
			for _, s := range statements(t, r.String("policy")) {
				add("aws-role:"+dependency(r, "aws:iam/role:Role"), s)
			}
		case "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
			add("eks-access:"+r.String("principalArn"), "use "+r.String("policyArn")+" at "+r.String("accessScope.type")+" scope")
		case "gcp:serviceaccount/account:Account":
			add("gcp-sa:"+r.String("accountId"), "exist (a service account)")
		case "gcp:projects/iAMMember:IAMMember":
			add("gcp:"+r.String("member"), "hold "+r.String("role")+" on the project")
		case "gcp:projects/iAMCustomRole:IAMCustomRole":
			// A custom role is written out permission by permission: widening it shows in review.
			v, _ := r.Input("permissions")
			for _, p := range asList(v) {
				add("gcp-role:projects/{project}/roles/"+r.String("roleId"), "grant "+p.(string))
			}
		case "gcp:serviceaccount/iAMMember:IAMMember":
			add("gcp:"+r.String("member"), "hold "+r.String("role")+" on a service account")
		case "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":
			key := "the cluster's secrets key"
			if strings.HasSuffix(r.Name, "-backup") {
				key = "the backup bucket's key"
			}
			add("gcp:"+r.String("member"), "hold "+r.String("role")+" on "+key)
		case "gcp:storage/bucketIAMMember:BucketIAMMember":
			add("gcp:"+r.String("member"), "hold "+r.String("role")+" on the bucket {backup-bucket}")
		case "azure-native:authorization:RoleAssignment":
			def := r.String("roleDefinitionId")
			role := azureRoles[def[strings.LastIndex(def, "/")+1:]]
			for _, rd := range g.Under(region, "azure-native:authorization:RoleDefinition") {
				if strings.HasSuffix(def, "/"+rd.String("roleDefinitionId")) {
					role = "the custom role " + rd.Name
				}
			}
			if role == "" {
				role = "an unnamed role " + def
			}
			add("azure-assignment:"+r.Name, "hold "+role+" on "+azureScope(r.String("scope")))
		case "azure-native:authorization:RoleDefinition":
			v, _ := r.Input("permissions.0.actions")
			for _, a := range asList(v) {
				add("azure-role:"+r.Name, "allow "+a.(string)+" in "+azureScope(r.String("scope")))
			}
		case "kubernetes:core/v1:ServiceAccount":
			add("k8s-sa:"+r.String("metadata.namespace")+"/"+r.String("metadata.name"), "exist (a Kubernetes service account)")
		case "kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":
			v, _ := r.Input("rules")
			for _, rule := range asList(v) {
				m := rule.(map[string]any)
				add("k8s-role:"+r.String("metadata.namespace")+"/"+r.String("metadata.name"),
					fmt.Sprintf("%v %v of %v", m["verbs"], m["resources"], m["apiGroups"]))
			}
		case "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding":
			v, _ := r.Input("subjects")
			for _, s := range asList(v) {
				m := s.(map[string]any)
				subject := fmt.Sprint(m["name"])
				if ns, ok := m["namespace"]; ok {
					subject = fmt.Sprint(ns) + "/" + subject
				}
				add(fmt.Sprintf("k8s-%s:%s", strings.ToLower(fmt.Sprint(m["kind"])), subject),
					fmt.Sprintf("use the %s %s in %q", r.String("roleRef.kind"), r.String("roleRef.name"), r.String("metadata.namespace")))
			}
		}
	}
	return out
}

// trust reads who may assume an IAM role.
func trust(t *testing.T, doc string) string {
	t.Helper()
	var p struct {
		Statement []struct {
			Principal map[string]any
			Action    any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("trust policy %q: %v", doc, err)
	}
	var who []string
	for _, s := range p.Statement {
		for kind, v := range s.Principal {
			var conds []string
			for op, c := range s.Condition {
				for k, cv := range c {
					conds = append(conds, fmt.Sprintf("%s %s %v", op, k, cv))
				}
			}
			sort.Strings(conds)
			w := fmt.Sprintf("%s %v", kind, v)
			if len(conds) > 0 {
				w += " when " + strings.Join(conds, " and ")
			}
			who = append(who, w)
		}
	}
	sort.Strings(who)
	return strings.Join(who, "; ")
}

// statements reads an inline policy, one line per statement.
func statements(t *testing.T, doc string) []string {
	t.Helper()
	var p struct {
		Statement []struct {
			Effect    string
			Action    any
			Resource  any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	var out []string
	for _, s := range p.Statement {
		line := fmt.Sprintf("%s %v on %v", strings.ToLower(s.Effect), s.Action, s.Resource)
		var conds []string
		for op, c := range s.Condition {
			for k, v := range c {
				conds = append(conds, fmt.Sprintf("%s %s %v", op, k, v))
			}
		}
		sort.Strings(conds)
		if len(conds) > 0 {
			line += " when " + strings.Join(conds, " and ")
		}
		out = append(out, line)
	}
	return out
}

var (
	subnetScope  = regexp.MustCompile(`/subnets/[^/]+$`)
	clusterScope = regexp.MustCompile(`/managedClusters/[^/]+$`)
	groupScope   = regexp.MustCompile(`^/subscriptions/[^/]+/resourceGroups/[^/]+$`)
)

// azureScope says what kind of thing an assignment's scope is.
func azureScope(scope string) string {
	switch {
	case subnetScope.MatchString(scope):
		return "the node subnet"
	case clusterScope.MatchString(scope):
		return "the AKS cluster"
	case groupScope.MatchString(scope):
		return "the region's resource group"
	case scope == "":
		return "the AKS cluster" // the cluster's id, unknown until it exists
	}
	return scope
}
