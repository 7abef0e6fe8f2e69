package kubeadm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runRetry sources retryFunctions in bash with stand-in apt-get and kubeadm commands that fail
// their first `fails` calls, runs call, and returns the calls the stand-ins saw and bash's error.
func runRetry(t *testing.T, fails int, call string) (calls []string, pkiFiles []string, out string, err error) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	staged := filepath.Join(dir, "staged")
	pki := filepath.Join(dir, "pki")
	for _, d := range []string{bin, staged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(staged, "ca.key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "calls")
	// Each stand-in records its arguments; "reset" empties the certificates directory as kubeadm
	// reset does; the first `fails` non-reset calls fail.
	stub := `#!/bin/bash
echo "$(basename "$0") $*" >> "` + log + `"
if [ "$1" = reset ]; then rm -rf "$KOST_PKI_DIR"/*; exit 0; fi
n=$(grep -vc ' reset' "` + log + `")
[ "$n" -gt "$KOST_FAILS" ]
`
	for _, name := range []string{"apt-get", "kubeadm"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-c", retryFunctions+"\n"+call)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "KOST_FAILS="+strconv.Itoa(fails),
		"KOST_RETRY_SLEEP=0", "KOST_STAGED_PKI="+staged, "KOST_PKI_DIR="+pki, "KOST_APT_ATTEMPTS=5", "KOST_KUBEADM_ATTEMPTS=3")
	b, err := cmd.CombinedOutput()
	if data, rerr := os.ReadFile(log); rerr == nil {
		calls = strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	entries, _ := os.ReadDir(pki)
	for _, e := range entries {
		pkiFiles = append(pkiFiles, e.Name())
	}
	if _, serr := os.Stat(staged); serr == nil {
		pkiFiles = append(pkiFiles, "(staged copy kept)")
	}
	return calls, pkiFiles, string(b), err
}

func TestRetryFunctions(t *testing.T) {
	for _, tc := range []struct {
		name, call string
		fails      int
		wantCalls  []string
		wantPKI    []string
		wantErr    bool
		wantOut    string
	}{{
		name: "kubeadm succeeds at once", call: "kubeadm_run init --config c", fails: 0,
		wantCalls: []string{"kubeadm init --config c"}, wantPKI: []string{"ca.key"},
	}, {
		name: "kubeadm fails twice: reset, certificates restored, third attempt joins", call: "kubeadm_run join --config c", fails: 2,
		wantCalls: []string{"kubeadm join --config c", "kubeadm reset --force", "kubeadm join --config c", "kubeadm reset --force", "kubeadm join --config c"},
		wantPKI:   []string{"ca.key"},
	}, {
		name: "kubeadm fails three times: gives up, keeps the staged certificates", call: "kubeadm_run init --config c", fails: 3,
		wantCalls: []string{"kubeadm init --config c", "kubeadm reset --force", "kubeadm init --config c", "kubeadm reset --force", "kubeadm init --config c", "kubeadm reset --force"},
		wantPKI:   []string{"(staged copy kept)"}, wantErr: true, wantOut: "kubeadm init failed 3 times",
	}, {
		name: "apt-get retried until it succeeds", call: "apt_get install x", fails: 4,
		wantCalls: []string{"apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y install x", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y install x", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y install x", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y install x", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y install x"},
		wantPKI:   []string{"(staged copy kept)"},
	}, {
		name: "apt-get gives up after five attempts", call: "apt_get update", fails: 5, wantErr: true,
		wantCalls: []string{"apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y update", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y update", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y update", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y update", "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y update"},
		wantPKI:   []string{"(staged copy kept)"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			calls, pki, out, err := runRetry(t, tc.fails, tc.call)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error %v; output:\n%s", err, tc.wantErr, out)
			}
			if strings.Join(calls, "\n") != strings.Join(tc.wantCalls, "\n") {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(tc.wantCalls, "\n"))
			}
			if strings.Join(pki, ",") != strings.Join(tc.wantPKI, ",") {
				t.Errorf("certificates directory and staging = %v, want %v", pki, tc.wantPKI)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("output %q does not say %q", out, tc.wantOut)
			}
		})
	}
}

// The script every node runs uses the tested functions, not a copy of them.
func TestBootstrapScriptUsesRetryFunctions(t *testing.T) {
	for _, r := range []role{firstControlPlane, joinControlPlane, worker} {
		s := bootstrapScript(node{Role: r, ClusterName: "c", CloudProvider: "aws", KubernetesVersion: "1.36.4", ContainerdVersion: "2.2.4-1"})
		if !strings.Contains(s, strings.TrimSuffix(retryFunctions, "\n")) {
			t.Errorf("%s: the script does not carry retryFunctions", r)
		}
		if strings.Contains(s, "\nkubeadm init") || strings.Contains(s, "\nkubeadm join") || strings.Contains(s, "\napt-get ") {
			t.Errorf("%s: the script runs kubeadm or apt-get without its retry", r)
		}
	}
}
