// Package stacks is the Pulumi program: Deploy reads `kost:environment`, validates it before any
// resource is registered, plans every region (stacks/config), and builds each region's graph —
// provider, network, cluster — exporting per-region outputs. It is the only package that knows
// about every cloud; the components below it know nothing of it.
package stacks
