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
	chart := func(src config.ChartSource) platform.ChartRef {
		return platform.ChartRef{Name: src.Chart, Repo: src.Repo, Version: src.Version}
	}
	pres := func(r config.Resources) platform.Resources { return platform.Resources{CPU: r.CPU, Memory: r.Memory} }
	ops := l.Sizing.Operators
	pa := &platform.PlatformArgs{
		Cluster:            c,
		Strimzi:            chart(l.Strimzi),
		TiDBOperator:       chart(l.TiDBOperator),
		SparkOperator:      chart(l.SparkOperator),
		TiDBOperatorCRDs:   l.TiDBOperatorCRDs,
		SparkJobNamespaces: rp.SparkJobNamespaces,
		HA:                 l.HA,
		Operators: platform.OperatorResources{
			Strimzi: pres(ops.Strimzi), TiDBOperator: pres(ops.TiDBOperator),
			SparkController: pres(ops.SparkController), SparkWebhook: pres(ops.SparkWebhook),
			SparkWorkers: ops.SparkWorkers,
		},
		Retain: rp.Protect,
	}
	res := func(r config.Resources) data.Resources {
		return data.Resources{CPU: r.CPU, Memory: r.Memory, Storage: r.Storage}
	}
	sz := l.Sizing
	da := &data.DataArgs{
		Cluster: c,
		Database: data.Database{
			PD: l.PD, TiKV: l.TiKV, TiDB: l.TiDB, TiFlash: l.TiFlash, TiCDC: l.TiCDC,
			Version:              l.TiDBVersion,
			PDResources:          res(sz.PD),
			TiKVResources:        res(sz.TiKV),
			TiDBResources:        res(sz.TiDB),
			TiFlashResources:     res(sz.TiFlash),
			TiCDCResources:       res(sz.TiCDC),
			InitializerImage:     l.InitializerImage,
			DiscoveryResources:   res(sz.TiDBDiscovery),
			InitializerResources: res(sz.TiDBInitializer),
		},
		Kafka: data.Kafka{
			Brokers: l.Brokers, Controllers: l.Controllers,
			ReplicationFactor: l.ReplicationFactor, MinInsyncReplicas: l.MinInsyncReplicas,
			Version:                 l.KafkaVersion,
			BrokerResources:         res(sz.KafkaBroker),
			ControllerResources:     res(sz.KafkaController),
			CruiseControl:           l.HA,
			EntityOperatorResources: res(sz.TopicUserOperator),
			CruiseControlResources:  res(sz.CruiseControl),
		},
		Spark: data.Spark{
			JobNamespaces: rp.SparkJobNamespaces,
			Example:       rp.SparkExample,
			Image:         l.SparkImage,
			Version:       l.SparkVersion,
		},
		TLS:          l.TLS,
		Protect:      rp.Protect,
		StorageClass: platform.StorageClassDB,
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
