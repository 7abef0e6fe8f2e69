package platform

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Namespaces kost creates on every cluster.
const (
	NamespaceStrimzi       = "strimzi"
	NamespaceTiDBOperator  = "tidb-admin"
	NamespaceSparkOperator = "spark-operator"
	NamespaceTiDB          = "tidb"
	NamespaceKafka         = "kafka"
)

// Pod Security Admission levels.
const (
	psaRestricted = "restricted"
	psaBaseline   = "baseline"
)

// namespace creates a labelled namespace. enforce is the pod security level the workloads allow;
// warnings and audit always ask for restricted so drift towards it shows.
func namespace(ctx *pulumi.Context, name, ns, layer, enforce string, opts ...pulumi.ResourceOption) (*corev1.Namespace, error) {
	n, err := corev1.NewNamespace(ctx, name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(ns),
			Labels: pulumi.StringMap{
				"app.kubernetes.io/managed-by":       pulumi.String("kost"),
				"kost.io/layer":                      pulumi.String(layer),
				"pod-security.kubernetes.io/enforce": pulumi.String(enforce),
				"pod-security.kubernetes.io/warn":    pulumi.String(psaRestricted),
				"pod-security.kubernetes.io/audit":   pulumi.String(psaRestricted),
			},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", ns, err)
	}
	return n, nil
}

// What the operators' pods serve Prometheus metrics on, from their charts as published
// (../shared/charts):
//   - Strimzi 1.2.0 templates/060-Deployment-strimzi-cluster-operator.yaml: pod labels
//     name=strimzi-cluster-operator and strimzi.io/kind=cluster-operator, container port 8080
//     named http (its /metrics).
//   - spark-operator 2.5.2 values.yaml prometheus.metrics (enable true, port 8080, portName metrics,
//     endpoint /metrics) on the controller, whose pods carry app.kubernetes.io/name=spark-operator
//     and app.kubernetes.io/component=controller (templates/controller/_helpers.tpl).
//   - TiDB Operator v1.6.6 templates/controller-manager-deployment.yaml declares no container port
//     (only the liveness probe's 6060): nothing to select, so it is watched through its Deployment.
var (
	StrimziPodLabels         = map[string]string{"name": "strimzi-cluster-operator", "strimzi.io/kind": "cluster-operator"}
	SparkControllerPodLabels = map[string]string{"app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "controller"}
)

// The operators' metrics port names (see StrimziPodLabels).
const (
	StrimziMetricsPort = "http"
	SparkMetricsPort   = "metrics"
)
