package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/data"
	"github.com/kost-platform/kost/components/platform"
	"github.com/kost-platform/kost/stacks/config"
)

// Layers are the platform and data plane of one cluster.
type Layers struct {
	Platform *platform.Platform
	Data     *data.Data
}

// layerArgs maps a region's resolved layers onto the platform's and the data plane's args: the one
// place buildLayers and the capacity proof read, so what is proved is what is deployed. The data
// args' Ready and Rendered fields are the platform's to fill.
func layerArgs(rp config.ResolvedRegion, c cluster.Cluster) (*platform.PlatformArgs, *data.DataArgs) {
	l := rp.Layers
	ops := l.Sizing.Operators
	pa := &platform.PlatformArgs{
		Cluster:            c,
		Strimzi:            l.Strimzi,
		TiDBOperator:       l.TiDBOperator,
		SparkOperator:      l.SparkOperator,
		TiDBOperatorCRDs:   l.TiDBOperatorCRDs,
		SparkJobNamespaces: rp.SparkJobNamespaces,
		HA:                 l.HA,
		Operators: platform.OperatorResources{
			Strimzi: ops.Strimzi, TiDBOperator: ops.TiDBOperator,
			SparkController: ops.SparkController, SparkWebhook: ops.SparkWebhook,
			SparkWorkers: ops.SparkWorkers,
		},
		Retain: rp.Protect,
	}
	sz := l.Sizing
	da := &data.DataArgs{
		Cluster: c,
		Database: data.Database{
			PD: l.PD, TiKV: l.TiKV, TiDB: l.TiDB, TiFlash: l.TiFlash, TiCDC: l.TiCDC,
			Version:              l.TiDBVersion,
			PDResources:          sz.PD,
			TiKVResources:        sz.TiKV,
			TiDBResources:        sz.TiDB,
			TiFlashResources:     sz.TiFlash,
			TiCDCResources:       sz.TiCDC,
			InitializerImage:     l.InitializerImage,
			DiscoveryResources:   sz.TiDBDiscovery,
			InitializerResources: sz.TiDBInitializer,
		},
		Kafka: data.Kafka{
			Brokers: l.Brokers, Controllers: l.Controllers,
			ReplicationFactor: l.ReplicationFactor, MinInsyncReplicas: l.MinInsyncReplicas,
			Version:                 l.KafkaVersion,
			BrokerResources:         sz.KafkaBroker,
			ControllerResources:     sz.KafkaController,
			CruiseControl:           l.HA,
			EntityOperatorResources: sz.TopicUserOperator,
			CruiseControlResources:  sz.CruiseControl,
		},
		Spark: data.Spark{
			JobNamespaces: rp.SparkJobNamespaces,
			Example:       rp.SparkExample,
			Image:         l.SparkImage,
			Version:       l.SparkVersion,
			Packages:      l.SparkPackages,
		},
		CDC:          data.CDC{SyncImage: l.CDCSyncImage, SyncResources: sz.CDCSyncJob},
		Analytics:    data.Analytics{Schemas: l.AnalyticsSchemas},
		TLS:          l.TLS,
		Protect:      rp.Protect,
		StorageClass: platform.StorageClassDB,
	}
	for _, f := range l.Changefeeds {
		da.CDC.Feeds = append(da.CDC.Feeds, data.Changefeed{ID: f.ID, Tables: f.Tables, Topic: f.Topic, Protocol: f.Protocol,
			Partitions: *f.Partitions, ForceReplicate: f.ForceReplicate, Options: f.Options})
	}
	switch b := l.Backup; {
	case b.Enabled && rp.BackupExemption != "":
		da.Backup = data.Backup{Exemption: rp.BackupExemption}
	case b.Enabled:
		// The region's builder made the store beside the cluster (nil in the capacity proof's cluster).
		da.Backup = data.Backup{Store: c.Backups, Schedule: b.Schedule, Log: b.Log, RetentionDays: b.RetentionDays,
			JobResources: sz.BackupJob}
		if r := rp.Restore; r != nil {
			da.Backup.Restore = &data.Restore{Full: r.Full, Log: r.Log, PointInTime: r.PointInTime}
		}
	}
	return pa, da
}

// buildLayers installs the platform and the data plane on a region's cluster: the same code for
// every cloud and for managed, self-managed and local clusters.
func buildLayers(ctx *pulumi.Context, name string, rp config.ResolvedRegion, c cluster.Cluster, parent pulumi.Resource) (*Layers, error) {
	pa, da := layerArgs(rp, c)
	plat, err := platform.NewPlatform(ctx, name, pa, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	da.KafkaReady, da.TiDBReady, da.SparkReady = plat.KafkaReady, plat.TiDBReady, plat.SparkReady
	da.KafkaRendered, da.TiDBRendered, da.SparkRendered = plat.KafkaRendered, plat.TiDBRendered, plat.SparkRendered
	dp, err := data.NewData(ctx, name, da, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	return &Layers{Platform: plat, Data: dp}, nil
}
