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

// layerArgs resolves what the platform and the data plane of a region's cluster get: the one place
// buildLayers and the capacity proof read, so what is proved is what is deployed. The data args'
// Ready and Rendered fields are the platform's to fill.
func layerArgs(env *config.Environment, rp config.ResolvedRegion, c cluster.Cluster) (*platform.PlatformArgs, *data.DataArgs) {
	v := env.Versions
	prod := env.Size == config.Prod
	sizing := config.SizingFor(env.Size)
	chart := func(key, version string) platform.ChartRef {
		src := env.ResolveChart(config.Charts[key], version)
		return platform.ChartRef{Name: src.Chart, Repo: src.Repo, Version: src.Version}
	}
	pres := func(r config.Resources) platform.Resources { return platform.Resources{CPU: r.CPU, Memory: r.Memory} }
	ops := sizing.Operators
	pa := &platform.PlatformArgs{
		Cluster:            c,
		Strimzi:            chart("strimzi", v.Strimzi),
		TiDBOperator:       chart("tidbOperator", v.TiDBOperator),
		SparkOperator:      chart("sparkOperator", v.SparkOperator),
		TiDBOperatorCRDs:   env.TiDBOperatorCRDManifest(v.TiDBOperator),
		SparkJobNamespaces: rp.SparkJobNamespaces,
		HA:                 prod,
		Operators: platform.OperatorResources{
			Strimzi: pres(ops.Strimzi), TiDBOperator: pres(ops.TiDBOperator),
			SparkController: pres(ops.SparkController), SparkWebhook: pres(ops.SparkWebhook),
			SparkWorkers: ops.SparkWorkers,
		},
		Retain: *env.Protect,
	}
	res := func(r config.Resources) data.Resources {
		return data.Resources{CPU: r.CPU, Memory: r.Memory, Storage: r.Storage}
	}
	db, k := env.Database, env.Kafka
	da := &data.DataArgs{
		Cluster: c,
		Database: data.Database{
			PD: *db.PD, TiKV: *db.TiKV, TiDB: *db.TiDB, TiFlash: *db.TiFlash, TiCDC: *db.TiCDC,
			Version:              v.TiDB,
			PDResources:          res(sizing.PD),
			TiKVResources:        res(sizing.TiKV),
			TiDBResources:        res(sizing.TiDB),
			TiFlashResources:     res(sizing.TiFlash),
			TiCDCResources:       res(sizing.TiCDC),
			InitializerImage:     config.Images["tidbInitializer"],
			DiscoveryResources:   res(sizing.TiDBDiscovery),
			InitializerResources: res(sizing.TiDBInitializer),
		},
		Kafka: data.Kafka{
			Brokers: *k.Brokers, Controllers: *k.Controllers,
			ReplicationFactor: *k.ReplicationFactor, MinInsyncReplicas: *k.MinInsyncReplicas,
			Version:                 v.Kafka,
			BrokerResources:         res(sizing.KafkaBroker),
			ControllerResources:     res(sizing.KafkaController),
			CruiseControl:           prod,
			EntityOperatorResources: res(sizing.TopicUserOperator),
			CruiseControlResources:  res(sizing.CruiseControl),
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
	}
	return pa, da
}

// buildLayers installs the platform and the data plane on a region's cluster: the same code for
// every cloud and for managed, self-managed and local clusters.
func buildLayers(ctx *pulumi.Context, name string, env *config.Environment, rp config.ResolvedRegion, c cluster.Cluster, parent pulumi.Resource) (*Layers, error) {
	pa, da := layerArgs(env, rp, c)
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
