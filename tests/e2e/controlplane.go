package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Addresses of the fake cluster. None of them exists outside the run's network namespace.
const (
	// ServiceCIDR is the kube-apiserver's Service range (cluster.ServiceCIDR, as on kost's clusters).
	ServiceCIDR = "172.20.0.0/16"
	// podCIDR is where kwok takes pod addresses from. EndpointSlices refuse loopback addresses, so
	// pods get private addresses, and the run makes the whole range local to its network namespace
	// (a `local` route on lo, like 127/8): the API server, which dials a webhook at its pod's address
	// (--enable-aggregator-routing), reaches a process of this run, and nothing else.
	podCIDR  = "10.244.0.1/16"
	podRoute = "10.244.0.0/16"
	// nodeIP is every kwok node's address.
	nodeIP = "127.0.0.1"
	// kubeconfigContext is the context of the admin kubeconfig: the one Pulumi.local.yaml names (a
	// kind cluster called kost), so the shipped stack file runs unchanged.
	kubeconfigContext = "kind-kost"
	// PreviewersGroup is the Kubernetes group of PreviewerKubeconfig's user.
	PreviewersGroup = "kost:previewers"
)

// ControlPlane is etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok, started
// for one run, each with TLS and keys made for the run, RBAC on.
type ControlPlane struct {
	// Dir holds the PKI, the data and one log per process (logs/<name>.log).
	Dir string
	// Kubeconfig is the admin kubeconfig (context kind-kost).
	Kubeconfig string
	// PreviewerKubeconfig is a kubeconfig of the same context for a user of the group
	// PreviewersGroup, which the run binds to nothing: what it may do is up to the test.
	PreviewerKubeconfig string
	// Server is the API server URL.
	Server string
	// Client talks to the API server as the admin.
	Client *Kube

	procs []*process
}

type process struct {
	name string
	cmd  *exec.Cmd
	// done is closed when the process has exited; err is then how.
	done chan struct{}
	err  error
}

// StartControlPlane starts a control plane from the binaries in bin (see tools.sh) with its files in
// dir. It refuses to start unless the process is in a network namespace with only loopback up. On
// error everything started so far is stopped.
func StartControlPlane(ctx context.Context, bin, dir string) (cp *ControlPlane, err error) {
	if err := checkIsolated(); err != nil {
		return nil, err
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return nil, fmt.Errorf("%s is not built in %s: run tests/e2e/tools.sh", b, bin)
		}
	}
	if out, err := exec.CommandContext(ctx, "ip", "route", "replace", "local", podRoute, "dev", "lo").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("making the pod range %s local to the namespace: %w: %s", podRoute, err, out)
	}
	// A fresh cluster every time: nothing of an earlier run's etcd or PKI is reused.
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	pki, logs, data := filepath.Join(dir, "pki"), filepath.Join(dir, "logs"), filepath.Join(dir, "etcd")
	for _, d := range []string{pki, logs, data} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	cp = &ControlPlane{Dir: dir}
	defer func() {
		if err != nil {
			cp.Stop()
			cp = nil
		}
	}()
	ca, err := newAuthority(pki, "kost-e2e CA")
	if err != nil {
		return nil, err
	}
	localhost := []net.IP{net.ParseIP("127.0.0.1")}
	for _, l := range []leaf{
		{file: "etcd", cn: "etcd", dns: []string{"localhost"}, ips: localhost, server: true, client: true},
		{file: "apiserver-etcd-client", cn: "kube-apiserver-etcd-client", client: true},
		{file: "apiserver", cn: "kube-apiserver", server: true, ips: append(localhost, net.ParseIP("172.20.0.1")),
			dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}},
		// The admin: system:masters, as kubeadm's admin.conf.
		{file: "admin", cn: "kost-e2e-admin", orgs: []string{"system:masters"}, client: true},
		// A pull-request preview's identity, as the clouds map theirs into Kubernetes.
		{file: "previewer", cn: "kost-e2e-previewer", orgs: []string{PreviewersGroup}, client: true},
	} {
		if err := ca.issue(l); err != nil {
			return nil, err
		}
	}
	if err := writeServiceAccountKeys(pki); err != nil {
		return nil, err
	}
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort, cmPort, schedPort, kwokPort := ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
	etcdURL := fmt.Sprintf("https://127.0.0.1:%d", etcdClient)
	cp.Server = fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	cp.Kubeconfig = filepath.Join(dir, "admin.kubeconfig")
	if err := writeKubeconfig(cp.Kubeconfig, cp.Server, ca, "admin"); err != nil {
		return nil, err
	}
	cp.PreviewerKubeconfig = filepath.Join(dir, "previewer.kubeconfig")
	if err := writeKubeconfig(cp.PreviewerKubeconfig, cp.Server, ca, "previewer"); err != nil {
		return nil, err
	}
	if cp.Client, err = NewKube(cp.Server, ca.path("ca.crt"), ca.path("admin.crt"), ca.path("admin.key")); err != nil {
		return nil, err
	}
	p := ca.path
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	start := func(name string, args ...string) error {
		pr, err := startProcess(filepath.Join(bin, name), args, env, filepath.Join(logs, name+".log"))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		pr.name = name
		cp.procs = append(cp.procs, pr)
		return nil
	}

	if err := start("etcd",
		"--name=e2e", "--data-dir="+data,
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		fmt.Sprintf("--listen-peer-urls=https://127.0.0.1:%d", etcdPeer),
		fmt.Sprintf("--initial-advertise-peer-urls=https://127.0.0.1:%d", etcdPeer),
		fmt.Sprintf("--initial-cluster=e2e=https://127.0.0.1:%d", etcdPeer),
		"--cert-file="+p("etcd.crt"), "--key-file="+p("etcd.key"), "--trusted-ca-file="+p("ca.crt"), "--client-cert-auth",
		"--peer-cert-file="+p("etcd.crt"), "--peer-key-file="+p("etcd.key"), "--peer-trusted-ca-file="+p("ca.crt"), "--peer-client-cert-auth",
		"--listen-metrics-urls=", "--log-level=warn",
	); err != nil {
		return nil, err
	}
	etcdClientTLS, err := tlsClient(p("ca.crt"), p("apiserver-etcd-client.crt"), p("apiserver-etcd-client.key"))
	if err != nil {
		return nil, err
	}
	if err := cp.waitHTTP(ctx, "etcd", etcdClientTLS, etcdURL+"/health"); err != nil {
		return nil, err
	}
	if err := start("kube-apiserver",
		"--etcd-servers="+etcdURL, "--etcd-cafile="+p("ca.crt"),
		"--etcd-certfile="+p("apiserver-etcd-client.crt"), "--etcd-keyfile="+p("apiserver-etcd-client.key"),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+p("apiserver.crt"), "--tls-private-key-file="+p("apiserver.key"),
		"--client-ca-file="+p("ca.crt"), "--cert-dir="+pki,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+p("sa.pub"), "--service-account-signing-key-file="+p("sa.key"),
		"--service-cluster-ip-range="+ServiceCIDR,
		"--authorization-mode=RBAC", "--allow-privileged=true",
		// Webhooks are dialled at their pods' addresses (loopback here), never at a ClusterIP.
		"--enable-aggregator-routing=true",
		"--profiling=false",
	); err != nil {
		return nil, err
	}
	adminTLS, err := tlsClient(p("ca.crt"), p("admin.crt"), p("admin.key"))
	if err != nil {
		return nil, err
	}
	if err := cp.waitHTTP(ctx, "kube-apiserver", adminTLS, cp.Server+"/readyz"); err != nil {
		return nil, err
	}
	kc := cp.Kubeconfig
	if err := start("kube-controller-manager",
		"--kubeconfig="+kc, "--authentication-kubeconfig="+kc, "--authorization-kubeconfig="+kc,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(cmPort),
		"--service-account-private-key-file="+p("sa.key"), "--root-ca-file="+p("ca.crt"),
		"--use-service-account-credentials=true", "--leader-elect=false",
		"--cluster-signing-cert-file="+p("ca.crt"), "--cluster-signing-key-file="+p("ca.key"),
		"--controllers=*,-nodeipam", "--profiling=false",
	); err != nil {
		return nil, err
	}
	if err := start("kube-scheduler",
		"--kubeconfig="+kc, "--authentication-kubeconfig="+kc, "--authorization-kubeconfig="+kc,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(schedPort),
		"--leader-elect=false", "--profiling=false",
	); err != nil {
		return nil, err
	}
	if err := start("kwok",
		"--kubeconfig="+kc,
		"--manage-nodes-with-label-selector="+kwokNodeLabel+"="+kwokNodeValue,
		"--cidr="+podCIDR, "--node-ip="+nodeIP,
		// Node leases renewed as a kubelet does; without them the node lifecycle controller takes the
		// nodes for lost after its grace period and marks every pod on them not Ready.
		"--node-lease-duration-seconds=40",
		"--server-address="+fmt.Sprintf("127.0.0.1:%d", kwokPort),
	); err != nil {
		return nil, err
	}
	// The controller manager's service-account controller makes "default" in every namespace; pods
	// are refused until it exists, so wait for it here.
	if err := cp.waitFor(ctx, "the default service account", func() error {
		_, err := cp.Client.Get(ctx, "/api/v1/namespaces/default/serviceaccounts/default")
		return err
	}); err != nil {
		return nil, err
	}
	return cp, nil
}

// Stop stops every process the control plane started, by PID (the process and its group), and waits
// for them. It is safe to call twice.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		pr := cp.procs[i]
		if pr.cmd.Process == nil {
			continue
		}
		_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-pr.done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL)
			<-pr.done
		}
	}
	cp.procs = nil
}

// Exited reports every process of the control plane that has exited, with how and the last lines
// of its log: an API server that stops answering in the middle of a run usually means one of them
// died (etcd on a full disk, for one).
func (cp *ControlPlane) Exited() string {
	var b strings.Builder
	for _, pr := range cp.procs {
		select {
		case <-pr.done:
			fmt.Fprintf(&b, "%s exited (%v); the end of its log:\n%s\n", pr.name, pr.err, tail(filepath.Join(cp.Dir, "logs", pr.name+".log"), 5))
		default:
		}
	}
	return b.String()
}

// Running lists the processes still running, for the test that nothing is left behind.
func (cp *ControlPlane) Running() []string {
	var out []string
	for _, pr := range cp.procs {
		select {
		case <-pr.done:
		default:
			out = append(out, pr.name)
		}
	}
	return out
}

// PIDs are the process IDs the control plane started.
func (cp *ControlPlane) PIDs() []int {
	var out []int
	for _, pr := range cp.procs {
		if pr.cmd.Process != nil {
			out = append(out, pr.cmd.Process.Pid)
		}
	}
	return out
}

func startProcess(path string, args, env []string, logFile string) (*process, error) {
	log, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so Stop reaches whatever it starts.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	pr := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		pr.err = cmd.Wait()
		log.Close()
		close(pr.done)
	}()
	return pr, nil
}

// waitHTTP polls url until it answers 200, the process behind it dies, or two minutes pass.
func (cp *ControlPlane) waitHTTP(ctx context.Context, what string, c *http.Client, url string) error {
	return cp.waitFor(ctx, what, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s answered %s", url, resp.Status)
		}
		return nil
	})
}

// waitFor polls check every half second for two minutes; a process that exits meanwhile ends the
// wait with the tail of its log.
func (cp *ControlPlane) waitFor(ctx context.Context, what string, check func() error) error {
	deadline := time.Now().Add(2 * time.Minute)
	var last error
	for time.Now().Before(deadline) {
		if last = check(); last == nil {
			return nil
		}
		for _, pr := range cp.procs {
			select {
			case <-pr.done:
				return fmt.Errorf("%s exited (%w) while waiting for %s; its log:\n%s", pr.name, pr.err, what, tail(filepath.Join(cp.Dir, "logs", pr.name+".log"), 30))
			default:
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after 2 minutes: %w", what, last)
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

func tlsClient(caFile, certFile, keyFile string) (*http.Client, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no CA certificate in " + caFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}},
	}, nil
}

// writeKubeconfig writes a kubeconfig of context kind-kost with the embedded credentials of the
// authority's leaf user (admin, previewer).
func writeKubeconfig(path, server string, ca *authority, user string) error {
	read := func(f string) (string, error) {
		b, err := os.ReadFile(ca.path(f))
		return string(b), err
	}
	caPEM, err := read("ca.crt")
	if err != nil {
		return err
	}
	certPEM, err := read(user + ".crt")
	if err != nil {
		return err
	}
	keyPEM, err := read(user + ".key")
	if err != nil {
		return err
	}
	b64 := func(s string) string { return base64Std(s) }
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[1]s-%[6]s
  user:
    client-certificate-data: %[4]s
    client-key-data: %[5]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s-%[6]s
current-context: %[1]s
`, kubeconfigContext, server, b64(caPEM), b64(certPEM), b64(keyPEM), user)
	return os.WriteFile(path, []byte(cfg), 0o600)
}
