// Command cdcsync makes TiCDC's changefeeds match a declared set. kost runs it as a Kubernetes Job
// in the TiDB namespace (components/data/changefeeds.go), where the pinned Go image compiles this
// very file: it therefore imports only the standard library and is one file.
//
// It speaks TiCDC's OpenAPI v2 as TiCDC v8.5.7 serves it (the ticdc v8.5.7 binary runs tiflow
// v8.5.7's server by default; cdc/api/v2 there). What it relies on, with where it was read:
//   - GET /api/v2/changefeeds answers {"total","items":[{"id","state","error"...}]} (model.go
//     ListResponse, ChangefeedCommonInfo); without ?state it lists normal, stopped, failed, warning
//     and pending feeds.
//   - GET /api/v2/changefeeds/{id} answers a ChangeFeedInfo {"id","sink_uri","config","state",...};
//     a missing feed is HTTP 400 with error_code CDC:ErrChangeFeedNotExists.
//   - POST /api/v2/changefeeds creates; the body's replica_config is decoded over TiCDC's defaults.
//     A duplicate is HTTP 500 with CDC:ErrChangeFeedAlreadyExists. Creation validates the sink, so
//     it fails while the Kafka topic is missing or unreachable.
//   - PUT /api/v2/changefeeds/{id} only while the feed is stopped or failed (else 400
//     CDC:ErrChangefeedUpdateRefused); its replica_config replaces the whole config, so the config
//     TiCDC returned is sent back with kost's fields changed. It does not resume the feed.
//   - POST .../pause and .../resume (body {}) answer {}; DELETE answers {} even for a missing feed.
//   - Errors are {"error_msg","error_code"}: 400 for the refusals listed in cdc/api/util.go, 500 for
//     the rest, 503 CDC:ErrServerIsNotReady while the capture starts.
//
// Feeds whose ID starts with the prefix (KOST_CDC_PREFIX, "kost-") are kost's: those left out of the
// declared set are removed; every other feed is left alone.
//
// Environment:
//
//	KOST_CDC_SERVER  TiCDC's API, e.g. https://kost-ticdc-peer.tidb.svc:8301 (required)
//	KOST_CDC_FEEDS   the declared set, a JSON array of Feed (required; [] removes kost's feeds)
//	KOST_CDC_PREFIX  the prefix of kost's feed IDs (default kost-)
//	KOST_CDC_CA, KOST_CDC_CERT, KOST_CDC_KEY  PEM files for TLS to TiCDC (optional)
//	KOST_CDC_WAIT    how long to wait for TiCDC and Kafka in all (Go duration, default 15m)
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// Feed is one declared changefeed.
type Feed struct {
	// ID is TiCDC's changefeed ID, with the prefix.
	ID string `json:"id"`
	// SinkURI is where the feed writes, e.g. kafka://host:9092/topic?protocol=canal-json.
	SinkURI string `json:"sinkURI"`
	// Rules are TiCDC's table filter rules, e.g. ["shop.*", "!shop.tmp_*"].
	Rules []string `json:"rules"`
	// Protocol of the messages, as in the sink URI.
	Protocol string `json:"protocol"`
	// ForceReplicate replicates tables without a primary or unique key; otherwise such tables are
	// ignored (ignore_ineligible_table).
	ForceReplicate bool `json:"forceReplicate"`
}

// APIError is TiCDC's error answer.
type APIError struct {
	Status int
	Code   string `json:"error_code"`
	Msg    string `json:"error_msg"`
}

func (e *APIError) Error() string {
	if e.Code == "" && e.Msg == "" {
		return fmt.Sprintf("TiCDC answered HTTP %d", e.Status)
	}
	return fmt.Sprintf("TiCDC answered HTTP %d %s: %s", e.Status, e.Code, e.Msg)
}

// TiCDC's error codes this program acts on (tiflow pkg/errors/cdc_errors.go).
const (
	codeNotExists     = "CDC:ErrChangeFeedNotExists"
	codeAlreadyExists = "CDC:ErrChangeFeedAlreadyExists"
)

// Client calls TiCDC's API.
type Client struct {
	Base string
	HTTP *http.Client
	// Pause between attempts of a retried call, and between polls. Default: 2s.
	Pause time.Duration
	Log   io.Writer
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Base, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(raw, e) != nil {
			e.Msg = strings.TrimSpace(string(raw))
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: unreadable answer: %w", method, path, err)
	}
	return nil
}

// transient says whether a failed call may succeed later: TiCDC not reachable or not ready, no
// owner yet, or a sink TiCDC cannot reach yet (a missing Kafka topic is a 500). TiCDC's refusals
// (HTTP 4xx) are final, as is a duplicate create, which the caller handles.
func transient(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
	}
	return e.Status >= 500 && e.Code != codeAlreadyExists
}

// retry calls f until it succeeds, fails for good, or ctx ends; the error then is TiCDC's last
// answer (not the cancelled call's).
func (c *Client) retry(ctx context.Context, what string, f func() error) error {
	var last error
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if last == nil {
				last = err
			}
			return fmt.Errorf("gave up waiting after %d attempts: %w", attempt, last)
		}
		if !transient(err) {
			return err
		}
		last = err
		c.logf("%s: %v (attempt %d; retrying)", what, err, attempt)
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting after %d attempts: %w", attempt, last)
		case <-time.After(c.pause()):
		}
	}
}

func (c *Client) pause() time.Duration {
	if c.Pause > 0 {
		return c.Pause
	}
	return 2 * time.Second
}

func (c *Client) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// info is the part of a ChangeFeedInfo compared here; Config is kept whole to send back.
type info struct {
	ID      string         `json:"id"`
	SinkURI string         `json:"sink_uri"`
	State   string         `json:"state"`
	Config  map[string]any `json:"config"`
}

type runningError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type status struct {
	State       string        `json:"state"`
	LastError   *runningError `json:"last_error"`
	LastWarning *runningError `json:"last_warning"`
}

func feedPath(id string) string { return "/api/v2/changefeeds/" + url.PathEscape(id) }

// Result says what Reconcile did to each feed: created, updated, unchanged or removed.
type Result map[string]string

// Reconcile makes TiCDC's feeds with the prefix exactly feeds, then waits until each is running.
// It stops at the first refusal, with TiCDC's message.
func Reconcile(ctx context.Context, c *Client, prefix string, feeds []Feed) (Result, error) {
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := c.retry(ctx, "listing changefeeds", func() error {
		return c.do(ctx, http.MethodGet, "/api/v2/changefeeds", nil, &list)
	}); err != nil {
		return nil, fmt.Errorf("listing changefeeds: %w", err)
	}
	existing := map[string]bool{}
	for _, it := range list.Items {
		existing[it.ID] = true
	}
	res := Result{}
	declared := map[string]bool{}
	for _, f := range feeds {
		declared[f.ID] = true
		what, err := ensure(ctx, c, f, existing[f.ID])
		if err != nil {
			return res, fmt.Errorf("changefeed %s: %w", f.ID, err)
		}
		res[f.ID] = what
	}
	var gone []string
	for id := range existing {
		if strings.HasPrefix(id, prefix) && !declared[id] {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		if err := c.retry(ctx, "removing "+id, func() error {
			return c.do(ctx, http.MethodDelete, feedPath(id), nil, nil)
		}); err != nil {
			return res, fmt.Errorf("changefeed %s: removing: %w", id, err)
		}
		res[id] = "removed"
		c.logf("changefeed %s: removed", id)
	}
	for _, f := range feeds {
		if err := waitRunning(ctx, c, f.ID); err != nil {
			return res, fmt.Errorf("changefeed %s: %w", f.ID, err)
		}
	}
	return res, nil
}

// ensure creates f, or updates it where it differs.
func ensure(ctx context.Context, c *Client, f Feed, exists bool) (string, error) {
	if !exists {
		err := c.retry(ctx, "creating "+f.ID, func() error {
			return c.do(ctx, http.MethodPost, "/api/v2/changefeeds", createBody(f), nil)
		})
		var e *APIError
		switch {
		case err == nil:
			c.logf("changefeed %s: created", f.ID)
			return "created", nil
		case errors.As(err, &e) && e.Code == codeAlreadyExists:
			// Made meanwhile (a retried create that had succeeded): compare it below.
		default:
			return "", fmt.Errorf("creating: %w", err)
		}
	}
	var cur info
	if err := c.retry(ctx, "reading "+f.ID, func() error {
		return c.do(ctx, http.MethodGet, feedPath(f.ID), nil, &cur)
	}); err != nil {
		return "", fmt.Errorf("reading: %w", err)
	}
	if Same(cur, f) {
		c.logf("changefeed %s: unchanged (%s)", f.ID, cur.State)
		return "unchanged", nil
	}
	// TiCDC updates only a stopped or failed feed.
	paused := false
	if cur.State != "stopped" && cur.State != "failed" {
		paused = true
		if err := c.retry(ctx, "pausing "+f.ID, func() error {
			return c.do(ctx, http.MethodPost, feedPath(f.ID)+"/pause", nil, nil)
		}); err != nil {
			return "", fmt.Errorf("pausing to update: %w", err)
		}
		if err := waitState(ctx, c, f.ID, "stopped"); err != nil {
			return "", fmt.Errorf("pausing to update: %w", err)
		}
	}
	resume := func() error {
		return c.retry(ctx, "resuming "+f.ID, func() error {
			return c.do(ctx, http.MethodPost, feedPath(f.ID)+"/resume", map[string]any{}, nil)
		})
	}
	if err := c.retry(ctx, "updating "+f.ID, func() error {
		return c.do(ctx, http.MethodPut, feedPath(f.ID), updateBody(cur, f), nil)
	}); err != nil {
		if paused {
			// The refused update must not leave a running feed stopped: resume it as it was.
			if rerr := resume(); rerr != nil {
				return "", fmt.Errorf("updating: %w (and resuming it unchanged: %w)", err, rerr)
			}
			return "", fmt.Errorf("updating (left running unchanged): %w", err)
		}
		return "", fmt.Errorf("updating: %w", err)
	}
	if err := resume(); err != nil {
		return "", fmt.Errorf("resuming after the update: %w", err)
	}
	c.logf("changefeed %s: updated", f.ID)
	return "updated", nil
}

func createBody(f Feed) map[string]any {
	return map[string]any{
		"changefeed_id": f.ID,
		"sink_uri":      f.SinkURI,
		"replica_config": map[string]any{
			"force_replicate":         f.ForceReplicate,
			"ignore_ineligible_table": !f.ForceReplicate,
			"filter":                  map[string]any{"rules": f.Rules},
			"sink":                    map[string]any{"protocol": f.Protocol},
		},
	}
}

// updateBody is the config TiCDC returned with kost's fields set: a PUT replaces the whole
// replica config, so nothing else may be left out.
func updateBody(cur info, f Feed) map[string]any {
	cfg := map[string]any{}
	for k, v := range cur.Config {
		cfg[k] = v
	}
	cfg["force_replicate"] = f.ForceReplicate
	cfg["ignore_ineligible_table"] = !f.ForceReplicate
	cfg["filter"] = merged(cfg["filter"], "rules", f.Rules)
	cfg["sink"] = merged(cfg["sink"], "protocol", f.Protocol)
	return map[string]any{"sink_uri": f.SinkURI, "replica_config": cfg}
}

func merged(v any, key string, val any) map[string]any {
	out := map[string]any{}
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			out[k] = x
		}
	}
	out[key] = val
	return out
}

// Same says whether TiCDC's feed already is f. TiCDC returns the sink URI re-encoded (and masked,
// which touches only credentials kost never puts there), so URIs compare by their parts.
func Same(cur info, f Feed) bool {
	if !sameURI(cur.SinkURI, f.SinkURI) {
		return false
	}
	filter, _ := cur.Config["filter"].(map[string]any)
	sink, _ := cur.Config["sink"].(map[string]any)
	var rules []string
	if rs, ok := filter["rules"].([]any); ok {
		for _, r := range rs {
			s, _ := r.(string)
			rules = append(rules, s)
		}
	}
	protocol, _ := sink["protocol"].(string)
	force, _ := cur.Config["force_replicate"].(bool)
	ignore, _ := cur.Config["ignore_ineligible_table"].(bool)
	return slices.Equal(rules, f.Rules) && protocol == f.Protocol && force == f.ForceReplicate && ignore == !f.ForceReplicate
}

func sameURI(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ua.Scheme == ub.Scheme && ua.Host == ub.Host && ua.Path == ub.Path && reflect.DeepEqual(ua.Query(), ub.Query())
}

// waitState polls the feed until it is in state.
func waitState(ctx context.Context, c *Client, id, state string) error {
	for {
		var s status
		err := c.retry(ctx, "reading "+id, func() error {
			return c.do(ctx, http.MethodGet, feedPath(id)+"/status", nil, &s)
		})
		if err != nil {
			return err
		}
		if s.State == state {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("still %q, not %q, when the wait ended", s.State, state)
		case <-time.After(c.pause()):
		}
	}
}

// waitRunning polls the feed until it is normal; a failed feed ends the wait with TiCDC's error.
func waitRunning(ctx context.Context, c *Client, id string) error {
	for {
		var s status
		if err := c.retry(ctx, "reading "+id, func() error {
			return c.do(ctx, http.MethodGet, feedPath(id)+"/status", nil, &s)
		}); err != nil {
			return fmt.Errorf("reading its state: %w", err)
		}
		switch s.State {
		case "normal":
			return nil
		case "failed", "stopped", "finished", "removed":
			return fmt.Errorf("is %s%s", s.State, describe(s.LastError))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("still %s when the wait ended%s", s.State, describe(s.LastWarning))
		case <-time.After(c.pause()):
		}
	}
}

func describe(e *runningError) string {
	if e == nil || e.Message == "" {
		return ""
	}
	return fmt.Sprintf(": %s %s", e.Code, e.Message)
}

// httpClient trusts ca and presents cert/key when they are set.
func httpClient(ca, cert, key string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if ca != "" || cert != "" || key != "" {
		if ca == "" || cert == "" || key == "" {
			return nil, errors.New("KOST_CDC_CA, KOST_CDC_CERT and KOST_CDC_KEY go together")
		}
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", ca)
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}, nil
}

func run() error {
	server := os.Getenv("KOST_CDC_SERVER")
	if server == "" {
		return errors.New("KOST_CDC_SERVER is required")
	}
	var feeds []Feed
	if err := json.Unmarshal([]byte(os.Getenv("KOST_CDC_FEEDS")), &feeds); err != nil {
		return fmt.Errorf("KOST_CDC_FEEDS: %w", err)
	}
	prefix := os.Getenv("KOST_CDC_PREFIX")
	if prefix == "" {
		prefix = "kost-"
	}
	for _, f := range feeds {
		if !strings.HasPrefix(f.ID, prefix) {
			return fmt.Errorf("KOST_CDC_FEEDS: %s does not start with %s, so a later run could not remove it", f.ID, prefix)
		}
	}
	wait := 15 * time.Minute
	if w := os.Getenv("KOST_CDC_WAIT"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil {
			return fmt.Errorf("KOST_CDC_WAIT: %w", err)
		}
		wait = d
	}
	hc, err := httpClient(os.Getenv("KOST_CDC_CA"), os.Getenv("KOST_CDC_CERT"), os.Getenv("KOST_CDC_KEY"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c := &Client{Base: server, HTTP: hc, Log: os.Stdout}
	res, err := Reconcile(ctx, c, prefix, feeds)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res))
	for id := range res {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Printf("%s %s\n", id, res[id])
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cdcsync:", err)
		// Kubernetes shows it as the container's termination message (kubectl describe).
		_ = os.WriteFile("/dev/termination-log", []byte(err.Error()), 0o644)
		os.Exit(1)
	}
}
