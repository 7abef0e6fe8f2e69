package monitoring

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/platform"
)

// Names of what the bundled stack runs (README, "Monitoring").
const (
	// DefaultNamespace holds the bundled stack and kost's PrometheusRules.
	DefaultNamespace = "monitoring"
	// ExistingNamespace holds kost's PrometheusRules beside an existing Prometheus Operator: kost's
	// own namespace, so it never takes over one the operator's owner made.
	ExistingNamespace = "kost-monitoring"
	// GrafanaService is Grafana's ClusterIP Service (port 80): kubectl port-forward svc/kost-grafana.
	GrafanaService = "kost-grafana"
	// PrometheusService is Prometheus' ClusterIP Service (port 9090).
	PrometheusService = "kost-prometheus"
	// AlertmanagerService is Alertmanager's ClusterIP Service (port 9093).
	AlertmanagerService = "kost-alertmanager"
	// GrafanaAdminSecret holds Grafana's admin user and password (keys admin-user, admin-password).
	GrafanaAdminSecret = "kost-grafana-admin"
	// fullname is the chart's fullnameOverride: its objects are kost-<component>.
	fullname = "kost"
	// apiVersion of the Prometheus Operator's custom resources.
	apiVersion = "monitoring.coreos.com/v1"
)

// Resources are a container's requests (cluster.Resources); Storage sizes a volume where one is
// kept.
type Resources = cluster.Resources

// Sizing sizes every pod of the bundled stack: requests, memory limits equal to requests.
type Sizing struct {
	// Prometheus' server container; Storage is its volume. Required when bundled.
	Prometheus Resources
	// Alertmanager, Grafana, each of Grafana's two sidecars (dashboards and data sources), the
	// Prometheus Operator and kube-state-metrics. Required when bundled.
	Alertmanager, Grafana, GrafanaSidecar, Operator, KubeStateMetrics Resources
	// NodeExporter runs on every node (a DaemonSet). Required when bundled.
	NodeExporter Resources
}

// Dashboard is a Grafana dashboard Grafana downloads when it starts.
type Dashboard struct {
	// Key names the dashboard's file in Grafana (unique). Required.
	Key string
	// Folder is the Grafana folder it is shown in, e.g. TiDB or Kafka. Required.
	Folder string
	// URL it is downloaded from, pinned to a tag. Required.
	URL string
}

// MonitoringArgs configure the monitoring of one cluster.
type MonitoringArgs struct {
	// Cluster to monitor. Required (its Provider; DedicatedPools puts the stack on the system pool).
	Cluster cluster.Cluster
	// Chart is kube-prometheus-stack, pinned. Default: nil, a Prometheus Operator the cluster
	// already runs (its CRDs installed), which then gets only kost's monitors and rules.
	Chart *cluster.ChartRef
	// Namespace of the stack and the rules, which kost creates. Default: DefaultNamespace, or
	// ExistingNamespace with an existing Prometheus Operator.
	Namespace string
	// Retention and RetentionSize bound Prometheus' samples (Prometheus duration and size). Required
	// when bundled.
	Retention, RetentionSize string
	// StorageClass of Prometheus' volume. Default: kost-standard.
	StorageClass string
	// Sizing of the bundled stack's pods. Required when bundled.
	Sizing Sizing
	// Dashboards Grafana provisions (bundled only). Default: none.
	Dashboards []Dashboard
	// Targets are what kost scrapes and alerts on. Default: the cluster only.
	Targets Targets
	// Certificates are kost's TLS material, whose expiry is alerted on. Default: none.
	Certificates []Certificate
	// Ready lists what must exist first: the namespaces the monitors go in and the storage classes.
	// Default: none.
	Ready []pulumi.Resource
}

// bundled reports whether kost installs the stack.
func (a *MonitoringArgs) bundled() bool { return a.Chart != nil }

// namespace is the stack's namespace.
func (a *MonitoringArgs) namespace() string {
	switch {
	case a.Namespace != "":
		return a.Namespace
	case a.bundled():
		return DefaultNamespace
	}
	return ExistingNamespace
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError.
func (a *MonitoringArgs) Validate() error {
	if a == nil {
		a = &MonitoringArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.Cluster.Provider == nil, "Cluster.Provider")
	if a.bundled() {
		ps.Check(a.Chart.Name != "" && a.Chart.Version != "", "Chart", "the chart's name and exact version are required")
		ps.Required(a.Retention == "", "Retention")
		ps.Required(a.RetentionSize == "", "RetentionSize")
		for _, r := range []struct {
			field string
			r     Resources
		}{{"Sizing.Prometheus", a.Sizing.Prometheus}, {"Sizing.Alertmanager", a.Sizing.Alertmanager}, {"Sizing.Grafana", a.Sizing.Grafana}, {"Sizing.GrafanaSidecar", a.Sizing.GrafanaSidecar},
			{"Sizing.Operator", a.Sizing.Operator}, {"Sizing.KubeStateMetrics", a.Sizing.KubeStateMetrics}, {"Sizing.NodeExporter", a.Sizing.NodeExporter}} {
			ps.Check(r.r.CPU != "" && r.r.Memory != "", r.field, "cpu and memory requests are required")
		}
		ps.Check(a.Sizing.Prometheus.Storage != "", "Sizing.Prometheus.Storage", "Prometheus' volume size is required")
	}
	keys := map[string]bool{}
	for i, d := range a.Dashboards {
		f := fmt.Sprintf("Dashboards[%d]", i)
		ps.Check(d.Key != "" && !keys[d.Key], f+".Key", "%q: a unique name is required", d.Key)
		keys[d.Key] = true
		ps.Required(d.Folder == "", f+".Folder")
		ps.Required(d.URL == "", f+".URL")
	}
	for i, c := range a.Certificates {
		f := fmt.Sprintf("Certificates[%d]", i)
		ps.Check(c.Name != "", f+".Name", "what the certificate is, e.g. \"TiDB CA\", is required")
		ps.Required(c.NotAfter == nil, f+".NotAfter")
	}
	a.Targets.validate(&ps)
	return ps.Err("monitoring args")
}

// Monitoring is the monitoring of one cluster.
type Monitoring struct {
	pulumi.ResourceState

	// Stack is the kube-prometheus-stack chart (nil with an existing Prometheus Operator).
	Stack *helmv4.Chart
	// Monitors are kost's PodMonitors; Rules its PrometheusRules.
	Monitors, Rules []*apiextensions.CustomResource
	// GrafanaAdminPassword is Grafana's admin password (bundled). Secret.
	GrafanaAdminPassword pulumi.StringOutput
	// Namespace holds the stack (bundled) and kost's rules.
	Namespace string
}

// NewMonitoring installs the stack (when bundled), then kost's monitors and alert rules.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("monitoring %s: %w", name, err)
	}
	m := &Monitoring{GrafanaAdminPassword: pulumi.String("").ToStringOutput()}
	if err := ctx.RegisterComponentResource("kost:monitoring:Monitoring", name, m, opts...); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("monitoring %s: %w", name, err) }
	c := args.Cluster
	ns := args.namespace()
	m.Namespace = ns
	on := []pulumi.ResourceOption{pulumi.Parent(m), pulumi.Provider(c.Provider), pulumi.DependsOn(append(slices.Clone(c.Ready), args.Ready...))}

	namespace, err := newNamespace(ctx, name, ns, args.bundled(), on)
	if err != nil {
		return nil, wrap(err)
	}
	on = append(on, pulumi.DependsOn([]pulumi.Resource{namespace}))
	// The custom resources wait for their CRDs: the chart's (and, on destroy, go before every object
	// it rendered), or an existing operator's, already there.
	crOpts := on
	if args.bundled() {
		stack, password, err := installStack(ctx, name, m, args, on)
		if err != nil {
			return nil, wrap(err)
		}
		m.Stack, m.GrafanaAdminPassword = stack, password
		crOpts = append(slices.Clone(on), pulumi.DependsOn([]pulumi.Resource{stack}), pulumi.DependsOnInputs(stack.Resources.ApplyT(resources).(pulumi.ResourceArrayOutput)))
	}
	cr := func(suffix, kind, objName, objNS string, spec pulumi.Input) (*apiextensions.CustomResource, error) {
		return apiextensions.NewCustomResource(ctx, name+"-"+suffix, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String(apiVersion),
			Kind:        pulumi.String(kind),
			Metadata:    objectMeta(objName, objNS),
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, crOpts...)
	}
	for _, pm := range args.Targets.podMonitors() {
		r, err := cr("pm-"+pm.Namespace+"-"+pm.Name, "PodMonitor", pm.Name, pm.Namespace, pulumi.ToMap(pm.Spec))
		if err != nil {
			return nil, wrap(err)
		}
		m.Monitors = append(m.Monitors, r)
	}
	rules, err := cr("rules", "PrometheusRule", "kost-alerts", ns, pulumi.ToMap(map[string]any{"groups": RuleGroups(args.Targets)}))
	if err != nil {
		return nil, wrap(err)
	}
	m.Rules = append(m.Rules, rules)
	if len(args.Certificates) > 0 {
		certs, err := cr("certificates", "PrometheusRule", "kost-certificates", ns, certificateRules(args.Certificates))
		if err != nil {
			return nil, wrap(err)
		}
		m.Rules = append(m.Rules, certs)
	}

	outs := pulumi.Map{"namespace": pulumi.String(ns), "bundled": pulumi.Bool(args.bundled())}
	if args.bundled() {
		outs["grafanaService"] = pulumi.String(GrafanaService)
		outs["prometheusService"] = pulumi.String(PrometheusService)
		outs["grafanaAdminPassword"] = m.GrafanaAdminPassword
	}
	if err := ctx.RegisterResourceOutputs(m, outs); err != nil {
		return nil, err
	}
	return m, nil
}

// installStack makes the namespace and Grafana's admin Secret, then installs kube-prometheus-stack.
func installStack(ctx *pulumi.Context, name string, parent pulumi.Resource, args *MonitoringArgs, on []pulumi.ResourceOption) (*helmv4.Chart, pulumi.StringOutput, error) {
	ns := args.namespace()
	none := pulumi.String("").ToStringOutput()
	randomProvider, err := random.NewProvider(ctx, name+"-random", nil, pulumi.Parent(parent))
	if err != nil {
		return nil, none, err
	}
	password, err := random.NewRandomPassword(ctx, name+"-grafana-admin", &random.RandomPasswordArgs{
		Length:  pulumi.Int(32),
		Special: pulumi.Bool(false),
	}, pulumi.Parent(parent), pulumi.Provider(randomProvider))
	if err != nil {
		return nil, none, err
	}
	secret, err := corev1.NewSecret(ctx, name+"-grafana-admin", &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(GrafanaAdminSecret), Namespace: pulumi.String(ns),
			Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost")}},
		Type: pulumi.String("Opaque"),
		StringData: pulumi.StringMap{
			"admin-user":     pulumi.String("admin"),
			"admin-password": password.Result,
		},
	}, on...)
	if err != nil {
		return nil, none, err
	}
	ref := args.Chart
	ca := &helmv4.ChartArgs{
		Chart:     pulumi.String(ref.Name),
		Version:   pulumi.String(ref.Version),
		Namespace: pulumi.String(ns),
		Values:    pulumi.ToMap(chartValues(args)),
	}
	if ref.Repo != "" {
		ca.RepositoryOpts = &helmv4.RepositoryOptsArgs{Repo: pulumi.String(ref.Repo)}
	}
	// The chart's CRDs normalised as the operators' are (an empty properties map would show a diff
	// on every preview); not retained: deleting them deletes only monitors and rules.
	stack, err := helmv4.NewChart(ctx, name+"-stack", ca, append(slices.Clone(on), pulumi.DependsOn([]pulumi.Resource{secret}),
		pulumi.Transforms([]pulumi.ResourceTransform{platform.CRDTransform(false)}))...)
	if err != nil {
		return nil, none, err
	}
	return stack, password.Result, nil
}

// newNamespace makes the monitoring namespace. The bundled stack's node exporter reads the host's
// /proc, /sys and root file system from the host's network and PID namespaces, which only the
// privileged Pod Security level admits; kost's rules alone need nothing of the kind.
func newNamespace(ctx *pulumi.Context, name, ns string, bundled bool, on []pulumi.ResourceOption) (*corev1.Namespace, error) {
	enforce, warn := "restricted", "restricted"
	if bundled {
		enforce, warn = "privileged", "baseline"
	}
	return corev1.NewNamespace(ctx, name+"-monitoring", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ns), Labels: pulumi.StringMap{
			"app.kubernetes.io/managed-by":       pulumi.String("kost"),
			"kost.io/layer":                      pulumi.String("monitoring"),
			"pod-security.kubernetes.io/enforce": pulumi.String(enforce),
			"pod-security.kubernetes.io/warn":    pulumi.String(warn),
			"pod-security.kubernetes.io/audit":   pulumi.String(warn),
		}},
	}, on...)
}

// objectMeta is a custom resource's metadata, labelled as kost's.
func objectMeta(name, ns string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns),
		Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost")}}
}

// resources lists the resources of a remote component's resources output (helm/v4.Chart).
func resources(xs []any) []pulumi.Resource {
	var out []pulumi.Resource
	for _, x := range xs {
		if r, ok := x.(pulumi.Resource); ok {
			out = append(out, r)
		}
	}
	return out
}
