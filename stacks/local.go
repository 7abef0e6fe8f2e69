package stacks

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/local"
	"github.com/kost-platform/kost/stacks/config"
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
	out := c.Cluster
	if b := p.Local.Backup; b != nil && p.Layers.Backup.Enabled {
		out.Backups = localBackupStore(*b)
	}
	return out, nil
}

// localBackupStore is the S3-compatible store a local cluster's backups go to: reached with the key in
// the Secret the user made (an existing cluster has no cloud identity), which BR hands to TiKV.
func localBackupStore(b config.LocalBackup) *cluster.BackupStore {
	return &cluster.BackupStore{
		Storage: pulumi.ToMap(map[string]any{"s3": map[string]any{
			"provider": b.Provider, "endpoint": b.Endpoint, "region": b.Region, "bucket": b.Bucket,
			"secretName": b.SecretName, "forcePathStyle": true,
		}}).ToMapOutput(),
		URL:                       pulumi.String(strings.TrimSuffix(b.Endpoint, "/") + "/" + b.Bucket).ToStringOutput(),
		ServiceAccountAnnotations: pulumi.StringMap{}.ToStringMapOutput(),
		SendCredToTiKV:            true,
	}
}
