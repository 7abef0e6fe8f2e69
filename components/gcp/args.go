package gcp

import (
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// gcpNameRE is what GKE clusters, node pools and compute resources accept as a name (RFC 1035 label);
// lengths are checked separately.
var gcpNameRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// maxNameLen is the longest name kost gives a GKE cluster (the GKE limit) and the longest prefix it
// gives the network's resources, which add at most 20 characters and must stay within 63.
const maxNameLen = 40

func validName(s string, maxLen int) bool { return len(s) <= maxLen && gcpNameRE.MatchString(s) }

// checkName records a problem with field unless name is a GCP name of at most maxNameLen
// characters; an empty name is left to Required.
func checkName(ps *cluster.Problems, field, name string) {
	ps.Check(name == "" || validName(name, maxNameLen), field,
		"%q: use lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most %d characters",
		name, maxNameLen)
}

// labelsWith returns base plus extra (extra wins) as a Pulumi map.
func labelsWith(base, extra map[string]string) pulumi.StringMap { return cluster.Tags(base, extra) }
