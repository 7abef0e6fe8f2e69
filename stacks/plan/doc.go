// Package plan evaluates a kost stack offline. Its Mocks stand in for the Pulumi engine and the
// clouds: they record every resource the program registers (type, name, URN, parent, provider,
// dependencies, inputs, which inputs are secret, protect and retain-on-delete) and every invoke, and
// answer with the outputs the cloud would compute (ids, ARNs, endpoints, certificate authority data,
// OIDC issuers). The recorded Graph is what tests query and what `kost plan` prints.
package plan
