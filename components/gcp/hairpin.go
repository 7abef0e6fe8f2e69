package gcp

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// The GCP internal passthrough load balancer does not hairpin: on a backend VM, the guest agent
// installs a local route for the forwarding rule's address, so whatever the VM sends to the load
// balancer is answered by the VM itself, healthy or not. On the first control plane that is harmless
// (kubeadm init starts the local API server before anything uses the endpoint). On control planes
// 2 and 3, kubeadm join would reach its own, not yet running, API server and fail.
//
// joinUserData therefore wraps their user data in a MIME multi-part whose first part is a cloud-init
// boothook (it runs in cloud-init's first stage, before the runcmd that starts kubeadm join): it
// DNATs locally sent traffic for <load balancer>:6443 to the first control plane, and starts a
// transient systemd unit that removes the rule as soon as the local API server answers /livez. After
// that the local route applies again: each control plane's kubelet and controllers use their own API
// server, the workers (not backends) are balanced over all three. On later boots (the node has
// /etc/kubernetes/manifests/kube-apiserver.yaml) the boothook does nothing.

// mimeBoundary separates the parts; user data containing it is refused.
const mimeBoundary = "==kost-boundary-7f3b1c=="

// hairpinBoothook is the boothook script; %[1]s is the load balancer's address, %[2]s the first
// control plane's, %[3]d the API port.
const hairpinBoothook = `#cloud-boothook
#!/bin/sh
# kost: send kubeadm join to the first control plane while the local API server is down (the GCP
# internal load balancer answers its backends from themselves).
[ -e /etc/kubernetes/manifests/kube-apiserver.yaml ] && exit 0
rule="OUTPUT -p tcp -d %[1]s --dport %[3]d -j DNAT --to-destination %[2]s:%[3]d"
iptables -t nat -C $rule 2>/dev/null || iptables -t nat -I $rule
systemd-run --unit=kost-lb-hairpin --no-block /bin/sh -c "until curl -ksf --max-time 5 https://127.0.0.1:%[3]d/livez >/dev/null; do sleep 5; done; iptables -t nat -D $rule"
`

// hairpinUserData builds the multi-part user data of a joining control plane.
func hairpinUserData(vip, first, cloudConfig string) (string, error) {
	for what, ip := range map[string]string{"load balancer address": vip, "first control plane address": first} {
		if a, err := netip.ParseAddr(ip); err != nil || !a.Is4() {
			return "", fmt.Errorf("%s %q is not an IPv4 address", what, ip)
		}
	}
	if strings.Contains(cloudConfig, mimeBoundary) {
		return "", fmt.Errorf("the control plane's user data contains the MIME boundary %q", mimeBoundary)
	}
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=\"" + mimeBoundary + "\"\nMIME-Version: 1.0\n\n")
	part := func(contentType, body string) {
		b.WriteString("--" + mimeBoundary + "\nContent-Type: " + contentType + "; charset=\"utf-8\"\n\n")
		b.WriteString(body)
		if !strings.HasSuffix(body, "\n") {
			b.WriteString("\n")
		}
	}
	part("text/cloud-boothook", fmt.Sprintf(hairpinBoothook, vip, first, cluster.APIServerPort))
	part("text/cloud-config", cloudConfig)
	b.WriteString("--" + mimeBoundary + "--\n")
	return b.String(), nil
}

// joinUserData is the secret user data of a joining control plane: the bootstrap's JoinControlPlane
// behind the hairpin boothook.
func joinUserData(vip, first, join pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.ToSecret(pulumi.All(vip, first, join).ApplyT(func(xs []any) (string, error) {
		if xs[1].(string) == "" {
			return "", fmt.Errorf("the first control plane has no internal address")
		}
		return hairpinUserData(xs[0].(string), xs[1].(string), xs[2].(string))
	})).(pulumi.StringOutput)
}
