package kubeadm

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi-command/sdk/go/command"
	"github.com/pulumi/pulumi-command/sdk/go/command/local"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// SystemPool is the pool every self-managed cluster needs: CoreDNS and the operators run there
// (control planes keep kubeadm's taint).
const SystemPool = cluster.SystemPool

// ControlPlanes is how many control-plane nodes a self-managed cluster has: one per zone, so etcd
// keeps its quorum when a zone is lost.
const ControlPlanes = 3

// ClusterSpec is what every self-managed cluster takes, whatever its cloud. Each cloud's
// SelfManagedClusterArgs embeds it and adds what only that cloud has (network ids, project,
// subscription, images).
type ClusterSpec struct {
	// ClusterName is the cluster's name (kubeadm clusterName, the cloud-controller-manager's
	// --cluster-name, the prefix of the cloud's resource names). Required; each cloud narrows the
	// characters its names accept.
	ClusterName string
	// Region is the cloud region (Azure: the location). Required.
	Region string
	// Zones are the region's three zones: control plane i runs in Zones[i], every worker group spans
	// all three. Required: exactly 3, distinct.
	Zones []string
	// KubernetesVersion is the exact release, e.g. "1.36.4". Required: 1.31 or later.
	KubernetesVersion string
	// ContainerdVersion is the exact apt version of containerd.io, e.g. "2.2.4-1~ubuntu.24.04~noble".
	// Required.
	ContainerdVersion string
	// RegionBlock is the region's address block: the only source the API server (6443), kubelet
	// (10250) and etcd (2379-2380) ports admit besides DeployerCIDRs on 6443. Required: a masked
	// IPv4 prefix, not /0, not overlapping the pod or Service networks.
	RegionBlock string
	// DeployerCIDRs are where Pulumi runs from (network.deployers.cidrs): they reach the API on 6443
	// (the load balancer and each control plane, which the readiness gates probe directly). Default:
	// none (Pulumi then runs inside RegionBlock).
	DeployerCIDRs []string
	// NodePools are the worker pools, one worker group each. Required: at least one, one of them
	// SystemPool.
	NodePools []cluster.PoolSpec
	// ControlPlaneInstanceType is the control planes' instance type, machine type or VM size.
	// Default: the cloud's (see each cloud's DefaultControlPlane... constant).
	ControlPlaneInstanceType string
	// Addons pin the CNI, the cloud-controller-manager, the CSI driver, metrics-server and the
	// cluster-autoscaler. Required: every pin the cloud uses.
	Addons AddonPins
	// Protect marks the bootstrap (CA keys, service-account key), the PKI's secret-store entry, the
	// control planes and the API load balancer protected, and turns the cloud's deletion protection
	// on where it has one. Default: false.
	Protect bool
	// ReadyTimeout bounds each readiness gate (a control plane serving /readyz, a pool's nodes
	// Ready). Default: DefaultReadyTimeout (20 minutes).
	ReadyTimeout time.Duration
}

// Profile is what a cloud tells the sequence about itself.
type Profile struct {
	// Cloud the cluster runs in; every kubelet waits for its cloud-controller-manager. Required.
	Cloud cluster.Cloud
	// ChartAddons says the cloud-controller-manager and the CSI driver come from charts (AddonPins
	// CloudControllerManager and CSIDriver are then required).
	ChartAddons bool
	// Storage and InternalLoadBalancer are handed up in the cluster.Cluster.
	Storage              cluster.StorageProfile
	InternalLoadBalancer map[string]string
	// Secrets say where the cloud's secret store keeps the PKI and the join token (the names the
	// cloud's Secrets makes). Required.
	Secrets SecretRefs
	// FormerBootstrapName is the name the cloud gave the bootstrap before the sequence was shared,
	// when it was not <name>-kubeadm: the bootstrap and its children keep their identity through
	// aliases. Default: "" (none).
	FormerBootstrapName string
}

// Endpoint is the API load balancer's address, made before the bootstrap (it is the
// ControlPlaneEndpoint and a certificate SAN).
type Endpoint struct {
	// Address is the load balancer's DNS name or IP address. Required.
	Address pulumi.StringOutput
	// Resources are what a client needs before it can reach Address (the load balancer, its
	// listener). Default: none.
	Resources []pulumi.Resource
}

// ControlPlaneArgs are one control-plane machine's.
type ControlPlaneArgs struct {
	// Index is the machine's position, 0 to ControlPlanes-1; 0 runs kubeadm init.
	Index int
	// Zone is Zones[Index].
	Zone string
	// UserData is the machine's cloud-init user data (secret): the bootstrap's FirstControlPlane or
	// JoinControlPlane.
	UserData pulumi.StringOutput
	// First is control plane 0, for the ones that join it (nil on control plane 0).
	First *Machine
	// After is what the machine must wait for: the previous control plane's readiness gate, the API
	// load balancer.
	After []pulumi.Resource
}

// Machine is a control-plane machine a cloud made.
type Machine struct {
	// Resources are the machine and what makes it reachable (a NIC, a target-group attachment, its
	// role assignment). Required: the machine first.
	Resources []pulumi.Resource
	// PrivateIP is the machine's private address, which its API server's certificate carries: the
	// readiness gate probes https://<PrivateIP>:6443/readyz. Required.
	PrivateIP pulumi.StringOutput
}

// WorkerGroupArgs are one pool's worker group's.
type WorkerGroupArgs struct {
	// Pool is the pool.
	Pool cluster.PoolSpec
	// UserData is the pool's cloud-init user data (secret): Bootstrap.Workers[Pool.Pool].
	UserData pulumi.StringOutput
	// After is what the group must wait for: the first control plane's readiness gate and the API
	// load balancer.
	After []pulumi.Resource
}

// Infrastructure is what a cloud supplies to a self-managed cluster: where the sequence
// (NewCluster) is the same on every cloud, these are the places the clouds differ. Like Cluster
// API's infrastructure providers, they make the network pieces, the load balancer and machines;
// the kubeadm package makes the PKI, the order, the gates and the add-ons.
type Infrastructure interface {
	// Profile describes the cloud.
	Profile() Profile
	// Problems are what is wrong with the cloud's own args, field by field; NewCluster reports them
	// with the spec's.
	Problems() []cluster.Problem
	// Endpoint makes what comes before the bootstrap: identities, firewalls, the API load balancer or
	// its address.
	Endpoint(ctx *pulumi.Context, opts ...pulumi.ResourceOption) (Endpoint, error)
	// Secrets makes the secret store's entries Profile().Secrets names: the PKI with pki as its value,
	// readable by the control planes' identity only, and the join token without a value (the control
	// planes write it, every node reads it), with those grants where the identities already exist
	// (otherwise ControlPlane and WorkerGroup grant them). It returns what machines wait for.
	Secrets(ctx *pulumi.Context, pki pulumi.StringOutput, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error)
	// ControlPlane makes one control-plane machine.
	ControlPlane(ctx *pulumi.Context, args ControlPlaneArgs, opts ...pulumi.ResourceOption) (Machine, error)
	// ControlPlanesDone makes what needs every control plane (GCP's load balancer backends) and
	// returns what workers and add-ons must wait for besides the first control plane. Default: none.
	ControlPlanesDone(ctx *pulumi.Context, machines []Machine, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error)
	// WorkerGroup makes a pool's worker group(s) and returns them.
	WorkerGroup(ctx *pulumi.Context, args WorkerGroupArgs, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error)
	// Addons are the cloud's add-ons (its cloud-controller-manager, CSI driver and autoscaler
	// values); made once the control planes exist.
	Addons(ctx *pulumi.Context) (AddonSet, error)
}

// Cluster is a self-managed cluster NewCluster assembled.
type Cluster struct {
	// Bootstrap is the PKI, the token and the user data.
	Bootstrap *Bootstrap
	// Endpoint is the API's URL, https://<load balancer>:6443.
	Endpoint pulumi.StringOutput
	// ControlPlanes are the control-plane machines in zone order; the first ran kubeadm init.
	ControlPlanes []Machine
	// ControlPlaneReady are the control planes' readiness gates, in the same order.
	ControlPlaneReady []*local.Command
	// Workers are each pool's worker groups.
	Workers map[string][]pulumi.Resource
	// WorkersReady are the pools' readiness gates (pools whose Desired is 0 have none).
	WorkersReady map[string]*local.Command
	// Provider is the cluster's Kubernetes provider.
	Provider *kubernetes.Provider
	// Addons are the add-ons.
	Addons *Addons
	// Contract is what the platform layer takes.
	Contract cluster.Cluster
}

// Problems lists what is wrong with the spec, field by field, for a cloud with the given profile.
func (s *ClusterSpec) Problems(p Profile) []cluster.Problem {
	var ps []cluster.Problem
	bad := func(field, format string, v ...any) {
		ps = append(ps, cluster.Problem{Field: field, Reason: fmt.Sprintf(format, v...)})
	}
	if s == nil {
		s = &ClusterSpec{}
	}
	// Name, versions and pool names are the bootstrap's to check; the endpoint comes later.
	var kerr *cluster.ArgsError
	if err := s.bootstrapArgs(p, pulumi.String("pending")).Validate(); errors.As(err, &kerr) {
		for _, q := range kerr.Problems {
			if strings.HasPrefix(q.Field, "Pools") {
				q.Field = "Node" + q.Field
			}
			ps = append(ps, q)
		}
	}
	if s.Region == "" {
		bad("Region", "required")
	}
	if len(s.Zones) != ControlPlanes {
		bad("Zones", "want exactly %d zones (one control plane each), got %d", ControlPlanes, len(s.Zones))
	}
	for i, z := range s.Zones {
		if z == "" || slices.Index(s.Zones, z) != i {
			bad(fmt.Sprintf("Zones[%d]", i), "%q is empty or repeated", z)
		}
	}
	switch b, err := netip.ParsePrefix(s.RegionBlock); {
	case s.RegionBlock == "":
		bad("RegionBlock", "required")
	case err != nil || !b.Addr().Is4():
		bad("RegionBlock", "%q is not an IPv4 CIDR such as 10.40.0.0/16", s.RegionBlock)
	case b != b.Masked():
		bad("RegionBlock", "%q has host bits set (want %s)", s.RegionBlock, b.Masked())
	case b.Bits() == 0:
		bad("RegionBlock", "%q would open the cluster's ports to every address", s.RegionBlock)
	case b.Overlaps(cluster.OverlayPodCIDR) || b.Overlaps(cluster.ServiceCIDR):
		bad("RegionBlock", "%q overlaps the pod network %s or the Service network %s", s.RegionBlock, cluster.OverlayPodCIDR, cluster.ServiceCIDR)
	}
	for i, d := range s.DeployerCIDRs {
		if b, err := netip.ParsePrefix(d); err != nil || !b.Addr().Is4() || b.Masked() != b {
			bad(fmt.Sprintf("DeployerCIDRs[%d]", i), "%q must be an IPv4 CIDR without host bits", d)
		}
	}
	ps = append(ps, cluster.PoolProblems("NodePools", s.NodePools)...)
	ps = append(ps, s.Addons.Problems("Addons", p.ChartAddons)...)
	if s.ReadyTimeout < 0 {
		bad("ReadyTimeout", "%s is negative", s.ReadyTimeout)
	}
	return ps
}

// bootstrapArgs are the bootstrap's args for the spec.
func (s *ClusterSpec) bootstrapArgs(p Profile, endpoint pulumi.StringInput) *BootstrapArgs {
	return &BootstrapArgs{
		ClusterName:          s.ClusterName,
		KubernetesVersion:    s.KubernetesVersion,
		ContainerdVersion:    s.ContainerdVersion,
		ControlPlaneEndpoint: endpoint,
		PodCIDR:              cluster.OverlayPodCIDR.String(),
		ServiceCIDR:          cluster.ServiceCIDR.String(),
		CloudProvider:        string(p.Cloud),
		Pools:                s.NodePools,
		Secrets:              p.Secrets,
	}
}

// ValidateCluster reports every problem of a self-managed cluster's args at once, the spec's and
// the cloud's, as an *cluster.ArgsError (message prefix "invalid self-managed cluster args").
func ValidateCluster(spec *ClusterSpec, infra Infrastructure) error {
	ps := spec.Problems(infra.Profile())
	ps = append(ps, infra.Problems()...)
	// The bootstrap's pool checks and the pool rules overlap (an empty or repeated name): say it once.
	seen := map[cluster.Problem]bool{}
	ps = slices.DeleteFunc(ps, func(p cluster.Problem) bool {
		dup := seen[p]
		seen[p] = true
		return dup
	})
	if len(ps) > 0 {
		return &cluster.ArgsError{Problems: ps, What: "self-managed cluster args"}
	}
	return nil
}

// NewCluster assembles a self-managed cluster on a cloud's infrastructure, the same way on every
// cloud (kind's create sequence, Cluster API's kubeadm control plane):
//
//  1. the cloud's endpoint (identities, firewalls, the API load balancer or its address);
//  2. the bootstrap: PKI and user data (protected with the cluster), then the cloud's secret store
//     entries: the PKI for the control planes, the join token the control planes keep fresh;
//  3. the control planes one at a time: each after the previous one's readiness gate, which waits
//     until that machine's own API server answers /readyz (kubeadm init or join finished there,
//     etcd included) and fails the update with the machine and where to look otherwise;
//  4. what needs every control plane (GCP's load balancer backends);
//  5. a worker group per pool, after the first control plane's gate;
//  6. the Kubernetes provider and the add-ons, after the first gate (their own probe waits for the
//     load balancer);
//  7. per pool, a gate that waits until its nodes are Ready (after the CNI);
//  8. the cluster.Cluster handed up.
//
// Every resource is a child of parent (the cloud's component), named <name>-...; it validates first
// and registers nothing when the args are wrong.
func NewCluster(ctx *pulumi.Context, name string, parent pulumi.Resource, spec *ClusterSpec, infra Infrastructure) (*Cluster, error) {
	if err := ValidateCluster(spec, infra); err != nil {
		return nil, err
	}
	profile := infra.Profile()
	opt := pulumi.Parent(parent)
	timeout := spec.ReadyTimeout
	if timeout == 0 {
		timeout = DefaultReadyTimeout
	}
	out := &Cluster{Workers: map[string][]pulumi.Resource{}, WorkersReady: map[string]*local.Command{}}

	ep, err := infra.Endpoint(ctx, opt)
	if err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	bootArgs := spec.bootstrapArgs(profile, ep.Address)
	bootArgs.FormerName = profile.FormerBootstrapName
	out.Bootstrap, err = NewBootstrap(ctx, name+"-kubeadm", bootArgs, opt, pulumi.Protect(spec.Protect))
	if err != nil {
		return nil, err
	}
	boot := out.Bootstrap
	out.Endpoint = pulumi.Sprintf("https://%s", ep.Address.ApplyT(hostPort).(pulumi.StringOutput))

	store, err := infra.Secrets(ctx, boot.PKIBundle, opt)
	if err != nil {
		return nil, fmt.Errorf("secret store: %w", err)
	}

	// The gates run where Pulumi runs, with a command provider of their own.
	cmd, err := command.NewProvider(ctx, name+"-gates", nil, opt)
	if err != nil {
		return nil, fmt.Errorf("command provider: %w", err)
	}
	gateOpts := []pulumi.ResourceOption{opt, pulumi.Provider(cmd)}

	after := slices.Concat(ep.Resources, store)
	for i, zone := range spec.Zones {
		ud := boot.JoinControlPlane
		var first *Machine
		if i == 0 {
			ud = boot.FirstControlPlane
		} else {
			first = &out.ControlPlanes[0]
		}
		m, err := infra.ControlPlane(ctx, ControlPlaneArgs{Index: i, Zone: zone, UserData: ud, First: first, After: after}, opt)
		if err != nil {
			return nil, fmt.Errorf("control plane %d: %w", i+1, err)
		}
		if len(m.Resources) == 0 {
			return nil, fmt.Errorf("control plane %d: the cloud returned no machine", i+1)
		}
		gate, err := newGate(ctx, fmt.Sprintf("%s-cp-%d-ready", name, i+1), gate{
			Script: ReadyzScript,
			Env: pulumi.StringMap{
				"KOST_ENDPOINT": m.PrivateIP.ApplyT(func(ip string) string { return "https://" + hostPort(ip) }).(pulumi.StringOutput),
				"KOST_CA_PEM":   boot.CACertPEM,
				"KOST_WHAT":     pulumi.Sprintf("control plane %d of %s (zone %s)", i+1, spec.ClusterName, zone),
				"KOST_HINT": pulumi.String("its bootstrap failed or is stuck: read /var/log/kost-bootstrap.log on it " +
					"(the serial console or the cloud's session manager), fix the cause, then replace that machine with " +
					"`pulumi up --replace <its urn>`; control planes ignore later user-data changes"),
			},
			Timeout:  timeout,
			Triggers: pulumi.Array{m.PrivateIP, boot.CACertPEM},
		}, append(slices.Clone(gateOpts), pulumi.DependsOn(m.Resources))...)
		if err != nil {
			return nil, fmt.Errorf("control plane %d gate: %w", i+1, err)
		}
		out.ControlPlanes = append(out.ControlPlanes, m)
		out.ControlPlaneReady = append(out.ControlPlaneReady, gate)
		// kubeadm joins one control plane at a time, each once the previous one serves.
		after = slices.Concat(ep.Resources, store, []pulumi.Resource{gate})
	}
	extra, err := infra.ControlPlanesDone(ctx, out.ControlPlanes, opt)
	if err != nil {
		return nil, fmt.Errorf("after the control planes: %w", err)
	}
	// Workers and add-ons need the first control plane serving and the load balancer in front of it.
	firstReady := slices.Concat([]pulumi.Resource{out.ControlPlaneReady[0]}, ep.Resources, store, extra)

	var ready []pulumi.Resource
	for i, m := range out.ControlPlanes {
		ready = append(ready, m.Resources...)
		ready = append(ready, out.ControlPlaneReady[i])
	}
	ready = append(ready, extra...)
	for _, p := range spec.NodePools {
		groups, err := infra.WorkerGroup(ctx, WorkerGroupArgs{Pool: p, UserData: boot.Workers[p.Pool], After: firstReady}, opt)
		if err != nil {
			return nil, fmt.Errorf("worker group %s: %w", p.Pool, err)
		}
		out.Workers[p.Pool] = groups
		ready = append(ready, groups...)
	}

	out.Provider, err = cluster.NewKubernetesProvider(ctx, name+"-k8s", boot.AdminKubeconfig, opt)
	if err != nil {
		return nil, err
	}
	set, err := infra.Addons(ctx)
	if err != nil {
		return nil, fmt.Errorf("add-ons: %w", err)
	}
	out.Addons, err = NewAddons(ctx, name+"-addons", &AddonsArgs{
		Provider: out.Provider, Endpoint: out.Endpoint, CACertPEM: boot.CACertPEM,
		After: firstReady, ReadyTimeout: timeout, AddonSet: set,
	}, opt)
	if err != nil {
		return nil, err
	}
	ready = append(ready, out.Addons.Ready...)

	// A pool's nodes are Ready once the CNI runs on them: its gate waits after the CNI.
	for _, p := range spec.NodePools {
		if p.Desired == 0 {
			continue
		}
		want := max(p.Min, 1)
		g, err := newGate(ctx, fmt.Sprintf("%s-%s-ready", name, p.Pool), gate{
			Script: PoolReadyScript,
			Env: pulumi.StringMap{
				"KOST_ENDPOINT":    out.Endpoint,
				"KOST_CA_PEM":      boot.CACertPEM,
				"KOST_CLIENT_CERT": boot.AdminCertPEM,
				"KOST_CLIENT_KEY":  boot.AdminKeyPEM,
				"KOST_POOL":        pulumi.String(p.Pool),
				"KOST_WANT":        pulumi.String(fmt.Sprint(want)),
				"KOST_WHAT":        pulumi.Sprintf("pool %s of %s", p.Pool, spec.ClusterName),
				"KOST_HINT": pulumi.String("its workers did not join: read /var/log/kost-bootstrap.log on one of them; " +
					"the group replaces failed instances itself once the cause is fixed"),
			},
			Timeout:  timeout,
			Triggers: pulumi.Array{boot.CACertPEM},
		}, append(slices.Clone(gateOpts), pulumi.DependsOn(slices.Concat(out.Workers[p.Pool], out.Addons.CNI)))...)
		if err != nil {
			return nil, fmt.Errorf("pool %s gate: %w", p.Pool, err)
		}
		out.WorkersReady[p.Pool] = g
		ready = append(ready, g)
	}

	out.Contract = cluster.Cluster{
		Name:                 spec.ClusterName,
		Cloud:                profile.Cloud,
		Region:               spec.Region,
		Zones:                slices.Clone(spec.Zones),
		Endpoint:             out.Endpoint,
		Kubeconfig:           boot.AdminKubeconfig,
		Provider:             out.Provider,
		DedicatedPools:       true,
		Storage:              profile.Storage,
		InternalLoadBalancer: profile.InternalLoadBalancer,
		ServiceAccountIssuer: cluster.ServiceAccountIssuer{URL: ServiceAccountIssuer, JWKS: boot.ServiceAccountJWKS},
		Ready:                ready,
	}
	return out, nil
}

// gate is a readiness gate: a script run where Pulumi runs, until it succeeds or Timeout passes.
type gate struct {
	Script   string
	Env      pulumi.StringMap
	Timeout  time.Duration
	Triggers pulumi.Array
}

// newGate registers a gate as a local command (bash; curl must be installed where Pulumi runs).
func newGate(ctx *pulumi.Context, name string, g gate, opts ...pulumi.ResourceOption) (*local.Command, error) {
	env := pulumi.StringMap{"KOST_TIMEOUT_SECONDS": pulumi.String(fmt.Sprint(int(g.Timeout.Seconds())))}
	for k, v := range g.Env {
		env[k] = v
	}
	return local.NewCommand(ctx, name, &local.CommandArgs{
		Interpreter: pulumi.StringArray{pulumi.String("/bin/bash"), pulumi.String("-c")},
		Create:      pulumi.String(g.Script),
		Environment: env,
		Triggers:    g.Triggers,
	}, opts...)
}
