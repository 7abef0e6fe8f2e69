package data

import (
	"fmt"
	"strconv"
	"strings"
)

// Workload is a kind of pod the data plane runs, read from the very specs NewData registers (so what
// is proved is what is deployed): what the capacity proof places.
type Workload struct {
	Name     string
	Replicas int
	// Pool the pods are placed on; "" on a cluster without kost's pools.
	Pool string
	// Containers' requests (a pod's request is their sum).
	Containers []Resources
	// HostSpread and ZoneSpread: topology spread with maxSkew 1, DoNotSchedule, over
	// kubernetes.io/hostname and topology.kubernetes.io/zone among the workload's own pods.
	HostSpread, ZoneSpread bool
}

// Workloads lists the data plane's pods as args deploy them.
func (a *DataArgs) Workloads() ([]Workload, error) {
	sc := a.StorageClass
	if sc == "" {
		sc = "kost-db"
	}
	var out []Workload
	tc := TidbClusterSpec(a.Cluster, a.Database, a.TLS, sc)
	host, zone := false, false
	for _, c := range asList(tc["topologySpreadConstraints"]) {
		switch asMap(c)["topologyKey"] {
		case hostLabel:
			host = true
		case zoneLabel:
			zone = true
		}
	}
	for _, comp := range []struct{ key, name string }{{"pd", "PD"}, {"tikv", "TiKV"}, {"tidb", "TiDB"}, {"tiflash", "TiFlash"}, {"ticdc", "TiCDC"}} {
		m, ok := tc[comp.key].(map[string]any)
		if !ok {
			continue
		}
		r, err := fromRequests(m["requests"])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", comp.name, err)
		}
		out = append(out, Workload{Name: comp.name, Replicas: asInt(m["replicas"]), Pool: poolOf(m["nodeSelector"]),
			Containers: []Resources{r}, HostSpread: host, ZoneSpread: zone})
	}
	disc := asMap(tc["discovery"])
	r, err := fromRequests(disc["requests"])
	if err != nil {
		return nil, fmt.Errorf("TiDB discovery: %w", err)
	}
	out = append(out, Workload{Name: "TiDB discovery", Replicas: 1, Pool: poolOf(disc["nodeSelector"]), Containers: []Resources{r}})
	init := orDefault(a.Database.InitializerResources, Resources{CPU: "80m", Memory: "128Mi"})
	sel, _ := placement(a.Cluster, "system")
	out = append(out, Workload{Name: "TiDB initializer job", Replicas: 1, Pool: poolOf(sel), Containers: []Resources{init}})
	if a.Backup.Schedule != "" {
		// The jobs tolerate no pool's taint, so they land on the system pool; a full backup's job and
		// the log backup's (or a clean job) can run at once. Its init container copies BR and exits, so
		// the pod asks for one container's share.
		out = append(out, Workload{Name: "backup job", Replicas: 2, Pool: poolOf(sel), Containers: []Resources{a.Backup.jobResources()}})
	}

	for _, np := range []struct {
		role     string
		replicas int
		r        Resources
	}{{"controller", a.Kafka.Controllers, a.Kafka.ControllerResources}, {"broker", a.Kafka.Brokers, a.Kafka.BrokerResources}} {
		spec := KafkaNodePoolSpec(a.Cluster, np.role, np.replicas, np.r, sc)
		r, err := fromRequests(asMap(spec["resources"])["requests"])
		if err != nil {
			return nil, fmt.Errorf("kafka %ss: %w", np.role, err)
		}
		pod := asMap(asMap(spec["template"])["pod"])
		w := Workload{Name: "Kafka " + np.role, Replicas: asInt(spec["replicas"]), Containers: []Resources{r},
			ZoneSpread: len(asList(pod["topologySpreadConstraints"])) > 0}
		if pod["affinity"] != nil {
			w.Pool = "kafka"
		}
		out = append(out, w)
	}
	k := KafkaSpec(a.Cluster, a.Kafka, a.TLS)
	eo := asMap(k["entityOperator"])
	var eoContainers []Resources
	for _, op := range []string{"topicOperator", "userOperator"} {
		r, err := fromRequests(asMap(asMap(eo[op])["resources"])["requests"])
		if err != nil {
			return nil, fmt.Errorf("strimzi %s: %w", op, err)
		}
		eoContainers = append(eoContainers, r)
	}
	out = append(out, Workload{Name: "Strimzi entity operator", Replicas: 1, Pool: poolOf(sel), Containers: eoContainers})
	if cc, ok := k["cruiseControl"].(map[string]any); ok {
		r, err := fromRequests(asMap(cc["resources"])["requests"])
		if err != nil {
			return nil, fmt.Errorf("cruise control: %w", err)
		}
		out = append(out, Workload{Name: "Cruise Control", Replicas: 1, Pool: poolOf(sel), Containers: []Resources{r}})
	}
	if ke, ok := k["kafkaExporter"].(map[string]any); ok {
		r, err := fromRequests(asMap(ke["resources"])["requests"])
		if err != nil {
			return nil, fmt.Errorf("kafka exporter: %w", err)
		}
		out = append(out, Workload{Name: "Kafka Exporter", Replicas: 1, Pool: poolOf(sel), Containers: []Resources{r}})
	}

	if a.Database.TiCDC > 0 {
		job := CDCSyncJobSpec(a.Cluster, a)
		pod := asMap(asMap(job["template"])["spec"])
		r, err := fromRequests(asMap(asMap(asList(pod["containers"])[0])["resources"])["requests"])
		if err != nil {
			return nil, fmt.Errorf("changefeed sync job: %w", err)
		}
		out = append(out, Workload{Name: "changefeed sync job", Replicas: 1, Pool: poolOf(pod["nodeSelector"]), Containers: []Resources{r}})
	}

	if a.Spark.Example && len(a.Spark.JobNamespaces) > 0 && len(a.CDC.Feeds) > 0 {
		app := SparkExampleSpec(a.Cluster, a.Spark, a.CDC.Feeds[0].Topic, a.TLS)
		for _, role := range []string{"driver", "executor"} {
			m := asMap(app[role])
			r, err := sparkPod(m)
			if err != nil {
				return nil, fmt.Errorf("the Spark example's %s: %w", role, err)
			}
			replicas := 1
			if role == "executor" {
				replicas = asInt(m["instances"])
			}
			out = append(out, Workload{Name: "Spark example " + role, Replicas: replicas, Pool: poolOf(m["nodeSelector"]), Containers: []Resources{r}})
		}
	}
	return out, nil
}

// sparkPod is what Spark asks of Kubernetes for a driver or executor: its cores as the CPU request,
// its memory plus the overhead Spark adds (spark.kubernetes.memoryOverheadFactor 0.1, at least
// 384 MiB: Spark's running-on-kubernetes configuration).
func sparkPod(m map[string]any) (Resources, error) {
	mem, _ := m["memory"].(string)
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.ToLower(mem), "m"), 10, 64)
	if err != nil || !strings.HasSuffix(strings.ToLower(mem), "m") {
		return Resources{}, fmt.Errorf("memory %q: want <n>m", mem)
	}
	overhead := max(384, n/10)
	return Resources{CPU: strconv.Itoa(asInt(m["cores"])), Memory: fmt.Sprintf("%dMi", n+overhead)}, nil
}

func fromRequests(v any) (Resources, error) {
	m := asMap(v)
	cpu, _ := m["cpu"].(string)
	mem, _ := m["memory"].(string)
	if cpu == "" || mem == "" {
		return Resources{}, fmt.Errorf("requests %v: want cpu and memory", v)
	}
	return Resources{CPU: cpu, Memory: mem}, nil
}

func poolOf(v any) string {
	s, _ := asMap(v)[poolLabel].(string)
	return s
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func asList(v any) []any { l, _ := v.([]any); return l }

func asInt(v any) int { i, _ := v.(int); return i }
