package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/stacks/config"
)

// Operators' API groups, and the charts (and CRD manifests) their custom resources must wait for.
var operatorOf = map[string][]string{
	"pingcap.com":          {"tidb-operator", "tidb-crds"},
	"kafka.strimzi.io":     {"strimzi"},
	"sparkoperator.k8s.io": {"spark-operator"},
	// kost's monitors and rules wait for kube-prometheus-stack, which brings their CRDs.
	"monitoring.coreos.com": {"stack"},
}

// customResources returns the custom resources of the operators in a graph.
func customResources(g *graph.Graph) []*graph.Resource {
	var out []*graph.Resource
	for _, r := range g.Resources {
		if group := crGroup(r); group != "" {
			out = append(out, r)
		}
	}
	return out
}

func crGroup(r *graph.Resource) string {
	for g := range operatorOf {
		if strings.HasPrefix(r.Type, "kubernetes:"+g+"/") {
			return g
		}
	}
	return ""
}

// regionOf returns the kost:stacks:Region a resource sits in.
func regionOf(g *graph.Graph, urn string) *graph.Resource {
	for cur := urn; cur != ""; {
		r, ok := g.Get(cur)
		if !ok {
			return nil
		}
		if r.Type == "kost:stacks:Region" {
			return r
		}
		cur = r.Parent
	}
	return nil
}

// layer ranks a resource by the component layer it sits in: network, cluster (with the backup store
// made beside it), platform, then data and monitoring (monitoring reads the data plane's certificates'
// validity, but nothing of either waits for the other).
func layer(g *graph.Graph, urn string) int {
	rank := map[string]int{"Network": 0, "ManagedCluster": 1, "SelfManagedCluster": 1, "Cluster": 1, "BackupStore": 1, "Platform": 2, "Data": 3, "Monitoring": 3}
	for cur := urn; cur != ""; {
		r, ok := g.Get(cur)
		if !ok {
			break
		}
		if strings.HasPrefix(r.Type, "kost:") {
			if n, ok := rank[r.Type[strings.LastIndex(r.Type, ":")+1:]]; ok {
				return n
			}
		}
		cur = r.Parent
	}
	return -1
}

// nodePoolTypes are the clouds' node pool resources.
var nodePoolTypes = []string{
	"aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool", "azure-native:containerservice:AgentPool",
	// Self-managed worker groups.
	"aws:autoscaling/group:Group", "gcp:compute/instanceGroupManager:InstanceGroupManager",
	"azure-native:compute:VirtualMachineScaleSet",
}

// nodePools returns the node pool resources of a region.
func nodePools(g *graph.Graph, region string) []*graph.Resource {
	var out []*graph.Resource
	for _, typ := range nodePoolTypes {
		out = append(out, g.Under(region, typ)...)
	}
	return out
}

// cloudRegion reports whether kost built the region's cluster (it has node pools and zones).
func cloudRegion(g *graph.Graph, region string) bool { return len(nodePools(g, region)) > 0 }

func TestLayerOrdering(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			crs := customResources(g)
			if len(crs) == 0 {
				t.Fatal("no custom resources: the data plane is missing")
			}
			for _, cr := range crs {
				region := regionOf(g, cr.URN)
				for _, op := range operatorOf[crGroup(cr)] {
					dep := findIn(g, region.URN, op)
					if dep == nil || !g.DependsOn(cr.URN, dep.URN) {
						t.Errorf("%s does not wait for %s", cr.Name, op)
					}
				}
				ns := cr.String("metadata.namespace")
				nsRes := namespaceIn(g, region.URN, ns)
				if nsRes == nil || !g.DependsOn(cr.URN, nsRes.URN) {
					t.Errorf("%s does not wait for its namespace %s", cr.Name, ns)
				}
				if strings.Contains(fmt.Sprint(cr.Inputs), "kost-db") {
					sc := storageClassIn(g, region.URN, "kost-db")
					if sc == nil || !g.DependsOn(cr.URN, sc.URN) {
						t.Errorf("%s uses kost-db but does not wait for it", cr.Name)
					}
				}
				for _, ng := range nodePools(g, region.URN) {
					if !g.DependsOn(cr.URN, ng.URN) {
						t.Errorf("%s does not wait for node group %s", cr.Name, ng.Name)
					}
				}
			}
			// Nothing waits for a later layer: network < cluster < platform < data, monitoring.
			for _, r := range g.Resources {
				lr := layer(g, r.URN)
				for _, d := range r.DependsOn {
					if ld := layer(g, d); ld > lr {
						t.Errorf("%s (layer %d) depends on %s (layer %d)", r.URN, lr, d, ld)
					}
				}
			}
		})
	}
}

func findIn(g *graph.Graph, region, suffix string) *graph.Resource {
	for _, r := range g.Under(region, "") {
		if strings.HasSuffix(r.Name, "-"+suffix) && (r.Type == "kubernetes:helm.sh/v4:Chart" || r.Type == "kubernetes:yaml/v2:ConfigFile") {
			return r
		}
	}
	return nil
}

func namespaceIn(g *graph.Graph, region, name string) *graph.Resource {
	for _, r := range g.Under(region, "kubernetes:core/v1:Namespace") {
		if r.String("metadata.name") == name {
			return r
		}
	}
	return nil
}

func storageClassIn(g *graph.Graph, region, name string) *graph.Resource {
	for _, r := range g.Under(region, "kubernetes:storage.k8s.io/v1:StorageClass") {
		if r.String("metadata.name") == name {
			return r
		}
	}
	return nil
}

func TestChartValues(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			env := loadEnv(t, stack)
			replicas := 1.0
			if env.Size == config.Prod {
				replicas = 2
			}
			// The operators' charts (self-managed clusters' add-on charts are checked in components/kubeadm).
			var charts []*graph.Resource
			for _, c := range g.OfType("kubernetes:helm.sh/v4:Chart") {
				if p, ok := g.Get(c.Parent); ok && p.Type == "kost:platform:Platform" {
					charts = append(charts, c)
				}
			}
			if len(charts) != 3*len(env.Regions) {
				t.Fatalf("%d charts for %d regions; want 3 per region", len(charts), len(env.Regions))
			}
			for _, c := range charts {
				key := chartKey(c.Name)
				ref := config.Charts[key]
				want := map[string]string{"chart": ref.Name, "version": map[string]string{
					"strimzi": env.Versions.Strimzi, "tidbOperator": env.Versions.TiDBOperator, "sparkOperator": env.Versions.SparkOperator}[key]}
				got := map[string]string{"chart": c.String("chart"), "version": c.String("version")}
				if ref.Repo != "" {
					want["repo"], got["repo"] = ref.Repo, c.String("repositoryOpts.repo")
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s pin (-want +got):\n%s", c.Name, d)
				}
				region := regionOf(g, c.URN)
				pooled := cloudRegion(g, region.URN)
				for _, path := range podPaths[key] {
					prefix := "values." + path
					if path != "" {
						prefix += "."
					}
					if v, _ := c.Input(prefix + "replicas"); v != replicas {
						t.Errorf("%s %sreplicas = %v, want %v", c.Name, prefix, v, replicas)
					}
					if c.String(prefix+"resources.requests.memory") == "" || c.String(prefix+"resources.limits.memory") == "" {
						t.Errorf("%s %sresources: requests and a memory limit must be set", c.Name, prefix)
					}
					sel, _ := c.Input(prefix + "nodeSelector")
					if pooled && !cmp.Equal(sel, map[string]any{"kost.io/pool": "system"}) {
						t.Errorf("%s %snodeSelector = %v, want the system pool", c.Name, prefix, sel)
					}
				}
				if path, ok := leaderElection[key]; ok {
					if v, _ := c.Input("values." + path); v != true {
						t.Errorf("%s: leader election must be on (%s)", c.Name, path)
					}
				}
				if *env.Protect && c.Transforms == 0 {
					t.Errorf("%s: a protected environment must retain the chart's CRDs", c.Name)
				}
			}
			for _, c := range g.OfType("kubernetes:helm.sh/v4:Chart") {
				if !strings.HasSuffix(c.Name, "-spark-operator") {
					continue
				}
				if v, _ := c.Input("values.webhook.enable"); v != true {
					t.Errorf("%s: the webhook must be on", c.Name)
				}
				jobs, _ := c.Input("values.spark.jobNamespaces")
				if len(jobs.([]any)) == 0 {
					t.Errorf("%s watches no job namespace", c.Name)
				}
				for _, ns := range jobs.([]any) {
					n := namespaceIn(g, regionOf(g, c.URN).URN, ns.(string))
					if n == nil || !g.DependsOn(c.URN, n.URN) {
						t.Errorf("%s: job namespace %v must exist before the chart", c.Name, ns)
					}
				}
			}
			for _, f := range g.OfType("kubernetes:yaml/v2:ConfigFile") {
				if f.String("file") != config.TiDBOperatorCRDs(env.Versions.TiDBOperator) {
					t.Errorf("%s applies %s", f.Name, f.String("file"))
				}
			}
		})
	}
}

// podPaths are where each chart's operator pods are configured; leaderElection where it is switched on.
var (
	podPaths = map[string][]string{
		"strimzi":       {""},
		"tidbOperator":  {"controllerManager"},
		"sparkOperator": {"controller", "webhook"},
	}
	// The TiDB Operator's controller manager always elects a leader; the others are switched on.
	leaderElection = map[string]string{
		"strimzi":       "leaderElection.enable",
		"sparkOperator": "controller.leaderElection.enable",
	}
)

func chartKey(name string) string {
	for suffix, key := range map[string]string{"-strimzi": "strimzi", "-tidb-operator": "tidbOperator", "-spark-operator": "sparkOperator"} {
		if strings.HasSuffix(name, suffix) {
			return key
		}
	}
	return ""
}

func TestStorageClasses(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			for _, sc := range g.OfType("kubernetes:storage.k8s.io/v1:StorageClass") {
				name := sc.String("metadata.name")
				want := map[string]any{"reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true}
				if name == "kost-db" {
					want["reclaimPolicy"] = "Retain"
				}
				got := map[string]any{}
				for k := range want {
					got[k], _ = sc.Input(k)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s (-want +got):\n%s", sc.Name, d)
				}
				switch sc.String("provisioner") {
				case "pd.csi.storage.gke.io":
					if name == "kost-db" && sc.String("parameters.type") != "pd-ssd" {
						t.Errorf("%s: kost-db on GCE PD must be pd-ssd", sc.Name)
					}
				case "disk.csi.azure.com":
					if name == "kost-db" && !strings.HasPrefix(sc.String("parameters.skuName"), "Premium") {
						t.Errorf("%s: kost-db on Azure Disk must be Premium", sc.Name)
					}
				}
				if sc.String("provisioner") == "ebs.csi.aws.com" {
					if sc.String("parameters.encrypted") != "true" || sc.String("parameters.type") != "gp3" {
						t.Errorf("%s: EBS volumes must be encrypted gp3", sc.Name)
					}
					if name == "kost-db" && (sc.String("parameters.iops") == "" || sc.String("parameters.throughput") == "") {
						t.Errorf("%s: kost-db sets IOPS and throughput for TiKV", sc.Name)
					}
				}
			}
		})
	}
}

func TestDataPlaneTopology(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			env := loadEnv(t, stack)
			prod := env.Size == config.Prod
			for _, tc := range g.OfType("kubernetes:pingcap.com/v1alpha1:TidbCluster") {
				region := regionOf(g, tc.URN)
				cloud := cloudRegion(g, region.URN)
				pd, _ := tc.Input("spec.pd.replicas")
				if n := int(pd.(float64)); n%2 == 0 || (prod && n < 3) {
					t.Errorf("%s: %d PD members; odd, and at least 3 in prod", tc.Name, n)
				}
				spread, _ := tc.Input("spec.topologySpreadConstraints")
				hasZone := slices.ContainsFunc(asList(spread), func(c any) bool {
					return c.(map[string]any)["topologyKey"] == "topology.kubernetes.io/zone"
				})
				if cloud != hasZone {
					t.Errorf("%s: zone spread %v on a cluster with zones %v", tc.Name, hasZone, cloud)
				}
				labels, _ := tc.Input("spec.pd.config.replication.location-labels")
				if cloud && !slices.Contains(asList(labels), any("topology.kubernetes.io/zone")) {
					t.Errorf("%s: PD location labels %v lack the zone", tc.Name, labels)
				}
				if tlsOn, _ := tc.Input("spec.tlsCluster.enabled"); (tlsOn == true) != prod {
					t.Errorf("%s: TLS between components %v, want %v", tc.Name, tlsOn, prod)
				}
				svc, _ := tc.Input("spec.tidb.service.type")
				ann, _ := tc.Input("spec.tidb.service.annotations")
				internal, _ := ann.(map[string]any)
				isInternal := internal["service.beta.kubernetes.io/aws-load-balancer-internal"] == "true" ||
					internal["networking.gke.io/load-balancer-type"] == "Internal" ||
					internal["service.beta.kubernetes.io/azure-load-balancer-internal"] == "true"
				if cloud && (svc != "LoadBalancer" || !isInternal) {
					t.Errorf("%s: the TiDB service must be an internal load balancer, got %v %v", tc.Name, svc, ann)
				}
			}
			for _, k := range g.OfType("kubernetes:kafka.strimzi.io/v1:Kafka") {
				region := regionOf(g, k.URN)
				brokers := 0
				for _, p := range g.Under(region.URN, "kubernetes:kafka.strimzi.io/v1:KafkaNodePool") {
					roles, _ := p.Input("spec.roles")
					if slices.Contains(asList(roles), any("broker")) {
						r, _ := p.Input("spec.replicas")
						brokers += int(r.(float64))
					}
					if del, _ := p.Input("spec.storage.volumes"); asList(del)[0].(map[string]any)["deleteClaim"] != false {
						t.Errorf("%s: volumes must outlive the pool (deleteClaim false)", p.Name)
					}
				}
				cfg, _ := k.Input("spec.kafka.config")
				rf := atoi(cfg.(map[string]any)["default.replication.factor"].(string))
				isr := atoi(cfg.(map[string]any)["min.insync.replicas"].(string))
				if rf > brokers || (rf > 1 && isr >= rf) || (prod && (rf < 3 || isr < 2)) {
					t.Errorf("%s: replication factor %d, min ISR %d, %d brokers", k.Name, rf, isr, brokers)
				}
				cloud := cloudRegion(g, region.URN)
				if rack := k.String("spec.kafka.rack.topologyKey"); cloud && rack != "topology.kubernetes.io/zone" {
					t.Errorf("%s: rack awareness on %q", k.Name, rack)
				}
				if tlsOn, _ := k.Input("spec.kafka.listeners"); prod && asList(tlsOn)[0].(map[string]any)["tls"] != true {
					t.Errorf("%s: the prod listener must be TLS", k.Name)
				}
				_, cc := k.Input("spec.cruiseControl")
				if cc != prod {
					t.Errorf("%s: Cruise Control %v in a %s environment", k.Name, cc, env.Size)
				}
			}
		})
	}
}

func TestStatefulResourcesProtected(t *testing.T) {
	stateful := []string{
		"kubernetes:pingcap.com/v1alpha1:TidbCluster",
		"kubernetes:kafka.strimzi.io/v1:Kafka",
		"kubernetes:kafka.strimzi.io/v1:KafkaNodePool",
		"kubernetes:kafka.strimzi.io/v1:KafkaTopic",
	}
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			g := evaluate(t, stack)
			env := loadEnv(t, stack)
			for _, typ := range stateful {
				rs := g.OfType(typ)
				if len(rs) == 0 {
					t.Errorf("no %s", typ)
				}
				for _, r := range rs {
					if r.Protect != *env.Protect || r.RetainOnDelete != *env.Protect {
						t.Errorf("%s: protect %v, retainOnDelete %v; environment protect %v", r.Name, r.Protect, r.RetainOnDelete, *env.Protect)
					}
				}
			}
			for _, r := range g.OfType("random:index/randomPassword:RandomPassword") {
				if r.Outputs["result"].IsSecret() == false {
					t.Errorf("%s: the root password must be a secret", r.Name)
				}
			}
		})
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func atoi(s string) int {
	var n int
	_, _ = fmt.Sscan(s, &n)
	return n
}
