package kubeadm

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// runGate runs a gate script against srv with env, as the local command does.
func runGate(t *testing.T, script string, srv *httptest.Server, env ...string) (string, error) {
	t.Helper()
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	cmd := exec.Command("/bin/bash", "-c", script)
	cmd.Env = append(os.Environ(), append([]string{
		"KOST_ENDPOINT=" + srv.URL, "KOST_CA_PEM=" + ca, "KOST_TIMEOUT_SECONDS=2", "KOST_POLL_SECONDS=0.2",
	}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestReadyGate(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed (the gates need it where Pulumi runs)")
	}
	var calls atomic.Int32
	for _, tc := range []struct {
		name     string
		answerOK func(call int32) bool
		wantErr  bool
		wantOut  []string
	}{
		{"ready at once", func(int32) bool { return true }, false, []string{"control plane 2 is ready"}},
		{"ready on the third probe", func(c int32) bool { return c >= 3 }, false, []string{"is ready"}},
		{"never ready: fails naming the machine and the hint", func(int32) bool { return false }, true,
			[]string{"kost: control plane 2 did not answer", "/readyz within 2 s", "read the log"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/readyz" {
					t.Errorf("probe asked for %s", r.URL.Path)
				}
				if !tc.answerOK(calls.Add(1)) {
					http.Error(w, "[-]etcd failed", http.StatusInternalServerError)
				}
			}))
			defer srv.Close()
			// httptest's certificate names 127.0.0.1: the probe checks the IP SAN, as on a control plane.
			out, err := runGate(t, ReadyzScript, srv, "KOST_WHAT=control plane 2", "KOST_HINT=read the log")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v:\n%s", err, tc.wantErr, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not say %q", out, w)
				}
			}
		})
	}
}

func TestReadyGateRefusesAnotherCA(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	ca, _ := selfSigned(t, "another CA")
	out, err := runGate(t, ReadyzScript, srv, "KOST_CA_PEM="+ca, "KOST_TIMEOUT_SECONDS=1")
	if err == nil {
		t.Fatalf("the probe trusted a server whose certificate the cluster CA did not sign:\n%s", out)
	}
}

// selfSigned makes a self-signed certificate and its key, PEM.
func selfSigned(t *testing.T, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

// nodeList is a NodeList as the API server encodes it without pretty-printing.
func nodeList(ready, notReady int) string {
	var items []string
	for i := range ready + notReady {
		status := "True"
		if i >= ready {
			status = "False"
		}
		items = append(items, fmt.Sprintf(`{"metadata":{"name":"n%d","labels":{"kost.io/pool":"tikv"}},"status":{"conditions":[`+
			`{"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory"},`+
			`{"type":"Ready","status":"%s","lastHeartbeatTime":"2026-11-28T06:00:00Z","reason":"KubeletReady"}]}}`, i, status))
	}
	return `{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[` + strings.Join(items, ",") + `]}`
}

func TestPoolReadyGate(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	for _, tc := range []struct {
		name            string
		ready, notReady int
		want            string
		wantErr         bool
		wantOut         string
	}{
		{"enough Ready nodes", 3, 0, "3", false, "has 3 Ready nodes"},
		{"NotReady nodes do not count", 1, 2, "2", true, "has 1 of 2 nodes Ready after 2 s: the group"},
		{"no nodes", 0, 0, "1", true, "has 0 of 1 nodes Ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				if r.URL.Path != "/api/v1/nodes" || q.Get("labelSelector") != "kost.io/pool=tikv" || q.Get("pretty") != "false" {
					t.Errorf("gate asked for %s", r.URL)
				}
				if strings.HasPrefix(r.UserAgent(), "curl") {
					t.Errorf("user agent %q makes the API server pretty-print", r.UserAgent())
				}
				fmt.Fprint(w, nodeList(tc.ready, tc.notReady))
			}))
			defer srv.Close()
			crt, key := selfSigned(t, "kubernetes-admin")
			out, err := runGate(t, PoolReadyScript, srv, "KOST_POOL=tikv", "KOST_WANT="+tc.want, "KOST_WHAT=pool tikv",
				"KOST_HINT=the group", "KOST_CLIENT_CERT="+crt, "KOST_CLIENT_KEY="+key)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v:\n%s", err, tc.wantErr, out)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("output %q does not say %q", out, tc.wantOut)
			}
		})
	}
}
