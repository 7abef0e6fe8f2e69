// Package cluster holds the one contract between the clouds and everything above them: a
// cluster.Cluster. A cloud package builds a Kubernetes cluster however that cloud needs and hands up
// a Cluster; the platform and data-plane layers use nothing else, so they are written once for every
// cloud and for managed and self-managed clusters alike.
package cluster
