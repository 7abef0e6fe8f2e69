// Package rules holds kost's policies as plain functions over a resource (graph.Resource: type,
// inputs, protect, retain-on-delete), so each is testable without the engine, and two ways to run
// them:
//
//   - Pack adapts every resource policy to github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx, which
//     serves them to `pulumi preview --policy-pack policies` (policies/main.go).
//   - Evaluate runs every policy, resource and stack ones, over a recorded graph: the tests and
//     `kost plan` use it, with the same functions and the same config files.
//
// policyx is experimental upstream and, at the pinned SDK (v3.255.0), does not run stack policies
// (AnalyzeStack is unimplemented) nor pass resource options (protect, retainOnDelete) to resource
// policies. The checks that need them — non-overlapping CIDRs, the stack half of workload identity,
// and protection of stateful resources — therefore run in the tests and in `kost plan`, which CI
// runs for every environment, and are skipped by the engine until policyx supports them.
package rules
