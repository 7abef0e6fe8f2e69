// Package autoscaler installs the Kubernetes cluster-autoscaler from its pinned chart on clusters
// whose node groups no cloud service scales: EKS managed node groups, and kost's kubeadm worker
// groups on AWS (Auto Scaling groups), Azure (Uniform scale sets) and GCP (zonal managed instance
// groups). It keeps every group between its min and max, adds nodes for pods that do not fit, and
// removes a node only after draining it (its scale-down evicts the pods first), unlike a cloud's
// CPU-based group autoscaler.
package autoscaler

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// ChartRef is the autoscaler's chart (cluster.ChartRef, one type for every component).
type ChartRef = cluster.ChartRef

// Pins are the chart and the image for the cluster's Kubernetes minor: what a cluster component takes
// from the stack.
type Pins struct {
	Chart ChartRef
	Image string
}

// Group is a node group the autoscaler scales, for clouds whose groups carry no min/max of their own
// (GCP: one zonal managed instance group per zone, named <NamePrefix><zone>).
type Group struct {
	// NamePrefix matches the group's instance groups. Required.
	NamePrefix string
	// Min and Max nodes per instance group. Required: 0 <= Min <= Max.
	Min, Max int
}

// Args configure the cluster-autoscaler.
type Args struct {
	// Provider is the cluster's Kubernetes provider. Required.
	Provider *kubernetes.Provider
	// Chart is the pinned cluster-autoscaler chart. Required.
	Chart ChartRef
	// Image is the autoscaler image for the cluster's Kubernetes minor, repository:tag
	// ("use the release that corresponds to the minor version": its README). Required.
	Image string
	// CloudProvider is aws, azure or gce. Required.
	CloudProvider string
	// ClusterName is the cluster's name, which auto-discovery matches (AWS and Azure: the groups'
	// tags). Required.
	ClusterName string
	// Groups are the GCP groups, by name prefix with per-group bounds. Required for gce; unused
	// elsewhere.
	Groups []Group
	// Values are the cloud's own chart values (awsRegion; azure* identity and resource group).
	// Default: none.
	Values pulumi.Map
	// ServiceAccountAnnotations bind the autoscaler's service account to a cloud identity (IRSA).
	// Default: none.
	ServiceAccountAnnotations pulumi.StringMap
	// OnControlPlanes runs it on the control-plane nodes, on their network, with their instance
	// identity (kubeadm clusters: the metadata service answers the host only). Default: false: on the
	// system pool.
	OnControlPlanes bool
	// CPU and Memory are its requests (memory limited to the request). Default: 100m and 600Mi.
	CPU, Memory string
	// DependsOn is what must exist first (the node groups, the cloud identity). Default: none.
	DependsOn []pulumi.Resource
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError.
func (a *Args) Validate() error {
	if a == nil {
		a = &Args{}
	}
	var ps cluster.Problems
	ps.Required(a.Provider == nil, "Provider")
	ps.Check(a.Chart.Name != "" && a.Chart.Version != "", "Chart", "the chart's name and exact version are required")
	ps.Check(strings.Contains(a.Image, ":") && !strings.HasSuffix(a.Image, ":latest"), "Image", "%q: want repository:tag, never latest", a.Image)
	ps.Check(a.CloudProvider == "aws" || a.CloudProvider == "azure" || a.CloudProvider == "gce", "CloudProvider", "%q: aws, azure or gce", a.CloudProvider)
	ps.Required(a.ClusterName == "", "ClusterName")
	ps.Check(a.CloudProvider != "gce" || len(a.Groups) > 0, "Groups", "required with gce")
	for i, g := range a.Groups {
		ps.Check(g.NamePrefix != "", fmt.Sprintf("Groups[%d].NamePrefix", i), "required")
		ps.Check(g.Min >= 0 && g.Min <= g.Max, fmt.Sprintf("Groups[%d].Max", i), "need 0 <= Min (%d) <= Max (%d)", g.Min, g.Max)
	}
	return ps.Err("cluster-autoscaler args")
}

// ChartValues renders the chart values for args (exported so tests read exactly what is installed).
func (a *Args) ChartValues() pulumi.Map {
	i := strings.LastIndex(a.Image, ":")
	repo, tag := a.Image[:max(i, 0)], a.Image[i+1:]
	cpu, mem := a.CPU, a.Memory
	if cpu == "" {
		cpu = "100m"
	}
	if mem == "" {
		mem = "600Mi"
	}
	annotations := a.ServiceAccountAnnotations
	if annotations == nil {
		annotations = pulumi.StringMap{}
	}
	values := pulumi.Map{
		"cloudProvider":    pulumi.String(a.CloudProvider),
		"fullnameOverride": pulumi.String("cluster-autoscaler"),
		"autoDiscovery":    pulumi.Map{"clusterName": pulumi.String(a.ClusterName)},
		"image":            pulumi.Map{"repository": pulumi.String(repo), "tag": pulumi.String(tag)},
		"rbac": pulumi.Map{"serviceAccount": pulumi.Map{
			"name": pulumi.String(ServiceAccount), "annotations": annotations,
		}},
		"resources": pulumi.Map{
			"requests": pulumi.StringMap{"cpu": pulumi.String(cpu), "memory": pulumi.String(mem)},
			"limits":   pulumi.StringMap{"memory": pulumi.String(mem)},
		},
		"extraArgs": pulumi.Map{
			// Pods of kost's data plane keep volumes on the node's claims, not local storage; a node
			// is removed only after its pods are evicted.
			"balance-similar-node-groups":   pulumi.Bool(true),
			"skip-nodes-with-local-storage": pulumi.Bool(false),
			"expander":                      pulumi.String("least-waste"),
		},
	}
	if a.CloudProvider == "gce" {
		// Without --regional the GCE provider looks for the groups only in the zone of the VM it
		// runs on (cluster-autoscaler 1.36.1 cloudprovider/gce/gce_manager.go, findMigsNamed and
		// getProjectAndLocation); kost has one group per pool and zone.
		values["extraArgs"].(pulumi.Map)["regional"] = pulumi.Bool(true)
	}
	if a.OnControlPlanes {
		values["hostNetwork"] = pulumi.Bool(true)
		values["nodeSelector"] = pulumi.StringMap{"node-role.kubernetes.io/control-plane": pulumi.String("")}
		values["tolerations"] = pulumi.Array{pulumi.Map{
			"key": pulumi.String("node-role.kubernetes.io/control-plane"), "operator": pulumi.String("Exists"), "effect": pulumi.String("NoSchedule"),
		}}
	} else {
		values["nodeSelector"] = pulumi.StringMap{"kost.io/pool": pulumi.String("system")}
	}
	if len(a.Groups) > 0 {
		var gs pulumi.Array
		for _, g := range a.Groups {
			gs = append(gs, pulumi.Map{"name": pulumi.String(g.NamePrefix), "minSize": pulumi.Int(g.Min), "maxSize": pulumi.Int(g.Max)})
		}
		values["autoscalingGroupsnamePrefix"] = gs
	}
	for k, v := range a.Values {
		values[k] = v
	}
	return values
}

// ServiceAccount is the autoscaler's service account in kube-system (the name IRSA trusts).
const ServiceAccount = "cluster-autoscaler"

// Namespace the autoscaler runs in.
const Namespace = "kube-system"

// New installs the cluster-autoscaler chart.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*helmv4.Chart, error) {
	if args == nil {
		return nil, fmt.Errorf("cluster-autoscaler %s: args are required", name)
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	ca := &helmv4.ChartArgs{
		Chart:     pulumi.String(args.Chart.Name),
		Version:   pulumi.String(args.Chart.Version),
		Namespace: pulumi.String(Namespace),
		Values:    args.ChartValues(),
	}
	if args.Chart.Repo != "" {
		ca.RepositoryOpts = &helmv4.RepositoryOptsArgs{Repo: pulumi.String(args.Chart.Repo)}
	}
	o := append(append([]pulumi.ResourceOption{}, opts...), pulumi.Provider(args.Provider), pulumi.DependsOn(args.DependsOn))
	return helmv4.NewChart(ctx, name, ca, o...)
}
