// Package graph is the recorded resource graph of a kost program: every resource it registers (type,
// name, URN, parent, provider, dependencies, inputs with secrets kept wrapped, protect,
// retain-on-delete, aliases) and every invoke, with the queries the policies and tests use and the
// text and JSON renderings `go run . plan` prints. It is a leaf: it knows nothing of kost's
// components or clouds, so the policy pack can import it without the program.
package graph
