// Package tests holds kost's cross-package tests: every shipped Pulumi.<env>.yaml evaluated under the
// mock harness against a golden graph (UPDATE_GOLDEN=1 rewrites it), invariants over every recorded
// resource, the offline plan command, the README's generated tables, and BenchmarkPlan.
package tests
