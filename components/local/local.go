// Package local turns an existing cluster, reached through a kubeconfig context (kind, k3d,
// minikube), into a cluster.Cluster, so the platform and data plane run on a laptop unchanged.
package local

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// ClusterArgs reach an existing cluster.
type ClusterArgs struct {
	// Name of the cluster in kost's outputs. Required.
	Name string
	// Context is the kubeconfig context. Required.
	Context string
	// Kubeconfig is the kubeconfig file. Default: the provider's ($KUBECONFIG, then ~/.kube/config).
	Kubeconfig string
	// Provisioner of the cluster's storage. Required (kind and k3d: rancher.io/local-path).
	Provisioner string
	// Pools says the nodes carry kost's pool labels and the dedicated pools' taints, so workloads
	// select their pool (cluster.Cluster.DedicatedPools). Default: false.
	Pools bool
	// Zones are the values of topology.kubernetes.io/zone on the nodes; with three, zone-spread
	// workloads spread over them. Default: none.
	Zones []string
}

// Cluster is an existing cluster with its own Kubernetes provider.
type Cluster struct {
	pulumi.ResourceState

	// Cluster is the contract handed to the platform layer.
	Cluster cluster.Cluster
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError.
func (a *ClusterArgs) Validate() error {
	if a == nil {
		a = &ClusterArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.Name == "", "Name")
	ps.Check(a.Context != "", "Context", "required: the kubeconfig context of the cluster")
	ps.Check(a.Provisioner != "", "Provisioner", "required: the storage provisioner (kind and k3d: rancher.io/local-path)")
	for i, z := range a.Zones {
		ps.Check(z != "" && slices.Index(a.Zones, z) == i, fmt.Sprintf("Zones[%d]", i), "%q is empty or repeated", z)
	}
	return ps.Err("local cluster args")
}

// NewCluster creates the provider for an existing cluster.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("local cluster %s: %w", name, err)
	}
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("kost:local:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	pa := &kubernetes.ProviderArgs{
		Context:               pulumi.String(args.Context),
		EnableServerSideApply: pulumi.Bool(true),
	}
	// The kubeconfig (path or contents) is what reaches the cluster; treat it as a secret.
	kubeconfig := pulumi.ToSecret(pulumi.String(args.Kubeconfig)).(pulumi.StringOutput)
	if args.Kubeconfig != "" {
		pa.Kubeconfig = kubeconfig
	}
	k8s, err := kubernetes.NewProvider(ctx, name+"-k8s", pa, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("local cluster %s: %w", name, err)
	}
	c.Cluster = cluster.Cluster{
		Name:           args.Name,
		Cloud:          cluster.Local,
		Region:         args.Context,
		Zones:          append([]string(nil), args.Zones...),
		DedicatedPools: args.Pools,
		Endpoint:       pulumi.Sprintf("context %s", args.Context),
		Kubeconfig:     kubeconfig,
		Provider:       k8s,
		Storage: cluster.StorageProfile{
			Provisioner: args.Provisioner,
			DB:          map[string]string{},
			Standard:    map[string]string{},
		},
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"context": pulumi.String(args.Context),
		"pools":   pulumi.Bool(args.Pools),
		"zones":   pulumi.ToStringArray(args.Zones),
	}); err != nil {
		return nil, err
	}
	return c, nil
}
