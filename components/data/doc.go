// Package data creates the data plane of one cluster as custom resources, on top of the platform
// layer: a TidbCluster (PD, TiKV, TiDB, TiFlash, TiCDC) with a generated root password and, where
// asked, TLS between its components; a KRaft Kafka with controller and broker node pools, a topic and
// a user for TiCDC's change events; and Spark job namespaces' driver accounts with an optional
// example application. Every custom resource waits for its operator and CRDs; where the
// environment is protected, the stateful ones are protected and retained on delete.
package data
