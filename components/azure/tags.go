package azure

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// tagsWith returns base plus extra (extra wins) as a Pulumi map.
func tagsWith(base, extra map[string]string) pulumi.StringMap { return cluster.Tags(base, extra) }

// badTagChars may not appear in Azure tag names (so kost.io/pool is a node label, never a tag).
const badTagChars = `<>%&\?/`

// maxTagName is the longest tag name Azure takes.
const maxTagName = 512

// tagProblems are the tag names Azure refuses: empty, longer than 512 characters, or with one of
// badTagChars; each under "[<name>]", in name order, for Problems.Nest("Tags", ...).
func tagProblems(tags map[string]string) []cluster.Problem {
	var ps cluster.Problems
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		field := fmt.Sprintf("[%s]", k)
		switch {
		case k == "":
			ps.Add(field, "empty tag name: Azure needs 1 to %d characters", maxTagName)
		case len(k) > maxTagName:
			ps.Add(field, "tag name of %d characters: Azure takes at most %d, shorten it", len(k), maxTagName)
		case strings.ContainsAny(k, badTagChars):
			ps.Add(field, "tag name %q has one of %s, which Azure refuses in tag names: rename it", k, badTagChars)
		}
	}
	return ps
}
