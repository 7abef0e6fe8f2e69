package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
)

// JSONResource is one resource in the JSON plan.
type JSONResource struct {
	URN            string         `json:"urn"`
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	Parent         string         `json:"parent,omitempty"`
	Provider       string         `json:"provider,omitempty"`
	DependsOn      []string       `json:"dependsOn,omitempty"`
	Protect        bool           `json:"protect,omitempty"`
	RetainOnDelete bool           `json:"retainOnDelete,omitempty"`
	Aliases        []string       `json:"aliases,omitempty"`
	Inputs         map[string]any `json:"inputs"`
}

// JSONPlan is the JSON form of a graph.
type JSONPlan struct {
	Resources []JSONResource `json:"resources"`
}

// ToJSON converts the graph, secrets masked.
func (g *Graph) ToJSON() JSONPlan {
	out := JSONPlan{Resources: make([]JSONResource, 0, len(g.Resources))}
	for _, r := range g.Resources {
		out.Resources = append(out.Resources, JSONResource{
			URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Provider: r.Provider,
			DependsOn: r.DependsOn, Protect: r.Protect, RetainOnDelete: r.RetainOnDelete, Aliases: r.Aliases,
			Inputs: PlainMap(r.Inputs, true),
		})
	}
	return out
}

// WriteJSON writes the graph as indented JSON, secrets masked.
func (g *Graph) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(g.ToJSON())
}

// WriteText writes a readable tree: each component with its cloud resources counted by type, then
// its child components, and a total.
func (g *Graph) WriteText(w io.Writer) error {
	var b strings.Builder
	root := g.Root()
	for _, top := range g.Children(root) {
		g.writeNode(&b, top, "")
	}
	custom, components := 0, 0
	for _, r := range g.Resources {
		if r.Custom {
			custom++
		} else {
			components++
		}
	}
	fmt.Fprintf(&b, "\nTotal: %d resources (%d cloud and Kubernetes resources, %d components)\n", custom+components, custom, components)
	_, err := io.WriteString(w, b.String())
	return err
}

func (g *Graph) writeNode(b *strings.Builder, r *Resource, indent string) {
	if r.Custom {
		fmt.Fprintf(b, "%s%s  %s%s\n", indent, r.Name, r.Type, flags(r))
		return
	}
	total := len(g.Under(r.URN, ""))
	summary := ""
	if f, ok := summaries[r.Type]; ok {
		if s := f(g, r); s != "" {
			summary = "  " + s
		}
	}
	below := fmt.Sprintf("(%d resources below)", total)
	if r.Remote {
		// A remote component's children (a chart's objects) are rendered by its provider at preview.
		below = "(objects rendered by the provider at preview)"
	}
	fmt.Fprintf(b, "%s%s  %s%s  %s%s\n", indent, r.Name, r.Type, summary, below, flags(r))
	counts := map[string]int{}
	var comps []*Resource
	for _, c := range g.Children(r.URN) {
		if c.Custom {
			counts[c.Type]++
		} else {
			comps = append(comps, c)
		}
	}
	sort.SliceStable(comps, func(i, j int) bool { return layer(comps[i].Type) < layer(comps[j].Type) })
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(b, "%s    %3d × %s\n", indent, counts[t], t)
	}
	for _, c := range comps {
		g.writeNode(b, c, indent+"  ")
	}
}

func flags(r *Resource) string {
	var f []string
	if r.Protect {
		f = append(f, "protected")
	}
	if r.RetainOnDelete {
		f = append(f, "retained on delete")
	}
	if len(f) == 0 {
		return ""
	}
	return "  [" + strings.Join(f, ", ") + "]"
}

// layers orders components the way they are built: network, cluster, node pools, platform, data.
var layers = []string{"Network", "ManagedCluster", "SelfManagedCluster", "Cluster", "NodePool", "Platform", "Data"}

func layer(typ string) int {
	for i, l := range layers {
		if strings.HasSuffix(typ, ":"+l) {
			return i
		}
	}
	return len(layers)
}

// summaries give a one-line description of well-known components from their children's inputs.
var summaries = map[string]func(g *Graph, r *Resource) string{
	"kost:aws:Network": func(g *Graph, r *Resource) string {
		vpcs := g.Under(r.URN, "aws:ec2/vpc:Vpc")
		if len(vpcs) == 0 {
			return ""
		}
		var zones []string
		for _, s := range g.Under(r.URN, "aws:ec2/subnet:Subnet") {
			if z := s.String("availabilityZone"); !slicesContains(zones, z) {
				zones = append(zones, z)
			}
		}
		sort.Strings(zones)
		return fmt.Sprintf("VPC %s over %s, %d NAT", vpcs[0].String("cidrBlock"), strings.Join(zones, " "), len(g.Under(r.URN, "aws:ec2/natGateway:NatGateway")))
	},
	"kost:aws:ManagedCluster": func(g *Graph, r *Resource) string {
		cs := g.Under(r.URN, "aws:eks/cluster:Cluster")
		if len(cs) == 0 {
			return ""
		}
		c := cs[0]
		access := "private endpoint"
		if v, _ := c.Input("vpcConfig.endpointPublicAccess"); v == true {
			access = "public+private endpoint"
		}
		return fmt.Sprintf("EKS %s, Kubernetes %s, %s", c.String("name"), c.String("version"), access)
	},
	"kubernetes:helm.sh/v4:Chart": func(_ *Graph, r *Resource) string {
		return fmt.Sprintf("%s %s in namespace %s", r.String("chart"), r.String("version"), r.String("namespace"))
	},
	"kubernetes:yaml/v2:ConfigFile": func(_ *Graph, r *Resource) string { return r.String("file") },
	"kost:aws:BackupStore": func(g *Graph, r *Resource) string {
		bs := g.Under(r.URN, "aws:s3/bucketV2:BucketV2")
		if len(bs) == 0 {
			return ""
		}
		return "backups to S3 " + bs[0].String("bucketPrefix") + "… (SSE-KMS, versioned, IRSA role)"
	},
	"kost:gcp:BackupStore": func(g *Graph, r *Resource) string {
		bs := g.Under(r.URN, "gcp:storage/bucket:Bucket")
		if len(bs) == 0 {
			return ""
		}
		how := "GKE Workload Identity"
		if len(g.Under(r.URN, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool")) > 0 {
			how = "federated kubeadm issuer"
		}
		return "backups to GCS in " + bs[0].String("location") + " (Cloud KMS key, versioned, " + how + ")"
	},
	"kost:data:Data": func(g *Graph, r *Resource) string {
		// The changefeeds the sync job keeps (its KOST_CDC_FEEDS), as id (tables → topic).
		for _, j := range g.Under(r.URN, "kubernetes:batch/v1:Job") {
			for _, e := range j.List("spec.template.spec.containers.0.env") {
				m, _ := e.(map[string]any)
				if m["name"] != "KOST_CDC_FEEDS" {
					continue
				}
				var feeds []struct {
					ID      string   `json:"id"`
					SinkURI string   `json:"sinkURI"`
					Rules   []string `json:"rules"`
				}
				s, _ := m["value"].(string)
				if json.Unmarshal([]byte(s), &feeds) != nil {
					return ""
				}
				if len(feeds) == 0 {
					return "no changefeeds"
				}
				var parts []string
				for _, f := range feeds {
					topic := f.SinkURI
					if u, err := url.Parse(f.SinkURI); err == nil {
						topic = strings.TrimPrefix(u.Path, "/")
					}
					parts = append(parts, fmt.Sprintf("%s (%s → %s)", f.ID, strings.Join(f.Rules, " "), topic))
				}
				return "changefeeds " + strings.Join(parts, ", ")
			}
		}
		return ""
	},
	"kost:aws:NodePool": func(g *Graph, r *Resource) string {
		ngs := g.Under(r.URN, "aws:eks/nodeGroup:NodeGroup")
		if len(ngs) == 0 {
			return ""
		}
		ng := ngs[0]
		types, _ := ng.Input("instanceTypes")
		lo, _ := ng.Input("scalingConfig.minSize")
		hi, _ := ng.Input("scalingConfig.maxSize")
		s := fmt.Sprintf("%v nodes %v..%v %s", types, lo, hi, strings.ToLower(ng.String("capacityType")))
		if t, _ := ng.Input("taints"); t != nil {
			s += ", tainted"
		}
		return s
	},
}

func slicesContains(xs []string, x string) bool {
	for _, e := range xs {
		if e == x {
			return true
		}
	}
	return false
}
