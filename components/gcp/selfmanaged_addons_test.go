package gcp_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"sigs.k8s.io/yaml"

	kgcp "github.com/kost-platform/kost/components/gcp"
	"github.com/kost-platform/kost/graph"
)

// decodeStrict decodes every document of a manifest into its typed Kubernetes object, refusing
// unknown fields as the API server's strict field validation does, and returns them by kind/name.
func decodeStrict(t *testing.T, manifest string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, doc := range strings.Split(manifest, "\n---\n") {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("document is not YAML: %v\n%s", err, doc)
		}
		var obj any
		switch meta.Kind {
		case "ConfigMap":
			obj = &corev1.ConfigMap{}
		case "ServiceAccount":
			obj = &corev1.ServiceAccount{}
		case "ClusterRole":
			obj = &rbacv1.ClusterRole{}
		case "ClusterRoleBinding":
			obj = &rbacv1.ClusterRoleBinding{}
		case "Role":
			obj = &rbacv1.Role{}
		case "RoleBinding":
			obj = &rbacv1.RoleBinding{}
		case "DaemonSet":
			obj = &appsv1.DaemonSet{}
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "CSIDriver":
			obj = &storagev1.CSIDriver{}
		default:
			t.Fatalf("unexpected kind %q", meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s %s: %v", meta.Kind, meta.Metadata.Name, err)
		}
		out[meta.Kind+"/"+meta.Metadata.Name] = obj
	}
	return out
}

func addonManifest(t *testing.T, g *graph.Graph, name string) string {
	t.Helper()
	cg, ok := g.Named("kubernetes:yaml/v2:ConfigGroup", name)
	if !ok {
		t.Fatalf("no ConfigGroup %s", name)
	}
	return cg.String("yaml")
}

func TestSelfManagedAddons(t *testing.T) {
	g := selfManaged(t, "Defaults").g
	comp, ok := g.Named("kost:kubeadm:Addons", smName+"-addons")
	if !ok {
		t.Fatal("no add-ons component")
	}
	fr, _ := g.Named("gcp:compute/forwardingRule:ForwardingRule", smName+"-api")
	probe, _ := g.Named("command:local:Command", smName+"-addons-api-ready")
	if fr == nil || probe == nil || !g.DependsOn(probe.URN, fr.URN) {
		t.Fatal("the readiness probe must wait for the API load balancer")
	}

	ccm := decodeStrict(t, addonManifest(t, g, smName+"-addons-ccm"))
	ds := ccm["DaemonSet/cloud-controller-manager"].(*appsv1.DaemonSet)
	pod := ds.Spec.Template.Spec
	if c := pod.Containers[0]; c.Image != kgcp.CCMImage+":v33.1.1" {
		t.Errorf("ccm image %s", c.Image)
	}
	args := strings.Join(pod.Containers[0].Args, " ")
	for _, want := range []string{"--cloud-provider=gce", "--cluster-name=" + clusterName, "--configure-cloud-routes=false",
		"--allocate-node-cidrs=false", "--controllers=*,-node-ipam-controller,-node-route-controller", "--cloud-config=/etc/kost/gce.conf"} {
		if !strings.Contains(args, want) {
			t.Errorf("ccm args %q lack %q", args, want)
		}
	}
	if !pod.HostNetwork || pod.NodeSelector["node-role.kubernetes.io/control-plane"] != "" || len(pod.NodeSelector) != 1 {
		t.Errorf("ccm must run on the control planes' host network: %v %v", pod.HostNetwork, pod.NodeSelector)
	}
	if !tolerates(pod.Tolerations, "node.cloudprovider.kubernetes.io/uninitialized") {
		t.Error("ccm must tolerate uninitialised nodes")
	}
	conf := ccm["ConfigMap/gcp-cloud-config"].(*corev1.ConfigMap).Data["gce.conf"]
	for _, want := range []string{"project-id = " + project, "network-name = " + clusterName + "\n", "subnetwork-name = " + clusterName + "\n",
		"node-tags = " + clusterName + "-node", "multizone = true"} {
		if !strings.Contains(conf, want) {
			t.Errorf("gce.conf lacks %q:\n%s", want, conf)
		}
	}

	// What the CCM's controllers do on the API (cloud-provider-gcp): the load-balancer controller
	// creates and updates kube-system/ingress-uid (gce_clusterid.go).
	for _, want := range []access{
		{verb: "create", resource: "configmaps", namespace: "kube-system"},
		{verb: "update", resource: "configmaps", namespace: "kube-system", name: "ingress-uid"},
		{verb: "patch", resource: "nodes"},
		{verb: "update", resource: "services/status", namespace: "tidb"},
	} {
		if !allowed(ccm, "kube-system", "cloud-controller-manager", want) {
			t.Errorf("the CCM's service account may not %+v", want)
		}
	}
	if allowed(ccm, "kube-system", "cloud-controller-manager", access{verb: "update", resource: "configmaps", namespace: "kube-system", name: "kubeadm-config"}) {
		t.Error("the CCM may update only its own config map in kube-system")
	}

	csi := decodeStrict(t, addonManifest(t, g, smName+"-addons-csi"))
	drv := csi["CSIDriver/pd.csi.storage.gke.io"].(*storagev1.CSIDriver)
	if drv.Spec.AttachRequired == nil || !*drv.Spec.AttachRequired {
		t.Error("PD volumes need attaching")
	}
	images := map[string]bool{}
	for _, k := range []string{"Deployment/csi-gce-pd-controller", "DaemonSet/csi-gce-pd-node"} {
		var spec corev1.PodSpec
		switch o := csi[k].(type) {
		case *appsv1.Deployment:
			spec = o.Spec.Template.Spec
			if spec.NodeSelector["node-role.kubernetes.io/control-plane"] != "" || len(spec.NodeSelector) != 1 {
				t.Errorf("the controller must run on the control planes (their account manages disks): %v", spec.NodeSelector)
			}
		case *appsv1.DaemonSet:
			spec = o.Spec.Template.Spec
			if !tolerates(spec.Tolerations, "") {
				t.Error("the node plugin must run on every node, tainted or not")
			}
		}
		for _, c := range spec.Containers {
			images[c.Image] = true
			for _, e := range c.Env {
				if e.Name == "GOOGLE_APPLICATION_CREDENTIALS" {
					t.Error("the driver takes the VM's credentials, not a key file")
				}
			}
		}
	}
	for _, k := range kgcp.AddonImageKeys {
		if !images[testPins().Images[k]] {
			t.Errorf("image %s (%s) is not used", k, testPins().Images[k])
		}
	}
	for _, n := range []string{"-addons-ccm", "-addons-csi"} {
		cg, _ := g.Named("kubernetes:yaml/v2:ConfigGroup", smName+n)
		if cg.Parent != comp.URN {
			t.Errorf("%s is not a child of the add-ons", cg.Name)
		}
	}
}

// tolerates reports whether the tolerations admit a taint key ("" for every taint).
func tolerates(ts []corev1.Toleration, key string) bool {
	for _, t := range ts {
		if t.Key == key || (t.Key == "" && t.Operator == corev1.TolerationOpExists) {
			return true
		}
	}
	return false
}

// access is one request a service account makes (core API group).
type access struct{ verb, resource, namespace, name string }

// allowed evaluates the RBAC objects of a decoded manifest as the RBAC authorizer does for the
// core API group: a binding to the service account, of a role whose rule covers the verb, the
// resource and (when the rule names some) the object's name; Roles only in their namespace.
func allowed(objs map[string]any, saNamespace, sa string, a access) bool {
	covers := func(rules []rbacv1.PolicyRule) bool {
		for _, r := range rules {
			in := func(xs []string, x string) bool {
				for _, v := range xs {
					if v == x || v == "*" {
						return true
					}
				}
				return false
			}
			if in(r.APIGroups, "") && in(r.Verbs, a.verb) && in(r.Resources, a.resource) &&
				(len(r.ResourceNames) == 0 || (a.name != "" && in(r.ResourceNames, a.name))) {
				return true
			}
		}
		return false
	}
	bound := func(subjects []rbacv1.Subject) bool {
		for _, s := range subjects {
			if s.Kind == "ServiceAccount" && s.Name == sa && s.Namespace == saNamespace {
				return true
			}
		}
		return false
	}
	for _, o := range objs {
		switch b := o.(type) {
		case *rbacv1.ClusterRoleBinding:
			if cr, ok := objs["ClusterRole/"+b.RoleRef.Name].(*rbacv1.ClusterRole); ok && bound(b.Subjects) && covers(cr.Rules) {
				return true
			}
		case *rbacv1.RoleBinding:
			if b.Namespace != a.namespace || !bound(b.Subjects) {
				continue
			}
			if r, ok := objs["Role/"+b.RoleRef.Name].(*rbacv1.Role); ok && b.RoleRef.Kind == "Role" && r.Namespace == b.Namespace && covers(r.Rules) {
				return true
			}
			if cr, ok := objs["ClusterRole/"+b.RoleRef.Name].(*rbacv1.ClusterRole); ok && b.RoleRef.Kind == "ClusterRole" && covers(cr.Rules) {
				return true
			}
		}
	}
	return false
}
