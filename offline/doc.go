// Package offline evaluates a kost stack without an engine or a cloud. Its Mocks stand in for the
// Pulumi engine and the clouds: they record every resource the program registers into a graph.Graph
// and answer with the outputs the cloud would compute (ids, ARNs, endpoints, certificate authority
// data, OIDC issuers, real X.509 certificates). Run and Evaluate are what the tests and
// `go run . plan` use; the answers per resource type are the tables in mocks_<cloud>.go.
package offline
