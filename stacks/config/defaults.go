package config

import (
	"maps"
	"slices"
)

// Default network planning values.
const (
	DefaultSupernet     = "10.0.0.0/8"
	DefaultRegionPrefix = 16
)

// instanceTypes per cloud and size, by pool.
var instanceTypes = map[Cloud]map[Size]map[string]string{
	AWS: {
		Dev:  {"system": "m7i.large", "pd": "m7i.large", "tikv": "m7i.xlarge", "tidb": "m7i.xlarge", "kafka": "m7i.large", "spark": "m7i.xlarge"},
		Prod: {"system": "m7i.xlarge", "pd": "m7i.2xlarge", "tikv": "r7i.2xlarge", "tidb": "c7i.4xlarge", "kafka": "r7i.xlarge", "spark": "m7i.2xlarge"},
	},
	GCP: {
		Dev:  {"system": "e2-standard-2", "pd": "e2-standard-2", "tikv": "e2-standard-4", "tidb": "e2-standard-4", "kafka": "e2-standard-2", "spark": "e2-standard-4"},
		Prod: {"system": "n2-standard-4", "pd": "n2-standard-8", "tikv": "n2-highmem-8", "tidb": "n2-standard-16", "kafka": "n2-highmem-4", "spark": "n2-standard-8"},
	},
	Azure: {
		Dev:  {"system": "Standard_D2s_v5", "pd": "Standard_D2s_v5", "tikv": "Standard_D4s_v5", "tidb": "Standard_D4s_v5", "kafka": "Standard_D2s_v5", "spark": "Standard_D4s_v5"},
		Prod: {"system": "Standard_D4s_v5", "pd": "Standard_D8s_v5", "tikv": "Standard_E8s_v5", "tidb": "Standard_D16s_v5", "kafka": "Standard_E4s_v5", "spark": "Standard_D8s_v5"},
	},
}

// DefaultInstanceType returns the instance type kost uses for a pool when none is configured.
func DefaultInstanceType(c Cloud, s Size, pool string) string { return instanceTypes[c][s][pool] }

func intp(v int) *int    { return &v }
func boolp(v bool) *bool { return &v }

func setInt(p **int, v int) {
	if *p == nil {
		*p = intp(v)
	}
}

// WithDefaults returns a copy of e with every unset field filled for its size and clouds. Set fields
// are never changed. Unknown enum values are left for Validate to report.
func (e *Environment) WithDefaults() *Environment {
	out := e.clone()
	if out.Size == "" {
		out.Size = Dev
	}
	prod := out.Size == Prod
	if out.Protect == nil {
		out.Protect = boolp(prod)
	}
	if out.Network == nil {
		out.Network = &Network{}
	}
	if out.Network.Supernet == "" {
		out.Network.Supernet = DefaultSupernet
	}
	if out.Network.RegionPrefix == 0 {
		out.Network.RegionPrefix = DefaultRegionPrefix
	}
	if out.Database == nil {
		out.Database = &Database{}
	}
	d := out.Database
	local := out.Size == LocalSize
	if local {
		setInt(&d.PD, 1)
		setInt(&d.TiKV, 1)
	}
	setInt(&d.PD, 3)
	setInt(&d.TiKV, 3)
	if prod {
		setInt(&d.TiDB, 2)
		setInt(&d.TiFlash, 2)
		setInt(&d.TiCDC, 2)
	} else {
		setInt(&d.TiDB, 1)
		setInt(&d.TiFlash, 0)
		setInt(&d.TiCDC, 0)
	}
	d.defaultChangefeeds()
	if d.Analytics == nil {
		d.Analytics = &Analytics{}
	}
	if d.Backup == nil {
		d.Backup = &Backup{}
	}
	b := d.Backup
	if b.Enabled == nil {
		b.Enabled = boolp(*out.Protect && !local)
	}
	if b.Schedule == "" {
		b.Schedule = DefaultBackupSchedule
	}
	if b.Log == nil {
		b.Log = boolp(true)
	}
	setInt(&b.RetentionDays, DefaultBackupRetentionDays)
	if out.Kafka == nil {
		out.Kafka = &Kafka{}
	}
	k := out.Kafka
	if local {
		setInt(&k.Brokers, 1)
		setInt(&k.Controllers, 1)
	}
	setInt(&k.Brokers, 3)
	setInt(&k.Controllers, 3)
	setInt(&k.ReplicationFactor, min(3, max(*k.Brokers, 1)))
	setInt(&k.MinInsyncReplicas, max(1, *k.ReplicationFactor-1))
	out.defaultMonitoring()
	v := out.Versions.Resolve()
	out.Versions = &v
	for i := range out.Regions {
		out.Regions[i].defaults(out)
	}
	return out
}

func (r *Region) defaults(e *Environment) {
	prod := e.Size == Prod
	if r.Spark == nil {
		r.Spark = &Spark{}
	}
	if len(r.Spark.JobNamespaces) == 0 {
		r.Spark.JobNamespaces = []string{"spark-jobs"}
	}
	if r.Spark.Example == nil {
		r.Spark.Example = boolp(false)
	}
	if r.Cloud == Local {
		// A local cluster exists already: no zones, network, node pools or Kubernetes settings to default.
		if r.Local != nil && r.Local.Backup != nil {
			if r.Local.Backup.Region == "" {
				r.Local.Backup.Region = "us-east-1"
			}
			if r.Local.Backup.Provider == "" {
				r.Local.Backup.Provider = "minio"
			}
		}
		if r.Local != nil && r.Local.Provisioner == "" {
			r.Local.Provisioner = "rancher.io/local-path"
		}
		return
	}
	if len(r.Zones) == 0 {
		if info, ok := LookupRegion(r.Cloud, r.Region); ok {
			r.Zones = append([]string(nil), info.Zones[:min(3, len(info.Zones))]...)
		}
	}
	if r.Kubernetes == nil {
		r.Kubernetes = &Kubernetes{}
	}
	kc := r.Kubernetes
	if kc.Mode == "" {
		kc.Mode = Managed
	}
	if kc.Version == "" {
		kc.Version = e.Versions.Kubernetes
	}
	if kc.Endpoint == nil {
		kc.Endpoint = &Endpoint{}
	}
	if kc.Endpoint.Public == nil {
		// Public only where the environment says who may reach it: never open to the internet by
		// default. A self-managed cluster's API is behind an internal load balancer only.
		kc.Endpoint.Public = boolp(len(kc.Endpoint.PublicCIDRs) > 0 && kc.Mode != SelfManaged)
	}
	if r.NodePools == nil {
		r.NodePools = map[string]*NodePool{}
	}
	need := e.PoolNeeds()
	for _, name := range PoolNames {
		p := r.NodePools[name]
		if p == nil {
			p = &NodePool{}
			r.NodePools[name] = p
		}
		if p.InstanceType == "" {
			size := e.Size
			if size != Prod {
				size = Dev // an unknown size is reported by Validate; default as dev meanwhile
			}
			p.InstanceType = DefaultInstanceType(r.Cloud, size, name)
		}
		p.countDefaulted = p.Count == nil
		switch name {
		case "system":
			// Three in dev too: the monitoring stack (Prometheus above all) needs a third 2-vCPU node.
			setInt(&p.Count, 3)
		case "spark":
			setInt(&p.Count, map[bool]int{false: 1, true: 2}[prod])
		default:
			setInt(&p.Count, max(need[name], 1))
		}
		switch name {
		case "spark":
			setInt(&p.Min, 0)
			setInt(&p.Max, max(*p.Count, map[bool]int{false: 3, true: 10}[prod]))
		case "tidb":
			setInt(&p.Min, *p.Count)
			setInt(&p.Max, 2**p.Count)
		default:
			setInt(&p.Min, *p.Count)
			setInt(&p.Max, *p.Count)
		}
		if r.Cloud == GCP && len(r.Zones) > 0 {
			// GKE places nodes per zone: defaulted sizes become whole nodes in every zone.
			z := len(r.Zones)
			roundUp := func(v *int) { *v = (*v + z - 1) / z * z }
			if p.countDefaulted {
				roundUp(p.Count)
			}
			roundUp(p.Min)
			roundUp(p.Max)
		}
		if p.Spot == nil {
			p.Spot = boolp(name == "spark")
		}
		if p.DiskGiB == 0 {
			p.DiskGiB = map[bool]int{false: 50, true: 100}[name == "spark"]
		}
	}
}

// PoolNeeds says how many nodes each dedicated pool needs at least, one pod of a kind per node:
// PD on pd; TiKV and TiFlash on tikv; TiDB and TiCDC on tidb; Kafka brokers and controllers on kafka.
// Call it on a defaulted environment.
func (e *Environment) PoolNeeds() map[string]int {
	d, k := e.Database, e.Kafka
	if d == nil || k == nil || d.PD == nil || k.Brokers == nil {
		return map[string]int{}
	}
	return map[string]int{
		"pd":    *d.PD,
		"tikv":  max(*d.TiKV, *d.TiFlash),
		"tidb":  max(*d.TiDB, *d.TiCDC),
		"kafka": max(*k.Brokers, *k.Controllers),
	}
}

// clone deep-copies the parts WithDefaults writes to.
func (e *Environment) clone() *Environment {
	out := *e
	if e.Network != nil {
		n := *e.Network
		if n.Deployers != nil {
			d := *n.Deployers
			d.CIDRs = append([]string(nil), n.Deployers.CIDRs...)
			n.Deployers = &d
		}
		out.Network = &n
	}
	if e.Database != nil {
		d := *e.Database
		if d.Backup != nil {
			b := *d.Backup
			d.Backup = &b
		}
		if d.Changefeeds != nil {
			fs := make([]Changefeed, len(*d.Changefeeds))
			for i, f := range *d.Changefeeds {
				f.Tables = slices.Clone(f.Tables)
				f.Options = maps.Clone(f.Options)
				if f.Partitions != nil {
					n := *f.Partitions
					f.Partitions = &n
				}
				fs[i] = f
			}
			d.Changefeeds = &fs
		}
		if d.Analytics != nil {
			a := *d.Analytics
			a.Schemas = slices.Clone(a.Schemas)
			d.Analytics = &a
		}
		out.Database = &d
	}
	if e.Kafka != nil {
		k := *e.Kafka
		out.Kafka = &k
	}
	if e.Mirror != nil {
		m := *e.Mirror
		out.Mirror = &m
	}
	if e.Monitoring != nil {
		m := *e.Monitoring
		out.Monitoring = &m
	}
	out.Regions = make([]Region, len(e.Regions))
	for i, r := range e.Regions {
		rc := r
		rc.Zones = append([]string(nil), r.Zones...)
		if r.Kubernetes != nil {
			k := *r.Kubernetes
			if r.Kubernetes.Endpoint != nil {
				ep := *r.Kubernetes.Endpoint
				k.Endpoint = &ep
			}
			rc.Kubernetes = &k
		}
		if r.Local != nil {
			l := *r.Local
			l.Zones = append([]string(nil), r.Local.Zones...)
			if l.Backup != nil {
				b := *l.Backup
				l.Backup = &b
			}
			rc.Local = &l
		}
		if r.Restore != nil {
			rs := *r.Restore
			rc.Restore = &rs
		}
		if r.Spark != nil {
			sp := *r.Spark
			sp.JobNamespaces = append([]string(nil), r.Spark.JobNamespaces...)
			rc.Spark = &sp
		}
		if r.NodePools != nil {
			rc.NodePools = make(map[string]*NodePool, len(r.NodePools))
			for name, p := range r.NodePools {
				if p == nil {
					rc.NodePools[name] = nil
					continue
				}
				pc := *p
				rc.NodePools[name] = &pc
			}
		}
		out.Regions[i] = rc
	}
	return &out
}
