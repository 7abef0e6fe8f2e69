package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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

// NewProvider creates the explicit provider for one region. Nothing in kost uses the default AWS
// provider, so two regions never share one by accident.
func NewProvider(ctx *pulumi.Context, name string, args *ProviderArgs, opts ...pulumi.ResourceOption) (*aws.Provider, error) {
	if args == nil || args.Region == "" {
		return nil, fmt.Errorf("aws provider %s: region is required", name)
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
