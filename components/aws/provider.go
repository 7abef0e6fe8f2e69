package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// ProviderArgs configure a region's AWS provider.
type ProviderArgs struct {
	// Region is the AWS region. Required.
	Region string
	// Profile is the AWS CLI profile. Default: none (ambient credentials, e.g. OIDC in CI).
	Profile string
	// RoleARN is assumed for every call. Default: none.
	RoleARN string
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *ProviderArgs) Validate() error {
	if a == nil {
		a = &ProviderArgs{}
	}
	var ps cluster.Problems
	ps.Check(a.Region != "", "Region", "required: the AWS region every resource of the provider is created in, e.g. eu-west-1")
	return ps.Err("aws provider args")
}

// NewProvider creates the explicit provider for one region. Nothing in kost uses the default AWS
// provider, so two regions never share one by accident.
func NewProvider(ctx *pulumi.Context, name string, args *ProviderArgs, opts ...pulumi.ResourceOption) (*aws.Provider, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("aws provider %s: %w", name, err)
	}
	pa := &aws.ProviderArgs{
		Region:               pulumi.String(args.Region),
		SkipMetadataApiCheck: pulumi.Bool(true),
	}
	if args.Profile != "" {
		pa.Profile = pulumi.String(args.Profile)
	}
	if args.RoleARN != "" {
		pa.AssumeRole = &aws.ProviderAssumeRoleArgs{
			RoleArn:     pulumi.String(args.RoleARN),
			SessionName: pulumi.String("kost"),
		}
	}
	p, err := aws.NewProvider(ctx, name, pa, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws provider %s: %w", name, err)
	}
	return p, nil
}
