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
