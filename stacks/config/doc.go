// Package config owns the environment description: the typed form of the
// `kost:environment` stack config, its strict decoding (an unknown key is an
// error, not a silent no-op), the defaults per cloud and size, validation that
// reports every problem at once, the catalogue of regions and zones, and the
// one file of pinned versions (versions.go).
//
// It imports no cloud SDK, so everything here is fast to test and fuzz.
package config
