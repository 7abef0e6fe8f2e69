package config

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/cluster"
)

// ResolvedRegion is everything the stack needs to build one region, fully resolved: no defaults left to
// apply, no pointers. Components receive values from it, never the raw config.
type ResolvedRegion struct {
	// Key names the region in resource names and outputs: <cloud>-<region>.
	Key    string
	Cloud  Cloud
	Region string
	// Size of the environment: prod gets NAT per zone, flow logs and a private endpoint.
	Size Size
	// Zones, exactly the ones the subnets and node pools use.
	Zones []string
	// Block is the region's address block (invalid for a local region).
	Block netip.Prefix
	// AWSLayout, GCPLayout and AzureLayout are the block laid out for the region's cloud; the other
	// two are zero values.
	AWSLayout   addresses.AWSLayout
	GCPLayout   addresses.GCPLayout
	AzureLayout addresses.AzureLayout
	// Protect marks stateful resources protected and retained on delete (environment protect).
	Protect bool
	// ClusterName is the Kubernetes cluster's name in the cloud.
	ClusterName string
	// Kubernetes settings, resolved.
	Mode           Mode
	Version        string
	PublicEndpoint bool
	PublicCIDRs    []string
	Admins         []string
	// Previewers get read-only Kubernetes access (kubernetes.previewers).
	Previewers []string
	// Pools in PoolNames order.
	Pools []ResolvedPool
	// Tags for every resource of the region: kost's own, the environment's, then the region's.
	Tags map[string]string
	// AWS options (zero value when none).
	AWS AWSOptions
	// GCP and Azure options (zero values for other clouds). Azure.ResourceGroup is always set.
	GCP   GCPOptions
	Azure AzureOptions
	// Local options (zero value unless Cloud is local).
	Local LocalOptions
	// SparkJobNamespaces get a driver service account and RBAC each.
	SparkJobNamespaces []string
	// SparkExample adds the example SparkApplication.
	SparkExample bool
	// Deployers are where `pulumi up` runs from (network.deployers): zero value when none.
	Deployers Deployers
	// Pins are the region's versions, charts and images, resolved through the environment's mirror.
	Pins RegionPins
	// Layers are what the platform and the data plane of the region's cluster get.
	Layers LayersSpec
	// Restore is the region's restore block (nil: none).
	Restore *Restore
	// BackupExemption is why the region has no backups though database.backup is on ("": none).
	BackupExemption string
}

// RegionPins are the pinned versions a region's cluster needs beyond its Kubernetes version.
type RegionPins struct {
	// HoldMinorUntil is the end of life of the Kubernetes minor (GKE's maintenance exclusion).
	HoldMinorUntil string
	// EKSAddons are the EKS add-on versions for the minor (AWS managed clusters; nil otherwise).
	EKSAddons map[string]string
	// Autoscaler is the cluster-autoscaler's chart and its image for the minor (empty for local).
	Autoscaler AutoscalerPins
	// Kubeadm is what a self-managed cluster runs (nil for managed and local clusters).
	Kubeadm *KubeadmPins
}

// AutoscalerPins are the cluster-autoscaler's chart and image.
type AutoscalerPins struct {
	Chart ChartSource
	Image string
}

// KubeadmPins are a self-managed cluster's release and add-ons for its cloud.
type KubeadmPins struct {
	// Release is the pinned kubeadm release of the region's minor.
	Release KubeadmRelease
	// CNI and MetricsServer charts (every cloud).
	CNI, MetricsServer ChartSource
	// CloudControllerManager and CSIDriver are charts on AWS and Azure (zero on GCP, which installs
	// Images from manifests); CloudControllerManagerTag is the CCM image tag of the minor.
	CloudControllerManager, CSIDriver ChartSource
	CloudControllerManagerTag         string
	// Images are the GCP add-ons' images (nil elsewhere).
	Images map[string]string
}

// LayersSpec is what the platform and the data plane get: resolved charts, versions, counts and
// sizes.
type LayersSpec struct {
	// Strimzi, TiDBOperator and SparkOperator are the operators' charts.
	Strimzi, TiDBOperator, SparkOperator ChartSource
	// TiDBOperatorCRDs is the URL or path of the TiDB Operator's CRD manifest.
	TiDBOperatorCRDs string
	// HA runs the operators with two replicas and Kafka with Cruise Control (prod); TLS turns on TLS
	// everywhere in the data plane (prod).
	HA, TLS bool
	// Sizing is every pod's requests for the environment size.
	Sizing Sizing
	// TiDBVersion and KafkaVersion are the data plane's versions.
	TiDBVersion, KafkaVersion string
	// PD, TiKV, TiDB, TiFlash and TiCDC are the database's member counts.
	PD, TiKV, TiDB, TiFlash, TiCDC int
	// Brokers, Controllers, ReplicationFactor and MinInsyncReplicas size Kafka.
	Brokers, Controllers, ReplicationFactor, MinInsyncReplicas int
	// InitializerImage, SparkImage and SparkVersion are the data plane's images; SparkPackages the
	// Maven packages of the Spark example.
	InitializerImage, SparkImage, SparkVersion string
	SparkPackages                              []string
	// Backup is database.backup.
	Backup BackupSpec
	// Changefeeds are database.changefeeds with their defaults; CDCSyncImage runs the job that keeps
	// them in TiCDC.
	Changefeeds  []Changefeed
	CDCSyncImage string
	// Monitoring is the cluster's monitoring stack.
	Monitoring MonitoringSpec
	// AnalyticsSchemas are the schemas the analytics user may read.
	AnalyticsSchemas []string
}

// ResolvedPool is one resolved node pool: the cluster.PoolSpec every cloud builds, and what the
// capacity proof may take instead of the catalogue.
type ResolvedPool struct {
	cluster.PoolSpec
	// Allocatable overrides the catalogue's figure for one node; nil to compute it.
	Allocatable *Allocatable
}

// Resolve resolves every region of a validated environment (from Load) into a ResolvedRegion.
func (e *Environment) Resolve() ([]ResolvedRegion, error) {
	out := make([]ResolvedRegion, 0, len(e.Regions))
	for i, r := range e.Regions {
		if r.Cloud == Local {
			out = append(out, e.localRegion(r))
			continue
		}
		block, err := e.Block(r)
		if err != nil {
			return nil, fmt.Errorf("regions[%d]: %w", i, err)
		}
		rp := ResolvedRegion{
			Key:                string(r.Cloud) + "-" + r.Region,
			Cloud:              r.Cloud,
			Region:             r.Region,
			Size:               e.Size,
			Zones:              slices.Clone(r.Zones),
			Block:              block.Masked(),
			Protect:            *e.Protect,
			ClusterName:        ClusterName(e.Name, r.Region),
			Mode:               r.Kubernetes.Mode,
			Version:            r.Kubernetes.Version,
			PublicEndpoint:     *r.Kubernetes.Endpoint.Public,
			PublicCIDRs:        slices.Clone(r.Kubernetes.Endpoint.PublicCIDRs),
			Admins:             slices.Clone(r.Kubernetes.Admins),
			Previewers:         slices.Clone(r.Kubernetes.Previewers),
			Tags:               e.tags(r),
			SparkJobNamespaces: slices.Clone(r.Spark.JobNamespaces),
			SparkExample:       *r.Spark.Example,
		}
		rp.Restore = r.restore()
		rp.BackupExemption = r.BackupExemption
		if d := e.Network.Deployers; d != nil {
			rp.Deployers = *d
			rp.Deployers.CIDRs = slices.Clone(d.CIDRs)
		}
		if r.AWS != nil {
			rp.AWS = *r.AWS
		}
		if r.GCP != nil {
			rp.GCP = *r.GCP
		}
		if r.Azure != nil {
			rp.Azure = *r.Azure
			if rp.Azure.ResourceGroup == "" {
				rp.Azure.ResourceGroup = "kost-" + e.Name + "-" + r.Region
			}
		}
		for _, name := range PoolNames {
			p := r.NodePools[name]
			rp.Pools = append(rp.Pools, ResolvedPool{PoolSpec: cluster.PoolSpec{
				Pool: name, InstanceType: p.InstanceType,
				Desired: *p.Count, Min: *p.Min, Max: *p.Max,
				Spot: *p.Spot, Dedicated: DedicatedPool(name), DiskGiB: p.DiskGiB,
			}, Allocatable: p.Allocatable})
		}
		if err := e.resolveAddresses(&rp); err != nil {
			return nil, fmt.Errorf("regions[%d]: %w", i, err)
		}
		rp.Pins = e.regionPins(rp)
		rp.Layers = e.layers()
		out = append(out, rp)
	}
	return out, nil
}

// tags are kost's own tags, over the environment's, over the region's.
func (e *Environment) tags(r Region) map[string]string {
	tags := map[string]string{}
	maps.Copy(tags, e.Tags)
	maps.Copy(tags, r.Tags)
	maps.Copy(tags, map[string]string{"environment": e.Name, "region": r.Region, "managed-by": "kost"})
	return tags
}

func (e *Environment) localRegion(r Region) ResolvedRegion {
	var pools []ResolvedPool
	if r.Local.Pools {
		// The nodes exist: their count and allocatable, as described (validation required both).
		for _, name := range PoolNames {
			p := r.NodePools[name]
			pools = append(pools, ResolvedPool{PoolSpec: cluster.PoolSpec{Pool: name, Desired: *p.Count, Min: *p.Count, Max: *p.Count,
				Dedicated: DedicatedPool(name)}, Allocatable: p.Allocatable})
		}
	}
	return ResolvedRegion{
		Pools:              pools,
		Key:                string(r.Cloud) + "-" + r.Region,
		Cloud:              r.Cloud,
		Region:             r.Region,
		Size:               e.Size,
		ClusterName:        ClusterName(e.Name, r.Region),
		Zones:              slices.Clone(r.Local.Zones),
		Tags:               e.tags(r),
		Local:              *r.Local,
		SparkJobNamespaces: slices.Clone(r.Spark.JobNamespaces),
		SparkExample:       *r.Spark.Example,
		Protect:            *e.Protect,
		Layers:             e.layers(),
		BackupExemption:    r.BackupExemption,
		Restore:            r.restore(),
	}
}

// resolveAddresses lays the region's block out the way its cloud uses it.
func (e *Environment) resolveAddresses(rp *ResolvedRegion) (err error) {
	switch rp.Cloud {
	case AWS:
		rp.AWSLayout, err = addresses.AWS(rp.Block, len(rp.Zones))
	case GCP:
		rp.GCPLayout, err = addresses.GCP(rp.Block)
	case Azure:
		rp.AzureLayout, err = addresses.Azure(rp.Block)
	}
	return err
}

// regionPins resolves the region's Kubernetes-minor pins and, for a self-managed cluster, its
// kubeadm release and add-ons (validation refused a minor without them).
func (e *Environment) regionPins(rp ResolvedRegion) RegionPins {
	addon := func(c AddonChart) ChartSource { return e.ResolveChart(Chart{Name: c.Name, Repo: c.Repo}, c.Version) }
	minor := rp.Version
	pins := RegionPins{
		HoldMinorUntil: KubernetesEndOfLife[minor],
		Autoscaler:     AutoscalerPins{Chart: addon(AddonCharts["clusterAutoscaler"]), Image: ClusterAutoscalerImages[minor]},
	}
	if rp.Cloud == AWS && rp.Mode == Managed {
		pins.EKSAddons = EKSAddons[minor]
	}
	if rp.Mode != SelfManaged {
		return pins
	}
	rel := KubeadmReleases[minor]
	k := &KubeadmPins{
		Release:                   rel,
		CNI:                       addon(rel.CNI),
		MetricsServer:             addon(AddonCharts["metricsServer"]),
		CloudControllerManagerTag: rel.CloudControllerManager[rp.Cloud],
	}
	switch rp.Cloud {
	case AWS:
		k.CloudControllerManager, k.CSIDriver = addon(AddonCharts["awsCCM"]), addon(AddonCharts["awsEBSCSI"])
	case Azure:
		k.CloudControllerManager, k.CSIDriver = addon(AddonCharts["azureCCM"]), addon(AddonCharts["azureDiskCSI"])
	case GCP:
		k.Images = maps.Clone(GCPAddonImages)
	}
	pins.Kubeadm = k
	return pins
}

// layers resolves what the platform and the data plane get; the same for every region of the
// environment.
func (e *Environment) layers() LayersSpec {
	v, db, k := e.Versions, e.Database, e.Kafka
	prod := e.Size == Prod
	return LayersSpec{
		Strimzi:          e.ResolveChart(Charts["strimzi"], v.Strimzi),
		TiDBOperator:     e.ResolveChart(Charts["tidbOperator"], v.TiDBOperator),
		SparkOperator:    e.ResolveChart(Charts["sparkOperator"], v.SparkOperator),
		TiDBOperatorCRDs: e.TiDBOperatorCRDManifest(v.TiDBOperator),
		HA:               prod,
		TLS:              prod,
		Sizing:           SizingFor(e.Size),
		TiDBVersion:      v.TiDB,
		KafkaVersion:     v.Kafka,
		PD:               *db.PD, TiKV: *db.TiKV, TiDB: *db.TiDB, TiFlash: *db.TiFlash, TiCDC: *db.TiCDC,
		Brokers: *k.Brokers, Controllers: *k.Controllers,
		ReplicationFactor: *k.ReplicationFactor, MinInsyncReplicas: *k.MinInsyncReplicas,
		InitializerImage: Images["tidbInitializer"],
		SparkImage:       Images["spark"],
		SparkVersion:     SparkVersion,
		SparkPackages:    SparkExamplePackages(),
		Backup:           e.backupSpec(),
		Changefeeds:      e.clone().Database.changefeeds(),
		CDCSyncImage:     Images["cdcSync"],
		AnalyticsSchemas: slices.Clone(db.Analytics.Schemas),
		Monitoring:       e.monitoringSpec(),
	}
}

// ClusterName is the Kubernetes cluster's name in its cloud.
func ClusterName(env, region string) string { return "kost-" + env + "-" + region }

// restore is a copy of the region's restore block, or nil.
func (r *Region) restore() *Restore {
	if r.Restore == nil {
		return nil
	}
	rs := *r.Restore
	return &rs
}
