package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/local"
)

// buildLocal wraps an existing cluster.
func buildLocal(ctx *pulumi.Context, name string, args *RegionArgs, parent *Region) (cluster.Cluster, error) {
	p := args.Resolved
	c, err := local.NewCluster(ctx, name, &local.ClusterArgs{
		Name:        p.ClusterName,
		Context:     p.Local.Context,
		Kubeconfig:  p.Local.Kubeconfig,
		Provisioner: p.Local.Provisioner,
		Pools:       p.Local.Pools,
		Zones:       p.Zones,
	}, pulumi.Parent(parent))
	if err != nil {
		return cluster.Cluster{}, err
	}
	return c.Cluster, nil
}
