// Package capacity proves, before anything is created, that every pod the platform and the data
// plane will run fits the node pool it is placed on, in every zone: the capacity proof.
//
// It knows the instance types kost defaults to or accepts (catalogue.go, from the clouds' published
// tables), what each cloud reserves on a node for the kubelet, the system and eviction
// (reserve.go, from each cloud's published formula), and what the cloud's own DaemonSets take on
// every node. Prove places the pods onto the nodes with their pool, one-per-node and zone-spread
// rules, as the scheduler would, and reports per pool: nodes, allocatable, requested, headroom, or
// the pod that does not fit and by how much.
package capacity
