package config

import (
	"regexp"
	"strings"
	"testing"
)

// Every pin is exact and names the source that confirmed it.
func TestPinsHaveSources(t *testing.T) {
	t.Parallel()
	exact := regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)+([-~.+][0-9A-Za-z.~+-]+)?$`)
	seen := map[string]bool{}
	pins := Pins()
	if len(pins) < 40 {
		t.Fatalf("only %d pins listed; every chart, image, add-on and package must be", len(pins))
	}
	for _, p := range pins {
		id := p.Kind + "/" + p.Key
		switch {
		case seen[id]:
			t.Errorf("%s is listed twice", id)
		case strings.TrimSpace(p.Source) == "":
			t.Errorf("%s %s has no source", id, p.Version)
		case !exact.MatchString(p.Version) || strings.Contains(p.Version, "latest"):
			t.Errorf("%s: %q is not an exact version", id, p.Version)
		}
		seen[id] = true
	}
	// Each table of this file is in the list.
	for _, want := range []string{"chart/strimzi", "chart/tidbOperator", "chart/sparkOperator", "version/tidb", "version/kafka",
		"version/kubernetes", "image/tidbInitializer", "image/spark", "eks-addon/coredns@1.36", "apt/kubeadm@1.36",
		"apt/containerd@1.35", "chart/cilium@1.36", "image/gcpCCM@1.35", "chart/clusterAutoscaler", "image/pdCSIDriver"} {
		if !seen[want] {
			t.Errorf("%s is not listed", want)
		}
	}
}

// Every supported Kubernetes minor has its EKS add-ons, kubeadm release, end of life and
// cluster-autoscaler.
func TestEverySupportedMinorIsPinned(t *testing.T) {
	t.Parallel()
	for _, minor := range Supported["kubernetes"] {
		if len(EKSAddons[minor]) != len(EKSAddonNames) {
			t.Errorf("%s: EKS add-ons %v", minor, EKSAddons[minor])
		}
		if _, ok := KubeadmReleases[minor]; !ok {
			t.Errorf("%s: no kubeadm release", minor)
		}
		if KubernetesEndOfLife[minor] == "" || ClusterAutoscalerImages[minor] == "" {
			t.Errorf("%s: no end of life or cluster-autoscaler image", minor)
		}
		if r := KubeadmReleases[minor]; !strings.HasPrefix(r.Kubernetes, minor+".") {
			t.Errorf("%s: kubeadm release %s is another minor", minor, r.Kubernetes)
		}
	}
}
