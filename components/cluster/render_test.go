package cluster

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKubeconfig(t *testing.T) {
	t.Parallel()
	user := ExecUser{Command: "aws", Args: []string{"eks", "get-token"}, Env: map[string]string{"AWS_PROFILE": "p"}}
	var got map[string]any
	if err := json.Unmarshal([]byte(Kubeconfig("c", "https://x", "Y2E=", user.User())), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "c",
		"clusters": []any{map[string]any{"name": "c", "cluster": map[string]any{"server": "https://x", "certificate-authority-data": "Y2E="}}},
		"contexts": []any{map[string]any{"name": "c", "context": map[string]any{"cluster": "c", "user": "c"}}},
		"users": []any{map[string]any{"name": "c", "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws", "args": []any{"eks", "get-token"},
			"env": []any{map[string]any{"name": "AWS_PROFILE", "value": "p"}}, "interactiveMode": "Never", "provideClusterInfo": false,
		}}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("kubeconfig (-want +got):\n%s", d)
	}
}
