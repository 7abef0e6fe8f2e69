// Package manifest applies Kubernetes manifests with pulumi-kubernetes' yaml/v2 components
// (ConfigFile, ConfigGroup), registered by their tokens.
//
// The SDK's yaml/v2 package imports every Kubernetes API group (68 packages, for turning the
// components' resource references into typed resources), and every `pulumi preview` and `pulumi up`
// compiles and links the program: that import alone doubled the memory and size of the build (README,
// "Build cost"). The components are the provider's, constructed by the pulumi-kubernetes plugin
// whatever Go package names them; here they are registered with the same token, inputs and plugin
// version as the SDK would (yaml/v2 configFile.go and configGroup.go, pulumi-kubernetes v4.25.0). Their
// resources come back as references the SDK turns into plain resources by URN, which is all kost
// needs them for (dependencies).
package manifest

import (
	"errors"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tokens of the provider's components.
const (
	ConfigFileType  = "kubernetes:yaml/v2:ConfigFile"
	ConfigGroupType = "kubernetes:yaml/v2:ConfigGroup"
)

// ConfigFile is the objects of one manifest file (or URL).
type ConfigFile struct {
	pulumi.ResourceState

	// Resources are the objects the provider created, as resources by URN.
	Resources pulumi.ArrayOutput `pulumi:"resources"`
}

// NewConfigFile applies the manifest at file (a path or an https URL) with the provider in opts.
func NewConfigFile(ctx *pulumi.Context, name string, file pulumi.StringInput, opts ...pulumi.ResourceOption) (*ConfigFile, error) {
	if file == nil {
		return nil, errors.New("manifest: a file is required")
	}
	var r ConfigFile
	err := ctx.RegisterRemoteComponentResource(ConfigFileType, name, pulumi.Map{"file": file}, &r, utilities.PkgResourceDefaultOpts(opts)...)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ConfigGroup is the objects of a YAML stream.
type ConfigGroup struct {
	pulumi.ResourceState

	// Resources are the objects the provider created, as resources by URN.
	Resources pulumi.ArrayOutput `pulumi:"resources"`
}

// NewConfigGroup applies the objects of a YAML stream (one or more documents) with the provider in
// opts.
func NewConfigGroup(ctx *pulumi.Context, name string, yaml pulumi.StringInput, opts ...pulumi.ResourceOption) (*ConfigGroup, error) {
	if yaml == nil {
		return nil, errors.New("manifest: YAML is required")
	}
	var r ConfigGroup
	err := ctx.RegisterRemoteComponentResource(ConfigGroupType, name, pulumi.Map{"yaml": yaml}, &r, utilities.PkgResourceDefaultOpts(opts)...)
	if err != nil {
		return nil, err
	}
	return &r, nil
}
