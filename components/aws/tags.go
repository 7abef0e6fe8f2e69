package aws

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// tagsWith returns base plus extra (extra wins) as a Pulumi map; base is never modified.
func tagsWith(base map[string]string, extra map[string]string) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range base {
		out[k] = pulumi.String(v)
	}
	for k, v := range extra {
		out[k] = pulumi.String(v)
	}
	return out
}

// nameTags adds the Name tag the AWS console shows.
func nameTags(base map[string]string, name string) pulumi.StringMap {
	return tagsWith(base, map[string]string{"Name": name})
}
