// Package e2e runs kost for real, on this machine, with nothing leaving it: the Pulumi CLI (the
// real engine) drives the program through the Automation API (an inline program calling the same
// stacks.Deploy that `pulumi up` runs), with the real pulumi-kubernetes and pulumi-random providers,
// against a real kube-apiserver, kube-controller-manager and kube-scheduler on etcd, whose nodes
// are kwok's: fake kubelets whose pods become Running and Ready without a container, shaped like
// the environment's pools (labels, taints, zones, allocatable).
//
// Everything runs inside a network namespace with only loopback (tests/e2e/run.sh makes it; the
// control plane refuses to start anywhere else), so Service, node and pod addresses, which are
// private-range addresses that exist nowhere, can never be dialled off the machine.
//
// `make e2e` builds the tools once into a cache outside the checkout (tests/e2e/tools.sh), then
// runs TestE2E. Without KOST_E2E_BIN (set by run.sh) the end-to-end tests skip; the unit tests of
// the harness itself always run.
package e2e
