package azure

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// tagsWith returns base plus extra (extra wins) as a Pulumi map.
func tagsWith(base, extra map[string]string) pulumi.StringMap { return cluster.Tags(base, extra) }

// badTagChars may not appear in Azure tag names (so kost.io/pool is a node label, never a tag).
const badTagChars = `<>%&\?/`

// checkTags reports tag names Azure refuses: empty, longer than 512 characters, or with one of
// badTagChars.
func checkTags(tags map[string]string) error {
	var bad []string
	for k := range tags {
		if k == "" || len(k) > 512 || strings.ContainsAny(k, badTagChars) {
			bad = append(bad, fmt.Sprintf("%q", k))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("tag names %s are invalid on Azure (no %s, at most 512 characters)", strings.Join(bad, ", "), badTagChars)
}
