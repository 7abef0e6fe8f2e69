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

// buildLayers installs the platform and the data plane on a region's cluster: the same code for
// every cloud and for managed, self-managed and local clusters.
func buildLayers(ctx *pulumi.Context, name string, env *config.Environment, rp config.RegionPlan, c cluster.Cluster, parent pulumi.Resource) (*Layers, error) {
	v := env.Versions
	prod := env.Size == config.Prod
	sizing := config.SizingFor(env.Size)
	chart := func(key, version string) platform.ChartRef {
		src := env.ResolveChart(config.Charts[key], version)
		return platform.ChartRef{Name: src.Chart, Repo: src.Repo, Version: src.Version}
	}
	plat, err := platform.NewPlatform(ctx, name, &platform.PlatformArgs{
		Cluster:            c,
		Strimzi:            chart("strimzi", v.Strimzi),
		TiDBOperator:       chart("tidbOperator", v.TiDBOperator),
		SparkOperator:      chart("sparkOperator", v.SparkOperator),
		TiDBOperatorCRDs:   env.TiDBOperatorCRDManifest(v.TiDBOperator),
		SparkJobNamespaces: rp.SparkJobNamespaces,
		HA:                 prod,
		OperatorResources:  platform.Resources{CPU: sizing.Operator.CPU, Memory: sizing.Operator.Memory},
		Retain:             *env.Protect,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	res := func(r config.Resources) data.Resources {
		return data.Resources{CPU: r.CPU, Memory: r.Memory, Storage: r.Storage}
	}
	db, k := env.Database, env.Kafka
	dp, err := data.NewData(ctx, name, &data.DataArgs{
		Cluster:       c,
		KafkaReady:    plat.KafkaReady,
		TiDBReady:     plat.TiDBReady,
		SparkReady:    plat.SparkReady,
		KafkaRendered: plat.KafkaRendered,
		TiDBRendered:  plat.TiDBRendered,
		SparkRendered: plat.SparkRendered,
		Database: data.Database{
			PD: *db.PD, TiKV: *db.TiKV, TiDB: *db.TiDB, TiFlash: *db.TiFlash, TiCDC: *db.TiCDC,
			Version:          v.TiDB,
			PDResources:      res(sizing.PD),
			TiKVResources:    res(sizing.TiKV),
			TiDBResources:    res(sizing.TiDB),
			TiFlashResources: res(sizing.TiFlash),
			TiCDCResources:   res(sizing.TiCDC),
			InitializerImage: config.Images["tidbInitializer"],
		},
		Kafka: data.Kafka{
			Brokers: *k.Brokers, Controllers: *k.Controllers,
			ReplicationFactor: *k.ReplicationFactor, MinInsyncReplicas: *k.MinInsyncReplicas,
			Version:             v.Kafka,
			BrokerResources:     res(sizing.KafkaBroker),
			ControllerResources: res(sizing.KafkaController),
			CruiseControl:       prod,
		},
		Spark: data.Spark{
			JobNamespaces: rp.SparkJobNamespaces,
			Example:       rp.SparkExample,
			Image:         config.Images["spark"],
			Version:       config.SparkVersion,
		},
		TLS:          prod,
		Protect:      *env.Protect,
		StorageClass: platform.StorageClassDB,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	return &Layers{Platform: plat, Data: dp}, nil
}
