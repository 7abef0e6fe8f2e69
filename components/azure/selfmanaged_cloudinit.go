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

// hairpinUserData is a control plane's user data: the bootstrap's (which keeps pods from the
// metadata service and the WireServer, kubeadm's metadataGuard) and the hairpin workaround for the
// load balancer's address.
func hairpinUserData(doc, ip pulumi.StringOutput, first bool) pulumi.StringOutput {
	return pulumi.ToSecret(pulumi.All(doc, ip).ApplyT(func(xs []any) (string, error) {
		addr, err := netip.ParseAddr(xs[1].(string))
		if err != nil || !addr.Is4() {
			return "", fmt.Errorf("API load balancer address %q is not an IPv4 address", xs[1])
		}
		boot, run := hairpin(addr.String(), first)
		return withBootAndRun(xs[0].(string), boot, run)
	})).(pulumi.StringOutput)
}
