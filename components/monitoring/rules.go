package monitoring

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Alert is one of kost's alert rules with what to do when it fires: the README's runbook table is
// rendered from these (tests/readme_test.go keeps it so).
type Alert struct {
	// Name is the alert's name; Group the rule group it is in.
	Name, Group string
	// Expr is the PromQL expression; For how long it must hold before the alert fires.
	Expr string
	For  string
	// Severity is critical (data at risk now: page someone) or warning (act within the day).
	Severity string
	// Summary says what is wrong; Runbook what to do.
	Summary, Runbook string
}

// Certificate is a certificate of kost's TLS material.
type Certificate struct {
	// Name says what it is, e.g. "TiDB CA". Required.
	Name string
	// Secret and Namespace hold it. Default: none (a CA kept only in the Pulumi state).
	Secret, Namespace string
	// NotAfter is the end of its validity, RFC 3339 (pulumi-tls' validity_end_time). Required.
	NotAfter pulumi.StringInput
}

// Alerts lists kost's alert rules for targets, sorted by group and name.
func Alerts(t Targets) []Alert {
	var out []Alert
	add := func(group string, as ...Alert) {
		for _, a := range as {
			a.Group = group
			out = append(out, a)
		}
	}
	if d := t.TiDB; d != nil {
		add("kost-tidb", tidbAlerts(d)...)
	}
	if k := t.Kafka; k != nil {
		add("kost-kafka", kafkaAlerts(k)...)
	}
	if t.CDCSyncNamespace != "" && t.TiDB != nil {
		add("kost-tidb", cdcAlerts(t.CDCSyncNamespace)...)
	}
	add("kost-platform", platformAlerts(t)...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// platformAlerts are about the cluster, the operators and kost's certificates.
func platformAlerts(t Targets) []Alert {
	var out []Alert
	if len(t.VolumeNamespaces) > 0 {
		ns := regexOf(t.VolumeNamespaces)
		out = append(out, Alert{
			Name: "KostVolumeNearlyFull", Severity: "warning", For: "15m",
			Expr:    fmt.Sprintf(`kubelet_volume_stats_available_bytes{namespace=~%q} / kubelet_volume_stats_capacity_bytes{namespace=~%q} < 0.15`, ns, ns),
			Summary: "A data-plane volume has less than 15% of its space left.",
			Runbook: "Grow the claim (kost's storage classes allow expansion: raise the component's storage in the " +
				"environment and run pulumi up), or free space (Kafka retention, TiDB GC); a full TiKV or Kafka volume stops writes.",
		})
	}
	if len(t.Operators) > 0 {
		var ns []string
		for _, o := range t.Operators {
			ns = append(ns, o.Namespace)
		}
		sel := fmt.Sprintf(`namespace=~%q`, regexOf(ns))
		out = append(out, Alert{
			Name: "KostOperatorNotReady", Severity: "warning", For: "10m",
			Expr:    fmt.Sprintf(`kube_deployment_status_replicas_available{%s} < kube_deployment_spec_replicas{%s}`, sel, sel),
			Summary: "An operator (Strimzi, TiDB Operator, Spark operator) has fewer available replicas than it should.",
			Runbook: "kubectl -n <namespace> describe deployment <deployment> (the alert's labels), then its pods' events and logs; while it is " +
				"down nothing reconciles (no failover of Kafka or TiDB pods, no new Spark jobs), though running pods keep serving.",
		})
	}
	out = append(out,
		Alert{
			Name: "KostCertificateExpiresSoon", Severity: "warning", For: "1h",
			Expr:    `kost_certificate_expiry_timestamp_seconds - time() < 21 * 86400`,
			Summary: "A certificate of kost's TLS material expires within 21 days.",
			Runbook: "kost renews every certificate on the first pulumi up within 30 days of its expiry: run pulumi up for " +
				"the environment (the operators roll the pods onto the new certificate).",
		},
		Alert{
			Name: "KostCertificateExpiresVerySoon", Severity: "critical", For: "1h",
			Expr:    `kost_certificate_expiry_timestamp_seconds - time() < 7 * 86400`,
			Summary: "A certificate of kost's TLS material expires within 7 days: components will stop trusting each other.",
			Runbook: "Run pulumi up for the environment now; if it fails, fix that first: an expired certificate stops TLS " +
				"between TiDB's components and Kafka's clients.",
		},
	)
	return out
}

// cdcAlerts are about kost's changefeed sync jobs.
func cdcAlerts(ns string) []Alert {
	return []Alert{{
		Name: "KostChangefeedSyncFailed", Severity: "warning", For: "5m",
		Expr:    fmt.Sprintf(`kube_job_status_failed{namespace=%q, job_name=~"kost-cdc-sync-.*"} > 0`, ns),
		Summary: "The job that keeps TiCDC's changefeeds as the environment declares them failed.",
		Runbook: "kubectl -n " + ns + " logs job/<job> shows TiCDC's answer; fix database.changefeeds (or TiCDC) and run pulumi up.",
	}}
}

// regexOf is an anchored PromQL regular expression matching any of vs exactly.
func regexOf(vs []string) string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, regexpQuote(v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "|")
}

// regexpQuote escapes the regular-expression characters of Kubernetes names (only . occurs).
func regexpQuote(s string) string { return strings.ReplaceAll(s, ".", `\.`) }

// RuleGroups are the PrometheusRule groups of kost's alerts for targets (spec.groups; the same
// shape as a Prometheus rule file's groups).
func RuleGroups(t Targets) []any {
	var groups []any
	byGroup := map[string][]any{}
	var order []string
	for _, a := range Alerts(t) {
		if _, ok := byGroup[a.Group]; !ok {
			order = append(order, a.Group)
		}
		byGroup[a.Group] = append(byGroup[a.Group], map[string]any{
			"alert":  a.Name,
			"expr":   a.Expr,
			"for":    a.For,
			"labels": map[string]any{"severity": a.Severity, "managed_by": "kost"},
			"annotations": map[string]any{
				"summary":     a.Summary,
				"description": a.Runbook,
				"runbook_url": "https://github.com/kost-platform/kost#" + strings.ToLower(a.Name),
			},
		})
	}
	for _, g := range order {
		groups = append(groups, map[string]any{"name": g, "rules": byGroup[g]})
	}
	return groups
}

// certificateRules is the PrometheusRule spec recording each certificate's expiry as the series
// kost_certificate_expiry_timestamp_seconds{certificate, secret, namespace}: kost knows every
// validity end while it deploys, so no exporter has to read the Secrets.
func certificateRules(certs []Certificate) pulumi.Input {
	ends := make([]any, len(certs))
	for i, c := range certs {
		ends[i] = c.NotAfter
	}
	return pulumi.All(ends...).ApplyT(func(vs []any) (map[string]any, error) {
		var rules []any
		for i, v := range vs {
			s, _ := v.(string)
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return nil, fmt.Errorf("certificate %s: validity end %q: %w", certs[i].Name, s, err)
			}
			labels := map[string]any{"certificate": certs[i].Name}
			if certs[i].Secret != "" {
				labels["secret"], labels["secret_namespace"] = certs[i].Secret, certs[i].Namespace
			}
			rules = append(rules, map[string]any{
				"record": "kost_certificate_expiry_timestamp_seconds",
				"expr":   fmt.Sprintf("vector(%d)", t.Unix()),
				"labels": labels,
			})
		}
		return map[string]any{"groups": []any{map[string]any{"name": "kost-certificates", "interval": "10m", "rules": rules}}}, nil
	}).(pulumi.MapOutput)
}
