package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with the environment: the field path and what to do about it.
type Problem struct {
	// Path of the field, e.g. regions[1].cidr; empty for the document as a whole.
	Path string
	// Message says what is wrong and how to fix it.
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Problems collects every problem of an environment. It is the error type of Decode, Validate and
// Load; match it with errors.As.
type Problems []Problem

func (ps Problems) Error() string {
	var b strings.Builder
	if len(ps) == 1 {
		b.WriteString("kost:environment has 1 problem:")
	} else {
		fmt.Fprintf(&b, "kost:environment has %d problems:", len(ps))
	}
	for _, p := range ps {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Paths lists the field paths with problems, sorted; handy in tests.
func (ps Problems) Paths() []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Path)
	}
	sort.Strings(out)
	return out
}

// add records a problem.
func (ps *Problems) add(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when there are no problems.
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// closest returns the candidate nearest to s by edit distance, if it is near enough to be a typo.
func closest(s string, candidates []string) (string, bool) {
	best, bestD := "", len(s)+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(s) > 8 {
		limit = 3
	}
	return best, best != "" && bestD <= limit
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// oneOf renders "x is not one of a, b, c" with a did-you-mean where one is close.
func oneOf(got string, allowed []string) string {
	msg := fmt.Sprintf("%q is not one of %s", got, strings.Join(allowed, ", "))
	if c, ok := closest(got, allowed); ok {
		msg += fmt.Sprintf(" (did you mean %q?)", c)
	}
	return msg
}
