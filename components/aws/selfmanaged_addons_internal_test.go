package aws

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/kubeadm"
)

// The EBS CSI controller runs on the control planes' host network, with their role: the chart's
// values place it, the transform puts its Deployment (and nothing else) on the host network.
func TestEBSControllerOnControlPlanes(t *testing.T) {
	a := &SelfManagedClusterArgs{ClusterSpec: kubeadm.ClusterSpec{ClusterName: "c", Region: "eu-west-1"}}
	csi, ok := a.addonInstallers().CSIDriver.(kubeadm.Chart)
	if !ok {
		t.Fatalf("the CSI driver is a %T", a.addonInstallers().CSIDriver)
	}
	ctrl := csi.Values["controller"].(pulumi.Map)
	if d := cmp.Diff(kubeadm.ControlPlaneSelector(), ctrl["nodeSelector"]); d != "" {
		t.Errorf("controller nodeSelector (-want +got):\n%s", d)
	}
	if d := cmp.Diff(kubeadm.CloudControllerTolerations(), ctrl["tolerations"]); d != "" {
		t.Errorf("controller tolerations (-want +got):\n%s", d)
	}
	if len(csi.Transforms) != 1 {
		t.Fatalf("%d transforms, want the host-network one", len(csi.Transforms))
	}

	deployment := func(name string) pulumi.Map {
		return pulumi.Map{
			"metadata": pulumi.Map{"name": pulumi.String(name), "namespace": pulumi.String("kube-system")},
			"spec": pulumi.Map{"replicas": pulumi.Int(2), "template": pulumi.Map{"spec": pulumi.Map{
				"serviceAccountName": pulumi.String("ebs-csi-controller-sa"),
			}}},
		}
	}
	for _, tc := range []struct {
		name, typ, object string
		wantHost          bool
	}{
		{"the controller", "kubernetes:apps/v1:Deployment", "ebs-csi-controller", true},
		{"another Deployment", "kubernetes:apps/v1:Deployment", "metrics-server", false},
		{"the node plugin", "kubernetes:apps/v1:DaemonSet", "ebs-csi-node", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := deployment(tc.object)
			res := ebsControllerOnHostNetwork(t.Context(), &pulumi.ResourceTransformArgs{Type: tc.typ, Name: tc.object, Props: in})
			if !tc.wantHost {
				if res != nil {
					t.Errorf("%s %s was changed", tc.typ, tc.object)
				}
				return
			}
			if res == nil {
				t.Fatal("the controller was not changed")
			}
			pod := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)
			want := pulumi.Map{"serviceAccountName": pulumi.String("ebs-csi-controller-sa"),
				"hostNetwork": pulumi.Bool(true), "dnsPolicy": pulumi.String("ClusterFirstWithHostNet")}
			if d := cmp.Diff(want, pod); d != "" {
				t.Errorf("pod spec (-want +got):\n%s", d)
			}
			if _, changed := in["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)["hostNetwork"]; changed {
				t.Error("the rendered object was changed in place")
			}
		})
	}
}
