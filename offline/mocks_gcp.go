package offline

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// gcpDefaultProject answers for resources that name no project (kost always names one).
const gcpDefaultProject = "kost-mock-project"

// gcpComputeAPI prefixes compute self links.
const gcpComputeAPI = "https://www.googleapis.com/compute/v1/"

// gcpProject is the resource's project input.
func gcpProject(o *Out) string {
	if p := o.In("project"); p != "" {
		return p
	}
	return gcpDefaultProject
}

// gcpLocation is the resource's region or location input, else its provider's region.
func gcpLocation(o *Out, key string) string {
	if l := o.In(key); l != "" {
		return l
	}
	return o.Region
}

// gcpName is the name input, or the name Pulumi's auto-naming would give (logical name and a suffix).
func gcpName(o *Out) string {
	n := o.In("name")
	if n == "" {
		n = o.R.Name + "-" + o.Hash[:7]
		o.Set("name", n)
	}
	return n
}

// gcpLast is the last segment of a name, id or self link.
func gcpLast(s string) string { return s[strings.LastIndex(s, "/")+1:] }

// gcpNumber is a stable decimal number of n digits from a hash.
func gcpNumber(h string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		d, _ := strconv.ParseUint(h[i%len(h):i%len(h)+1], 16, 8)
		if b.Len() == 0 && d%10 == 0 {
			d = 1
		}
		b.WriteString(strconv.FormatUint(d%10, 10))
	}
	return b.String()
}

// gcpProjectNumber is the mock cloud's number of a project.
func gcpProjectNumber(project string) string { return gcpNumber(hash("gcp-project", project), 12) }

// gcpIP is a stable address inside p, skipping the network address.
func gcpIP(p netip.Prefix, n int) string {
	a := p.Masked().Addr()
	for i := 0; i < n; i++ {
		a = a.Next()
	}
	return a.String()
}

// gcpInputMap returns an object input as a plain map (a copy), or an empty map.
func gcpInputMap(o *Out, key string) map[string]any {
	v, _ := o.R.Input(key)
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// gcpInternalIP is a stable private address for a resource whose subnetwork range the mock does not
// know (the subnetwork is given by id): 10.x.y.z from the hash, never a network or broadcast address.
func gcpInternalIP(h string) string {
	b := func(i int) int { v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8); return int(v) }
	return fmt.Sprintf("10.%d.%d.%d", b(0), b(1), b(2)%250+2)
}

var gcpZonal = func(kind string) func(o *Out) {
	return func(o *Out) {
		p, z, n := gcpProject(o), o.In("zone"), gcpName(o)
		if z == "" {
			z = o.Region + "-b"
		}
		o.ID = fmt.Sprintf("projects/%s/zones/%s/%s/%s", p, z, kind, n)
		o.Set("selfLink", gcpComputeAPI+o.ID)
		o.Set("zone", z)
		o.Set("project", p)
	}
}

var gcpRegional = func(kind string) func(o *Out) {
	return func(o *Out) {
		p, r, n := gcpProject(o), gcpLocation(o, "region"), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/regions/%s/%s/%s", p, r, kind, n)
		o.Set("selfLink", gcpComputeAPI+o.ID)
		o.Set("region", r)
		o.Set("project", p)
	}
}

// gcpOutputs are what the cloud computes for each of its resource types.
var gcpOutputs = map[string]func(o *Out){
	"gcp:compute/network:Network": func(o *Out) {
		p, n := gcpProject(o), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/global/networks/%s", p, n)
		o.Set("selfLink", gcpComputeAPI+o.ID)
		o.Set("numericId", gcpNumber(o.Hash, 19))
		o.Set("project", p)
	},
	"gcp:compute/subnetwork:Subnetwork": func(o *Out) {
		p, r, n := gcpProject(o), gcpLocation(o, "region"), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/regions/%s/subnetworks/%s", p, r, n)
		o.Set("selfLink", gcpComputeAPI+o.ID)
		o.Set("region", r)
		o.Set("project", p)
		if cidr, err := netip.ParsePrefix(o.In("ipCidrRange")); err == nil {
			o.Set("gatewayAddress", gcpIP(cidr, 1))
		}
		o.Set("fingerprint", o.Hash[:12])
		o.Set("creationTimestamp", "2026-01-01T00:00:00.000-00:00")
	},
	"gcp:compute/router:Router": func(o *Out) {
		p, r, n := gcpProject(o), gcpLocation(o, "region"), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/regions/%s/routers/%s", p, r, n)
		o.Set("selfLink", gcpComputeAPI+o.ID)
		o.Set("region", r)
		o.Set("project", p)
	},
	"gcp:compute/routerNat:RouterNat": func(o *Out) {
		p, r, n := gcpProject(o), gcpLocation(o, "region"), gcpName(o)
		o.ID = fmt.Sprintf("%s/%s/%s/%s", p, r, gcpLast(o.In("router")), n)
		o.Set("region", r)
		o.Set("project", p)
	},
	"gcp:compute/firewall:Firewall": func(o *Out) {
		p, n := gcpProject(o), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/global/firewalls/%s", p, n)
		o.Set("selfLink", gcpComputeAPI+o.ID)
		o.Set("project", p)
		o.Set("creationTimestamp", "2026-01-01T00:00:00.000-00:00")
	},
	"gcp:serviceaccount/account:Account": func(o *Out) {
		p := gcpProject(o)
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", o.In("accountId"), p)
		o.ID = fmt.Sprintf("projects/%s/serviceAccounts/%s", p, email)
		o.Set("name", o.ID)
		o.Set("email", email)
		o.Set("member", "serviceAccount:"+email)
		o.Set("uniqueId", gcpNumber(o.Hash, 21))
		o.Set("project", p)
	},
	"gcp:projects/iAMCustomRole:IAMCustomRole": func(o *Out) {
		p := gcpProject(o)
		o.ID = fmt.Sprintf("projects/%s/roles/%s", p, o.In("roleId"))
		o.Set("name", o.ID)
		o.Set("project", p)
		o.Set("deleted", false)
		o.SetIfAbsent("stage", "GA")
	},
	"gcp:projects/iAMMember:IAMMember": func(o *Out) {
		o.ID = fmt.Sprintf("%s/%s/%s", o.In("project"), o.In("role"), o.In("member"))
		o.Set("etag", "BwY"+o.Hash[:9])
	},
	"gcp:kms/keyRing:KeyRing": func(o *Out) {
		p, l, n := gcpProject(o), gcpLocation(o, "location"), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/locations/%s/keyRings/%s", p, l, n)
		o.Set("project", p)
	},
	"gcp:kms/cryptoKey:CryptoKey": func(o *Out) {
		o.ID = o.In("keyRing") + "/cryptoKeys/" + gcpName(o)
		o.Set("primaries", []any{map[string]any{"name": o.ID + "/cryptoKeyVersions/1", "state": "ENABLED"}})
	},
	"gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": func(o *Out) {
		o.ID = fmt.Sprintf("%s/%s/%s", o.In("cryptoKeyId"), o.In("role"), o.In("member"))
		o.Set("etag", "BwY"+o.Hash[:9])
	},
	"gcp:container/cluster:Cluster": func(o *Out) {
		p, l, n := gcpProject(o), gcpLocation(o, "location"), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/locations/%s/clusters/%s", p, l, n)
		o.Set("selfLink", fmt.Sprintf("https://container.googleapis.com/v1/projects/%s/locations/%s/clusters/%s", p, l, n))
		o.Set("project", p)
		o.Set("location", l)
		// The private endpoint is the second address of the control plane's /28; the public one an
		// address of Google's.
		h := o.Hash
		public := fmt.Sprintf("34.%d.%d.%d", int(h[0])%200+10, int(h[1])*7%250+1, int(h[2])*13%250+1)
		pcc := gcpInputMap(o, "privateClusterConfig")
		private := ""
		if master, err := netip.ParsePrefix(fmt.Sprint(pcc["masterIpv4CidrBlock"])); err == nil {
			private = gcpIP(master, 2)
		}
		pcc["privateEndpoint"], pcc["publicEndpoint"] = private, public
		pcc["peeringName"] = "gke-n" + h[:14] + "-peer"
		o.Set("privateClusterConfig", pcc)
		endpoint := public
		if pcc["enablePrivateEndpoint"] == true {
			endpoint = private
		}
		o.Set("endpoint", endpoint)
		o.Set("masterAuth", map[string]any{
			"clusterCaCertificate":    fakeCA(n),
			"clientCertificateConfig": map[string]any{"issueClientCertificate": false},
		})
		version := o.In("minMasterVersion")
		if version == "" {
			version = "1.33"
		}
		o.Set("masterVersion", version+".5-gke.1000000")
		o.Set("nodeVersion", version+".5-gke.1000000")
		o.Set("labelFingerprint", h[:8])
		o.Set("operation", "")
	},
	"gcp:container/nodePool:NodePool": func(o *Out) {
		p, l, c, n := gcpProject(o), gcpLocation(o, "location"), gcpLast(o.In("cluster")), gcpName(o)
		o.ID = fmt.Sprintf("projects/%s/locations/%s/clusters/%s/nodePools/%s", p, l, c, n)
		var groups []any
		if zones, ok := o.R.Input("nodeLocations"); ok {
			for _, z := range zones.([]any) {
				groups = append(groups, fmt.Sprintf("%sprojects/%s/zones/%v/instanceGroupManagers/gke-%s-%s-%s-grp", gcpComputeAPI, p, z, c, n, o.Hash[:8]))
			}
		}
		o.Set("instanceGroupUrls", groups)
		o.Set("managedInstanceGroupUrls", groups)
		o.Set("version", "1.33.5-gke.1000000")
		o.Set("project", p)
		o.Set("location", l)
		o.Set("operation", "")
	},
	// Compute Engine VMs, instance groups and the internal load balancer (self-managed clusters).
	"gcp:compute/address:Address": func(o *Out) {
		gcpRegional("addresses")(o)
		o.SetIfAbsent("address", gcpInternalIP(o.Hash))
		o.Set("users", []any{})
	},
	"gcp:compute/instance:Instance": func(o *Out) {
		gcpZonal("instances")(o)
		o.Set("instanceId", gcpNumber(o.Hash, 19))
		o.Set("cpuPlatform", "Intel Cascade Lake")
		o.Set("currentStatus", "RUNNING")
		var nics []any
		if v, ok := o.R.Input("networkInterfaces"); ok {
			for i, nic := range v.([]any) {
				m, _ := nic.(map[string]any)
				c := map[string]any{}
				for k, e := range m {
					c[k] = e
				}
				if c["networkIp"] == nil || c["networkIp"] == "" {
					c["networkIp"] = gcpInternalIP(hash(o.Hash, strconv.Itoa(i)))
				}
				c["name"] = fmt.Sprintf("nic%d", i)
				nics = append(nics, c)
			}
		}
		o.Set("networkInterfaces", nics)
	},
	"gcp:compute/instanceGroup:InstanceGroup": func(o *Out) {
		gcpZonal("instanceGroups")(o)
		if v, ok := o.R.Input("instances"); ok {
			o.Set("size", float64(len(v.([]any))))
		}
	},
	"gcp:compute/regionHealthCheck:RegionHealthCheck": gcpRegional("healthChecks"),
	"gcp:compute/regionBackendService:RegionBackendService": func(o *Out) {
		gcpRegional("backendServices")(o)
		o.Set("fingerprint", o.Hash[:12])
	},
	"gcp:compute/forwardingRule:ForwardingRule": func(o *Out) {
		gcpRegional("forwardingRules")(o)
		o.SetIfAbsent("ipAddress", gcpInternalIP(o.Hash))
		o.Set("pscConnectionId", "")
	},
	"gcp:compute/instanceTemplate:InstanceTemplate": func(o *Out) {
		p, n := gcpProject(o), o.In("name")
		if n == "" {
			n = o.In("namePrefix") + o.Hash[:20]
			o.Set("name", n)
		}
		o.ID = fmt.Sprintf("projects/%s/global/instanceTemplates/%s", p, n)
		o.Set("selfLink", gcpComputeAPI+o.ID)
		o.Set("selfLinkUnique", gcpComputeAPI+o.ID+"?uniqueId="+gcpNumber(o.Hash, 19))
		o.Set("project", p)
	},
	"gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": func(o *Out) {
		gcpRegional("instanceGroupManagers")(o)
		o.Set("instanceGroup", gcpComputeAPI+strings.Replace(o.ID, "instanceGroupManagers", "instanceGroups", 1))
		o.Set("fingerprint", o.Hash[:12])
	},
	"gcp:compute/instanceGroupManager:InstanceGroupManager": func(o *Out) {
		gcpZonal("instanceGroupManagers")(o)
		o.Set("instanceGroup", gcpComputeAPI+strings.Replace(o.ID, "instanceGroupManagers", "instanceGroups", 1))
		o.Set("fingerprint", o.Hash[:12])
	},
	// A bucket without a name gets Pulumi's auto-name; its id is its name.
	"gcp:storage/bucket:Bucket": func(o *Out) {
		n := gcpName(o)
		o.ID = n
		o.Set("url", "gs://"+n)
		o.Set("selfLink", "https://www.googleapis.com/storage/v1/b/"+n)
		o.Set("project", gcpProject(o))
	},
	"gcp:storage/bucketIAMMember:BucketIAMMember": func(o *Out) {
		o.ID = fmt.Sprintf("b/%s/%s/%s", o.In("bucket"), o.In("role"), o.In("member"))
		o.Set("etag", "CAE"+o.Hash[:9])
	},
	"gcp:serviceaccount/iAMMember:IAMMember": func(o *Out) {
		o.ID = fmt.Sprintf("%s/%s/%s", o.In("serviceAccountId"), o.In("role"), o.In("member"))
		o.Set("etag", "BwY"+o.Hash[:9])
	},
}

// gcpInvokes answer the cloud's invokes.
var gcpInvokes = map[string]func(args resource.PropertyMap) resource.PropertyMap{
	// storage.GetProjectServiceAccount: the project's Cloud Storage service agent, named after the
	// project number (cloud.google.com/storage/docs/projects#service-agents).
	"gcp:storage/getProjectServiceAccount:getProjectServiceAccount": func(args resource.PropertyMap) resource.PropertyMap {
		p := gcpDefaultProject
		if v, ok := args["project"]; ok && v.IsString() && v.StringValue() != "" {
			p = v.StringValue()
		}
		email := "service-" + gcpProjectNumber(p) + "@gs-project-accounts.iam.gserviceaccount.com"
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": email, "project": p, "emailAddress": email, "member": "serviceAccount:" + email,
		})
	},
	// organizations.LookupProject: the project number names the project's service agents.
	"gcp:organizations/getProject:getProject": func(args resource.PropertyMap) resource.PropertyMap {
		p := gcpDefaultProject
		if v, ok := args["projectId"]; ok && v.IsString() && v.StringValue() != "" {
			p = v.StringValue()
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":                "projects/" + p,
			"projectId":         p,
			"name":              p,
			"number":            gcpProjectNumber(p),
			"orgId":             gcpNumber(hash("gcp-org", p), 12),
			"autoCreateNetwork": true,
			"skipDelete":        false,
			"labels":            map[string]any{},
		})
	},
}
