package gcp

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"regexp"
	"strings"
	"text/template"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/autoscaler"
	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/kubeadm"
	"github.com/kost-platform/kost/components/manifest"
)

// CCMImage is the GCP cloud-controller-manager's image; its tag is AddonPins.CloudControllerManagerTag.
const CCMImage = "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager"

// The keys of AddonPins.Images a GCP self-managed cluster needs: the PD CSI driver and its sidecars.
const (
	ImagePDCSIDriver  = "pdCSIDriver"
	ImageProvisioner  = "csiProvisioner"
	ImageAttacher     = "csiAttacher"
	ImageResizer      = "csiResizer"
	ImageRegistrar    = "csiNodeDriverRegistrar"
	manifestDirectory = "manifests"
)

// AddonImageKeys are the keys AddonPins.Images must hold.
var AddonImageKeys = []string{ImagePDCSIDriver, ImageProvisioner, ImageAttacher, ImageResizer, ImageRegistrar}

// manifests are kost's own manifests of the add-ons Google publishes no chart for.
//
//go:embed manifests/*.yaml
var manifests embed.FS

// pinnedImage is a registry path with an exact tag (or digest).
var pinnedImage = regexp.MustCompile(`^[a-z0-9.-]+(/[a-z0-9._-]+)+(:v?[0-9][0-9A-Za-z._-]*|@sha256:[0-9a-f]{64})$`)

// addonImageProblems checks the images the manifests use.
func addonImageProblems(images map[string]string) []cluster.Problem {
	var ps cluster.Problems
	for _, k := range AddonImageKeys {
		field := fmt.Sprintf("Addons.Images[%s]", k)
		img, ok := images[k]
		ps.Required(!ok, field)
		ps.Check(!ok || pinnedImage.MatchString(img), field, "%q: want registry/path:tag with an exact version tag (or @sha256:<digest>)", img)
	}
	return ps
}

// renderManifest fills one of the embedded manifests; a missing value is an error.
func renderManifest(file string, values any) (string, error) {
	t, err := template.New(file).Option("missingkey=error").ParseFS(manifests, path.Join(manifestDirectory, file))
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, file, values); err != nil {
		return "", err
	}
	return b.String(), nil
}

// manifestAddon installs a rendered manifest as a yaml/v2 ConfigGroup (the Kubernetes provider
// creates its objects, cluster-scoped ones and CRD-free kinds only).
type manifestAddon struct {
	name     string
	rendered pulumi.StringOutput
}

// Describe implements kubeadm.Installer.
func (m manifestAddon) Describe() string { return m.name }

// Problems implements kubeadm.Installer; the manifests' values are checked with the cluster's args.
func (m manifestAddon) Problems() []string { return nil }

// Install implements kubeadm.Installer.
func (m manifestAddon) Install(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	cg, err := manifest.NewConfigGroup(ctx, name, m.rendered, opts...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{cg}, nil
}

// lastSegment is the name at the end of a resource id such as projects/p/global/networks/n.
func lastSegment(id string) string { return id[strings.LastIndex(id, "/")+1:] }

// ccmValues fill manifests/cloud-controller-manager.yaml.
type ccmValues struct {
	Project, Network, Subnetwork, NodeTag, ClusterName, Image string
}

// pdCSIValues fill manifests/pd-csi-driver.yaml.
type pdCSIValues struct {
	Driver, Provisioner, Attacher, Resizer, Registrar string
}

// addonInstallers are the add-ons of a self-managed cluster on Compute Engine: Cilium, the GCP
// cloud-controller-manager and the PD CSI driver (kost's manifests: Google publishes no chart for
// either), metrics-server.
func (a *SelfManagedClusterArgs) addonInstallers(nodeTag string) (kubeadm.AddonSet, error) {
	p := a.Addons
	ccmYAML := pulumi.All(a.Network, a.Subnetwork).ApplyT(func(v []any) (string, error) {
		return renderManifest("cloud-controller-manager.yaml", ccmValues{
			Project: a.Project, Network: lastSegment(v[0].(string)), Subnetwork: lastSegment(v[1].(string)),
			NodeTag: nodeTag, ClusterName: a.ClusterName, Image: CCMImage + ":" + p.CloudControllerManagerTag,
		})
	}).(pulumi.StringOutput)
	csiYAML, err := renderManifest("pd-csi-driver.yaml", pdCSIValues{
		Driver: p.Images[ImagePDCSIDriver], Provisioner: p.Images[ImageProvisioner], Attacher: p.Images[ImageAttacher],
		Resizer: p.Images[ImageResizer], Registrar: p.Images[ImageRegistrar],
	})
	if err != nil {
		return kubeadm.AddonSet{}, err
	}
	return kubeadm.AddonSet{
		CNI:                    kubeadm.Cilium(p.CNI, cluster.OverlayPodCIDR.String(), 2),
		CloudControllerManager: manifestAddon{name: "gcp-cloud-controller-manager " + p.CloudControllerManagerTag, rendered: ccmYAML},
		CSIDriver:              manifestAddon{name: "gce-pd-csi-driver " + p.Images[ImagePDCSIDriver], rendered: pulumi.String(csiYAML).ToStringOutput()},
		MetricsServer:          kubeadm.MetricsServer(p.MetricsServer, 2),
		// On the control planes' network, with their service account (through the metadata server),
		// scaling the zonal groups of each pool between their bounds.
		Autoscaler: kubeadm.AutoscalerChart(p.Autoscaler, autoscaler.Args{
			CloudProvider: "gce", ClusterName: a.ClusterName, OnControlPlanes: true, Groups: a.autoscalerGroups(),
		}),
	}, nil
}
