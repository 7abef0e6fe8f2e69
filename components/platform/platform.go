package platform

import (
	"context"
	"fmt"
	"slices"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/manifest"
)

// ChartRef is an operator chart (cluster.ChartRef, one type for every component).
type ChartRef = cluster.ChartRef

// Resources are a pod's requests (cluster.Resources; Storage is unused here).
type Resources = cluster.Resources

// OperatorResources size the operators' pods, each on its own.
type OperatorResources struct {
	// Strimzi's cluster operator, the TiDB Operator's controller-manager, the Spark operator's
	// controller (which runs spark-submit per submission, SparkWorkers at once) and webhook.
	Strimzi, TiDBOperator, SparkController, SparkWebhook Resources
	// SparkWorkers is the Spark controller's concurrent reconciles. Default: 10 (the chart's).
	SparkWorkers int
}

// withDefaults fills what is unset with the charts' defaults.
func (o OperatorResources) withDefaults() OperatorResources {
	def := func(r *Resources, d Resources) {
		if r.CPU == "" || r.Memory == "" {
			*r = d
		}
	}
	// strimzi-kafka-operator 1.2.0, tidb-operator v1.6.6 and spark-operator 2.5.2 values.yaml.
	def(&o.Strimzi, Resources{CPU: "200m", Memory: "384Mi"})
	def(&o.TiDBOperator, Resources{CPU: "80m", Memory: "50Mi"})
	def(&o.SparkController, Resources{CPU: "100m", Memory: "300Mi"})
	def(&o.SparkWebhook, Resources{CPU: "100m", Memory: "300Mi"})
	if o.SparkWorkers == 0 {
		o.SparkWorkers = 10
	}
	return o
}

// Workload is a kind of pod the platform runs: what the capacity proof places.
type Workload struct {
	Name     string
	Replicas int
	// Pool is the kost pool it runs on; "" on a cluster without kost's pools.
	Pool      string
	Resources Resources
}

// Workloads lists the operators' pods as NewPlatform deploys them with args.
func (a *PlatformArgs) Workloads() []Workload {
	o := a.Operators.withDefaults()
	replicas := 1
	if a.HA {
		replicas = 2
	}
	pool := ""
	if a.Cluster.DedicatedPools {
		pool = "system"
	}
	return []Workload{
		{"Strimzi cluster operator", replicas, pool, o.Strimzi},
		{"TiDB Operator controller-manager", replicas, pool, o.TiDBOperator},
		{"Spark operator controller", replicas, pool, o.SparkController},
		{"Spark operator webhook", replicas, pool, o.SparkWebhook},
	}
}

// PlatformArgs configure the platform layer of one cluster.
type PlatformArgs struct {
	// Cluster to install on. Required.
	Cluster cluster.Cluster
	// Strimzi, TiDBOperator and SparkOperator charts, pinned. Required.
	Strimzi, TiDBOperator, SparkOperator ChartRef
	// TiDBOperatorCRDs is the path or URL of the TiDB Operator's CRD manifest (its chart has none).
	// Required.
	TiDBOperatorCRDs string
	// SparkJobNamespaces are created before the Spark operator, which watches them. Default: [spark-jobs].
	SparkJobNamespaces []string
	// HA runs every operator with 2 replicas and leader election (prod). Default: false (1 replica).
	HA bool
	// Operators sizes each operator's pods. Default: each chart's own default requests (Strimzi 200m
	// and 384Mi, the TiDB Operator 80m and 50Mi, the Spark operator's example 100m and 300Mi) and 10
	// Spark workers.
	Operators OperatorResources
	// Retain keeps, when the platform is destroyed, what the data plane's retained custom resources
	// need to survive: the operators' CRDs (deleting a CRD deletes every custom resource of it) and
	// the data namespaces (deleting a namespace deletes everything in it). Default: false; kost sets it
	// where the environment is protected.
	Retain bool
}

// Platform is the platform layer of one cluster.
type Platform struct {
	pulumi.ResourceState

	// Namespaces by name.
	Namespaces map[string]*corev1.Namespace
	// StorageClasses: kost-db and kost-standard.
	StorageClasses []*storagev1.StorageClass
	// Charts of the three operators.
	Strimzi, TiDBOperator, SparkOperator *helmv4.Chart
	// TiDBCRDs is the TiDB Operator's CRD manifest.
	TiDBCRDs *manifest.ConfigFile
	// KafkaReady, TiDBReady and SparkReady are what custom resources of each operator must wait for:
	// the operator, its CRDs, the namespaces and the storage classes.
	KafkaReady, TiDBReady, SparkReady []pulumi.Resource
	// KafkaRendered, TiDBRendered and SparkRendered are every object each operator's chart (and, for
	// TiDB, its CRD manifest) rendered: its Deployment, RBAC and CRDs. A dependency on a chart
	// component orders creation only; custom resources also depend on each of these, so that a destroy
	// deletes the custom resources before their operator and CRDs, and stops before the operator when a
	// custom resource is protected.
	KafkaRendered, TiDBRendered, SparkRendered pulumi.ResourceArrayOutput
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError.
func (a *PlatformArgs) Validate() error {
	if a == nil {
		a = &PlatformArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.Cluster.Provider == nil, "Cluster.Provider")
	for _, c := range []struct {
		field string
		ref   ChartRef
	}{{"Strimzi", a.Strimzi}, {"TiDBOperator", a.TiDBOperator}, {"SparkOperator", a.SparkOperator}} {
		ps.Check(c.ref.Name != "" && c.ref.Version != "", c.field, "the chart's name and exact version are required")
	}
	ps.Required(a.TiDBOperatorCRDs == "", "TiDBOperatorCRDs")
	ps.Check(a.Operators.SparkWorkers >= 0, "Operators.SparkWorkers", "%d: 0 (the chart's default) or more", a.Operators.SparkWorkers)
	return ps.Err("platform args")
}

// NewPlatform installs namespaces, storage classes and the operators on a cluster.
func NewPlatform(ctx *pulumi.Context, name string, args *PlatformArgs, opts ...pulumi.ResourceOption) (*Platform, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("platform %s: %w", name, err)
	}
	p := &Platform{Namespaces: map[string]*corev1.Namespace{}}
	if err := ctx.RegisterComponentResource("kost:platform:Platform", name, p, opts...); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("platform %s: %w", name, err) }
	c := args.Cluster
	// Everything waits for the cluster's nodes, CNI and CSI driver, so that on destroy it is all
	// removed while the nodes still run (pods terminate, namespaces finalise).
	on := []pulumi.ResourceOption{pulumi.Parent(p), pulumi.Provider(c.Provider), pulumi.DependsOn(c.Ready)}

	jobNamespaces := args.SparkJobNamespaces
	if len(jobNamespaces) == 0 {
		jobNamespaces = []string{"spark-jobs"}
	}
	type nsSpec struct{ ns, layer, enforce string }
	specs := []nsSpec{
		{NamespaceStrimzi, "platform", psaRestricted},
		{NamespaceTiDBOperator, "platform", psaBaseline},
		{NamespaceSparkOperator, "platform", psaRestricted},
		{NamespaceTiDB, "data", psaBaseline},
		{NamespaceKafka, "data", psaBaseline},
	}
	for _, ns := range jobNamespaces {
		specs = append(specs, nsSpec{ns, "data", psaBaseline})
	}
	for _, s := range specs {
		nsOpts := on
		if args.Retain && (s.ns == NamespaceTiDB || s.ns == NamespaceKafka) {
			// Deleting a namespace deletes the retained TidbCluster and Kafka in it.
			nsOpts = append(slices.Clone(on), pulumi.RetainOnDelete(true))
		}
		n, err := namespace(ctx, name+"-"+s.ns, s.ns, s.layer, s.enforce, nsOpts...)
		if err != nil {
			return nil, wrap(err)
		}
		p.Namespaces[s.ns] = n
	}
	scs, err := storageClasses(ctx, name, c.Storage, on...)
	if err != nil {
		return nil, wrap(err)
	}
	p.StorageClasses = scs

	ops := args.Operators.withDefaults()
	replicas := 1
	if args.HA {
		replicas = 2
	}
	resources := func(r Resources) pulumi.Map {
		return pulumi.Map{
			"requests": pulumi.StringMap{"cpu": pulumi.String(r.CPU), "memory": pulumi.String(r.Memory)},
			"limits":   pulumi.StringMap{"memory": pulumi.String(r.Memory)},
		}
	}
	// Operators run on the system pool where the cluster has pools.
	nodeSelector := pulumi.StringMap{}
	if c.DedicatedPools {
		nodeSelector["kost.io/pool"] = pulumi.String("system")
	}
	chartOpts := []pulumi.ResourceOption{pulumi.Transforms([]pulumi.ResourceTransform{CRDTransform(args.Retain)})}
	chart := func(suffix string, ref ChartRef, ns string, values pulumi.Map, deps ...pulumi.Resource) (*helmv4.Chart, error) {
		ca := &helmv4.ChartArgs{
			Chart:     pulumi.String(ref.Name),
			Version:   pulumi.String(ref.Version),
			Namespace: pulumi.String(ns),
			Values:    values,
		}
		if ref.Repo != "" {
			ca.RepositoryOpts = &helmv4.RepositoryOptsArgs{Repo: pulumi.String(ref.Repo)}
		}
		o := append(slices.Clone(on), chartOpts...)
		o = append(o, pulumi.DependsOn(append(slices.Clone(c.Ready), deps...)))
		return helmv4.NewChart(ctx, name+"-"+suffix, ca, o...)
	}

	// Strimzi watches only the kafka namespace; its chart creates RoleBindings there.
	p.Strimzi, err = chart("strimzi", args.Strimzi, NamespaceStrimzi, pulumi.Map{
		"replicas":        pulumi.Int(replicas),
		"watchNamespaces": pulumi.StringArray{pulumi.String(NamespaceKafka)},
		"leaderElection":  pulumi.Map{"enable": pulumi.Bool(true)},
		"nodeSelector":    nodeSelector,
		"resources":       resources(ops.Strimzi),
	}, p.Namespaces[NamespaceStrimzi], p.Namespaces[NamespaceKafka])
	if err != nil {
		return nil, wrap(err)
	}

	// TiDB Operator: CRDs from the release manifest first (too large for client-side apply; the
	// provider applies them server-side), then the chart.
	crdOpts := append(slices.Clone(on), chartOpts...)
	p.TiDBCRDs, err = manifest.NewConfigFile(ctx, name+"-tidb-crds", pulumi.String(args.TiDBOperatorCRDs), crdOpts...)
	if err != nil {
		return nil, wrap(err)
	}
	p.TiDBOperator, err = chart("tidb-operator", args.TiDBOperator, NamespaceTiDBOperator, pulumi.Map{
		"timezone": pulumi.String("UTC"),
		"controllerManager": pulumi.Map{
			"replicas":     pulumi.Int(replicas),
			"nodeSelector": nodeSelector,
			"resources":    resources(ops.TiDBOperator),
		},
		// The default Kubernetes scheduler with topology spread constraints replaces tidb-scheduler.
		"scheduler": pulumi.Map{"create": pulumi.Bool(false)},
	}, p.Namespaces[NamespaceTiDBOperator], p.TiDBCRDs)
	if err != nil {
		return nil, wrap(err)
	}

	// Spark operator: one install per cluster (its webhook is cluster-wide), watching the job
	// namespaces, which must exist first. kost makes the drivers' service accounts and RBAC itself.
	sparkDeps := []pulumi.Resource{p.Namespaces[NamespaceSparkOperator]}
	var jobNS pulumi.StringArray
	for _, ns := range jobNamespaces {
		sparkDeps = append(sparkDeps, p.Namespaces[ns])
		jobNS = append(jobNS, pulumi.String(ns))
	}
	p.SparkOperator, err = chart("spark-operator", args.SparkOperator, NamespaceSparkOperator, pulumi.Map{
		"spark": pulumi.Map{
			"jobNamespaces":  jobNS,
			"serviceAccount": pulumi.Map{"create": pulumi.Bool(false)},
			"rbac":           pulumi.Map{"create": pulumi.Bool(false)},
		},
		"controller": pulumi.Map{
			"replicas":       pulumi.Int(replicas),
			"workers":        pulumi.Int(ops.SparkWorkers),
			"leaderElection": pulumi.Map{"enable": pulumi.Bool(true)},
			"nodeSelector":   nodeSelector,
			"resources":      resources(ops.SparkController),
		},
		"webhook": pulumi.Map{
			"enable":         pulumi.Bool(true),
			"replicas":       pulumi.Int(replicas),
			"leaderElection": pulumi.Map{"enable": pulumi.Bool(true)},
			"nodeSelector":   nodeSelector,
			"resources":      resources(ops.SparkWebhook),
		},
	}, sparkDeps...)
	if err != nil {
		return nil, wrap(err)
	}

	storage := []pulumi.Resource{scs[0], scs[1]}
	p.KafkaReady = append([]pulumi.Resource{p.Strimzi, p.Namespaces[NamespaceKafka]}, storage...)
	p.TiDBReady = append([]pulumi.Resource{p.TiDBCRDs, p.TiDBOperator, p.Namespaces[NamespaceTiDB]}, storage...)
	p.SparkReady = []pulumi.Resource{p.SparkOperator}
	for _, ns := range jobNamespaces {
		p.SparkReady = append(p.SparkReady, p.Namespaces[ns])
	}
	p.KafkaRendered = rendered(p.Strimzi.Resources)
	p.TiDBRendered = rendered(p.TiDBCRDs.Resources, p.TiDBOperator.Resources)
	p.SparkRendered = rendered(p.SparkOperator.Resources)
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{
		"strimziVersion":       pulumi.String(args.Strimzi.Version),
		"tidbOperatorVersion":  pulumi.String(args.TiDBOperator.Version),
		"sparkOperatorVersion": pulumi.String(args.SparkOperator.Version),
	}); err != nil {
		return nil, err
	}
	return p, nil
}

// rendered lists the resources of remote components' resources outputs (helm/v4.Chart,
// yaml/v2.ConfigFile): resource references, which the SDK turns into resources by URN.
func rendered(outs ...pulumi.ArrayOutput) pulumi.ResourceArrayOutput {
	ins := make([]any, len(outs))
	for i, o := range outs {
		ins[i] = o
	}
	return pulumi.All(ins...).ApplyT(func(vs []any) []pulumi.Resource {
		var out []pulumi.Resource
		for _, v := range vs {
			xs, _ := v.([]any)
			for _, x := range xs {
				if r, ok := x.(pulumi.Resource); ok {
					out = append(out, r)
				}
			}
		}
		return out
	}).(pulumi.ResourceArrayOutput)
}

// crdType is the type token of a CustomResourceDefinition rendered by a chart or manifest.
const crdType = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"

// CRDTransform normalises the CustomResourceDefinitions inside charts and manifests and, with
// retain, marks them retain-on-delete.
//
// Normalising: a schema node with an empty `properties: {}` means the same as one without it, and the
// API server drops it when it stores the CRD; left in, every preview after `pulumi up` shows a diff
// on the CRD that no update removes (Strimzi 1.2.0's Kafka CRD has one, at
// status.autoRebalance.clusterSecurity, 040-Crd-kafka.yaml).
func CRDTransform(retain bool) pulumi.ResourceTransform {
	return func(_ context.Context, a *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
		if a.Type != crdType {
			return nil
		}
		o := a.Opts
		if retain {
			o.RetainOnDelete = true
		}
		props, _ := dropEmptyProperties(a.Props).(pulumi.Map)
		return &pulumi.ResourceTransformResult{Props: props, Opts: o}
	}
}

// dropEmptyProperties returns v without any "properties" key whose value is an empty map.
func dropEmptyProperties(v pulumi.Input) pulumi.Input {
	switch x := v.(type) {
	case pulumi.Map:
		out := make(pulumi.Map, len(x))
		for k, e := range x {
			if m, ok := e.(pulumi.Map); ok && k == "properties" && len(m) == 0 {
				continue
			}
			out[k] = dropEmptyProperties(e)
		}
		return out
	case pulumi.Array:
		out := make(pulumi.Array, len(x))
		for i, e := range x {
			out[i] = dropEmptyProperties(e)
		}
		return out
	}
	return v
}
