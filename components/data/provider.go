package data

import (
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newTLSProvider makes the explicit tls provider of one cluster's data plane (no resource in kost
// falls back to a default provider).
func newTLSProvider(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*tls.Provider, error) {
	return tls.NewProvider(ctx, name+"-tls", nil, opts...)
}
