package kubeadm

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Package sources and pins. Kubernetes packages come from the community repository pkgs.k8s.io, one
// repository per minor version, where every patch release is revision 1.1 (kubelet=1.33.5-1.1).
// containerd comes as containerd.io from Docker's repository, which keeps every released version
// installable (Ubuntu's archive drops superseded ones, so a pin there breaks with time).
const (
	k8sPackageRevision = "1.1"
	k8sRepo            = "https://pkgs.k8s.io/core:/stable:/v%s/deb/"
	dockerRepo         = "https://download.docker.com/linux/ubuntu"
	containerdPackage  = "containerd.io"
)

// Paths on the node.
const (
	kubeadmConfigPath = configDir + "/kubeadm.yaml"
	scriptPath        = "/usr/local/sbin/kost-bootstrap"
	// guardPath keeps pods from the instance metadata service (metadataGuard).
	guardPath = "/usr/local/sbin/kost-metadata-guard"
	// logPath holds the bootstrap's output: what a failed readiness gate points at.
	logPath = "/var/log/kost-bootstrap.log"
	// stagedPKIDir holds the shared certificates and keys until kubeadm has run: kubeadm reset (between
	// two attempts) empties the certificates directory, so each attempt copies them in again; the copy
	// is removed once the node has joined.
	stagedPKIDir = "/etc/kost/pki"
)

// Bounds of the bootstrap's retries: a bad minute (a mirror that times out, an API server that is
// still starting, a lost etcd election) is retried; a broken configuration fails after the last
// attempt and the readiness gate reports it.
const (
	aptAttempts     = 5
	kubeadmAttempts = 3
)

// retryFunctions are the bootstrap's retrying steps, in shell. apt_get retries the whole command
// (apt's own Acquire::Retries covers downloads only, not a held lock or a broken mirror index);
// kubeadm_run runs kubeadm init or join, and after a failure resets the node (kubeadm reset,
// which removes the half-made static pods, etcd data and certificates), restores the shared
// certificates and tries again. Tested by sourcing them with stand-in commands.
const retryFunctions = `apt_get() {
  local attempt
  for attempt in $(seq 1 "${KOST_APT_ATTEMPTS:-5}"); do
    if apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y "$@"; then return 0; fi
    echo "kost: apt-get $* failed (attempt $attempt)" >&2
    sleep "${KOST_RETRY_SLEEP:-15}"
  done
  return 1
}

restore_pki() {
  if [ -d "$KOST_STAGED_PKI" ]; then
    install -d -m 0755 "$KOST_PKI_DIR"
    cp -a "$KOST_STAGED_PKI/." "$KOST_PKI_DIR/"
  fi
}

kubeadm_run() {
  local attempt
  for attempt in $(seq 1 "${KOST_KUBEADM_ATTEMPTS:-3}"); do
    restore_pki
    if kubeadm "$@"; then
      rm -rf "$KOST_STAGED_PKI"
      return 0
    fi
    echo "kost: kubeadm $1 failed (attempt $attempt); resetting the node before the next" >&2
    kubeadm reset --force || true
    sleep "${KOST_RETRY_SLEEP:-30}"
  done
  echo "kost: kubeadm $1 failed ${KOST_KUBEADM_ATTEMPTS:-3} times; giving up (the readiness gate reports it)" >&2
  return 1
}
`

// role is what a node becomes.
type role int

const (
	firstControlPlane role = iota
	joinControlPlane
	worker
)

func (r role) String() string {
	return [...]string{"first control-plane node", "joining control-plane node", "worker"}[r]
}

// cloudConfig is the subset of #cloud-config kost writes.
type cloudConfig struct {
	WriteFiles []writeFile `json:"write_files"`
	RunCmd     [][]string  `json:"runcmd"`
}

type writeFile struct {
	Path        string `json:"path"`
	Owner       string `json:"owner"`
	Permissions string `json:"permissions"`
	Content     string `json:"content"`
}

// pkiFiles are the shared control-plane certificates and keys kubeadm expects pre-made: with them in
// the certificates directory, kubeadm init uses them instead of making its own, and kubeadm join
// --control-plane needs nothing uploaded. They travel through the cloud's secret store (bundle), never
// through user data.
type pkiFiles struct {
	CACert, CAKey                     string
	FrontProxyCACert, FrontProxyCAKey string
	EtcdCACert, EtcdCAKey             string
	SAKey, SAPub                      string
}

// node is everything one node's user data depends on.
type node struct {
	Role              role
	ClusterName       string
	CloudProvider     string
	KubernetesVersion string
	ContainerdVersion string
	// KubeadmConfig is the rendered kubeadm configuration file (the join token a placeholder).
	KubeadmConfig string
	// SecretRefs is /etc/kost/secrets.json: where the PKI and the join token live (SecretRefs).
	SecretRefs string
}

func (n node) controlPlane() bool { return n.Role != worker }

// metadataGuard keeps pods away from the instance metadata service, and so from the machine's cloud
// identity (which reads the PKI on control planes and the join token everywhere), while host
// processes (the kubelet, kost-secret, the host-network add-ons: cloud-controller-managers, CSI
// drivers, the autoscaler) keep it. Pod traffic enters the node through PREROUTING; the node's own
// never does, so the raw table drops the first and not the second. On AWS the hop limit of 1 does
// the same (the rule is kept as a second line); on GCP, whose metadata server has no hop limit, it
// is the only line; on Azure the WireServer's agent ports (80, 32526) are kept from pods too. It runs
// on every boot, before the kubelet (a systemd unit). Cilium is installed without kube-proxy
// replacement, so pod traffic takes the host's netfilter path; a CNI that bypasses netfilter must
// enforce the same with a policy.
func metadataGuard(cloud string) string {
	rules := []string{"-d 169.254.169.254/32 -j DROP"}
	if cloud == "azure" {
		rules = append(rules, "-d 168.63.129.16/32 -p tcp -m multiport --dports 80,32526 -j DROP")
	}
	lines := []string{"#!/bin/sh", "# kost: pods may not reach the instance metadata service; host processes may.", "set -e"}
	for _, r := range rules {
		lines = append(lines, "iptables -t raw -C PREROUTING "+r+" 2>/dev/null || iptables -t raw -I PREROUTING "+r)
	}
	return strings.Join(lines, "\n") + "\n"
}

// guardUnit runs metadataGuard on every boot before the kubelet starts any pod.
const guardUnit = "[Unit]\nDescription=kost: keep pods from the instance metadata service\nBefore=kubelet.service containerd.service\n" +
	"After=network-pre.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=" + guardPath + "\n\n" +
	"[Install]\nWantedBy=multi-user.target\n"

// mintScript makes a join token in the cluster and publishes it to the secret store; a systemd timer
// runs it on every control plane (JoinTokenPeriod, a random delay spreading the three).
func mintScript() string {
	return strings.Join([]string{
		"#!/bin/bash",
		"# kost: a join token for the nodes that join later, minted here and published to the secret store.",
		"set -euo pipefail",
		fmt.Sprintf("token=\"$(kubeadm token create --kubeconfig /etc/kubernetes/admin.conf --ttl %s --usages signing,authentication --groups %s --description 'kost: joins nodes (published to the secret store)')\"", JoinTokenTTL, bootstrapGroup),
		"printf '%s' \"$token\" | " + secretToolPath + " put token",
		fmt.Sprintf("echo \"kost: published a join token valid %s\"", JoinTokenTTL),
	}, "\n") + "\n"
}

// mintUnits are the systemd service and timer of mintScript.
func mintUnits() []writeFile {
	unit := func(name, content string) writeFile {
		return writeFile{Path: "/etc/systemd/system/" + name, Owner: "root:root", Permissions: "0644", Content: content}
	}
	return []writeFile{
		unit("kost-join-token.service", "[Unit]\nDescription=kost: mint a kubeadm join token and publish it to the secret store\nAfter=kubelet.service\n\n"+
			"[Service]\nType=oneshot\nExecStart="+mintScriptPath+"\n"),
		unit("kost-join-token.timer", fmt.Sprintf("[Unit]\nDescription=kost: a fresh join token every %s\n\n"+
			"[Timer]\nOnBootSec=15min\nOnUnitActiveSec=%dh\nRandomizedDelaySec=15min\n\n[Install]\nWantedBy=timers.target\n", JoinTokenPeriod, int(JoinTokenPeriod.Hours()))),
	}
}

// userData renders a node's #cloud-config: files first (the secret tool and where the secrets are,
// on control planes the token timer, the kubeadm configuration, kernel settings, the bootstrap
// script), then the script, which installs the pinned packages, fetches what it needs from the
// secret store and runs kubeadm. References only: no key, no token.
func userData(n node) (string, error) {
	files := []writeFile{
		{Path: guardPath, Owner: "root:root", Permissions: "0755", Content: metadataGuard(n.CloudProvider)},
		{Path: "/etc/systemd/system/kost-metadata-guard.service", Owner: "root:root", Permissions: "0644", Content: guardUnit},
		{Path: secretToolPath, Owner: "root:root", Permissions: "0755", Content: secretTool},
		{Path: secretConfigPath, Owner: "root:root", Permissions: "0644", Content: n.SecretRefs + "\n"},
	}
	if n.controlPlane() {
		files = append(files, writeFile{Path: mintScriptPath, Owner: "root:root", Permissions: "0700", Content: mintScript()})
		files = append(files, mintUnits()...)
	}
	files = append(files,
		writeFile{Path: kubeadmConfigPath, Owner: "root:root", Permissions: "0600", Content: n.KubeadmConfig},
		writeFile{Path: "/etc/modules-load.d/kubernetes.conf", Owner: "root:root", Permissions: "0644", Content: "overlay\nbr_netfilter\n"},
		writeFile{Path: "/etc/sysctl.d/99-kubernetes.conf", Owner: "root:root", Permissions: "0644", Content: "" +
			"net.bridge.bridge-nf-call-iptables = 1\n" +
			"net.bridge.bridge-nf-call-ip6tables = 1\n" +
			"net.ipv4.ip_forward = 1\n"},
		writeFile{Path: scriptPath, Owner: "root:root", Permissions: "0700", Content: bootstrapScript(n)},
	)
	y, err := yaml.Marshal(cloudConfig{WriteFiles: files, RunCmd: [][]string{{scriptPath}}})
	if err != nil {
		return "", err
	}
	return "#cloud-config\n" + string(y), nil
}

// k8sPackageVersion is the apt version of kubelet, kubeadm and kubectl for a Kubernetes release.
func k8sPackageVersion(kubernetesVersion string) string {
	return kubernetesVersion + "-" + k8sPackageRevision
}

// minor is "1.33" of "1.33.5".
func minor(kubernetesVersion string) string {
	parts := strings.SplitN(kubernetesVersion, ".", 3)
	if len(parts) < 2 {
		return kubernetesVersion
	}
	return parts[0] + "." + parts[1]
}

// bootstrapScript prepares an Ubuntu LTS node and runs kubeadm. It stops at the first failure (a
// cloud-init runcmd list would carry on) and does nothing on a node that already joined.
func bootstrapScript(n node) string {
	pkg := k8sPackageVersion(n.KubernetesVersion)
	repo := fmt.Sprintf(k8sRepo, minor(n.KubernetesVersion))
	kubeadmCmd := "kubeadm_run join --config " + kubeadmConfigPath
	if n.Role == firstControlPlane {
		// The join command kubeadm init prints would carry the token into the logs (allowed with
		// --config: kubeadm accepts --skip-* flags alongside it, ValidateMixedArguments in v1.36.4).
		kubeadmCmd = "kubeadm_run init --config " + kubeadmConfigPath + " --skip-token-print"
	}
	lines := []string{
		"#!/bin/bash",
		fmt.Sprintf("# kost: bootstrap of a %s of cluster %s on %s (Ubuntu LTS).", n.Role, n.ClusterName, n.CloudProvider),
		fmt.Sprintf("# Kubernetes %s, containerd.io %s. Runs once, from cloud-init; output in %s.", n.KubernetesVersion, n.ContainerdVersion, logPath),
		"set -euo pipefail",
		"exec > >(tee -a " + logPath + ") 2>&1",
		"export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a",
		fmt.Sprintf("export KOST_STAGED_PKI=%s KOST_PKI_DIR=%s KOST_APT_ATTEMPTS=%d KOST_KUBEADM_ATTEMPTS=%d", stagedPKIDir, pkiDir, aptAttempts, kubeadmAttempts),
		"",
		"if [ -e /etc/kubernetes/kubelet.conf ]; then",
		`  echo "kost: this node is already part of a cluster" >&2`,
		"  exit 0",
		"fi",
		"",
		strings.TrimSuffix(retryFunctions, "\n"),
		"",
		"# Pods never reach the metadata service (the machine's identity): from now on and on every boot.",
		"systemctl daemon-reload",
		"systemctl enable --now kost-metadata-guard.service",
		"",
		hostnameStep(n.CloudProvider),
		"# Kernel: no swap, overlay and br_netfilter modules, bridged traffic through iptables, forwarding.",
		"swapoff -a",
		"modprobe overlay",
		"modprobe br_netfilter",
		"sysctl --system",
		"",
		"# Repositories: containerd.io from Docker's, Kubernetes " + minor(n.KubernetesVersion) + " from pkgs.k8s.io.",
		"install -d -m 0755 /etc/apt/keyrings",
		"apt_get update",
		"apt_get install ca-certificates curl gpg",
		"curl -fsSL --retry 5 --retry-all-errors --max-time 60 " + dockerRepo + "/gpg -o /etc/apt/keyrings/docker.asc",
		"curl -fsSL --retry 5 --retry-all-errors --max-time 60 " + repo + "Release.key | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg",
		`codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"`,
		`echo "deb [signed-by=/etc/apt/keyrings/docker.asc] ` + dockerRepo + ` ${codename} stable" >/etc/apt/sources.list.d/docker.list`,
		`echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ` + repo + ` /" >/etc/apt/sources.list.d/kubernetes.list`,
		"apt_get update",
		"",
		"# Exact versions, held so that no upgrade moves them.",
		fmt.Sprintf("apt_get install %s=%s kubelet=%s kubeadm=%s kubectl=%s", containerdPackage, n.ContainerdVersion, pkg, pkg, pkg),
		"apt-mark hold " + containerdPackage + " kubelet kubeadm kubectl",
		"",
		"# containerd 2.x (config version 3, containerd docs/cri/config.md at v2.2.4): systemd cgroups as",
		"# the kubelet uses, and the pause image of this kubeadm release. The CRI plugin is on by default.",
		`pause_image="$(kubeadm config images list --kubernetes-version v` + n.KubernetesVersion + ` | grep /pause:)"`,
		"cat >/etc/containerd/config.toml <<EOF",
		"version = 3",
		"",
		`[plugins.'io.containerd.cri.v1.images'.pinned_images]`,
		`  sandbox = "${pause_image}"`,
		"",
		`[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]`,
		`  runtime_type = "io.containerd.runc.v2"`,
		"",
		`[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]`,
		"  SystemdCgroup = true",
		"EOF",
		"systemctl restart containerd",
		"systemctl enable kubelet",
		"",
		secretSteps(n),
		kubeadmCmd,
		afterJoin(n),
	}
	text := strings.Join(lines, "\n") + "\n"
	return strings.ReplaceAll(text, "\n\n\n", "\n\n")
}

// secretSteps fetch what kubeadm needs from the secret store with the machine's identity: the shared
// PKI on control planes (staged, see stagedPKIDir), and the join token, a fresh one made here on the
// first control plane or the newest published one elsewhere, put in place of the placeholder.
func secretSteps(n node) string {
	var lines []string
	if n.controlPlane() {
		lines = append(lines,
			"# The shared certificates and keys, from the secret store (readable by the control planes only).",
			secretToolPath+" pki \"$KOST_STAGED_PKI\" --wait 900")
	}
	if n.Role == firstControlPlane {
		lines = append(lines, "# The first join token, registered by kubeadm init and published once it runs.",
			`token="$(kubeadm token generate)"`)
	} else {
		lines = append(lines, "# The newest join token the control planes published.",
			`token="$(`+secretToolPath+` get token --wait 1800)"`)
	}
	lines = append(lines, fmt.Sprintf(`sed -i "s/%s/${token}/g" %s`, joinTokenPlaceholder, kubeadmConfigPath))
	return strings.Join(lines, "\n")
}

// afterJoin runs once kubeadm succeeded: the token leaves the configuration file, and on control
// planes the first token is published and the token timer starts.
func afterJoin(n node) string {
	lines := []string{fmt.Sprintf(`sed -i "s/${token}/%s/g" %s`, joinTokenPlaceholder, kubeadmConfigPath)}
	if n.Role == firstControlPlane {
		lines = append(lines, `printf '%s' "$token" | `+secretToolPath+` put token`)
	}
	if n.controlPlane() {
		lines = append(lines, "systemctl daemon-reload", "systemctl enable --now kost-join-token.timer")
	}
	lines = append(lines, `echo "kost: this node joined the cluster"`)
	return strings.Join(lines, "\n")
}

// hostnameStep names the node as its cloud-controller-manager looks it up. The AWS one finds an
// instance by its private DNS name (ip-10-0-1-5.eu-west-1.compute.internal), while Ubuntu names the
// host with its first label only; GCP (instance name) and Azure (VM or scale set computer name) need
// nothing.
func hostnameStep(cloud string) string {
	if cloud != "aws" {
		return ""
	}
	return strings.Join([]string{
		"# The AWS cloud-controller-manager finds a node's instance by its private DNS name (IMDSv2).",
		`imds_token="$(curl -fsS --retry 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)"`,
		`hostnamectl set-hostname "$(curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: ${imds_token}" http://169.254.169.254/latest/meta-data/local-hostname)"`,
		"",
	}, "\n")
}
