package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// tagsWith returns base plus extra (extra wins) as a Pulumi map.
func tagsWith(base, extra map[string]string) pulumi.StringMap { return cluster.Tags(base, extra) }

// nameTags adds the Name tag the AWS console shows.
func nameTags(base map[string]string, name string) pulumi.StringMap {
	return tagsWith(base, map[string]string{"Name": name})
}
