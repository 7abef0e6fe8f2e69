package cluster

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Problem is one invalid field of a component's args.
type Problem struct {
	// Field is the field's path in the args, e.g. "ClusterName" or "NodePools[2].Max".
	Field string
	// Reason says what is wrong and, where it is not obvious, how to fix it.
	Reason string
}

// ArgsError lists every problem of one component's args, found at once before any resource is
// registered. Every component's Validate returns one (or nil).
type ArgsError struct {
	// What the args are, in the message: "invalid <What>: ...".
	What     string
	Problems []Problem
}

func (e *ArgsError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return "invalid " + e.What + ": " + strings.Join(parts, "; ")
}

// Fields are the fields with problems, in order (what tests compare).
func (e *ArgsError) Fields() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Field
	}
	return out
}

// Problems collects the problems of one args value.
type Problems []Problem

// Add records a problem with field.
func (ps *Problems) Add(field, format string, v ...any) {
	*ps = append(*ps, Problem{Field: field, Reason: fmt.Sprintf(format, v...)})
}

// Check records a problem with field unless ok.
func (ps *Problems) Check(ok bool, field, format string, v ...any) {
	if !ok {
		ps.Add(field, format, v...)
	}
}

// Required records "required" for field when missing.
func (ps *Problems) Required(missing bool, field string) {
	ps.Check(!missing, field, "required")
}

// Nest records problems of a nested value under prefix ("NodePools[2]" + "." + field).
func (ps *Problems) Nest(prefix string, nested []Problem) {
	for _, p := range nested {
		sep := "."
		if strings.HasPrefix(p.Field, "[") {
			sep = ""
		}
		*ps = append(*ps, Problem{Field: prefix + sep + p.Field, Reason: p.Reason})
	}
}

// Err is nil without problems, or an *ArgsError naming what the args are.
func (ps Problems) Err(what string) error {
	if len(ps) == 0 {
		return nil
	}
	return &ArgsError{What: what, Problems: slices.Clone(ps)}
}

// DefaultDiskGiB is a node's root disk when its PoolSpec leaves DiskGiB at 0.
const DefaultDiskGiB = 50

// SystemPool runs what is not a workload's own: CoreDNS, the operators, the cluster's add-ons.
const SystemPool = "system"

// Disk is the pool's root disk size: DiskGiB, or DefaultDiskGiB when it is 0.
func (p PoolSpec) Disk() int {
	if p.DiskGiB == 0 {
		return DefaultDiskGiB
	}
	return p.DiskGiB
}

// Problems are the pool's own problems (field names relative to the pool): a name, an instance
// type, 0 <= Min <= Desired <= Max with Max >= 1, and a disk of 20 to 16384 GiB when set (the
// bounds stacks/config validates nodePools.<pool>.diskGiB with, so no valid stack is refused here).
func (p PoolSpec) Problems() []Problem {
	var ps Problems
	ps.Required(p.Pool == "", "Pool")
	ps.Required(p.InstanceType == "", "InstanceType")
	ps.Check(p.Min >= 0 && p.Min <= p.Desired && p.Desired <= p.Max && p.Max >= 1, "Desired",
		"need 0 <= Min <= Desired <= Max and Max >= 1, got Min %d, Desired %d, Max %d", p.Min, p.Desired, p.Max)
	ps.Check(p.DiskGiB == 0 || (p.DiskGiB >= 20 && p.DiskGiB <= 16384), "DiskGiB", "%d: between 20 and 16384 (or 0 for %d)", p.DiskGiB, DefaultDiskGiB)
	return ps
}

// PoolProblems are the problems of a cluster's pools, under field (e.g. "NodePools"): each pool's
// own, unique names, and a system pool.
func PoolProblems(field string, pools []PoolSpec) []Problem {
	var ps Problems
	if len(pools) == 0 {
		ps.Add(field, "required: at least the %q pool", SystemPool)
		return ps
	}
	seen := map[string]bool{}
	for i, p := range pools {
		at := fmt.Sprintf("%s[%d]", field, i)
		ps.Nest(at, p.Problems())
		if p.Pool != "" && seen[p.Pool] {
			ps.Add(at+".Pool", "%q appears twice", p.Pool)
		}
		seen[p.Pool] = true
	}
	ps.Check(seen[SystemPool], field, "no %q pool: CoreDNS, the operators and the add-ons need one", SystemPool)
	return ps
}

// ProblemFields are the fields an error from a Validate names, for tests to compare: nil for nil,
// and one entry saying so when err is not a *ArgsError.
func ProblemFields(err error) []string {
	var aerr *ArgsError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &aerr):
		return aerr.Fields()
	default:
		return []string{"not a *cluster.ArgsError: " + err.Error()}
	}
}
