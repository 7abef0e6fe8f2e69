package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kost-platform/kost/components/kubeadm"
)

// runGate runs one of the kubeadm readiness gates' scripts as the local command does on the machine
// running Pulumi (bash, curl), with env, and returns its output.
func runGate(ctx context.Context, script string, env map[string]string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/bash", "-c", script)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gatesAgree runs the self-managed clusters' readiness gates against the real API server and its
// kwok nodes: the /readyz gate with the cluster CA, and the pool gate, which must count exactly the
// pool's Ready nodes in the API server's own JSON (it relies on the field order and the absence of
// pretty-printing; kubeadm.PoolReadyScript). wantNodes is the number of nodes labelled with pool.
func gatesAgree(ctx context.Context, cp *ControlPlane, pool string, wantNodes int) error {
	pki := filepath.Join(cp.Dir, "pki")
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(pki, name))
		return string(b), err
	}
	ca, err := read("ca.crt")
	if err != nil {
		return err
	}
	crt, err := read("admin.crt")
	if err != nil {
		return err
	}
	key, err := read("admin.key")
	if err != nil {
		return err
	}
	base := map[string]string{"KOST_ENDPOINT": cp.Server, "KOST_CA_PEM": ca, "KOST_TIMEOUT_SECONDS": "20", "KOST_POLL_SECONDS": "1"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	if out, err := runGate(ctx, kubeadm.ReadyzScript, with(map[string]string{"KOST_WHAT": "the e2e API server"})); err != nil {
		return fmt.Errorf("the /readyz gate failed against a ready API server: %w: %s", err, out)
	}
	pools := with(map[string]string{
		"KOST_CLIENT_CERT": crt, "KOST_CLIENT_KEY": key, "KOST_POOL": pool,
		"KOST_WHAT": "pool " + pool, "KOST_HINT": "(e2e)",
	})
	pools["KOST_WANT"] = fmt.Sprint(wantNodes)
	out, err := runGate(ctx, kubeadm.PoolReadyScript, pools)
	if err != nil || !strings.Contains(out, fmt.Sprintf("has %d Ready nodes", wantNodes)) {
		return fmt.Errorf("the pool gate did not count the %d Ready %s nodes (exit: %v): %s", wantNodes, pool, err, out) //nolint:errorlint // err may be nil

	}
	pools["KOST_WANT"] = fmt.Sprint(wantNodes + 1)
	pools["KOST_TIMEOUT_SECONDS"] = "3"
	out, err = runGate(ctx, kubeadm.PoolReadyScript, pools)
	if err == nil || !strings.Contains(out, fmt.Sprintf("has %d of %d nodes Ready", wantNodes, wantNodes+1)) {
		return fmt.Errorf("the pool gate must fail when a node is missing (exit: %v): %s", err, out) //nolint:errorlint // err may be nil
	}
	return nil
}
