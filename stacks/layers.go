package stacks

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/data"
	"github.com/kost-platform/kost/components/monitoring"
	"github.com/kost-platform/kost/components/platform"
	"github.com/kost-platform/kost/stacks/config"
)

// Layers are the platform, data plane and monitoring of one cluster.
type Layers struct {
	Platform *platform.Platform
	Data     *data.Data
	// Monitoring is nil where monitoring.enabled is false.
	Monitoring *monitoring.Monitoring
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
			Metrics:                 l.Monitoring.Enabled,
			ExporterResources:       sz.Monitoring.KafkaExporter,
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
	layers := &Layers{Platform: plat, Data: dp}
	ma := monitoringArgs(rp, c)
	if ma == nil {
		return layers, nil
	}
	for _, cert := range dp.Certificates {
		ma.Certificates = append(ma.Certificates, monitoring.Certificate{Name: cert.Name, Secret: cert.Secret, Namespace: cert.Namespace, NotAfter: cert.NotAfter})
	}
	// The monitors go into the platform's namespaces, Prometheus' volume into its storage class.
	for _, n := range plat.Namespaces {
		ma.Ready = append(ma.Ready, n)
	}
	for _, sc := range plat.StorageClasses {
		ma.Ready = append(ma.Ready, sc)
	}
	layers.Monitoring, err = monitoring.NewMonitoring(ctx, name, ma, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	return layers, nil
}

// monitoringArgs maps a region's resolved monitoring onto the monitoring's args (nil: none), from
// the same layer args the platform and the data plane get: the one place buildLayers and the
// capacity proof read.
func monitoringArgs(rp config.ResolvedRegion, c cluster.Cluster) *monitoring.MonitoringArgs {
	m := rp.Layers.Monitoring
	if !m.Enabled {
		return nil
	}
	_, da := layerArgs(rp, c)
	sz := rp.Layers.Sizing.Monitoring
	prom := sz.Prometheus
	prom.Storage = m.Storage
	a := &monitoring.MonitoringArgs{
		Cluster:       c,
		Retention:     m.Retention,
		RetentionSize: m.RetentionSize,
		StorageClass:  platform.StorageClassStandard,
		Sizing: monitoring.Sizing{
			Prometheus: prom, Alertmanager: sz.Alertmanager, Grafana: sz.Grafana, GrafanaSidecar: sz.GrafanaSidecar,
			Operator: sz.Operator, KubeStateMetrics: sz.KubeStateMetrics, NodeExporter: sz.NodeExporter,
		},
		Targets: monitoring.Targets{
			TiDB: &monitoring.TiDBTarget{Cluster: data.TiDBClusterName, Namespace: data.NamespaceTiDB, Components: da.Database.Components()},
			Kafka: &monitoring.KafkaTarget{Cluster: data.KafkaClusterName, Namespace: data.NamespaceKafka, Exporter: da.Kafka.Metrics,
				CruiseControl: da.Kafka.CruiseControl},
			Operators: []monitoring.Operator{
				{Name: "Strimzi", Namespace: platform.NamespaceStrimzi, Selector: platform.StrimziPodLabels, Port: platform.StrimziMetricsPort},
				{Name: "TiDB Operator", Namespace: platform.NamespaceTiDBOperator},
				{Name: "Spark operator", Namespace: platform.NamespaceSparkOperator, Selector: platform.SparkControllerPodLabels,
					Port: platform.SparkMetricsPort},
			},
			VolumeNamespaces: []string{data.NamespaceTiDB, data.NamespaceKafka},
			SparkNamespaces:  slices.Clone(rp.SparkJobNamespaces),
			SparkDriverLabel: data.SparkMetricsLabel,
		},
	}
	if da.TLS {
		a.Targets.TiDB.ClientSecret = data.TiDBClientSecret
	}
	if len(da.CDC.Feeds) > 0 {
		a.Targets.CDCSyncNamespace = data.NamespaceTiDB
	}
	if m.Bundled {
		chart := m.Chart
		a.Chart = &chart
		for _, d := range m.Dashboards {
			a.Dashboards = append(a.Dashboards, monitoring.Dashboard{Key: d.Key, Folder: d.Folder, URL: d.URL})
		}
	}
	return a
}
