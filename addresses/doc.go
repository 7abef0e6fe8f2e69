// Package addresses plans address space: a block per region from a supernet, stable across runs and
// independent of which other regions exist, and the subnet layout inside a region block. It works on
// net/netip prefixes only; no string arithmetic.
package addresses
