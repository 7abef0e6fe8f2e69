package kubeadm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi-command/sdk/go/command"
	"github.com/pulumi/pulumi-command/sdk/go/command/local"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
)

// DefaultReadyTimeout is how long the add-ons wait for the API server to answer /readyz: a control
// plane boots, installs its packages and runs kubeadm init in about five minutes.
const DefaultReadyTimeout = 20 * time.Minute

// AddonNamespace is where every add-on of a self-managed cluster runs.
const AddonNamespace = "kube-system"

// Installer installs one add-on on a cluster. Chart is the usual one; a cloud whose add-on has no
// official chart (GCP's cloud-controller-manager and PD CSI driver) implements its own.
type Installer interface {
	// Install creates the add-on's resources with opts, which carry the parent, the cluster's
	// Kubernetes provider and what must exist first, and returns what later add-ons must wait for.
	Install(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error)
	// Describe names the add-on and its version in error messages, e.g. "cilium 1.18.2".
	Describe() string
	// Problems lists what is wrong with the installer's configuration (empty when it is usable).
	Problems() []string
}

// ChartRef is an add-on chart (cluster.ChartRef, one type for every component).
type ChartRef = cluster.ChartRef

// Chart installs a pinned Helm chart (helm/v4, rendered by the Kubernetes provider) in kube-system.
type Chart struct {
	// Ref is the chart. Required.
	Ref ChartRef
	// Values are the chart's values. Default: the chart's own.
	Values pulumi.Map
	// Transforms change the chart's objects where its values cannot (the engine applies them to the
	// rendered children). Default: none.
	Transforms []pulumi.ResourceTransform
}

// Describe implements Installer.
func (c Chart) Describe() string { return c.Ref.Name + " " + c.Ref.Version }

// Problems implements Installer.
func (c Chart) Problems() []string { return c.Ref.Problems() }

// Install implements Installer.
func (c Chart) Install(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	ca := &helmv4.ChartArgs{
		Chart:     pulumi.String(c.Ref.Name),
		Version:   pulumi.String(c.Ref.Version),
		Namespace: pulumi.String(AddonNamespace),
		Values:    c.Values,
	}
	if c.Ref.Repo != "" {
		ca.RepositoryOpts = &helmv4.RepositoryOptsArgs{Repo: pulumi.String(c.Ref.Repo)}
	}
	if len(c.Transforms) > 0 {
		opts = append(opts, pulumi.Transforms(c.Transforms))
	}
	ch, err := helmv4.NewChart(ctx, name, ca, opts...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{ch}, nil
}

// Cilium is the CNI: VXLAN tunnels between the nodes (every cloud's network carries them without
// routes or secondary ranges), cluster-pool IPAM handing each node a /24 of podCIDR, kube-proxy kept
// (kubeadm installs it). The agent tolerates every taint, so it runs on control planes and on nodes
// the cloud-controller-manager has not initialised yet.
func Cilium(ref ChartRef, podCIDR string, operatorReplicas int) Chart {
	return Chart{Ref: ref, Values: pulumi.Map{
		"routingMode":          pulumi.String("tunnel"),
		"tunnelProtocol":       pulumi.String("vxlan"),
		"kubeProxyReplacement": pulumi.Bool(false),
		"ipam": pulumi.Map{
			"mode": pulumi.String("cluster-pool"),
			"operator": pulumi.Map{
				"clusterPoolIPv4PodCIDRList": pulumi.StringArray{pulumi.String(podCIDR)},
				"clusterPoolIPv4MaskSize":    pulumi.Int(24),
			},
		},
		"operator": pulumi.Map{
			"replicas": pulumi.Int(operatorReplicas),
			// The operator allocates pod CIDRs, so it must run before any node is initialised.
			"tolerations": pulumi.MapArray{pulumi.Map{"operator": pulumi.String("Exists")}},
		},
	}}
}

// MetricsServer serves the resource metrics API (kubectl top, HorizontalPodAutoscalers) from the
// system pool. kubeadm's kubelets serve self-signed certificates, so metrics-server does not verify
// them (--kubelet-insecure-tls); it still authenticates to the kubelets with its own credentials, and
// the kubelet port admits only the region block.
func MetricsServer(ref ChartRef, replicas int) Chart {
	return Chart{Ref: ref, Values: pulumi.Map{
		"replicas": pulumi.Int(replicas),
		"args": pulumi.StringArray{
			pulumi.String("--kubelet-insecure-tls"),
			pulumi.String("--kubelet-preferred-address-types=InternalIP"),
		},
		"nodeSelector": pulumi.StringMap{cluster.PoolLabel: pulumi.String("system")},
	}}
}

// AddonsArgs configure the add-ons of a self-managed cluster.
type AddonsArgs struct {
	// Provider is the cluster's Kubernetes provider (cluster.NewKubernetesProvider over
	// Bootstrap.AdminKubeconfig). Required.
	Provider *kubernetes.Provider
	// Endpoint is the API server's URL behind the internal load balancer, https://<address>:6443.
	// Required.
	Endpoint pulumi.StringInput
	// CACertPEM is the cluster CA (Bootstrap.CACertPEM), which the readiness probe trusts. Required.
	CACertPEM pulumi.StringInput
	// After are what the API server needs to answer: the first control plane and the load balancer.
	// Required: at least one resource.
	After []pulumi.Resource
	// ReadyTimeout bounds the wait for /readyz. Default: DefaultReadyTimeout (20 minutes).
	ReadyTimeout time.Duration
	// AddonSet are the add-ons. Required: all five.
	AddonSet
}

// AddonSet are the five add-ons of a self-managed cluster.
type AddonSet struct {
	// CNI is installed first: no pod but host-network ones starts without it. Required.
	CNI Installer
	// CloudControllerManager initialises the nodes (addresses, zones, the uninitialized taint) and
	// serves LoadBalancer Services; installed after the CNI. Required.
	CloudControllerManager Installer
	// CSIDriver provisions the cloud's block volumes; installed after the cloud-controller-manager.
	// Required.
	CSIDriver Installer
	// MetricsServer is installed after the cloud-controller-manager. Required.
	MetricsServer Installer
	// Autoscaler is the cluster-autoscaler that keeps each worker group between its min and max,
	// installed after the cloud-controller-manager. Required.
	Autoscaler Installer
}

// Addons are the add-ons of a self-managed cluster, installed in order once the API answers:
// the CNI, then the cloud-controller-manager, then the CSI driver and metrics-server.
type Addons struct {
	pulumi.ResourceState

	// APIReady is the readiness probe: it completes once https://<endpoint>/readyz answers 200.
	APIReady *local.Command
	// CNI, CloudControllerManager, CSIDriver, MetricsServer and Autoscaler are each add-on's resources.
	CNI, CloudControllerManager, CSIDriver, MetricsServer, Autoscaler []pulumi.Resource
	// Ready is every add-on resource: what the platform's workloads must wait for.
	Ready []pulumi.Resource
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError.
func (a *AddonsArgs) Validate() error {
	if a == nil {
		a = &AddonsArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.Provider == nil, "Provider")
	ps.Required(a.Endpoint == nil, "Endpoint")
	ps.Required(a.CACertPEM == nil, "CACertPEM")
	ps.Check(len(a.After) > 0, "After", "required: the first control plane and the load balancer")
	ps.Check(a.ReadyTimeout >= 0, "ReadyTimeout", "%s is negative", a.ReadyTimeout)
	for _, in := range []struct {
		field string
		i     Installer
	}{{"CNI", a.CNI}, {"CloudControllerManager", a.CloudControllerManager}, {"CSIDriver", a.CSIDriver}, {"MetricsServer", a.MetricsServer}, {"Autoscaler", a.Autoscaler}} {
		if in.i == nil {
			ps.Add(in.field, "required")
			continue
		}
		for _, p := range in.i.Problems() {
			ps.Add(in.field, "%s", p)
		}
	}
	return ps.Err("add-on args")
}

// ReadyzScript polls $KOST_ENDPOINT/readyz with the cluster CA until it answers 200 or
// $KOST_TIMEOUT_SECONDS pass, then fails naming $KOST_WHAT and saying $KOST_HINT. /readyz is readable
// without credentials (the system:public-info-viewer role), so no key reaches the shell. An address
// as endpoint is checked against the certificate's IP SANs (kubeadm puts each control plane's
// address in its serving certificate). $KOST_POLL_SECONDS (default 10) spaces the attempts.
const ReadyzScript = `set -eu
ca=$(mktemp)
trap 'rm -f "$ca"' EXIT
printf '%s\n' "$KOST_CA_PEM" > "$ca"
what=${KOST_WHAT:-$KOST_ENDPOINT}
deadline=$(( $(date +%s) + KOST_TIMEOUT_SECONDS ))
until curl --silent --fail --max-time 5 --cacert "$ca" "$KOST_ENDPOINT/readyz" > /dev/null; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "kost: $what did not answer $KOST_ENDPOINT/readyz within $KOST_TIMEOUT_SECONDS s: ${KOST_HINT:-check /var/log/kost-bootstrap.log on the first control plane and that this machine reaches the internal load balancer}" >&2
    exit 1
  fi
  sleep "${KOST_POLL_SECONDS:-10}"
done
echo "kost: $what is ready"
`

// PoolReadyScript waits until at least $KOST_WANT nodes labelled kost.io/pool=$KOST_POOL are Ready,
// asking the API at $KOST_ENDPOINT with the admin client certificate, or fails after
// $KOST_TIMEOUT_SECONDS naming $KOST_WHAT and saying $KOST_HINT. The node list is requested without
// pretty-printing (the API server indents JSON for curl's user agent otherwise: isPrettyPrint in
// k8s.io/apiserver v0.36.4 pkg/endpoints/handlers/negotiation/negotiate.go), so each Ready node
// carries exactly one "type":"Ready","status":"True" (NodeCondition's field order). The e2e run
// checks it against the real API server.
const PoolReadyScript = `set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
umask 077
printf '%s\n' "$KOST_CA_PEM" > "$d/ca"
printf '%s\n' "$KOST_CLIENT_CERT" > "$d/crt"
printf '%s\n' "$KOST_CLIENT_KEY" > "$d/key"
url="$KOST_ENDPOINT/api/v1/nodes?labelSelector=kost.io%2Fpool%3D$KOST_POOL&pretty=false"
deadline=$(( $(date +%s) + KOST_TIMEOUT_SECONDS ))
while :; do
  n=$(curl --silent --fail --max-time 10 --user-agent kost-gate --cacert "$d/ca" --cert "$d/crt" --key "$d/key" "$url" \
    | grep -o '"type":"Ready","status":"True"' | wc -l) || n=0
  if [ "$n" -ge "$KOST_WANT" ]; then
    echo "kost: $KOST_WHAT has $n Ready nodes"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "kost: $KOST_WHAT has $n of $KOST_WANT nodes Ready after $KOST_TIMEOUT_SECONDS s: $KOST_HINT" >&2
    exit 1
  fi
  sleep "${KOST_POLL_SECONDS:-10}"
done
`

// NewAddons waits for the API server, then installs the add-ons with the cluster's provider. The
// wait runs on the machine running `pulumi up` (curl is required there), which must reach the
// internal load balancer anyway: the Kubernetes provider talks to the same address.
func NewAddons(ctx *pulumi.Context, name string, args *AddonsArgs, opts ...pulumi.ResourceOption) (*Addons, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("add-ons %s: %w", name, err)
	}
	a := &Addons{}
	if err := ctx.RegisterComponentResource("kost:kubeadm:Addons", name, a, opts...); err != nil {
		return nil, err
	}
	wrap := func(what string, err error) error { return fmt.Errorf("add-ons %s: %s: %w", name, what, err) }
	timeout := args.ReadyTimeout
	if timeout == 0 {
		timeout = DefaultReadyTimeout
	}
	// The probe runs with a command provider of its own, as every kost resource names its provider.
	cmd, err := command.NewProvider(ctx, name+"-command", nil, pulumi.Parent(a))
	if err != nil {
		return nil, wrap("command provider", err)
	}
	a.APIReady, err = newGate(ctx, name+"-api-ready", gate{
		Script: ReadyzScript,
		Env:    pulumi.StringMap{"KOST_ENDPOINT": args.Endpoint, "KOST_CA_PEM": args.CACertPEM},
		// A new endpoint or CA is a new cluster: wait for it again.
		Timeout:  timeout,
		Triggers: pulumi.Array{args.Endpoint, args.CACertPEM},
	}, pulumi.Parent(a), pulumi.Provider(cmd), pulumi.DependsOn(args.After))
	if err != nil {
		return nil, wrap("readiness probe", err)
	}

	on := []pulumi.ResourceOption{pulumi.Parent(a), pulumi.Provider(args.Provider)}
	install := func(suffix string, in Installer, after []pulumi.Resource) ([]pulumi.Resource, error) {
		rs, err := in.Install(ctx, name+"-"+suffix, append(slices.Clone(on), pulumi.DependsOn(after))...)
		if err != nil {
			return nil, wrap(in.Describe(), err)
		}
		return rs, nil
	}
	if a.CNI, err = install("cni", args.CNI, []pulumi.Resource{a.APIReady}); err != nil {
		return nil, err
	}
	if a.CloudControllerManager, err = install("ccm", args.CloudControllerManager, a.CNI); err != nil {
		return nil, err
	}
	if a.CSIDriver, err = install("csi", args.CSIDriver, a.CloudControllerManager); err != nil {
		return nil, err
	}
	if a.MetricsServer, err = install("metrics-server", args.MetricsServer, a.CloudControllerManager); err != nil {
		return nil, err
	}
	if a.Autoscaler, err = install("autoscaler", args.Autoscaler, a.CloudControllerManager); err != nil {
		return nil, err
	}
	a.Ready = slices.Concat(a.CNI, a.CloudControllerManager, a.CSIDriver, a.MetricsServer, a.Autoscaler)
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{
		"cni":                    pulumi.String(args.CNI.Describe()),
		"cloudControllerManager": pulumi.String(args.CloudControllerManager.Describe()),
		"csiDriver":              pulumi.String(args.CSIDriver.Describe()),
		"metricsServer":          pulumi.String(args.MetricsServer.Describe()),
		"autoscaler":             pulumi.String(args.Autoscaler.Describe()),
	}); err != nil {
		return nil, err
	}
	return a, nil
}

// AddonPins pin the add-ons of a self-managed cluster. stacks/config holds the values
// (AddonCharts, KubeadmReleases, GCPAddonImages).
type AddonPins struct {
	// CNI is the Cilium chart. Required.
	CNI ChartRef
	// MetricsServer is the metrics-server chart. Required.
	MetricsServer ChartRef
	// CloudControllerManager is the cloud's cloud-controller-manager chart. Required on AWS and Azure;
	// unused on GCP, which publishes no chart.
	CloudControllerManager ChartRef
	// CloudControllerManagerTag is the cloud-controller-manager's image tag, which follows the
	// Kubernetes minor version (the charts' defaults follow the chart's). Required.
	CloudControllerManagerTag string
	// CSIDriver is the cloud's CSI driver chart. Required on AWS and Azure; unused on GCP.
	CSIDriver ChartRef
	// Images are images the cloud package sets itself, by key (GCP's PD CSI driver and its sidecars).
	// Default: none.
	Images map[string]string
	// Autoscaler is the cluster-autoscaler's chart and image for the cluster's minor. Required.
	Autoscaler autoscaler.Pins
}

// AutoscalerChart is the cluster-autoscaler installer of a cloud: the pinned chart with the values
// args render (autoscaler.Args.ChartValues: the same values as on EKS).
func AutoscalerChart(pins autoscaler.Pins, args autoscaler.Args) Chart {
	args.Chart, args.Image = pins.Chart, pins.Image
	return Chart{Ref: ChartRef{Name: pins.Chart.Name, Repo: pins.Chart.Repo, Version: pins.Chart.Version}, Values: args.ChartValues()}
}

var imageTagRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+$`)

// Problems lists what is wrong with the pins, with field names under prefix (e.g. "Addons").
// withCharts says whether the cloud installs its cloud-controller-manager and CSI driver from charts.
func (p AddonPins) Problems(prefix string, withCharts bool) []cluster.Problem {
	var ps []cluster.Problem
	chart := func(field string, r ChartRef) {
		for _, reason := range r.Problems() {
			ps = append(ps, cluster.Problem{Field: prefix + "." + field, Reason: reason})
		}
	}
	chart("CNI", p.CNI)
	chart("MetricsServer", p.MetricsServer)
	chart("Autoscaler", ChartRef{Name: p.Autoscaler.Chart.Name, Repo: p.Autoscaler.Chart.Repo, Version: p.Autoscaler.Chart.Version})
	if i := strings.LastIndex(p.Autoscaler.Image, ":"); i < 0 || !imageTagRE.MatchString(p.Autoscaler.Image[i+1:]) {
		ps = append(ps, cluster.Problem{Field: prefix + ".Autoscaler.Image", Reason: fmt.Sprintf("%q must be repository:tag with an exact tag", p.Autoscaler.Image)})
	}
	if withCharts {
		chart("CloudControllerManager", p.CloudControllerManager)
		chart("CSIDriver", p.CSIDriver)
	}
	if !imageTagRE.MatchString(p.CloudControllerManagerTag) {
		ps = append(ps, cluster.Problem{Field: prefix + ".CloudControllerManagerTag", Reason: fmt.Sprintf("%q must be an exact image tag such as v1.33.3", p.CloudControllerManagerTag)})
	}
	return ps
}

// CloudControllerTolerations let a cloud-controller-manager run on the control planes of a cluster
// whose nodes it has not initialised yet (and that have no ready CNI on their first minutes).
func CloudControllerTolerations() pulumi.MapArray {
	t := func(key, value string) pulumi.Map {
		m := pulumi.Map{"key": pulumi.String(key), "effect": pulumi.String("NoSchedule")}
		if value != "" {
			m["value"] = pulumi.String(value)
		} else {
			m["operator"] = pulumi.String("Exists")
		}
		return m
	}
	return pulumi.MapArray{
		t("node-role.kubernetes.io/control-plane", ""),
		t("node.cloudprovider.kubernetes.io/uninitialized", "true"),
		t("node.kubernetes.io/not-ready", ""),
	}
}

// ControlPlaneSelector selects kubeadm's control-plane nodes.
func ControlPlaneSelector() pulumi.StringMap {
	return pulumi.StringMap{"node-role.kubernetes.io/control-plane": pulumi.String("")}
}
