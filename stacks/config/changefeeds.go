package config

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Changefeed defaults (database.changefeeds).
const (
	// DefaultChangefeedID is the feed kost keeps when none are declared and TiCDC is on.
	DefaultChangefeedID = "tidb"
	// DefaultCDCTopic receives the default feed's events.
	DefaultCDCTopic = "tidb-cdc"
	// DefaultCDCProtocol is canal-json: plain JSON a Spark job reads with from_json, and no schema
	// registry to run (TiCDC's avro needs one: tiflow v8.5.7 pkg/sink/codec/common/config.go).
	DefaultCDCProtocol = "canal-json"
	// DefaultTopicPartitions of a change topic.
	DefaultTopicPartitions = 12
	maxTopicPartitions     = 1000
	maxChangefeedID        = 60
)

// CDCProtocols are the message protocols kost lets a Kafka changefeed use: those TiCDC v8.5.7 parses
// (tiflow pkg/config/sink_protocol.go ParseSinkProtocolFromString) less avro and flat-avro (they
// need a schema registry kost does not run), csv (storage sinks only) and craft and default (an
// experimental binary format, and an alias of open-protocol).
var CDCProtocols = []string{"canal-json", "open-protocol", "canal", "maxwell", "debezium", "simple"}

// ChangefeedOptions are the Kafka sink URI parameters a changefeed may set in options: TiCDC v8.5.7's
// Kafka sink parameters (tiflow pkg/sink/kafka/options.go urlConfig) and encoder parameters
// (pkg/sink/codec/common/config.go urlConfig), less those kost sets itself: the topic's partitions
// and replication factor, topic creation (kost creates the topic), TLS and SASL (kost's certificate),
// required-acks (all replicas: kost does not weaken it) and the protocol (its own field).
var ChangefeedOptions = []string{
	"kafka-version", "max-message-bytes", "max-retry", "compression", "kafka-client-id",
	"dial-timeout", "write-timeout", "read-timeout",
	"enable-tidb-extension", "max-batch-size", "only-output-updated-columns", "content-compatible",
	"debezium-disable-schema", "encoding-format",
}

var (
	// changefeedIDPattern is TiCDC's ID rule (tiflow cdc/model/changefeed.go ValidateChangefeedID:
	// ^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$), lowercase.
	changefeedIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// topicPattern is a Kafka topic name that is also a KafkaTopic's metadata.name (a DNS subdomain).
	topicPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)
	// schemaPattern is an unquoted MySQL identifier: safe in kost's GRANT statements.
	schemaPattern = regexp.MustCompile(`^[A-Za-z0-9_$]{1,64}$`)
)

// defaultChangefeeds fills database.changefeeds (after database.ticdc).
func (d *Database) defaultChangefeeds() {
	if d.Changefeeds == nil {
		var fs []Changefeed
		if *d.TiCDC > 0 {
			fs = []Changefeed{{ID: DefaultChangefeedID}}
		}
		d.Changefeeds = &fs
	}
	for i := range *d.Changefeeds {
		f := &(*d.Changefeeds)[i]
		if len(f.Tables) == 0 {
			f.Tables = []string{"*.*"}
		}
		if f.Topic == "" {
			f.Topic = DefaultCDCTopic
		}
		if f.Protocol == "" {
			f.Protocol = DefaultCDCProtocol
		}
		setInt(&f.Partitions, DefaultTopicPartitions)
	}
}

// validateChangefeeds checks database.changefeeds, database.analytics and the Spark example's need
// for a feed, of a defaulted environment.
func (e *Environment) validateChangefeeds(ps *Problems) {
	d := e.Database
	feeds := *d.Changefeeds
	if len(feeds) > 0 && *d.TiCDC < 1 {
		ps.add("database.changefeeds", "%d changefeeds, but TiCDC is off (database.ticdc: %d); set database.ticdc to 1 or more, or changefeeds: []",
			len(feeds), *d.TiCDC)
	}
	ids := map[string]int{}
	partitions := map[string]int{}
	for i, f := range feeds {
		p := fmt.Sprintf("database.changefeeds[%d]", i)
		switch {
		case f.ID == "":
			ps.add(p+".id", "required: the feed's name (TiCDC knows it as kost-<id>)")
		case len(f.ID) > maxChangefeedID || !changefeedIDPattern.MatchString(f.ID):
			ps.add(p+".id", "%q: lowercase letters, digits and single dashes, at most %d characters (TiCDC refuses underscores)", f.ID, maxChangefeedID)
		}
		if j, dup := ids[f.ID]; dup && f.ID != "" {
			ps.add(p+".id", "%q is also database.changefeeds[%d]; each feed needs its own id", f.ID, j)
		}
		ids[f.ID] = i
		for j, t := range f.Tables {
			rule := strings.TrimPrefix(t, "!")
			if strings.TrimSpace(rule) == "" || !strings.Contains(rule, ".") || strings.HasPrefix(rule, "@") {
				ps.add(fmt.Sprintf("%s.tables[%d]", p, j), "%q: a table filter rule is <schema>.<table> with * and ? wildcards, optionally negated with !, e.g. shop.* or !shop.tmp_*", t)
			}
		}
		if len(f.Topic) > 249 || !topicPattern.MatchString(f.Topic) {
			ps.add(p+".topic", "%q: lowercase letters, digits, dots and dashes, at most 249 characters (a Kafka topic that is also a KafkaTopic's name)", f.Topic)
		}
		if !slices.Contains(CDCProtocols, f.Protocol) {
			why := ""
			switch f.Protocol {
			case "avro", "flat-avro":
				why = " (avro needs a schema registry, which kost does not run)"
			case "csv":
				why = " (csv is for storage sinks, not Kafka)"
			}
			ps.add(p+".protocol", "%q%s; one of %s", f.Protocol, why, strings.Join(CDCProtocols, ", "))
		}
		if n := *f.Partitions; n < 1 || n > maxTopicPartitions {
			ps.add(p+".partitions", "%d: between 1 and %d", n, maxTopicPartitions)
		} else if m, ok := partitions[f.Topic]; ok && m != n {
			ps.add(p+".partitions", "%d, but another feed gives topic %s %d partitions; feeds sharing a topic must agree", n, f.Topic, m)
		} else {
			partitions[f.Topic] = n
		}
		keys := make([]string, 0, len(f.Options))
		for k := range f.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !slices.Contains(ChangefeedOptions, k) {
				ps.add(p+".options."+k, "not a sink parameter kost passes on; allowed: %s (the topic, TLS, replication, acks and protocol are kost's)",
					strings.Join(ChangefeedOptions, ", "))
			} else if f.Options[k] == "" {
				ps.add(p+".options."+k, "empty; give a value or leave the option out")
			}
		}
	}
	for i, s := range d.Analytics.Schemas {
		p := fmt.Sprintf("database.analytics.schemas[%d]", i)
		switch {
		case strings.EqualFold(s, "mysql"):
			ps.add(p, "the mysql schema holds the users' password hashes; an analytics user must not read it")
		case !schemaPattern.MatchString(s):
			ps.add(p, "%q: a schema name of letters, digits, _ and $, at most 64 characters (no wildcards: list each schema)", s)
		}
	}
	for i, r := range e.Regions {
		if r.Spark != nil && r.Spark.Example != nil && *r.Spark.Example && len(feeds) == 0 {
			ps.add(fmt.Sprintf("regions[%d].spark.example", i), "the example reads a changefeed's topic, and there is none: set database.ticdc "+
				"to 1 or more (the default feed follows), or keep a database.changefeeds entry")
		}
	}
}

// ChangefeedIDPrefix marks the TiCDC changefeeds kost owns: kost removes those that leave
// database.changefeeds and never touches any other.
const ChangefeedIDPrefix = "kost-"

// changefeeds returns a copy of the defaulted feeds.
func (d *Database) changefeeds() []Changefeed {
	if d.Changefeeds == nil {
		return nil
	}
	return slices.Clone(*d.Changefeeds)
}
