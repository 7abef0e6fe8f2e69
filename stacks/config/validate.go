package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kost-platform/kost/addresses"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/stacks/capacity"
)

var (
	envNameRE      = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$`)
	dnsLabelRE     = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	awsPrincipalRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+$`)
	awsInstanceRE  = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	gcpMachineRE   = regexp.MustCompile(`^[a-z][a-z0-9]*-[a-z0-9-]+$`)
	azureVMSizeRE  = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	tagKeyRE       = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	tagValueRE     = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
	gcpProjectRE   = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpMemberRE    = regexp.MustCompile(`^(user|group|serviceAccount|domain):[^\s]+$`)
	uuidRE         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	azureRGRE      = regexp.MustCompile(`^[-\w._()]{1,89}[-\w_()]$`)
	azureVNetIDRE  = regexp.MustCompile(`^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.Network/virtualNetworks/[-\w._]+$`)
	gcpNetworkRE   = regexp.MustCompile(`^(https://www\.googleapis\.com/compute/v1/)?projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/global/networks/[a-z]([-a-z0-9]*[a-z0-9])?$`)
)

// ReservedTags are set by kost on every resource and cannot be overridden from config.
var ReservedTags = []string{"environment", "region", "managed-by"}

// Load decodes, defaults and validates an environment: the one entry point for stacks and tools.
// Shape problems (unknown keys, wrong types) and validation problems come back together in one
// Problems; a field with a shape problem is not reported again by validation.
func Load(data []byte) (*Environment, error) {
	raw, ps := decode(data)
	if raw == nil {
		return nil, ps
	}
	env := raw.WithDefaults()
	var vs Problems
	if errors.As(env.Validate(), &vs) {
		shaped := map[string]bool{}
		for _, p := range ps {
			shaped[p.Path] = true
		}
		for _, p := range vs {
			if !shaped[p.Path] {
				ps = append(ps, p)
			}
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return env, nil
}

// Validate checks a defaulted environment (see WithDefaults) and returns every problem at once as
// Problems, or nil.
func (e *Environment) Validate() error {
	var ps Problems
	prod := e.Size == Prod

	switch {
	case e.Name == "":
		ps.add("name", "required: the environment name, e.g. dev or prod")
	case !envNameRE.MatchString(e.Name):
		ps.add("name", "%q must be a lowercase DNS label of at most 16 characters (a-z, 0-9, -)", e.Name)
	}
	if !slices.Contains(Sizes, e.Size) {
		ps.add("size", "%s", oneOf(string(e.Size), strs(Sizes)))
	}
	e.validateTags("tags", e.Tags, &ps)
	supernet, superOK := e.validateNetwork(&ps)
	e.validateDatabase(prod, &ps)
	e.validateBackup(&ps)
	e.validateChangefeeds(&ps)
	e.validateKafka(prod, &ps)
	e.validateVersions(&ps)
	e.validateMirror(&ps)
	e.validateMonitoring(&ps)

	if len(e.Regions) == 0 {
		ps.add("regions", "required: at least one region, e.g. [{cloud: aws, region: us-east-1}]")
	}
	seen := map[string]int{}
	for i := range e.Regions {
		r := &e.Regions[i]
		path := fmt.Sprintf("regions[%d]", i)
		key := string(r.Cloud) + "/" + r.Region
		if j, dup := seen[key]; dup && r.Region != "" {
			ps.add(path, "duplicate of regions[%d] (%s %s); each (cloud, region) may appear once", j, r.Cloud, r.Region)
		} else {
			seen[key] = i
		}
		r.validate(e, path, &ps)
	}
	blocks := e.validateCIDRs(supernet, superOK, &ps)
	e.validateDeployers(blocks, &ps)
	return ps.err()
}

// validateDeployers requires the deployers wherever a cluster's API is private, and checks them: no
// /0 in prod, and no overlap with a region block (peerings refuse overlapping address spaces, and a
// cluster could not tell a deployer from its own nodes) or the clusters' internal ranges.
func (e *Environment) validateDeployers(blocks []block, ps *Problems) {
	var private []string
	for i, r := range e.Regions {
		if r.Cloud == Local || r.Kubernetes == nil || r.Kubernetes.Endpoint == nil || r.Kubernetes.Endpoint.Public == nil {
			continue
		}
		if !*r.Kubernetes.Endpoint.Public {
			private = append(private, fmt.Sprintf("regions[%d]", i))
		}
	}
	d := e.Network.Deployers
	if d == nil || len(d.CIDRs) == 0 {
		if len(private) > 0 {
			verb := "serves"
			if len(private) > 1 {
				verb = "serve"
			}
			ps.add("network.deployers.cidrs", "required: %s %s the Kubernetes API privately, and `pulumi up` creates every "+
				"Kubernetes resource from where it runs; list the ranges your CI runners or VPN connect from (see the README, "+
				"\"Who reaches the clusters\")", strings.Join(private, ", "), verb)
		}
		return
	}
	for i, c := range d.CIDRs {
		p, err := netip.ParsePrefix(c)
		cp := fmt.Sprintf("network.deployers.cidrs[%d]", i)
		switch {
		case err != nil:
			ps.add(cp, "%q is not a CIDR", c)
		case p.Masked() != p:
			ps.add(cp, "%s has host bits set; use %s", p, p.Masked())
		case p.Bits() == 0 && e.Size == Prod:
			ps.add(cp, "%s admits the whole internet to every prod API server; list your runners' or VPN's ranges", p)
		case p.Bits() == 0:
		case p.Overlaps(cluster.ServiceCIDR) || p.Overlaps(cluster.OverlayPodCIDR):
			ps.add(cp, "%s overlaps the clusters' internal ranges (Services %s, overlay pods %s): the nodes would route answers into the cluster", p, cluster.ServiceCIDR, cluster.OverlayPodCIDR)
		default:
			for _, b := range blocks {
				if p.Overlaps(b.prefix) {
					ps.add(cp, "%s overlaps %s (%s): deployers need their own range, outside every region block", p, b.path, b.prefix)
				}
			}
		}
	}
	if d.AzureVNetID != "" && !azureVNetIDRE.MatchString(d.AzureVNetID) {
		ps.add("network.deployers.azureVnetId", "%q is not a virtual network id (/subscriptions/<id>/resourceGroups/<g>/providers/Microsoft.Network/virtualNetworks/<name>)", d.AzureVNetID)
	}
	if d.GCPNetwork != "" && !gcpNetworkRE.MatchString(d.GCPNetwork) {
		ps.add("network.deployers.gcpNetwork", "%q is not a network (projects/<project>/global/networks/<name>)", d.GCPNetwork)
	}
}

func (e *Environment) validateTags(path string, tags map[string]string, ps *Problems) {
	for _, k := range sortedKeys(tags) {
		switch {
		case slices.Contains(ReservedTags, k):
			ps.add(path+"."+k, "kost sets this tag itself (%s); remove it", strings.Join(ReservedTags, ", "))
		case !tagKeyRE.MatchString(k):
			ps.add(path+"."+k, "tag keys must start with a lowercase letter and hold at most 63 of a-z 0-9 _ - (valid as AWS and Azure tags and GCP labels)")
		case !tagValueRE.MatchString(tags[k]):
			ps.add(path+"."+k, "tag value %q: at most 63 of a-z 0-9 _ - (the GCP label rules, so one value works on every cloud)", tags[k])
		}
	}
}

func (e *Environment) validateNetwork(ps *Problems) (netip.Prefix, bool) {
	n := e.Network
	super, err := netip.ParsePrefix(n.Supernet)
	switch {
	case err != nil:
		ps.add("network.supernet", "%q is not a CIDR, e.g. 10.0.0.0/8", n.Supernet)
		return super, false
	case !super.Addr().Is4():
		ps.add("network.supernet", "%s: only IPv4 supernets are supported", super)
		return super, false
	case super.Masked() != super:
		ps.add("network.supernet", "%s has host bits set; use %s", super, super.Masked())
		return super, false
	}
	if super.Overlaps(cluster.ServiceCIDR) || super.Overlaps(cluster.OverlayPodCIDR) {
		ps.add("network.supernet", "%s overlaps the clusters' internal ranges (Services %s, overlay pods %s); use 10.0.0.0/8 or another range", super, cluster.ServiceCIDR, cluster.OverlayPodCIDR)
		return super, false
	}
	if n.RegionPrefix < super.Bits() || n.RegionPrefix > addresses.MinRegionBits {
		ps.add("network.regionPrefix", "/%d must be between the supernet's /%d and /%d", n.RegionPrefix, super.Bits(), addresses.MinRegionBits)
		return super, false
	}
	return super, true
}

func (e *Environment) validateDatabase(prod bool, ps *Problems) {
	d := e.Database
	if *d.PD < 1 {
		ps.add("database.pd", "%d PD members; at least 1 (3 in prod)", *d.PD)
	} else if *d.PD%2 == 0 {
		ps.add("database.pd", "%d PD members is even: a Raft quorum of %d survives no more failures than %d; use %d", *d.PD, *d.PD, *d.PD-1, *d.PD+1)
	}
	if prod && *d.PD >= 1 && *d.PD < 3 {
		ps.add("database.pd", "%d PD members in prod; at least 3 so the quorum survives a zone", *d.PD)
	}
	for path, b := range map[string]struct{ got, max int }{
		"database.pd": {*d.PD, 7}, "database.tikv": {*d.TiKV, 100}, "database.tidb": {*d.TiDB, 100},
		"database.tiflash": {*d.TiFlash, 50}, "database.ticdc": {*d.TiCDC, 20},
	} {
		if b.got > b.max {
			ps.add(path, "%d is beyond kost's bound of %d; a cluster that size is planned by hand, not by a typo", b.got, b.max)
		}
	}
	atLeast(ps, "database.tikv", *d.TiKV, 1, prod, 3, "TiKV stores (3 replicas of every region)")
	atLeast(ps, "database.tidb", *d.TiDB, 1, prod, 2, "TiDB servers")
	if *d.TiFlash < 0 {
		ps.add("database.tiflash", "%d; 0 disables TiFlash", *d.TiFlash)
	}
	if *d.TiCDC < 0 {
		ps.add("database.ticdc", "%d; 0 disables TiCDC", *d.TiCDC)
	}
}

func (e *Environment) validateKafka(prod bool, ps *Problems) {
	k := e.Kafka
	for path, b := range map[string]struct{ got, max int }{"kafka.brokers": {*k.Brokers, 100}, "kafka.controllers": {*k.Controllers, 9}} {
		if b.got > b.max {
			ps.add(path, "%d is beyond kost's bound of %d; a cluster that size is planned by hand, not by a typo", b.got, b.max)
		}
	}
	atLeast(ps, "kafka.brokers", *k.Brokers, 1, prod, 3, "Kafka brokers")
	atLeast(ps, "kafka.controllers", *k.Controllers, 1, prod, 3, "KRaft controllers")
	if *k.Controllers >= 1 && *k.Controllers%2 == 0 {
		ps.add("kafka.controllers", "%d KRaft controllers is even; use %d", *k.Controllers, *k.Controllers+1)
	}
	rf, isr := *k.ReplicationFactor, *k.MinInsyncReplicas
	switch {
	case rf < 1:
		ps.add("kafka.replicationFactor", "%d; at least 1", rf)
	case rf > *k.Brokers:
		ps.add("kafka.replicationFactor", "%d is more than the %d brokers; lower it or add brokers", rf, *k.Brokers)
	case prod && rf < 3:
		ps.add("kafka.replicationFactor", "%d in prod; at least 3", rf)
	}
	switch {
	case isr < 1:
		ps.add("kafka.minInsyncReplicas", "%d; at least 1", isr)
	case rf > 1 && isr >= rf:
		ps.add("kafka.minInsyncReplicas", "%d must be below the replication factor %d, or one broker down stops all writes", isr, rf)
	case prod && isr < 2:
		ps.add("kafka.minInsyncReplicas", "%d in prod; at least 2 so an acknowledged write survives a broker", isr)
	}
}

func atLeast(ps *Problems, path string, got, minAll int, prod bool, minProd int, what string) {
	if got < minAll {
		ps.add(path, "%d %s; at least %d", got, what, minAll)
	} else if prod && got < minProd {
		ps.add(path, "%d %s in prod; at least %d", got, what, minProd)
	}
}

func (e *Environment) validateVersions(ps *Problems) {
	for _, k := range sortedKeys(e.Versions.fields()) {
		v := e.Versions.fields()[k]
		if !slices.Contains(Supported[k], v) {
			ps.add("versions."+k, "%s; pinned versions kost knows are in stacks/config/versions.go", oneOf(v, Supported[k]))
		}
	}
}

func (r *Region) validate(e *Environment, path string, ps *Problems) {
	prod := e.Size == Prod
	r.validateSpark(path+".spark", ps)
	r.validateRestore(e, path+".restore", ps)
	if r.Cloud == Local {
		r.validateLocal(path, ps)
		return
	}
	if r.Local != nil && r.Cloud != "" {
		ps.add(path+".local", "local options on a %s region; remove them", r.Cloud)
	}
	info, known := LookupRegion(r.Cloud, r.Region)
	switch {
	case r.Cloud == "":
		ps.add(path+".cloud", "required: one of %s", strings.Join(strs(Clouds), ", "))
	case !slices.Contains(Clouds, r.Cloud):
		ps.add(path+".cloud", "%s", oneOf(string(r.Cloud), strs(Clouds)))
	case r.Region == "":
		ps.add(path+".region", "required: a %s region, e.g. %s", r.Cloud, RegionNames(r.Cloud)[0])
	case !known:
		ps.add(path+".region", "%s is not a %s region kost knows; %s", r.Region, r.Cloud, oneOf(r.Region, RegionNames(r.Cloud)))
	case r.Cloud == GCP && len(ClusterName(e.Name, r.Region)) > 40:
		ps.add(path+".region", "the GKE cluster name %s is %d characters; GKE allows 40: shorten the environment name", ClusterName(e.Name, r.Region), len(ClusterName(e.Name, r.Region)))
	}
	if r.AWS != nil && r.Cloud != AWS && r.Cloud != "" {
		ps.add(path+".aws", "AWS options on a %s region; remove them", r.Cloud)
	}
	r.validateCloudOptions(path, ps)
	if r.AWS != nil && r.AWS.RoleARN != "" && !awsPrincipalRE.MatchString(r.AWS.RoleARN) {
		ps.add(path+".aws.roleArn", "%q is not an IAM role ARN (arn:aws:iam::123456789012:role/name)", r.AWS.RoleARN)
	}
	e.validateTags(path+".tags", r.Tags, ps)

	// Zones.
	quorum := *e.Database.PD >= 3 || *e.Database.TiKV >= 3 || *e.Kafka.Controllers >= 3
	if known {
		switch {
		case len(info.Zones) < 3 && quorum:
			ps.add(path+".region", "%s has %d availability zones; PD, TiKV and KRaft quorums need 3 zones: choose another region", r.Region, len(info.Zones))
		case len(r.Zones) > 3:
			ps.add(path+".zones", "%d zones given; kost spreads over exactly 3, list 3", len(r.Zones))
		case len(r.Zones) < 3 && quorum:
			ps.add(path+".zones", "%d zones given; quorum members (PD, TiKV, Kafka controllers) need 3 zones so one zone can fail", len(r.Zones))
		}
		dup := map[string]bool{}
		for j, z := range r.Zones {
			zp := fmt.Sprintf("%s.zones[%d]", path, j)
			if !slices.Contains(info.Zones, z) {
				ps.add(zp, "%s is not a zone of %s; %s", z, r.Region, oneOf(z, info.Zones))
			}
			if dup[z] {
				ps.add(zp, "%s is listed twice", z)
			}
			dup[z] = true
		}
	}

	// Kubernetes.
	k := r.Kubernetes
	kp := path + ".kubernetes"
	// An unsupported versions.kubernetes is reported once, there, not again for every region inheriting it.
	if !slices.Contains(Modes, k.Mode) {
		ps.add(kp+".mode", "%s", oneOf(string(k.Mode), strs(Modes)))
	}
	if !slices.Contains(Supported["kubernetes"], k.Version) && k.Version != e.Versions.Kubernetes {
		ps.add(kp+".version", "%s; write the minor version exactly, never latest", oneOf(k.Version, Supported["kubernetes"]))
	}
	ep := k.Endpoint
	if k.Mode == SelfManaged {
		if _, ok := KubeadmReleases[k.Version]; !ok && slices.Contains(Supported["kubernetes"], k.Version) {
			ps.add(kp+".version", "self-managed clusters run Kubernetes %s (the releases pinned in KubeadmReleases); set version to one of them", strings.Join(sortedKeys(KubeadmReleases), ", "))
		}
		if *ep.Public {
			ps.add(kp+".endpoint.public", "a self-managed cluster serves its API on an internal load balancer only; remove public or set it to false")
		}
		if len(k.Admins) > 0 {
			ps.add(kp+".admins", "a self-managed cluster has no cloud IAM login; remove admins and use the stack's kubeconfigs output (admin certificate)")
		}
		if len(k.Previewers) > 0 {
			ps.add(kp+".previewers", "a self-managed cluster has no cloud IAM login, and its previews use the admin certificate in the stack's state; remove previewers and require approval for the stack's previews (README, \"Previews of private environments\")")
		}
	}
	if k.TokenRotation != "" {
		ps.add(kp+".tokenRotation", "is no longer needed: the control planes mint join tokens every 12 hours and publish them to the cloud's secret store, where new nodes read them; remove it")
	}
	for j, c := range ep.PublicCIDRs {
		p, err := netip.ParsePrefix(c)
		cp := fmt.Sprintf("%s.endpoint.publicCidrs[%d]", kp, j)
		switch {
		case err != nil:
			ps.add(cp, "%q is not a CIDR", c)
		case p.Masked() != p:
			ps.add(cp, "%s has host bits set; use %s", p, p.Masked())
		case prod && *ep.Public && p.Bits() == 0:
			ps.add(cp, "%s opens the prod API server to the internet; list your office or VPN ranges, or set public: false", p)
		}
	}
	if !*ep.Public && len(ep.PublicCIDRs) > 0 {
		ps.add(kp+".endpoint.publicCidrs", "set while public is false; remove them or set public: true")
	}
	if *ep.Public && len(ep.PublicCIDRs) == 0 {
		ps.add(kp+".endpoint.publicCidrs", "required when the endpoint is public: the ranges allowed to reach it (kost never opens an API server to the internet by default)")
	}
	principals := func(field string, list []string, azureWhat string) {
		for j, a := range list {
			ap := fmt.Sprintf("%s.%s[%d]", kp, field, j)
			switch {
			case r.Cloud == AWS && !awsPrincipalRE.MatchString(a):
				ps.add(ap, "%q is not an IAM role or user ARN (arn:aws:iam::123456789012:role/name)", a)
			case r.Cloud == GCP && !gcpMemberRE.MatchString(a):
				ps.add(ap, "%q is not an IAM member (user:, group: or serviceAccount: followed by an email)", a)
			case r.Cloud == Azure && !uuidRE.MatchString(a):
				ps.add(ap, "%q is not an Entra ID %s object ID (a UUID)", a, azureWhat)
			}
		}
	}
	principals("admins", k.Admins, "group")
	principals("previewers", k.Previewers, "principal")
	for _, a := range k.Previewers {
		if slices.Contains(k.Admins, a) {
			ps.add(kp+".previewers", "%q is also an admin: a preview identity must not administer the cluster", a)
		}
	}

	// Node pools.
	need := e.PoolNeeds()
	for _, name := range sortedKeys(r.NodePools) {
		pp := path + ".nodePools." + name
		if !slices.Contains(PoolNames, name) {
			ps.add(pp, "unknown pool; %s", oneOf(name, PoolNames))
			continue
		}
		p := r.NodePools[name]
		if p == nil {
			continue
		}
		r.validatePool(name, p, need[name], prod, pp, ps)
	}
}

// kostNamespaces are the namespaces the platform creates; a Spark job namespace must not be one.
var kostNamespaces = []string{"strimzi", "tidb-admin", "spark-operator", "tidb", "kafka"}

func (r *Region) validateSpark(path string, ps *Problems) {
	seen := map[string]bool{}
	for i, ns := range r.Spark.JobNamespaces {
		p := fmt.Sprintf("%s.jobNamespaces[%d]", path, i)
		switch {
		case !dnsLabelRE.MatchString(ns):
			ps.add(p, "%q is not a namespace name (a lowercase DNS label)", ns)
		case slices.Contains(kostNamespaces, ns) || strings.HasPrefix(ns, "kube-"):
			ps.add(p, "%q is a namespace kost or Kubernetes uses itself; choose another", ns)
		case seen[ns]:
			ps.add(p, "%q is listed twice", ns)
		}
		seen[ns] = true
	}
}

// validateLocal checks a region of cloud local: an existing cluster, so nothing about networks, zones
// or nodes may be configured.
func (r *Region) validateLocal(path string, ps *Problems) {
	if !dnsLabelRE.MatchString(r.Region) {
		ps.add(path+".region", "%q: a local region is a name of your choice, a lowercase DNS label (e.g. kind)", r.Region)
	}
	if r.Local == nil || r.Local.Context == "" {
		ps.add(path+".local.context", "required for a local region: the kubeconfig context, e.g. kind-kost")
	}
	pools := r.Local != nil && r.Local.Pools
	for key, set := range map[string]bool{
		"cidr": r.CIDR != "", "zones": len(r.Zones) > 0, "kubernetes": r.Kubernetes != nil,
		"nodePools": len(r.NodePools) > 0 && !pools, "aws": r.AWS != nil,
	} {
		if set {
			hint := "remove it"
			switch key {
			case "zones":
				hint = "to spread over the nodes' zones, list them as local.zones"
			case "nodePools":
				hint = "set local.pools: true if the nodes carry kost's pool labels and taints, and describe them"
			}
			ps.add(path+"."+key, "not used by a local region (the cluster exists already); %s", hint)
		}
	}
	if r.Local == nil {
		return
	}
	r.validateLocalBackup(path+".local.backup", ps)
	seen := map[string]bool{}
	for i, z := range r.Local.Zones {
		zp := fmt.Sprintf("%s.local.zones[%d]", path, i)
		switch {
		case z == "" || len(z) > 63:
			ps.add(zp, "%q is not a label value (1 to 63 characters)", z)
		case seen[z]:
			ps.add(zp, "%s is listed twice", z)
		}
		seen[z] = true
	}
	if n := len(r.Local.Zones); n != 0 && n != 3 {
		ps.add(path+".local.zones", "%d zones; kost spreads over exactly 3 (list 3, or none for no zone spread)", n)
	}
	if !pools {
		return
	}
	// The nodes exist already: describe each pool so the capacity proof can place the data plane.
	for _, name := range PoolNames {
		pp := path + ".nodePools." + name
		p := r.NodePools[name]
		if p == nil || p.Count == nil || p.Allocatable == nil {
			ps.add(pp, "required with local.pools: the pool's nodes as they are (count, and allocatable: cpu, memory, pods), so kost can prove the data plane fits")
			continue
		}
		if p.InstanceType != "" || p.Min != nil || p.Max != nil || p.Spot != nil || p.DiskGiB != 0 {
			ps.add(pp, "a local pool exists already: give only count and allocatable")
		}
		if *p.Count < 1 || *p.Count > maxPoolNodes {
			ps.add(pp+".count", "%d nodes; between 1 and %d", *p.Count, maxPoolNodes)
		}
		validateAllocatable(pp+".allocatable", p.Allocatable, ps)
	}
	for name := range r.NodePools {
		if !slices.Contains(PoolNames, name) {
			ps.add(path+".nodePools."+name, "unknown pool; %s", oneOf(name, PoolNames))
		}
	}
}

// Bounds past which a count is a typo, not a plan.
const (
	maxPoolNodes = 200
)

// validateAllocatable checks an allocatable override's quantities.
func validateAllocatable(path string, a *Allocatable, ps *Problems) {
	for field, v := range map[string]string{"cpu": a.CPU, "memory": a.Memory} {
		if q, err := resource.ParseQuantity(v); err != nil || q.Sign() <= 0 {
			ps.add(path+"."+field, "%q is not a positive Kubernetes quantity (e.g. %s)", v, map[string]string{"cpu": "7910m", "memory": "58Gi"}[field])
		}
	}
	if a.Pods < 1 || a.Pods > 1000 {
		ps.add(path+".pods", "%d; between 1 and 1000", a.Pods)
	}
}

// validateCloudOptions checks that each cloud's options are given where required and only there.
func (r *Region) validateCloudOptions(path string, ps *Problems) {
	for cloud, set := range map[Cloud]bool{GCP: r.GCP != nil, Azure: r.Azure != nil} {
		if set && r.Cloud != cloud && r.Cloud != "" {
			ps.add(path+"."+string(cloud), "%s options on a %s region; remove them", cloud, r.Cloud)
		}
	}
	switch r.Cloud {
	case GCP:
		switch {
		case r.GCP == nil || r.GCP.Project == "":
			ps.add(path+".gcp.project", "required: the GCP project ID, e.g. acme-kost-prod")
		case !gcpProjectRE.MatchString(r.GCP.Project):
			ps.add(path+".gcp.project", "%q is not a GCP project ID (6 to 30 of a-z 0-9 -, starting with a letter)", r.GCP.Project)
		}
	case Azure:
		switch {
		case r.Azure == nil || r.Azure.SubscriptionID == "":
			ps.add(path+".azure.subscriptionId", "required: the Azure subscription ID (a UUID)")
		case !uuidRE.MatchString(r.Azure.SubscriptionID):
			ps.add(path+".azure.subscriptionId", "%q is not a subscription ID (a UUID)", r.Azure.SubscriptionID)
		}
		if r.Azure != nil && r.Azure.ResourceGroup != "" && !azureRGRE.MatchString(r.Azure.ResourceGroup) {
			ps.add(path+".azure.resourceGroup", "%q is not a resource group name (1 to 90 of letters, digits, . _ - ( ), not ending in .)", r.Azure.ResourceGroup)
		}
	}
}

func (r *Region) validatePool(name string, p *NodePool, need int, prod bool, pp string, ps *Problems) {
	var re *regexp.Regexp
	switch r.Cloud {
	case AWS:
		re = awsInstanceRE
	case GCP:
		re = gcpMachineRE
	case Azure:
		re = azureVMSizeRE
	}
	switch {
	case re != nil && !re.MatchString(p.InstanceType):
		ps.add(pp+".instanceType", "%q is not a %s instance type (e.g. %s)", p.InstanceType, r.Cloud, instanceTypes[r.Cloud][Dev][name])
	case p.Allocatable != nil:
		validateAllocatable(pp+".allocatable", p.Allocatable, ps)
	case re == nil:
		// An unknown cloud is reported on regions[].cloud.
	default:
		if _, ok := capacity.Lookup(string(r.Cloud), p.InstanceType); !ok {
			names := capacity.Names(string(r.Cloud))
			msg := fmt.Sprintf("%q is not in kost's catalogue of %s types (%s)", p.InstanceType, r.Cloud, strings.Join(names, ", "))
			if c, ok := closest(p.InstanceType, names); ok {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
			}
			ps.add(pp+".instanceType", "%s; choose one, or give nodePools.%s.allocatable for a type kost does not know", msg, name)
		}
	}
	count, lo, hi := *p.Count, *p.Min, *p.Max
	switch {
	case hi > maxPoolNodes:
		ps.add(pp+".max", "%d nodes; at most %d", hi, maxPoolNodes)
	case count < 0 || lo < 0:
		ps.add(pp, "count %d and min %d must not be negative", count, lo)
	case hi < 1:
		ps.add(pp+".max", "%d; at least 1", hi)
	case lo > hi:
		ps.add(pp+".min", "min %d is above max %d", lo, hi)
	case count < lo || count > hi:
		ps.add(pp+".count", "%d is outside min %d .. max %d", count, lo, hi)
	}
	if need > 0 && lo < need {
		ps.add(pp+".min", "%d nodes, but the data plane places %d pods one per node on the %s pool; raise it to %d", lo, need, name, need)
	}
	if IsQuorumPool(name) && prod && count < 3 && !p.countDefaulted {
		ps.add(pp+".count", "%d nodes in prod; the %s pool must span 3 zones", count, name)
	}
	if name == "system" && prod && count < 2 {
		ps.add(pp+".count", "%d system nodes in prod; at least 2 so operators survive a node", count)
	}
	if z := len(r.Zones); r.Cloud == GCP && z > 0 && (count%z != 0 || lo%z != 0 || hi%z != 0) {
		ps.add(pp, "count %d, min %d and max %d must be multiples of the %d zones: GKE sizes node pools per zone", count, lo, hi, z)
	}
	if *p.Spot && name != "spark" {
		ps.add(pp+".spot", "spot capacity can take %s nodes away at any time; only the spark pool may use it", name)
	}
	if p.DiskGiB < 20 || p.DiskGiB > 16384 {
		ps.add(pp+".diskGiB", "%d GiB; between 20 and 16384", p.DiskGiB)
	}
}

func (e *Environment) validateCIDRs(supernet netip.Prefix, superOK bool, ps *Problems) []block {
	var blocks []block
	for i := range e.Regions {
		r := &e.Regions[i]
		path := fmt.Sprintf("regions[%d].cidr", i)
		if r.Cloud == Local {
			continue // no network of its own
		}
		if r.CIDR != "" {
			p, err := netip.ParsePrefix(r.CIDR)
			switch {
			case err != nil:
				ps.add(path, "%q is not a CIDR, e.g. 10.10.0.0/16", r.CIDR)
			case !p.Addr().Is4():
				ps.add(path, "%s: only IPv4 blocks are supported", p)
			case p.Masked() != p:
				ps.add(path, "%s has host bits set; use %s", p, p.Masked())
			case p.Bits() > addresses.MinRegionBits:
				ps.add(path, "%s is too small for 3 private and 3 public subnets; use a /%d or larger", p, addresses.MinRegionBits)
			case !p.Addr().IsPrivate() && !netip.MustParsePrefix("100.64.0.0/10").Contains(p.Addr()):
				ps.add(path, "%s is public address space; use RFC 1918 (10/8, 172.16/12, 192.168/16) or 100.64/10", p)
			case p.Overlaps(cluster.ServiceCIDR) || p.Overlaps(cluster.OverlayPodCIDR):
				ps.add(path, "%s overlaps the clusters' internal ranges (Services %s, overlay pods %s); choose another block", p, cluster.ServiceCIDR, cluster.OverlayPodCIDR)
			default:
				blocks = append(blocks, block{path, p, false})
			}
			continue
		}
		info, ok := LookupRegion(r.Cloud, r.Region)
		if !ok || !superOK {
			continue
		}
		p, err := addresses.RegionBlock(supernet, e.Network.RegionPrefix, info.Slot)
		if err != nil {
			ps.add(path, "cannot plan a block: %v; set cidr", err)
			continue
		}
		blocks = append(blocks, block{path, p, true})
	}
	for i := range blocks {
		for j := 0; j < i; j++ {
			a, b := blocks[i], blocks[j]
			if !a.prefix.Overlaps(b.prefix) {
				continue
			}
			what := func(x block) string {
				if x.planned {
					return fmt.Sprintf("%s (planned %s)", x.path, x.prefix)
				}
				return fmt.Sprintf("%s %s", x.path, x.prefix)
			}
			ps.add(a.path, "%s overlaps %s; set a non-overlapping cidr on one of them", what(a), what(b))
		}
	}
	return blocks
}

// block is a region's network block, set (cidr) or planned from the supernet.
type block struct {
	path    string
	prefix  netip.Prefix
	planned bool
}

// Block returns the region's network block: its cidr, or the one planned for it. Call it on a
// validated environment.
func (e *Environment) Block(r Region) (netip.Prefix, error) {
	if r.CIDR != "" {
		return netip.ParsePrefix(r.CIDR)
	}
	info, ok := LookupRegion(r.Cloud, r.Region)
	if !ok {
		return netip.Prefix{}, fmt.Errorf("region %s/%s is not in the catalogue", r.Cloud, r.Region)
	}
	super, err := netip.ParsePrefix(e.Network.Supernet)
	if err != nil {
		return netip.Prefix{}, err
	}
	return addresses.RegionBlock(super, e.Network.RegionPrefix, info.Slot)
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
