package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// ProviderArgs configure a region's GCP provider. Credentials are ambient (application default
// credentials, or workload identity federation in CI).
type ProviderArgs struct {
	// Project is the GCP project ID the region's resources live in. Required.
	Project string
	// Region is the GCP region, e.g. europe-west1. Required.
	Region string
}

// Validate reports every problem with the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *ProviderArgs) Validate() error {
	if a == nil {
		a = &ProviderArgs{}
	}
	var ps cluster.Problems
	ps.Required(a.Project == "", "Project")
	ps.Required(a.Region == "", "Region")
	return ps.Err("gcp provider args")
}

// NewProvider creates the explicit provider for one region. Nothing in kost uses the default GCP
// provider, so two regions never share one by accident. Labels are set on each resource, not as the
// provider's default labels, so what a resource carries is visible in its own inputs.
func NewProvider(ctx *pulumi.Context, name string, args *ProviderArgs, opts ...pulumi.ResourceOption) (*gcp.Provider, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("gcp provider %s: %w", name, err)
	}
	p, err := gcp.NewProvider(ctx, name, &gcp.ProviderArgs{
		Project: pulumi.String(args.Project),
		Region:  pulumi.String(args.Region),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("gcp provider %s: %w", name, err)
	}
	return p, nil
}
