package kubeadm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// store is a stand-in secret store: values by reference, every request it refused.
type store struct {
	mu        sync.Mutex
	values    map[string][]string // versions, newest last
	refused   []string
	destroyed []string
}

func (s *store) refuse(format string, v ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused = append(s.refused, fmt.Sprintf(format, v...))
}

func (s *store) latest(ref string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs := s.values[ref]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

func (s *store) add(ref, v string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[ref] = append(s.values[ref], v)
	return len(s.values[ref])
}

// awsStandIn answers IMDSv2 and Secrets Manager's JSON API, and checks every signature against the
// AWS SDK's own Signature Version 4 signer.
func awsStandIn(t *testing.T, s *store) *httptest.Server {
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "session-token"}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			fmt.Fprint(w, "imds-token")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			if r.Header.Get("X-aws-ec2-metadata-token") != "imds-token" {
				s.refuse("IMDS without the IMDSv2 token")
			}
			fmt.Fprint(w, "node-role\n")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/node-role":
			fmt.Fprintf(w, `{"AccessKeyId":%q,"SecretAccessKey":%q,"Token":%q}`, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
		case r.Method == http.MethodPost && r.URL.Path == "/":
			body, _ := io.ReadAll(r.Body)
			when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
			if err != nil {
				s.refuse("no X-Amz-Date")
			}
			// The signer signs the headers the client declared (SignedHeaders): the same request without
			// a body (its hash is given), so that content-length is not added.
			check, _ := http.NewRequest(http.MethodPost, "http://"+r.Host+"/", http.NoBody)
			check.Header.Set("Content-Type", r.Header.Get("Content-Type"))
			check.Header.Set("X-Amz-Target", r.Header.Get("X-Amz-Target"))
			sum := sha256.Sum256(body)
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, check, hex.EncodeToString(sum[:]), "secretsmanager", "eu-west-1", when); err != nil {
				t.Error(err)
			}
			if got, want := r.Header.Get("Authorization"), check.Header.Get("Authorization"); got != want {
				s.refuse("signature\n got %s\nwant %s", got, want)
				http.Error(w, `{"__type":"InvalidSignatureException"}`, http.StatusBadRequest)
				return
			}
			var in struct{ SecretId, SecretString, ClientRequestToken string }
			_ = json.Unmarshal(body, &in)
			switch r.Header.Get("X-Amz-Target") {
			case "secretsmanager.GetSecretValue":
				v, ok := s.latest(in.SecretId)
				if !ok {
					http.Error(w, `{"__type":"ResourceNotFoundException","Message":"no value"}`, http.StatusBadRequest)
					return
				}
				_ = json.NewEncoder(w).Encode(map[string]string{"SecretString": v})
			case "secretsmanager.PutSecretValue":
				if n := len(in.ClientRequestToken); n < 32 || n > 64 {
					s.refuse("PutSecretValue without a ClientRequestToken of 32 to 64 characters: %q", in.ClientRequestToken)
				}
				s.add(in.SecretId, in.SecretString)
				fmt.Fprint(w, `{}`)
			default:
				s.refuse("target %s", r.Header.Get("X-Amz-Target"))
			}
		default:
			s.refuse("%s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}))
}

// gcpStandIn answers the metadata server's token and Secret Manager's REST API.
func gcpStandIn(t *testing.T, s *store) *httptest.Server {
	destroyed := map[string]bool{}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/computeMetadata/v1/instance/service-accounts/default/token" {
			if r.Header.Get("Metadata-Flavor") != "Google" {
				s.refuse("metadata without Metadata-Flavor")
			}
			fmt.Fprint(w, `{"access_token":"gcp-token","expires_in":3599,"token_type":"Bearer"}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer gcp-token" {
			s.refuse("%s without the token", r.URL.Path)
		}
		p := strings.TrimPrefix(r.URL.Path, "/v1/")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(p, "/versions/latest:access"):
			v, ok := s.latest(strings.TrimSuffix(p, "/versions/latest:access"))
			if !ok {
				http.Error(w, `{"error":{"code":404}}`, http.StatusNotFound)
				return
			}
			fmt.Fprintf(w, `{"name":"x","payload":{"data":%q}}`, base64.StdEncoding.EncodeToString([]byte(v)))
		case r.Method == http.MethodPost && strings.HasSuffix(p, ":addVersion"):
			var in struct{ Payload struct{ Data string } }
			_ = json.NewDecoder(r.Body).Decode(&in)
			v, _ := base64.StdEncoding.DecodeString(in.Payload.Data)
			ref := strings.TrimSuffix(p, ":addVersion")
			fmt.Fprintf(w, `{"name":"%s/versions/%d"}`, ref, s.add(ref, string(v)))
		case r.Method == http.MethodGet && strings.HasSuffix(p, "/versions"):
			ref := strings.TrimSuffix(p, "/versions")
			s.mu.Lock()
			var vs []string
			for i := range s.values[ref] {
				n, state := fmt.Sprintf("%s/versions/%d", ref, i+1), "ENABLED"
				if destroyed[n] {
					state = "DESTROYED"
				}
				vs = append(vs, fmt.Sprintf(`{"name":%q,"state":%q}`, n, state))
			}
			s.mu.Unlock()
			fmt.Fprintf(w, `{"versions":[%s]}`, strings.Join(vs, ","))
		case r.Method == http.MethodPost && strings.HasSuffix(p, ":destroy"):
			s.mu.Lock()
			destroyed[strings.TrimSuffix(p, ":destroy")] = true
			s.destroyed = append(s.destroyed, strings.TrimSuffix(p, ":destroy"))
			s.mu.Unlock()
			fmt.Fprint(w, `{}`)
		default:
			s.refuse("%s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}))
}

// azureStandIn answers IMDS's managed-identity token and Key Vault's secrets API.
func azureStandIn(t *testing.T, s *store) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metadata/identity/oauth2/token" {
			if r.Header.Get("Metadata") != "true" || r.URL.Query().Get("resource") != "https://vault.azure.net" {
				s.refuse("IMDS token request %s", r.URL)
			}
			fmt.Fprint(w, `{"access_token":"azure-token","token_type":"Bearer"}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer azure-token" || r.URL.Query().Get("api-version") != "7.4" {
			s.refuse("%s without the token or api-version 7.4", r.URL)
		}
		ref := "https://kv.vault.azure.net" + r.URL.Path
		switch r.Method {
		case http.MethodGet:
			v, ok := s.latest(ref)
			if !ok {
				http.Error(w, `{"error":{"code":"SecretNotFound"}}`, http.StatusNotFound)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"value": v, "id": ref + "/1"})
		case http.MethodPut:
			var in struct{ Value string }
			_ = json.NewDecoder(r.Body).Decode(&in)
			s.add(ref, in.Value)
			fmt.Fprint(w, `{}`)
		default:
			s.refuse("%s %s", r.Method, r.URL)
		}
	}))
}

// tool runs kost-secret with a configuration pointing at a stand-in.
func tool(t *testing.T, refs SecretRefs, stdin string, args ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kost-secret")
	if err := os.WriteFile(bin, []byte(secretTool), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(refs)
	conf := filepath.Join(dir, "secrets.json")
	if err := os.WriteFile(conf, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", append([]string{bin}, args...)...)
	cmd.Env = append(os.Environ(), "KOST_SECRETS_CONFIG="+conf, "KOST_SECRET_RETRY_SECONDS=0.1")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

func TestSecretTool(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed (every Ubuntu cloud image has it)")
	}
	pki := `{"ca.crt":"CERT","ca.key":"KEY","etcd/ca.key":"ETCDKEY","sa.pub":"PUB"}`
	for _, tc := range []struct {
		cloud string
		start func(*testing.T, *store) *httptest.Server
		refs  func(url string) SecretRefs
	}{
		{"aws", awsStandIn, func(url string) SecretRefs {
			return SecretRefs{Cloud: "aws", Region: "eu-west-1", PKI: "kost/c/pki", Token: "kost/c/join-token", Metadata: url, Endpoint: url}
		}},
		{"gcp", gcpStandIn, func(url string) SecretRefs {
			return SecretRefs{Cloud: "gcp", PKI: "projects/p/secrets/c-pki", Token: "projects/p/secrets/c-join-token", Metadata: url, Endpoint: url}
		}},
		{"azure", azureStandIn, func(url string) SecretRefs {
			return SecretRefs{Cloud: "azure", PKI: "https://kv.vault.azure.net/secrets/c-pki", Token: "https://kv.vault.azure.net/secrets/c-join-token", Metadata: url, Endpoint: url}
		}},
	} {
		t.Run(tc.cloud, func(t *testing.T) {
			s := &store{values: map[string][]string{}}
			srv := tc.start(t, s)
			defer srv.Close()
			refs := tc.refs(srv.URL)

			// No token yet: --wait waits, then fails saying so.
			if out, err := tool(t, refs, "", "get", "token", "--wait", "1"); err == nil || !strings.Contains(out, "still absent after 1 s") {
				t.Errorf("an absent token: %v: %s", err, out)
			}
			// The control planes publish, the nodes read the newest.
			for _, tok := range []string{"abcdef.0123456789abcdef", "ghijkl.0123456789abcdef"} {
				if out, err := tool(t, refs, tok+"\n", "put", "token"); err != nil {
					t.Fatalf("put: %v: %s", err, out)
				}
			}
			if out, err := tool(t, refs, "", "get", "token"); err != nil || out != "ghijkl.0123456789abcdef" {
				t.Errorf("get token = %q, %v", out, err)
			}
			// The PKI, unpacked with the keys readable by root only.
			s.add(refs.PKI, pki)
			dir := t.TempDir()
			if out, err := tool(t, refs, "", "pki", dir); err != nil {
				t.Fatalf("pki: %v: %s", err, out)
			}
			for name, want := range map[string]os.FileMode{"ca.crt": 0o644, "ca.key": 0o600, "etcd/ca.key": 0o600, "sa.pub": 0o644} {
				fi, err := os.Stat(filepath.Join(dir, name))
				if err != nil || fi.Mode().Perm() != want {
					t.Errorf("%s: %v, mode %v, want %v", name, err, fi, want)
				}
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "etcd/ca.key")); string(b) != "ETCDKEY" {
				t.Errorf("etcd/ca.key = %q", b)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.refused) > 0 {
				t.Errorf("the stand-in refused:\n%s", strings.Join(s.refused, "\n"))
			}
			if tc.cloud == "gcp" && (len(s.values[refs.Token]) != 2 || len(s.destroyed) != 1 || s.destroyed[0] != refs.Token+"/versions/1") {
				t.Errorf("token versions %v, destroyed %v: want the older one destroyed", s.values[refs.Token], s.destroyed)
			}
		})
	}
}

func TestSecretToolRefusesPathsOutsideItsDirectory(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	s := &store{values: map[string][]string{}}
	srv := gcpStandIn(t, s)
	defer srv.Close()
	refs := SecretRefs{Cloud: "gcp", PKI: "projects/p/secrets/c-pki", Token: "t", Metadata: srv.URL, Endpoint: srv.URL}
	s.add(refs.PKI, `{"../../etc/passwd":"x"}`)
	if out, err := tool(t, refs, "", "pki", t.TempDir()); err == nil || !strings.Contains(out, "refusing the file name") {
		t.Errorf("a file name leaving the directory: %v: %s", err, out)
	}
}
