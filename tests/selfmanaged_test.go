package tests

import (
	"slices"
	"testing"

	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/graph"
	"github.com/kost-platform/kost/stacks/config"
)

// selfManagedShape is what a self-managed region builds in each cloud.
var selfManagedShape = map[string]struct {
	component, controlPlane, loadBalancer, workerGroup string
	// groupsPerPool: GCP has a zonal group per zone (the cluster-autoscaler drives zonal groups).
	groupsPerPool int
}{
	"aws":   {"kost:aws:SelfManagedCluster", "aws:ec2/instance:Instance", "aws:lb/loadBalancer:LoadBalancer", "aws:autoscaling/group:Group", 1},
	"gcp":   {"kost:gcp:SelfManagedCluster", "gcp:compute/instance:Instance", "gcp:compute/forwardingRule:ForwardingRule", "gcp:compute/instanceGroupManager:InstanceGroupManager", 3},
	"azure": {"kost:azure:SelfManagedCluster", "azure-native:compute:VirtualMachine", "azure-native:network:LoadBalancer", "azure-native:compute:VirtualMachineScaleSet", 1},
}

// TestSelfManagedEnvironment checks the kubeadm environment end to end: in every cloud a kubeadm
// cluster of three control planes behind a load balancer, a worker group per pool, the add-ons in
// order after the API answers, and the platform and data plane waiting for the add-ons.
func TestSelfManagedEnvironment(t *testing.T) {
	g := evaluate(t, "kubeadm")
	env := loadEnv(t, "kubeadm")
	clouds := map[string]bool{}
	for _, region := range g.OfType("kost:stacks:Region") {
		cloud := cloudOf(g, region.URN)
		clouds[cloud] = true
		shape, ok := selfManagedShape[cloud]
		if !ok {
			t.Fatalf("%s: unexpected cloud %q", region.Name, cloud)
		}
		t.Run(region.Name, func(t *testing.T) {
			sms := g.Under(region.URN, shape.component)
			if len(sms) != 1 {
				t.Fatalf("%d %s, want 1", len(sms), shape.component)
			}
			sm := sms[0]
			if n := len(g.Under(sm.URN, shape.controlPlane)); n != 3 {
				t.Errorf("%d control planes, want 3", n)
			}
			if n := len(g.Under(sm.URN, shape.loadBalancer)); n != 1 {
				t.Errorf("%d API load balancers, want 1", n)
			}
			if n := len(g.Under(sm.URN, shape.workerGroup)); n != shape.groupsPerPool*len(config.PoolNames) {
				t.Errorf("%d worker groups, want %d per pool (%d pools)", n, shape.groupsPerPool, len(config.PoolNames))
			}
			for _, managed := range []string{"aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster", "azure-native:containerservice:ManagedCluster"} {
				if len(g.Under(region.URN, managed)) > 0 {
					t.Errorf("a self-managed region has a %s", managed)
				}
			}

			addons := g.Under(sm.URN, "kost:kubeadm:Addons")
			if len(addons) != 1 {
				t.Fatalf("%d add-on components, want 1", len(addons))
			}
			var cni *graph.Resource
			installed := 0
			for _, r := range g.Children(addons[0].URN) {
				if !r.Remote {
					continue
				}
				installed++
				if r.Name == region.Name+"-addons-cni" {
					cni = r
				}
			}
			if installed != 5 || cni == nil {
				t.Fatalf("%d add-ons installed (CNI found: %v), want the CNI, CCM, CSI driver, metrics-server and cluster-autoscaler", installed, cni != nil)
			}

			// The platform and data plane wait for the add-ons: nothing schedules without a CNI.
			for _, typ := range []string{"kubernetes:core/v1:Namespace", "kubernetes:storage.k8s.io/v1:StorageClass", "kubernetes:pingcap.com/v1alpha1:TidbCluster", "kubernetes:kafka.strimzi.io/v1:Kafka"} {
				rs := g.Under(region.URN, typ)
				if len(rs) == 0 {
					t.Errorf("no %s in the region", typ)
				}
				for _, r := range rs {
					if !g.DependsOn(r.URN, cni.URN) {
						t.Errorf("%s %s does not wait for the CNI", typ, r.Name)
					}
				}
			}
		})
	}
	for cloud := range selfManagedShape {
		if !clouds[cloud] {
			t.Errorf("the kubeadm environment has no %s region", cloud)
		}
	}
	for _, r := range env.Regions {
		if r.Kubernetes.Mode != config.SelfManaged || *r.Kubernetes.Endpoint.Public {
			t.Errorf("%s %s: mode %s, public endpoint %v", r.Cloud, r.Region, r.Kubernetes.Mode, *r.Kubernetes.Endpoint.Public)
		}
	}
}

// cloudOf is the cloud of a region component, from its provider.
func cloudOf(g *graph.Graph, region string) string {
	for cloud, pkg := range map[string]string{"aws": "aws", "gcp": "gcp", "azure": "azure-native"} {
		if len(g.Under(region, "pulumi:providers:"+pkg)) > 0 {
			return cloud
		}
	}
	return ""
}

// TestSelfManagedPins: every pinned kubeadm release names a cloud-controller-manager for each cloud,
// and the GCP add-on images are exactly the ones kost's manifests use.
func TestSelfManagedPins(t *testing.T) {
	for minor, r := range config.KubeadmReleases {
		if !slices.Contains(config.Supported["kubernetes"], minor) {
			t.Errorf("kubeadm release %s is not a supported Kubernetes version", minor)
		}
		for _, c := range []config.Cloud{config.AWS, config.GCP, config.Azure} {
			if r.CloudControllerManager[c] == "" {
				t.Errorf("kubeadm release %s has no %s cloud-controller-manager tag", minor, c)
			}
		}
	}
	var keys []string
	for k := range config.GCPAddonImages {
		keys = append(keys, k)
	}
	if !slices.Equal(slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(kgcp.AddonImageKeys))) {
		t.Errorf("GCPAddonImages has %v, the GCP manifests use %v", keys, kgcp.AddonImageKeys)
	}
}
