package monitoring

import (
	"fmt"
	"slices"
)

// The TiDB and Kafka alerts. Their metrics, as the components export them:
//   - PD's pd_cluster_status{type=store_down_count|store_disconnected_count|store_low_space_count}
//     and pd_regions_status{type=down-peer-region-count|pending-peer-region-count|
//     miss_peer_region_count}, TiKV's tikv_store_size_bytes{type=available|capacity}, TiCDC's
//     ticdc_owner_checkpoint_ts_lag (seconds) and ticdc_owner_status (1 error, 2 failed): the
//     expressions of PingCAP's own rules for the TiDB Operator (pingcap/monitoring tag v8.5.7
//     monitor-snapshot/release-8.5/operator/rules pd.rules.yml, tikv.rules.yml, ticdc.rules.yml),
//     which kost's thresholds follow unless the runbook says otherwise.
//   - Kafka's names are the ones kost's JMX exporter rules give (components/data kafkaJMXRules),
//     with the strimzi_io_* labels its PodMonitor maps.

// quorum returns the two alerts of a Raft group whose members' up series sel selects: at risk
// (one more loss loses it) and lost.
func quorum(name, what, sel string, runbookAtRisk, runbookLost string) []Alert {
	up := fmt.Sprintf(`sum by (namespace) (up{%s})`, sel)
	all := fmt.Sprintf(`count by (namespace) (up{%s})`, sel)
	return []Alert{
		{
			Name: name + "QuorumAtRisk", Severity: "critical", For: "5m",
			Expr:    fmt.Sprintf(`%s < %s and %s == floor(%s / 2) + 1`, up, all, up, all),
			Summary: "A " + what + " member is down and one more loss would lose the quorum.",
			Runbook: runbookAtRisk,
		},
		{
			Name: name + "QuorumLost", Severity: "critical", For: "1m",
			Expr:    fmt.Sprintf(`%s < floor(%s / 2) + 1`, up, all),
			Summary: "Fewer than a majority of the " + what + " members are up: the quorum is lost.",
			Runbook: runbookLost,
		},
	}
}

// tidbAlerts are the TidbCluster's alerts.
func tidbAlerts(d *TiDBTarget) []Alert {
	tc := fmt.Sprintf(`tidb_cluster=%q`, d.Namespace+"-"+d.Cluster)
	out := []Alert{
		{
			Name: "KostTiDBComponentDown", Severity: "warning", For: "5m",
			Expr:    fmt.Sprintf(`up{%s} == 0`, tc),
			Summary: "Prometheus cannot scrape a TiDB component (PD, TiKV, TiDB, TiFlash or TiCDC) pod.",
			Runbook: "kubectl -n " + d.Namespace + " get pods, then describe the pod named in the alert's instance label and read " +
				"its log; a pod that runs but cannot be scraped points at its status port or, with TLS, its certificate.",
		},
		{
			Name: "KostTiKVStoreDown", Severity: "critical", For: "1m",
			Expr:    fmt.Sprintf(`max by (tidb_cluster) (pd_cluster_status{%s, type="store_down_count"}) > 0`, tc),
			Summary: "PD counts a TiKV store as down: its regions run on fewer replicas.",
			Runbook: "kubectl -n " + d.Namespace + " get pods -l app.kubernetes.io/component=tikv; bring the store back (node, volume, " +
				"pod). After max-store-down-time (30m) PD re-replicates its regions elsewhere: make sure the other stores have room.",
		},
		{
			Name: "KostTiKVStoreDisconnected", Severity: "warning", For: "5m",
			Expr:    fmt.Sprintf(`max by (tidb_cluster) (pd_cluster_status{%s, type="store_disconnected_count"}) > 0`, tc),
			Summary: "PD has lost the heartbeat of a TiKV store.",
			Runbook: "Check the store's pod and the network between the tikv and pd pools; it becomes KostTiKVStoreDown if it stays away.",
		},
		{
			Name: "KostRegionsDownPeers", Severity: "critical", For: "10m",
			Expr:    fmt.Sprintf(`max by (tidb_cluster) (pd_regions_status{%s, type="down-peer-region-count"}) > 0`, tc),
			Summary: "Regions have replicas that do not answer: they run without their full copy count.",
			Runbook: "Usually a TiKV store is down (see KostTiKVStoreDown); pd-ctl region check down-peer lists the regions. A " +
				"second loss in the same regions loses their majority.",
		},
		{
			Name: "KostRegionsMissPeers", Severity: "warning", For: "30m",
			Expr:    fmt.Sprintf(`max by (tidb_cluster) (pd_regions_status{%s, type="miss-peer-region-count"}) > 0`, tc),
			Summary: "Regions have fewer replicas than max-replicas and PD has not restored them for 30 minutes.",
			Runbook: "PD needs a store in a zone without a copy: check that every zone has a healthy TiKV store with free space " +
				"(pd-ctl store), and scale the tikv pool if not.",
		},
		{
			Name: "KostRegionsPendingPeers", Severity: "warning", For: "10m",
			Expr:    fmt.Sprintf(`max by (tidb_cluster) (pd_regions_status{%s, type="pending-peer-region-count"}) > 100`, tc),
			Summary: "Over 100 regions have replicas still catching up with their leader.",
			Runbook: "A slow or overloaded TiKV store (disk, CPU): see the TiKV dashboards for the store with the pending peers.",
		},
		{
			Name: "KostTiKVLowSpace", Severity: "critical", For: "1m",
			Expr:    fmt.Sprintf(`max by (tidb_cluster) (pd_cluster_status{%s, type="store_low_space_count"}) > 0`, tc),
			Summary: "PD counts a TiKV store as low on space: it stops moving regions onto it.",
			Runbook: "Grow the TiKV volumes (database storage in the environment, then pulumi up) or add stores; deleting data " +
				"frees space only after GC and compaction.",
		},
		{
			Name: "KostTiKVDiskNearlyFull", Severity: "warning", For: "5m",
			// Both sides summed by store: the two series differ in their type label, so a plain
			// division would match nothing.
			Expr: fmt.Sprintf(`sum by (tidb_cluster, instance) (tikv_store_size_bytes{%s, type="available"}) / `+
				`sum by (tidb_cluster, instance) (tikv_store_size_bytes{%s, type="capacity"}) < 0.2`, tc, tc),
			Summary: "A TiKV store has less than 20% of its capacity left.",
			Runbook: "Plan more space now (see KostTiKVLowSpace): grow the volumes or add stores before PD stops scheduling onto it.",
		},
	}
	out = append(out, quorum("KostPD", "PD", tc+`, component="pd"`,
		"Restore the down PD member now (kubectl -n "+d.Namespace+" get pods -l app.kubernetes.io/component=pd); with one more "+
			"loss TiDB can neither get timestamps nor route requests.",
		"The cluster serves no transaction. Bring PD members back until a majority runs; if their volumes are lost, follow "+
			"PingCAP's pd-recover procedure, or restore from backup (README, Backups).")...)
	if slices.Contains(d.Components, "ticdc") {
		out = append(out,
			Alert{
				Name: "KostChangefeedLagging", Severity: "warning", For: "5m",
				Expr:    fmt.Sprintf(`max by (tidb_cluster, changefeed) (ticdc_owner_checkpoint_ts_lag{%s}) > 600`, tc),
				Summary: "A changefeed's checkpoint is more than 10 minutes behind: Kafka and Spark see old data.",
				Runbook: "See the TiCDC dashboard for the slow stage (puller, sink); a Kafka that refuses writes (KostKafkaUnderMinISR) " +
					"or a feed that keeps failing shows here first. TiCDC keeps the gap while it is within the GC safepoint (24h).",
			},
			Alert{
				Name: "KostChangefeedError", Severity: "warning", For: "5m",
				Expr:    fmt.Sprintf(`max by (tidb_cluster, changefeed) (max_over_time(ticdc_owner_status{%s}[1m])) == 1`, tc),
				Summary: "A changefeed is in the error state; TiCDC retries it.",
				Runbook: "cdc cli changefeed query -c <changefeed> (from a TiCDC pod) shows the error; a sink refusing the messages " +
					"(topic ACLs, message size) is the usual cause.",
			},
			Alert{
				Name: "KostChangefeedFailed", Severity: "critical", For: "1m",
				Expr:    fmt.Sprintf(`max by (tidb_cluster, changefeed) (max_over_time(ticdc_owner_status{%s}[1m])) == 2`, tc),
				Summary: "A changefeed failed and no longer replicates: Kafka and Spark stop getting changes.",
				Runbook: "Find the cause (cdc cli changefeed query -c <changefeed>), fix it, then resume the feed; once TiDB's GC has " +
					"passed its checkpoint it must be re-created, and Spark re-reads the topic from a new snapshot.",
			},
		)
	}
	return out
}

// kafkaAlerts are the Kafka cluster's alerts.
func kafkaAlerts(k *KafkaTarget) []Alert {
	sel := fmt.Sprintf(`namespace=%q, strimzi_io_cluster=%q`, k.Namespace, k.Cluster)
	out := []Alert{
		{
			Name: "KostKafkaBrokerDown", Severity: "warning", For: "5m",
			Expr:    fmt.Sprintf(`up{%s, strimzi_io_broker_role="true"} == 0`, sel),
			Summary: "Prometheus cannot scrape a Kafka broker.",
			Runbook: "kubectl -n " + k.Namespace + " get pods -l strimzi.io/broker-role=true; describe the pod in the alert and read its " +
				"log. Its partitions run under-replicated meanwhile (KostKafkaUnderReplicatedPartitions).",
		},
		{
			Name: "KostKafkaUnderReplicatedPartitions", Severity: "warning", For: "5m",
			Expr:    fmt.Sprintf(`sum by (kubernetes_pod_name) (kafka_server_replicamanager_underreplicatedpartitions{%s}) > 0`, sel),
			Summary: "A broker leads partitions whose followers are out of sync.",
			Runbook: "A broker is down or slow (disk, network): see KostKafkaBrokerDown and the Kafka dashboard's per-broker panels.",
		},
		{
			Name: "KostKafkaUnderMinISR", Severity: "critical", For: "1m",
			Expr:    fmt.Sprintf(`sum by (kubernetes_pod_name) (kafka_server_replicamanager_underminisrpartitioncount{%s}) > 0`, sel),
			Summary: "Partitions have fewer in-sync replicas than min.insync.replicas: producers with acks=all (TiCDC) are refused.",
			Runbook: "Bring the missing brokers back; until then the changefeeds stall (KostChangefeedLagging).",
		},
		{
			Name: "KostKafkaOfflinePartitions", Severity: "critical", For: "1m",
			Expr:    fmt.Sprintf(`sum by (namespace) (kafka_controller_kafkacontroller_offlinepartitionscount{%s}) > 0`, sel),
			Summary: "Partitions have no leader: they can be neither written nor read.",
			Runbook: "Every replica of those partitions is on a down broker: bring brokers back (their volumes are kept); never " +
				"enable unclean leader election on the change topics, it loses changes.",
		},
		{
			Name: "KostKafkaActiveControllers", Severity: "critical", For: "1m",
			Expr:    fmt.Sprintf(`sum by (namespace) (kafka_controller_kafkacontroller_activecontrollercount{%s}) != 1`, sel),
			Summary: "The Kafka cluster does not have exactly one active controller.",
			Runbook: "See the KRaft dashboard: a lost controller quorum (KostKafkaControllerQuorumLost) leaves none; metadata " +
				"changes (topics, leaders) stop until it is back.",
		},
	}
	return append(out, quorum("KostKafkaController", "KRaft controller", sel+`, strimzi_io_controller_role="true"`,
		"Restore the down controller now (kubectl -n "+k.Namespace+" get pods -l strimzi.io/controller-role=true).",
		"Kafka cannot elect leaders or change metadata. Bring controllers back until a majority runs (their volumes hold the "+
			"metadata log).")...)
}
