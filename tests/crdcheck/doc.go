// Package crdcheck owns offline, strict validation of Kubernetes custom resources against the real
// CustomResourceDefinitions the platform installs (Strimzi, TiDB Operator, Spark Operator), kept as
// YAML under ../shared/crds (or $KOST_CRD_DIR).
//
// Load reads every CustomResourceDefinition below a folder. Validate then checks one object, given as
// the map that would be sent to kube-apiserver, the way the API server handles a CREATE with
// fieldValidation=Strict. It reuses the API server's own code from k8s.io/apiextensions-apiserver
// (pruning, defaulting, OpenAPI schema validation, list-type and embedded-resource checks, CEL
// x-kubernetes-validations) rather than re-implementing any schema logic; the package only decides
// which of those steps run, in which order, and how their findings are reported.
//
// The package holds no state besides the loaded CRDs; a *Validator is safe for concurrent use.
package crdcheck
