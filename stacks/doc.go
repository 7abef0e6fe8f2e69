// Package stacks is the Pulumi program: Deploy reads `kost:environment`, validates it before any
// resource is registered, resolves every region once (config.Environment.Resolve), proves the
// capacity, and builds each region's graph from its resolution — provider, network, cluster,
// platform, data — exporting per-region outputs. It is the only package that knows every cloud. It
// imports the components, the address planning and the contract below it; nothing below imports it
// (tests/dependencies_test.go, TestLayersPointDown).
package stacks
