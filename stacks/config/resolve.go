package config

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kost-platform/kost/addresses"
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
	// Layout is the region's block and subnets.
	Layout addresses.AWSLayout
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
	Pools []PoolPlan
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
}

// PoolPlan is one resolved node pool.
type PoolPlan struct {
	Name            string
	InstanceType    string
	Count, Min, Max int
	Spot, Dedicated bool
	DiskGiB         int
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
		layout, err := addresses.AWS(block, len(r.Zones))
		if err != nil {
			return nil, fmt.Errorf("regions[%d]: %w", i, err)
		}
		rp := ResolvedRegion{
			Key:                string(r.Cloud) + "-" + r.Region,
			Cloud:              r.Cloud,
			Region:             r.Region,
			Size:               e.Size,
			Zones:              slices.Clone(r.Zones),
			Layout:             layout,
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
			rp.Pools = append(rp.Pools, PoolPlan{
				Name: name, InstanceType: p.InstanceType,
				Count: *p.Count, Min: *p.Min, Max: *p.Max,
				Spot: *p.Spot, Dedicated: DedicatedPool(name), DiskGiB: p.DiskGiB, Allocatable: p.Allocatable,
			})
		}
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
	var pools []PoolPlan
	if r.Local.Pools {
		// The nodes exist: their count and allocatable, as described (validation required both).
		for _, name := range PoolNames {
			p := r.NodePools[name]
			pools = append(pools, PoolPlan{Name: name, Count: *p.Count, Min: *p.Count, Max: *p.Count,
				Dedicated: DedicatedPool(name), Allocatable: p.Allocatable})
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
	}
}

// ClusterName is the Kubernetes cluster's name in its cloud.
func ClusterName(env, region string) string { return "kost-" + env + "-" + region }
