package azure

import (
	"fmt"

	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// ProviderArgs configure a region's azure-native provider.
type ProviderArgs struct {
	// SubscriptionID every resource of the region is created in. Required.
	SubscriptionID string
	// Location is the Azure region, e.g. "westeurope". Required.
	Location string
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *ProviderArgs) Validate() error {
	if a == nil {
		a = &ProviderArgs{}
	}
	var ps cluster.Problems
	ps.Check(a.SubscriptionID != "", "SubscriptionID", "required: the subscription every resource of the region is created in")
	ps.Check(a.Location != "", "Location", "required: the Azure region, e.g. westeurope")
	return ps.Err("azure provider args")
}

// NewProvider creates the explicit provider for one region. Nothing in kost uses the default
// azure-native provider, so two regions never share one by accident. Credentials are ambient: the
// Azure CLI login (`az login`) or, in CI, OIDC through the ARM_* environment variables.
func NewProvider(ctx *pulumi.Context, name string, args *ProviderArgs, opts ...pulumi.ResourceOption) (*azurenative.Provider, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("azure provider %s: %w", name, err)
	}
	p, err := azurenative.NewProvider(ctx, name, &azurenative.ProviderArgs{
		SubscriptionId: pulumi.String(args.SubscriptionID),
		Location:       pulumi.String(args.Location),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("azure provider %s: %w", name, err)
	}
	return p, nil
}
