package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// Kube is the little of a Kubernetes client the assertions need: JSON over HTTPS as the admin.
type Kube struct {
	server string
	http   *http.Client

	mu      sync.Mutex
	plurals map[string]apiResource
}

type apiResource struct {
	plural     string
	namespaced bool
}

// ErrNotFound is returned for a 404.
var ErrNotFound = errors.New("not found")

// NewKube makes a client for server with the admin's certificate.
func NewKube(server, caFile, certFile, keyFile string) (*Kube, error) {
	c, err := tlsClient(caFile, certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &Kube{server: server, http: c, plurals: map[string]apiResource{}}, nil
}

// Object is a Kubernetes object as decoded JSON.
type Object map[string]any

// Path returns the value at a dotted path ("status.availableReplicas"), or nil.
func (o Object) Path(path string) any {
	var v any = map[string]any(o)
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// Str returns the string at path, or "".
func (o Object) Str(path string) string { s, _ := o.Path(path).(string); return s }

// Do sends a request and decodes a JSON answer into out (when not nil).
func (k *Kube) Do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	return k.do(ctx, method, path, contentType, "application/json", body, out)
}

// GetAs returns the JSON document at a path served as media type accept (the API server's JWKS is
// application/jwk-set+json only).
func (k *Kube) GetAs(ctx context.Context, path, accept string) (Object, error) {
	var o Object
	return o, k.do(ctx, http.MethodGet, path, "", accept, nil, &o)
}

func (k *Kube) do(ctx context.Context, method, path, contentType, accept string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, k.server+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", accept)
	resp, err := k.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s %s: %w", method, path, ErrNotFound)
	case resp.StatusCode >= 300:
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// Get returns the object at an API path.
func (k *Kube) Get(ctx context.Context, path string) (Object, error) {
	var o Object
	return o, k.Do(ctx, http.MethodGet, path, "", nil, &o)
}

// List returns the items of a collection path.
func (k *Kube) List(ctx context.Context, path string) ([]Object, error) {
	var l struct {
		Items []Object `json:"items"`
	}
	return l.Items, k.Do(ctx, http.MethodGet, path, "", nil, &l)
}

// Create posts an object to a collection path.
func (k *Kube) Create(ctx context.Context, path string, obj any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return k.Do(ctx, http.MethodPost, path, "application/json", b, nil)
}

// Patch merge-patches the object at path.
func (k *Kube) Patch(ctx context.Context, path string, patch any) error {
	b, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	return k.Do(ctx, http.MethodPatch, path, "application/merge-patch+json", b, nil)
}

// Delete deletes the object at path.
func (k *Kube) Delete(ctx context.Context, path string) error {
	return k.Do(ctx, http.MethodDelete, path, "", nil, nil)
}

// ObjectPath is the API path of an object of apiVersion and kind, found through discovery.
// Namespace is ignored for cluster-scoped kinds.
func (k *Kube) ObjectPath(ctx context.Context, apiVersion, kind, namespace, name string) (string, error) {
	res, err := k.resource(ctx, apiVersion, kind)
	if err != nil {
		return "", err
	}
	base := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		base = "/api/" + apiVersion
	}
	if res.namespaced {
		base += "/namespaces/" + namespace
	}
	return base + "/" + res.plural + "/" + name, nil
}

// resource finds the plural and scope of a kind through the API server's discovery documents.
func (k *Kube) resource(ctx context.Context, apiVersion, kind string) (apiResource, error) {
	key := apiVersion + "/" + kind
	k.mu.Lock()
	r, ok := k.plurals[key]
	k.mu.Unlock()
	if ok {
		return r, nil
	}
	path := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		path = "/api/" + apiVersion
	}
	var doc struct {
		Resources []struct {
			Name       string `json:"name"`
			Kind       string `json:"kind"`
			Namespaced bool   `json:"namespaced"`
		} `json:"resources"`
	}
	if err := k.Do(ctx, http.MethodGet, path, "", nil, &doc); err != nil {
		return r, fmt.Errorf("discovery of %s: %w", apiVersion, err)
	}
	for _, d := range doc.Resources {
		if d.Kind == kind && !strings.Contains(d.Name, "/") {
			r = apiResource{plural: d.Name, namespaced: d.Namespaced}
			k.mu.Lock()
			k.plurals[key] = r
			k.mu.Unlock()
			return r, nil
		}
	}
	return r, fmt.Errorf("%s has no kind %s: %w", apiVersion, kind, ErrNotFound)
}
