package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func db(m map[string]any) map[string]any { return m["database"].(map[string]any) }

func feeds(fs ...map[string]any) []any {
	out := []any{}
	for _, f := range fs {
		out = append(out, f)
	}
	return out
}

func TestChangefeedValidation(t *testing.T) {
	t.Parallel()
	cases := map[string]validateCase{
		"Default": {reason: "TiCDC on gives the default feed", mutate: func(map[string]any) {}},
		"Declared": {reason: "every field a feed has", mutate: func(m map[string]any) {
			db(m)["changefeeds"] = feeds(map[string]any{"id": "orders", "tables": []any{"shop.orders", "!shop.tmp_*"}, "topic": "shop.orders-cdc",
				"protocol": "debezium", "partitions": 6, "forceReplicate": true, "options": map[string]any{"compression": "zstd", "max-message-bytes": "1048576"}})
		}},
		"None": {reason: "an empty list keeps no feed", mutate: func(m map[string]any) { db(m)["changefeeds"] = []any{} }},
		"NoTiCDC": {reason: "a feed needs TiCDC", mutate: func(m map[string]any) {
			db(m)["ticdc"] = 0
			db(m)["changefeeds"] = feeds(map[string]any{"id": "orders"})
		}, wantPaths: []string{"database.changefeeds"}, wantText: "TiCDC is off"},
		"BadID": {reason: "TiCDC refuses underscores", mutate: func(m map[string]any) {
			db(m)["changefeeds"] = feeds(map[string]any{"id": "shop_orders"})
		}, wantPaths: []string{"database.changefeeds[0].id"}, wantText: "refuses underscores"},
		"NoID": {reason: "the feed's name is required", mutate: func(m map[string]any) {
			db(m)["changefeeds"] = feeds(map[string]any{"topic": "x"})
		}, wantPaths: []string{"database.changefeeds[0].id"}, wantText: "required"},
		"DuplicateID": {reason: "each feed its own id", mutate: func(m map[string]any) {
			db(m)["changefeeds"] = feeds(map[string]any{"id": "a"}, map[string]any{"id": "a", "topic": "b"})
		}, wantPaths: []string{"database.changefeeds[1].id"}, wantText: "also database.changefeeds[0]"},
		"Avro": {reason: "avro needs a schema registry kost does not run", mutate: func(m map[string]any) {
			db(m)["changefeeds"] = feeds(map[string]any{"id": "a", "protocol": "avro"})
		}, wantPaths: []string{"database.changefeeds[0].protocol"}, wantText: "schema registry"},
		"Everything": {reason: "every problem at once", mutate: func(m map[string]any) {
			db(m)["changefeeds"] = feeds(
				map[string]any{"id": "a", "tables": []any{"orders"}, "topic": "Orders", "partitions": 0,
					"options": map[string]any{"ca": "/etc/ca.crt", "compression": ""}},
				map[string]any{"id": "b", "partitions": 3},
				map[string]any{"id": "c", "partitions": 4})
		}, wantPaths: []string{"database.changefeeds[0].options.ca", "database.changefeeds[0].options.compression", "database.changefeeds[0].partitions",
			"database.changefeeds[0].tables[0]", "database.changefeeds[0].topic", "database.changefeeds[2].partitions"}, wantText: "must agree"},
		"AnalyticsSchemas": {reason: "schemas by name", mutate: func(m map[string]any) {
			db(m)["analytics"] = map[string]any{"schemas": []any{"shop", "bi_2026"}}
		}},
		"AnalyticsMySQL": {reason: "never the password hashes", mutate: func(m map[string]any) {
			db(m)["analytics"] = map[string]any{"schemas": []any{"shop", "mysql", "*"}}
		}, wantPaths: []string{"database.analytics.schemas[1]", "database.analytics.schemas[2]"}, wantText: "password hashes"},
		"ExampleWithoutFeed": {reason: "the example reads a feed's topic", mutate: func(m map[string]any) {
			db(m)["changefeeds"] = []any{}
			region(m, 0)["spark"] = map[string]any{"example": true}
		}, wantPaths: []string{"regions[0].spark.example"}, wantText: "set database.ticdc"},
	}
	runValidateCases(t, base, cases)
}

func TestChangefeedDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(m map[string]any)
		want   []Changefeed
	}{
		{"TiCDC on", func(map[string]any) {}, []Changefeed{{ID: "tidb", Tables: []string{"*.*"}, Topic: "tidb-cdc", Protocol: "canal-json", Partitions: intp(12)}}},
		{"TiCDC off", func(m map[string]any) { db(m)["ticdc"] = 0 }, []Changefeed{}},
		{"none", func(m map[string]any) { db(m)["changefeeds"] = []any{} }, []Changefeed{}},
		{"partly set", func(m map[string]any) {
			db(m)["changefeeds"] = feeds(map[string]any{"id": "orders", "tables": []any{"shop.*"}})
		}, []Changefeed{{ID: "orders", Tables: []string{"shop.*"}, Topic: "tidb-cdc", Protocol: "canal-json", Partitions: intp(12)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.mutate(m)
			env, err := load(t, m)
			if err != nil {
				t.Fatal(err)
			}
			got := env.layers().Changefeeds
			if got == nil {
				got = []Changefeed{}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("feeds (-want +got):\n%s", d)
			}
		})
	}
}

// WithDefaults leaves the caller's feeds alone.
func TestChangefeedDefaultsCopy(t *testing.T) {
	t.Parallel()
	fs := []Changefeed{{ID: "orders"}}
	cdc := 1
	e := &Environment{Database: &Database{TiCDC: &cdc, Changefeeds: &fs}}
	_ = e.WithDefaults()
	if fs[0].Topic != "" || fs[0].Tables != nil {
		t.Errorf("WithDefaults wrote into the caller's feeds: %+v", fs[0])
	}
}
