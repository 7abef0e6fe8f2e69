package config

import (
	"testing"

	"github.com/kost-platform/kost/addresses"
)

// Resolve computes everything a region's builders read, for its cloud and mode only: the address
// layout of its cloud, the Kubernetes-minor pins, the kubeadm release and add-ons of a self-managed
// region (through the mirror), and the layers from the environment.
func TestResolve(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		cloud, mode string
		extra       map[string]any
		kubeadm     bool
		ccmChart    string // the resolved cloud-controller-manager chart ("" where manifests install it)
		eksAddons   bool
	}{
		"AWSManaged":       {cloud: "aws", mode: "managed", eksAddons: true},
		"AWSSelfManaged":   {cloud: "aws", mode: "self-managed", kubeadm: true, ccmChart: "aws-cloud-controller-manager"},
		"GCPManaged":       {cloud: "gcp", mode: "managed", extra: map[string]any{"gcp": map[string]any{"project": "p-1234"}}},
		"GCPSelfManaged":   {cloud: "gcp", mode: "self-managed", kubeadm: true, extra: map[string]any{"gcp": map[string]any{"project": "p-1234"}}},
		"AzureManaged":     {cloud: "azure", mode: "managed", extra: map[string]any{"azure": map[string]any{"subscriptionId": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}}},
		"AzureSelfManaged": {cloud: "azure", mode: "self-managed", kubeadm: true, ccmChart: "cloud-provider-azure", extra: map[string]any{"azure": map[string]any{"subscriptionId": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}}},
	}
	regionOf := map[string]string{"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus2"}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := base()
			r := map[string]any{"cloud": tc.cloud, "region": regionOf[tc.cloud], "cidr": "10.20.0.0/16",
				"kubernetes": map[string]any{"mode": tc.mode, "version": "1.36"}}
			for k, v := range tc.extra {
				r[k] = v
			}
			m["regions"] = []any{r}
			env, err := load(t, m)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := env.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			rp := rs[0]
			if rp.Block.String() != "10.20.0.0/16" || !rp.Protect {
				t.Errorf("block %s, protect %v: want 10.20.0.0/16 and the environment's protect", rp.Block, rp.Protect)
			}
			// Only the region's own cloud has a layout, and it is that cloud's.
			aws, _ := addresses.AWS(rp.Block, len(rp.Zones))
			gcp, _ := addresses.GCP(rp.Block)
			azure, _ := addresses.Azure(rp.Block)
			layouts := map[string]bool{
				"aws":   rp.AWSLayout.Block.IsValid() && rp.AWSLayout.Reserved == aws.Reserved,
				"gcp":   rp.GCPLayout.Block.IsValid() && rp.GCPLayout.Master == gcp.Master,
				"azure": rp.AzureLayout.Block.IsValid() && rp.AzureLayout.Nodes == azure.Nodes,
			}
			for cloud, set := range layouts {
				if set != (cloud == tc.cloud) {
					t.Errorf("%s layout set = %v in a %s region", cloud, set, tc.cloud)
				}
			}
			if got := rp.Pins.EKSAddons != nil; got != tc.eksAddons {
				t.Errorf("EKS add-ons resolved = %v, want %v", got, tc.eksAddons)
			}
			if rp.Pins.HoldMinorUntil != KubernetesEndOfLife["1.36"] || rp.Pins.Autoscaler.Image != ClusterAutoscalerImages["1.36"] {
				t.Errorf("minor pins %+v: want 1.36's end of life and autoscaler image", rp.Pins)
			}
			k := rp.Pins.Kubeadm
			if (k != nil) != tc.kubeadm {
				t.Fatalf("kubeadm pins = %v, want them only for a self-managed region", k)
			}
			if k != nil {
				if k.Release.Kubernetes != KubeadmReleases["1.36"].Kubernetes || k.CloudControllerManagerTag == "" {
					t.Errorf("kubeadm release %s, CCM tag %q: want 1.36's", k.Release.Kubernetes, k.CloudControllerManagerTag)
				}
				if k.CloudControllerManager.Name != tc.ccmChart {
					t.Errorf("CCM chart %q, want %q", k.CloudControllerManager.Name, tc.ccmChart)
				}
				if (k.Images != nil) != (tc.cloud == "gcp") {
					t.Errorf("add-on images %v: only GCP installs add-ons from images", k.Images)
				}
			}
			l := rp.Layers
			if l.PD != 3 || l.TiCDC != 1 || l.Brokers != 3 || !l.TLS || !l.HA || l.TiDBVersion != env.Versions.TiDB {
				t.Errorf("layers %+v: want the environment's counts and versions, prod's TLS and HA", l)
			}
		})
	}
}
