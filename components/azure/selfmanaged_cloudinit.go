package azure

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"
)

// kubeletConf exists once kubeadm init or join has run on a node.
const kubeletConf = "/etc/kubernetes/kubelet.conf"

// metadataGuard keeps pods away from the instance metadata service (managed-identity tokens: the
// control planes' identity is Contributor on the group) and from the WireServer's agent ports, while
// host processes (the kubelet, hostNetwork add-ons such as the cloud-controller-manager and the CSI
// driver) keep them. Pod traffic enters the node through PREROUTING; the node's own traffic never
// does, so the raw table drops the first and not the second. It runs on every boot (bootcmd).
// A CNI that bypasses netfilter (Cilium with eBPF host routing) must enforce the same with a policy.
var metadataGuard = []string{
	"iptables -t raw -C PREROUTING -d " + imdsAddress + "/32 -j DROP 2>/dev/null || " +
		"iptables -t raw -I PREROUTING -d " + imdsAddress + "/32 -j DROP",
	"iptables -t raw -C PREROUTING -d " + wireServerAddress + "/32 -p tcp -m multiport --dports 80,32526 -j DROP 2>/dev/null || " +
		"iptables -t raw -I PREROUTING -d " + wireServerAddress + "/32 -p tcp -m multiport --dports 80,32526 -j DROP",
}

// hairpin works around Azure's internal load balancer, which does not hairpin: a flow from a backend
// VM to the frontend address that the load balancer hashes to that same VM fails. kubeadm points
// admin.conf, the kubelet and its own calls at the ControlPlaneEndpoint (the frontend address), so on
// the first control plane, whose kubeadm init talks only to itself through it while it is the only
// backend, every such flow would fail. The fix is the frontend address on the control planes'
// loopback (a /32 on lo): their flows to it stay on the node and reach the local API server, which
// listens on every address; the load balancer still delivers other clients' flows to the NIC address
// (no floating IP), and Azure's host answers ARP in the VNet, so the alias is never announced.
//
//   - First control plane: the alias is added before kubeadm init (bootcmd, every boot).
//   - Joining control planes: they must reach the first control plane through the load balancer while
//     joining, so the alias is added only after kubeadm join has finished (a runcmd after the
//     bootstrap script; on later boots, bootcmd adds it when kubelet.conf exists). Until then the
//     load balancer sends them nowhere else but ready API servers (the /readyz probe), and a flow
//     hashed to the joining node itself is retried by kubeadm.
//
// The kubeadm package's cloud-config is not changed: this adds bootcmd (and a runcmd after its
// bootstrap script) to the parsed document.
func hairpin(ip string, first bool) (bootcmd, runcmd []string) {
	alias := "ip -4 address replace " + ip + "/32 dev lo"
	if first {
		return []string{alias}, nil
	}
	return []string{"if [ -e " + kubeletConf + " ]; then " + alias + "; fi"}, []string{alias}
}

// withBootAndRun adds shell commands to a #cloud-config document: bootcmd before everything (every
// boot), runcmd after its own commands (once). The rest of the document is kept as is.
func withBootAndRun(doc string, bootcmd, runcmd []string) (string, error) {
	body, ok := strings.CutPrefix(doc, "#cloud-config\n")
	if !ok {
		return "", errors.New("user data is not a #cloud-config document")
	}
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
		return "", fmt.Errorf("user data: %w", err)
	}
	sh := func(cmds []string) []any {
		out := make([]any, len(cmds))
		for i, c := range cmds {
			out[i] = []any{"sh", "-c", c}
		}
		return out
	}
	if len(bootcmd) > 0 {
		existing, _ := cfg["bootcmd"].([]any)
		cfg["bootcmd"] = append(existing, sh(bootcmd)...)
	}
	if len(runcmd) > 0 {
		existing, _ := cfg["runcmd"].([]any)
		cfg["runcmd"] = append(existing, sh(runcmd)...)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	return "#cloud-config\n" + string(out), nil
}

// hairpinUserData is a control plane's user data: the bootstrap's, the metadata guard and the
// hairpin workaround for the load balancer's address.
func hairpinUserData(doc, ip pulumi.StringOutput, first bool) pulumi.StringOutput {
	return pulumi.ToSecret(pulumi.All(doc, ip).ApplyT(func(xs []any) (string, error) {
		addr, err := netip.ParseAddr(xs[1].(string))
		if err != nil || !addr.Is4() {
			return "", fmt.Errorf("API load balancer address %q is not an IPv4 address", xs[1])
		}
		boot, run := hairpin(addr.String(), first)
		return withBootAndRun(xs[0].(string), append(append([]string{}, metadataGuard...), boot...), run)
	})).(pulumi.StringOutput)
}

// workerUserData is a worker's user data: the bootstrap's and the metadata guard.
func workerUserData(doc pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.ToSecret(doc.ApplyT(func(s string) (string, error) {
		return withBootAndRun(s, metadataGuard, nil)
	})).(pulumi.StringOutput)
}
