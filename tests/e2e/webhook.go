package e2e

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// SparkWebhookStandIn stands in for the Spark operator's webhook pod, which kwok runs without a
// container. It is a stand-in, not the operator: it does the two things the API server needs from
// that pod, the way the operator's webhook does them (kubeflow/spark-operator v2.5.2 generates its
// own serving certificate at start and writes its CA into the webhook configurations' caBundle):
//   - it makes a serving certificate for the webhook Service's name and puts its CA into the
//     caBundle of every webhook configuration that calls a Service in its namespace;
//   - it answers every AdmissionReview on the webhook port: allowed, unchanged.
//
// The API server dials a webhook at its pod's address (--enable-aggregator-routing), which kwok
// takes from a range local to the run's network namespace, so the call reaches this listener there. The program keeps the chart's failurePolicy Fail, as in production: were the webhook
// unreachable, the Spark custom resources would be refused, and the run would say so.
type SparkWebhookStandIn struct {
	kube      *Kube
	namespace string
	port      int

	mu    sync.Mutex
	certs map[string]*tls.Certificate // by server name
	ca    *authority
	pool  []byte // CA PEM

	// Reviews counts the admission reviews answered, by resource.
	Reviews map[string]int

	srv  *http.Server
	stop chan struct{}
	done chan struct{}
}

// StartSparkWebhookStandIn listens on the webhook port (the chart's webhook.port, 9443) and keeps
// the caBundle of the Spark operator's webhook configurations in namespace pointing at it.
func StartSparkWebhookStandIn(ctx context.Context, kube *Kube, dir, namespace string, port int) (*SparkWebhookStandIn, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ca, err := newAuthority(dir, "stand-in for the Spark operator webhook's CA")
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})
	w := &SparkWebhookStandIn{kube: kube, namespace: namespace, port: port, certs: map[string]*tls.Certificate{},
		ca: ca, pool: caPEM, Reviews: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return nil, fmt.Errorf("stand-in webhook: %w", err)
	}
	w.srv = &http.Server{
		Handler:           http.HandlerFunc(w.review),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: w.certificate},
	}
	go func() { _ = w.srv.ServeTLS(l, "", "") }()
	go w.syncCABundles()
	return w, nil
}

// Stop closes the listener and ends the caBundle sync.
func (w *SparkWebhookStandIn) Stop() {
	close(w.stop)
	<-w.done
	_ = w.srv.Close()
}

// certificate serves a certificate for the name the API server asks for (the Service's DNS name).
func (w *SparkWebhookStandIn) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := hello.ServerName
	if !strings.HasSuffix(name, "."+w.namespace+".svc") {
		return nil, fmt.Errorf("stand-in webhook: no certificate for %q", name)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.certs[name]; ok {
		return c, nil
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: w.ca.cert.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, w.ca.cert, key.Public(), w.ca.key)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	w.certs[name] = c
	return c, nil
}

// review answers an AdmissionReview: allowed, no patch.
func (w *SparkWebhookStandIn) review(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	var in struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Request    struct {
			UID      string `json:"uid"`
			Resource struct {
				Resource string `json:"resource"`
			} `json:"resource"`
		} `json:"request"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Request.UID == "" {
		http.Error(rw, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.Reviews[in.Request.Resource.Resource]++
	w.mu.Unlock()
	out := map[string]any{
		"apiVersion": in.APIVersion, "kind": in.Kind,
		"response": map[string]any{"uid": in.Request.UID, "allowed": true},
	}
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(out)
}

// syncCABundles writes the stand-in's CA into the webhook configurations that call a Service in
// its namespace, every half second, as the operator keeps them in sync.
func (w *SparkWebhookStandIn) syncCABundles() {
	defer close(w.done)
	bundle := base64Std(string(w.pool))
	for {
		for _, kind := range []string{"mutatingwebhookconfigurations", "validatingwebhookconfigurations"} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = w.syncKind(ctx, kind, bundle)
			cancel()
		}
		select {
		case <-w.stop:
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (w *SparkWebhookStandIn) syncKind(ctx context.Context, kind, bundle string) error {
	base := "/apis/admissionregistration.k8s.io/v1/" + kind
	items, err := w.kube.List(ctx, base)
	if err != nil {
		return err
	}
	for _, cfg := range items {
		hooks, _ := cfg["webhooks"].([]any)
		changed := false
		for _, h := range hooks {
			hm, _ := h.(map[string]any)
			cc, _ := hm["clientConfig"].(map[string]any)
			svc, _ := cc["service"].(map[string]any)
			if svc == nil || svc["namespace"] != w.namespace || cc["caBundle"] == bundle {
				continue
			}
			cc["caBundle"] = bundle
			changed = true
		}
		if !changed {
			continue
		}
		name := cfg.Str("metadata.name")
		body, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		// An update with the object's resourceVersion: a concurrent change makes it fail and the next
		// round tries again.
		if err := w.kube.Do(ctx, http.MethodPut, base+"/"+name, "application/json", body, nil); err != nil && !errors.Is(err, ErrNotFound) {
			continue
		}
	}
	return nil
}

// Answered returns how many reviews were answered for a resource (e.g. "sparkapplications").
func (w *SparkWebhookStandIn) Answered(resource string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Reviews[resource]
}
