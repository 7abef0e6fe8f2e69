package tests

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/stacks/config"
)

// googleHealthChecks are the documented sources of Google Cloud load-balancer health checks
// (cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges): the only ranges outside
// a region block and the deployers that a GCP firewall rule may name.
var googleHealthChecks = []string{"35.191.0.0/16", "130.211.0.0/22"}

// plannedRegion is a region's resolved plan and its component in the planned graph.
type plannedRegion struct {
	plan   config.ResolvedRegion
	region *graph.Resource
}

// planRegions plans a shipped stack and pairs each region's plan with its component.
func planRegions(t *testing.T, stack string) (*graph.Graph, []plannedRegion) {
	t.Helper()
	rps, err := loadEnv(t, stack).Resolve()
	if err != nil {
		t.Fatal(err)
	}
	g := evaluate(t, stack)
	var out []plannedRegion
	for _, rp := range rps {
		region, ok := g.Named("kost:stacks:Region", rp.Key)
		if !ok {
			t.Fatalf("%s: no region %s in the plan", stack, rp.Key)
		}
		out = append(out, plannedRegion{rp, region})
	}
	return g, out
}

// ingress is one rule that lets traffic into a region: where from, to which ports.
type ingress struct {
	urn     string
	sources []string
	from    int
	to      int
}

// TestDeployersReachEveryClusterAndNothingElseDoes reads every shipped stack's plan: each cluster
// admits network.deployers on its API port (EKS 443 on the cluster security group, kubeadm 6443 on
// the load balancer and the control planes, GKE's master authorized networks, AKS's private DNS zone
// linked to the deployers' VNet), and no rule admits anything else from outside the region's block
// (Google's health checkers and Azure's load-balancer probe aside).
func TestDeployersReachEveryClusterAndNothingElseDoes(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			g, regions := planRegions(t, stack)
			for _, pr := range regions {
				rp, region := pr.plan, pr.region
				if rp.Cloud == config.Local {
					continue
				}
				if !rp.PublicEndpoint && len(rp.Deployers.CIDRs) == 0 {
					t.Errorf("%s: a private API server and no deployers: nobody can run pulumi up", rp.Key)
					continue
				}
				checkIngress(t, g, region.URN, rp)
				checkDeployersAdmitted(t, g, region.URN, rp)
			}
		})
	}
}

// checkIngress refuses any rule of the region whose sources leave its block, unless they are the
// deployers on the API port (or the cloud's own health checkers).
func checkIngress(t *testing.T, g *graph.Graph, region string, rp config.ResolvedRegion) {
	t.Helper()
	apiPort := 6443
	if rp.Mode == config.Managed {
		apiPort = 443
	}
	for _, in := range ingressRules(g, region) {
		for _, src := range in.sources {
			switch {
			case within(src, rp.Block):
			case slices.Contains(rp.Deployers.CIDRs, src):
				if in.from != apiPort || in.to != apiPort {
					t.Errorf("%s admits the deployers %s on ports %d-%d: only the API port %d", in.urn, src, in.from, in.to, apiPort)
				}
			case rp.Cloud == config.GCP && slices.Contains(googleHealthChecks, src):
			case rp.Cloud == config.Azure && src == "AzureLoadBalancer":
			default:
				t.Errorf("%s admits %s, outside the region block %s and the deployers %v", in.urn, src, rp.Block, rp.Deployers.CIDRs)
			}
		}
	}
}

// ingressRules are the region's inbound allow rules in every cloud's shape.
func ingressRules(g *graph.Graph, region string) []ingress {
	var out []ingress
	for _, r := range g.Under(region, "") {
		switch r.Type {
		case "aws:ec2/securityGroupRule:SecurityGroupRule":
			if r.String("type") != "ingress" {
				continue
			}
			out = append(out, ingress{r.URN, strs(r, "cidrBlocks"), num(r, "fromPort"), num(r, "toPort")})
		case "aws:ec2/securityGroup:SecurityGroup":
			if v, ok := r.Input("ingress"); ok && len(asList(v)) > 0 {
				out = append(out, ingress{r.URN, []string{"inline rules"}, 0, 65535})
			}
		case "gcp:compute/firewall:Firewall":
			if r.String("direction") != "INGRESS" {
				continue
			}
			v, _ := r.Input("allows")
			for _, a := range asList(v) {
				ports, _ := a.(map[string]any)["ports"].([]any)
				if len(ports) == 0 {
					out = append(out, ingress{r.URN, strs(r, "sourceRanges"), 0, 65535})
				}
				for _, p := range ports {
					from, to := portRange(fmt.Sprint(p))
					out = append(out, ingress{r.URN, strs(r, "sourceRanges"), from, to})
				}
			}
		case "azure-native:network:SecurityRule":
			if r.String("direction") != "Inbound" || r.String("access") != "Allow" {
				continue
			}
			sources := strs(r, "sourceAddressPrefixes")
			if s := r.String("sourceAddressPrefix"); s != "" {
				sources = append(sources, s)
			}
			ports := strs(r, "destinationPortRanges")
			if p := r.String("destinationPortRange"); p != "" {
				ports = append(ports, p)
			}
			for _, p := range ports {
				from, to := portRange(p)
				out = append(out, ingress{r.URN, sources, from, to})
			}
		}
	}
	return out
}

// checkDeployersAdmitted finds, per cloud and mode, what lets the deployers in.
func checkDeployersAdmitted(t *testing.T, g *graph.Graph, region string, rp config.ResolvedRegion) {
	t.Helper()
	want := rp.Deployers.CIDRs
	admittedOn := func(port int) map[string]bool {
		got := map[string]bool{}
		for _, in := range ingressRules(g, region) {
			if in.from <= port && port <= in.to {
				for _, s := range in.sources {
					got[s] = true
				}
			}
		}
		return got
	}
	missing := func(what string, got map[string]bool) {
		for _, c := range want {
			if !got[c] {
				t.Errorf("%s: %s does not admit the deployers %s", rp.Key, what, c)
			}
		}
	}
	switch {
	case rp.Cloud == config.AWS && rp.Mode == config.Managed:
		missing("the EKS cluster security group (443)", admittedOn(443))
	case rp.Mode == config.SelfManaged:
		missing("the kubeadm API load balancer (6443)", admittedOn(6443))
		if rp.Cloud == config.AWS {
			// The NLB preserves client addresses: both groups must let the deployers through.
			groups := map[string]bool{}
			for _, r := range g.Under(region, "aws:ec2/securityGroupRule:SecurityGroupRule") {
				if r.String("type") == "ingress" && num(r, "fromPort") == 6443 && slices.Equal(strs(r, "cidrBlocks"), want) {
					groups[r.Name] = true
				}
			}
			if len(groups) != 2 {
				t.Errorf("%s: %d security groups admit the deployers on 6443, want the load balancer's and the control planes'", rp.Key, len(groups))
			}
		}
	case rp.Cloud == config.GCP:
		gke := g.Under(region, "gcp:container/cluster:Cluster")
		if len(gke) != 1 {
			t.Fatalf("%s: %d GKE clusters", rp.Key, len(gke))
		}
		v, _ := gke[0].Input("masterAuthorizedNetworksConfig.cidrBlocks")
		got := map[string]bool{}
		for _, b := range asList(v) {
			c := fmt.Sprint(b.(map[string]any)["cidrBlock"])
			got[c] = true
			if !slices.Contains(want, c) && !slices.Contains(rp.PublicCIDRs, c) {
				t.Errorf("%s: master authorized network %s is neither a deployer nor a public CIDR", rp.Key, c)
			}
		}
		missing("GKE's master authorized networks", got)
	case rp.Cloud == config.Azure:
		if rp.PublicEndpoint || rp.Deployers.AzureVNetID == "" {
			return // reached over a VPN gateway: the network path and DNS are the deployers' own
		}
		links := g.Under(region, "azure-native:privatedns:VirtualNetworkLink")
		if len(links) != 1 || links[0].String("virtualNetwork.id") != rp.Deployers.AzureVNetID {
			t.Errorf("%s: the AKS private DNS zone is not linked to the deployers' VNet %s", rp.Key, rp.Deployers.AzureVNetID)
		}
	}
	if id := rp.Deployers.AzureVNetID; rp.Cloud == config.Azure && id != "" {
		peerings := g.Under(region, "azure-native:network:VirtualNetworkPeering")
		if len(peerings) != 1 || peerings[0].String("remoteVirtualNetwork.id") != id {
			t.Errorf("%s: no peering with the deployers' VNet %s", rp.Key, id)
		}
	}
	if n := rp.Deployers.GCPNetwork; rp.Cloud == config.GCP && n != "" {
		peerings := g.Under(region, "gcp:compute/networkPeering:NetworkPeering")
		if len(peerings) != 1 || peerings[0].String("peerNetwork") != n {
			t.Errorf("%s: no peering with the deployers' network %s", rp.Key, n)
		}
	}
}

func within(cidr string, block netip.Prefix) bool {
	p, err := netip.ParsePrefix(cidr)
	return err == nil && block.Bits() <= p.Bits() && block.Contains(p.Addr())
}

func strs(r *graph.Resource, path string) []string {
	v, _ := r.Input(path)
	var out []string
	for _, x := range asList(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func num(r *graph.Resource, path string) int {
	v, _ := r.Input(path)
	f, _ := v.(float64)
	return int(f)
}

// portRange reads "6443", "2379-2380" or "*".
func portRange(s string) (int, int) {
	if s == "*" || s == "" {
		return 0, 65535
	}
	from, to, found := strings.Cut(s, "-")
	if !found {
		to = from
	}
	return atoi(from), atoi(to)
}
