package gcp

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// ErrInvalidArgs is wrapped by every error about a component's arguments; the message lists every
// problem found, not only the first.
var ErrInvalidArgs = errors.New("invalid arguments")

// problems collects argument errors so a caller sees all of them at once.
type problems []string

func (p *problems) add(format string, a ...any) { *p = append(*p, fmt.Sprintf(format, a...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidArgs, strings.Join(p, "; "))
}

// gcpNameRE is what GKE clusters, node pools and compute resources accept as a name (RFC 1035 label);
// lengths are checked separately.
var gcpNameRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// maxNameLen is the longest name kost gives a GKE cluster (the GKE limit) and the longest prefix it
// gives the network's resources, which add at most 20 characters and must stay within 63.
const maxNameLen = 40

func validName(s string, maxLen int) bool { return len(s) <= maxLen && gcpNameRE.MatchString(s) }

// labelsWith returns base plus extra (extra wins) as a Pulumi map.
func labelsWith(base, extra map[string]string) pulumi.StringMap { return cluster.Tags(base, extra) }
