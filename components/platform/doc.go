// Package platform installs what every kost cluster runs below the data plane, on any
// cluster.Cluster: labelled namespaces, the kost-db and kost-standard storage classes from the
// cluster's storage profile, and the Strimzi, TiDB and Spark operators from pinned charts
// (helm/v4.Chart, so CRDs upgrade with the chart and every object shows in previews and policies).
// It exposes what the data plane must wait for, per operator.
package platform
