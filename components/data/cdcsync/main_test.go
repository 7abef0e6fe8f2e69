package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTiCDC follows TiCDC v8.5.7's OpenAPI v2 (tiflow v8.5.7 cdc/api/v2) as far as cdcsync uses it:
// the list envelope, 400 for a missing feed, 500 for a duplicate, updates only of stopped or failed
// feeds replacing the whole replica config (and refused when nothing changes), pause and resume,
// an idempotent delete, the error body {"error_msg","error_code"} and 503 while not ready.
type fakeTiCDC struct {
	mu    sync.Mutex
	feeds map[string]*fakeFeed
	calls []string
	// notReady answers the next n calls with 503.
	notReady int
	// sinkDown fails the next n creates as a missing topic does (a 500).
	sinkDown int
	// failAfterCreate leaves new feeds failed, with this error.
	failAfterCreate string
}

type fakeFeed struct {
	sinkURI string
	config  map[string]any
	state   string
}

var changefeedID = regexp.MustCompile(`^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$`)

// defaultReplicaConfig is a part of what TiCDC starts a create from (config.GetDefaultReplicaConfig).
func defaultReplicaConfig() map[string]any {
	return map[string]any{
		"memory_quota": float64(1073741824), "case_sensitive": false, "force_replicate": false,
		"ignore_ineligible_table": false, "check_gc_safe_point": true,
		"filter": map[string]any{"rules": []any{"*.*"}},
		"sink":   map[string]any{"protocol": "", "delete_only_output_handle_key_columns": false},
	}
}

func (f *fakeTiCDC) fail(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error_msg": fmt.Sprintf("[%s]%s", code, msg), "error_code": code})
}

func (f *fakeTiCDC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/api/v2/changefeeds")
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if f.notReady > 0 {
		f.notReady--
		f.fail(w, http.StatusServiceUnavailable, "CDC:ErrServerIsNotReady", "cdc server is not ready")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	id, action := parts[0], ""
	if len(parts) > 1 {
		action = parts[1]
	}
	feed := f.feeds[id]
	switch {
	case r.Method == http.MethodGet && id == "":
		type item struct {
			ID    string `json:"id"`
			State string `json:"state"`
		}
		items := []item{}
		for id, fd := range f.feeds {
			items = append(items, item{id, fd.state})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"total": len(items), "items": items})
	case r.Method == http.MethodPost && id == "":
		body := struct {
			ID      string         `json:"changefeed_id"`
			SinkURI string         `json:"sink_uri"`
			Config  map[string]any `json:"replica_config"`
		}{Config: defaultReplicaConfig()}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.fail(w, http.StatusBadRequest, "CDC:ErrAPIInvalidParam", err.Error())
			return
		}
		switch {
		case !changefeedID.MatchString(body.ID):
			f.fail(w, http.StatusBadRequest, "CDC:ErrAPIInvalidParam", "invalid changefeed_id: "+body.ID)
		case f.feeds[body.ID] != nil:
			f.fail(w, http.StatusInternalServerError, "CDC:ErrChangeFeedAlreadyExists", "changefeed already exists, "+body.ID)
		case slices.Contains(asStrings(body.Config["filter"].(map[string]any)["rules"]), "bad rule"):
			f.fail(w, http.StatusBadRequest, "CDC:ErrFilterRuleInvalid", "filter rule is invalid [bad rule]")
		case f.sinkDown > 0:
			f.sinkDown--
			f.fail(w, http.StatusInternalServerError, "CDC:ErrKafkaNewProducer", "new kafka producer: [CDC:ErrKafkaInvalidConfig]`auto-create-topic` is false, and tidb-cdc not found")
		default:
			state := "normal"
			if f.failAfterCreate != "" {
				state = "failed"
			}
			f.feeds[body.ID] = &fakeFeed{sinkURI: body.SinkURI, config: body.Config, state: state}
			_ = json.NewEncoder(w).Encode(map[string]any{"id": body.ID, "state": state})
		}
	case feed == nil && r.Method == http.MethodDelete:
		_, _ = io.WriteString(w, "{}")
	case feed == nil:
		f.fail(w, http.StatusBadRequest, "CDC:ErrChangeFeedNotExists", "changefeed not exists, "+id)
	case r.Method == http.MethodGet && action == "":
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "sink_uri": masked(feed.sinkURI), "config": feed.config, "state": feed.state})
	case r.Method == http.MethodGet && action == "status":
		s := map[string]any{"state": feed.state}
		if feed.state == "failed" {
			s["last_error"] = map[string]any{"code": "CDC:ErrKafkaSendMessage", "message": f.failAfterCreate}
		}
		_ = json.NewEncoder(w).Encode(s)
	case r.Method == http.MethodPut && action == "":
		if feed.state != "stopped" && feed.state != "failed" {
			f.fail(w, http.StatusBadRequest, "CDC:ErrChangefeedUpdateRefused", "can only update changefeed config when it is stopped or failed")
			return
		}
		var body struct {
			SinkURI string         `json:"sink_uri"`
			Config  map[string]any `json:"replica_config"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.fail(w, http.StatusBadRequest, "CDC:ErrAPIInvalidParam", err.Error())
			return
		}
		if filter, ok := body.Config["filter"].(map[string]any); ok && slices.Contains(asStrings(filter["rules"]), "bad rule") {
			f.fail(w, http.StatusBadRequest, "CDC:ErrFilterRuleInvalid", "filter rule is invalid [bad rule]")
			return
		}
		if body.SinkURI == feed.sinkURI && equalJSON(body.Config, feed.config) {
			f.fail(w, http.StatusBadRequest, "CDC:ErrChangefeedUpdateRefused", "changefeed config is the same with the old one, do nothing")
			return
		}
		if body.SinkURI != "" {
			feed.sinkURI = body.SinkURI
		}
		if body.Config != nil {
			feed.config = body.Config // replaces the whole config
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "state": feed.state})
	case r.Method == http.MethodPost && action == "pause":
		feed.state = "stopped"
		_, _ = io.WriteString(w, "{}")
	case r.Method == http.MethodPost && action == "resume":
		if err := json.NewDecoder(r.Body).Decode(&map[string]any{}); err != nil {
			f.fail(w, http.StatusBadRequest, "CDC:ErrAPIInvalidParam", "EOF")
			return
		}
		feed.state = "normal"
		_, _ = io.WriteString(w, "{}")
	case r.Method == http.MethodDelete:
		delete(f.feeds, id)
		_, _ = io.WriteString(w, "{}")
	default:
		http.NotFound(w, r)
	}
}

// masked re-encodes the URI as TiCDC's MaskSinkURI does (query sorted).
func masked(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.RawQuery = u.Query().Encode()
	return u.String()
}

func asStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func (f *fakeTiCDC) mutating() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if !strings.HasPrefix(c, "GET ") {
			out = append(out, c)
		}
	}
	return out
}

const sink = "kafka://kost-kafka-bootstrap.kafka.svc:9092/tidb-cdc?protocol=canal-json&replication-factor=3&auto-create-topic=false"

func feed(id string) Feed {
	return Feed{ID: id, SinkURI: sink, Rules: []string{"*.*"}, Protocol: "canal-json"}
}

// existing is a feed as TiCDC holds it after kost created f.
func existing(f Feed, state string) *fakeFeed {
	cfg := defaultReplicaConfig()
	body := createBody(f)["replica_config"].(map[string]any)
	raw, _ := json.Marshal(body)
	_ = json.Unmarshal(raw, &cfg)
	return &fakeFeed{sinkURI: f.SinkURI, config: cfg, state: state}
}

func TestReconcile(t *testing.T) {
	changed := feed("kost-tidb")
	changed.Rules = []string{"shop.*", "!shop.tmp_*"}
	for _, tc := range []struct {
		name      string
		fake      *fakeTiCDC
		declared  []Feed
		want      Result
		wantCalls []string
		// wantErr: the error must contain every one of these.
		wantErr []string
		check   func(t *testing.T, f *fakeTiCDC)
	}{{
		name:      "creates a missing feed",
		fake:      &fakeTiCDC{feeds: map[string]*fakeFeed{}},
		declared:  []Feed{feed("kost-tidb")},
		want:      Result{"kost-tidb": "created"},
		wantCalls: []string{"POST /api/v2/changefeeds"},
		check: func(t *testing.T, f *fakeTiCDC) {
			cfg := f.feeds["kost-tidb"].config
			if cfg["memory_quota"] != float64(1073741824) || cfg["ignore_ineligible_table"] != true {
				t.Errorf("config %v: want TiCDC's defaults with ignore_ineligible_table", cfg)
			}
		},
	}, {
		name:     "leaves an identical feed alone, though TiCDC re-encodes its URI",
		fake:     &fakeTiCDC{feeds: map[string]*fakeFeed{"kost-tidb": existing(feed("kost-tidb"), "normal")}},
		declared: []Feed{feed("kost-tidb")},
		want:     Result{"kost-tidb": "unchanged"},
	}, {
		name:     "updates a changed feed: pause, the whole config with the change, resume",
		fake:     &fakeTiCDC{feeds: map[string]*fakeFeed{"kost-tidb": existing(feed("kost-tidb"), "normal")}},
		declared: []Feed{changed},
		want:     Result{"kost-tidb": "updated"},
		wantCalls: []string{"POST /api/v2/changefeeds/kost-tidb/pause", "PUT /api/v2/changefeeds/kost-tidb",
			"POST /api/v2/changefeeds/kost-tidb/resume"},
		check: func(t *testing.T, f *fakeTiCDC) {
			cfg := f.feeds["kost-tidb"].config
			if got := asStrings(cfg["filter"].(map[string]any)["rules"]); !slices.Equal(got, changed.Rules) {
				t.Errorf("rules %v, want %v", got, changed.Rules)
			}
			if cfg["memory_quota"] != float64(1073741824) || cfg["check_gc_safe_point"] != true {
				t.Errorf("config %v: the update dropped fields kost does not set", cfg)
			}
			if f.feeds["kost-tidb"].state != "normal" {
				t.Errorf("state %s after the update, want normal", f.feeds["kost-tidb"].state)
			}
		},
	}, {
		name:      "updates a failed feed without pausing it",
		fake:      &fakeTiCDC{feeds: map[string]*fakeFeed{"kost-tidb": existing(feed("kost-tidb"), "failed")}},
		declared:  []Feed{changed},
		want:      Result{"kost-tidb": "updated"},
		wantCalls: []string{"PUT /api/v2/changefeeds/kost-tidb", "POST /api/v2/changefeeds/kost-tidb/resume"},
	}, {
		name: "removes kost's feeds that left the set, never anyone else's",
		fake: &fakeTiCDC{feeds: map[string]*fakeFeed{
			"kost-old": existing(feed("kost-old"), "normal"), "etl-by-hand": existing(feed("etl-by-hand"), "normal"),
		}},
		declared:  []Feed{feed("kost-tidb")},
		want:      Result{"kost-tidb": "created", "kost-old": "removed"},
		wantCalls: []string{"POST /api/v2/changefeeds", "DELETE /api/v2/changefeeds/kost-old"},
		check: func(t *testing.T, f *fakeTiCDC) {
			if f.feeds["etl-by-hand"] == nil {
				t.Error("removed a feed kost does not own")
			}
		},
	}, {
		name:      "an empty set removes every feed of kost's",
		fake:      &fakeTiCDC{feeds: map[string]*fakeFeed{"kost-tidb": existing(feed("kost-tidb"), "stopped")}},
		declared:  nil,
		want:      Result{"kost-tidb": "removed"},
		wantCalls: []string{"DELETE /api/v2/changefeeds/kost-tidb"},
	}, {
		name:      "waits while TiCDC is not ready and while the topic is missing",
		fake:      &fakeTiCDC{feeds: map[string]*fakeFeed{}, notReady: 3, sinkDown: 2},
		declared:  []Feed{feed("kost-tidb")},
		want:      Result{"kost-tidb": "created"},
		wantCalls: []string{"POST /api/v2/changefeeds", "POST /api/v2/changefeeds", "POST /api/v2/changefeeds"},
	}, {
		name:      "fails at once with TiCDC's message when TiCDC refuses",
		fake:      &fakeTiCDC{feeds: map[string]*fakeFeed{}},
		declared:  []Feed{{ID: "kost-tidb", SinkURI: sink, Rules: []string{"bad rule"}, Protocol: "canal-json"}},
		wantErr:   []string{"changefeed kost-tidb: creating", "HTTP 400", "CDC:ErrFilterRuleInvalid", "filter rule is invalid [bad rule]"},
		wantCalls: []string{"POST /api/v2/changefeeds"},
	}, {
		name:     "a refused update leaves the feed running as it was, and fails with TiCDC's message",
		fake:     &fakeTiCDC{feeds: map[string]*fakeFeed{"kost-tidb": existing(feed("kost-tidb"), "normal")}},
		declared: []Feed{{ID: "kost-tidb", SinkURI: sink, Rules: []string{"bad rule"}, Protocol: "canal-json"}},
		wantErr:  []string{"left running unchanged", "CDC:ErrFilterRuleInvalid"},
		wantCalls: []string{"POST /api/v2/changefeeds/kost-tidb/pause", "PUT /api/v2/changefeeds/kost-tidb",
			"POST /api/v2/changefeeds/kost-tidb/resume"},
		check: func(t *testing.T, f *fakeTiCDC) {
			if st := f.feeds["kost-tidb"].state; st != "normal" {
				t.Errorf("state %s, want normal", st)
			}
			if got := asStrings(f.feeds["kost-tidb"].config["filter"].(map[string]any)["rules"]); !slices.Equal(got, []string{"*.*"}) {
				t.Errorf("rules %v: the refused update changed the feed", got)
			}
		},
	}, {
		name:     "a feed that fails after creation fails the run with TiCDC's error",
		fake:     &fakeTiCDC{feeds: map[string]*fakeFeed{}, failAfterCreate: "kafka: client has run out of available brokers"},
		declared: []Feed{feed("kost-tidb")},
		wantErr:  []string{"changefeed kost-tidb: is failed", "CDC:ErrKafkaSendMessage", "run out of available brokers"},
	}, {
		name:     "gives up when the wait ends, with the last answer",
		fake:     &fakeTiCDC{feeds: map[string]*fakeFeed{}, sinkDown: 1 << 30},
		declared: []Feed{feed("kost-tidb")},
		wantErr:  []string{"gave up waiting", "CDC:ErrKafkaNewProducer", "tidb-cdc not found"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.fake)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c := &Client{Base: srv.URL, HTTP: srv.Client(), Pause: time.Millisecond}
			got, err := Reconcile(ctx, c, "kost-", tc.declared)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error, want one with %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q, want it to contain %q", err, w)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			} else if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("result %v, want %v", got, tc.want)
			}
			if tc.wantCalls != nil || len(tc.wantErr) == 0 {
				if calls := tc.fake.mutating(); !slices.Equal(calls, tc.wantCalls) {
					t.Errorf("changing calls %q, want %q", calls, tc.wantCalls)
				}
			}
			if tc.check != nil {
				tc.check(t, tc.fake)
			}
		})
	}
}

// A second run over what the first made changes nothing: the Job may run again (a retried pod).
func TestReconcileIsIdempotent(t *testing.T) {
	fake := &fakeTiCDC{feeds: map[string]*fakeFeed{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := &Client{Base: srv.URL, HTTP: srv.Client(), Pause: time.Millisecond}
	f := feed("kost-tidb")
	f.ForceReplicate = true
	f.SinkURI += "&max-message-bytes=1048576"
	for run, want := range []string{"created", "unchanged"} {
		got, err := Reconcile(context.Background(), c, "kost-", []Feed{f})
		if err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
		if got[f.ID] != want {
			t.Errorf("run %d: %s, want %s", run+1, got[f.ID], want)
		}
	}
}

func TestSameURI(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"kafka://h:9092/t?protocol=canal-json&replication-factor=3", "kafka://h:9092/t?replication-factor=3&protocol=canal-json", true},
		{"kafka://h:9092/t?protocol=canal-json", "kafka://h:9093/t?protocol=canal-json", false},
		{"kafka://h:9092/t?protocol=canal-json", "kafka://h:9092/u?protocol=canal-json", false},
		{"kafka://h:9092/t?protocol=canal-json", "kafka://h:9092/t?protocol=open-protocol", false},
		{"kafka://h:9092/t?ca=%2Fa%2Fca.crt", "kafka://h:9092/t?ca=/a/ca.crt", true},
	} {
		if got := sameURI(tc.a, tc.b); got != tc.want {
			t.Errorf("sameURI(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
