package data

import (
	_ "embed" // the example's program
	"strconv"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Spark names.
const (
	// SparkDriverAccount is the service account Spark drivers run as in every job namespace.
	SparkDriverAccount = "spark-driver"
	// SparkTiDBSecret holds the analytics user's connection in every job namespace: host, port, user,
	// password and, with TLS, ca.crt (TiDB's CA).
	SparkTiDBSecret = "kost-tidb-analytics"
	// SparkExampleName names the example SparkApplication and its ConfigMap.
	SparkExampleName = "kost-htap"
	// sparkTruststorePassword protects the integrity of the example's trust store, which holds only
	// TiDB's public CA certificate: not a secret.
	sparkTruststorePassword = "kost-public-ca"
)

// sparkExampleSource is the example's PySpark program (sparkapp/htap.py).
//
//go:embed sparkapp/htap.py
var sparkExampleSource string

// SparkExampleSpec is the example application: a PySpark streaming job on the spark pool that reads
// the change topic and TiDB (sparkapp/htap.py). The packages (the Kafka source and the MySQL JDBC
// driver) are resolved from Maven at submission (spec.deps.packages in the spark-operator v2.5.2 CRD;
// Ivy's cache in /tmp, as the image's home, /nonexistent, is not writable: apache/spark-docker
// 4.0.0/scala2.13-java17-ubuntu/Dockerfile). With TLS each pod's init container turns TiDB's CA into
// the PKCS #12 trust store MySQL Connector/J verifies TiDB with (its trustCertificateKeyStoreType is a
// JVM key store type, JKS or PKCS12, not PEM: Connector/J 9.1.0 ExportControlled.java); Kafka's
// client reads PEM (kafka-clients 3.9.0 DefaultSslEngineFactory: one key-store file with a PKCS #8 key
// and the certificate, no store password).
func SparkExampleSpec(c cluster.Cluster, s Spark, topic string, tlsOn bool) map[string]any {
	env := []any{
		map[string]any{"name": "KOST_KAFKA_BOOTSTRAP", "value": kafkaBootstrap(tlsOn)},
		map[string]any{"name": "KOST_CDC_TOPIC", "value": topic},
		map[string]any{"name": "KOST_TLS", "value": strconv.FormatBool(tlsOn)},
		map[string]any{"name": "KOST_TRUSTSTORE_PASSWORD", "value": sparkTruststorePassword},
	}
	mounts := []any{
		map[string]any{"name": "app", "mountPath": "/opt/kost/app", "readOnly": true},
		map[string]any{"name": "tidb", "mountPath": "/opt/kost/tidb", "readOnly": true},
	}
	volumes := []any{
		map[string]any{"name": "app", "configMap": map[string]any{"name": SparkExampleName}},
		map[string]any{"name": "tidb", "secret": map[string]any{"secretName": SparkTiDBSecret}},
	}
	var initContainers []any
	if tlsOn {
		mounts = append(mounts,
			map[string]any{"name": "kafka", "mountPath": "/opt/kost/kafka", "readOnly": true},
			map[string]any{"name": "truststore", "mountPath": "/opt/kost/truststore"})
		volumes = append(volumes,
			map[string]any{"name": "kafka", "secret": map[string]any{"secretName": SparkKafkaSecret}},
			map[string]any{"name": "truststore", "emptyDir": map[string]any{"sizeLimit": "1Mi"}})
		initContainers = []any{map[string]any{
			"name":  "truststore",
			"image": s.Image,
			"command": []any{"keytool", "-importcert", "-noprompt", "-alias", "tidb-ca", "-file", "/opt/kost/tidb/ca.crt",
				"-keystore", "/opt/kost/truststore/tidb.p12", "-storetype", "PKCS12", "-storepass", sparkTruststorePassword},
			"volumeMounts": []any{
				map[string]any{"name": "tidb", "mountPath": "/opt/kost/tidb", "readOnly": true},
				map[string]any{"name": "truststore", "mountPath": "/opt/kost/truststore"},
			},
		}}
	}
	role := func(extra map[string]any) map[string]any {
		m := map[string]any{"cores": 1, "memory": "1024m", "env": env, "volumeMounts": mounts,
			"labels": map[string]any{"app.kubernetes.io/part-of": SparkExampleName}}
		setIf(m, "initContainers", initContainers)
		for k, v := range extra {
			m[k] = v
		}
		sel, tol := placement(c, "spark")
		setIf(m, "nodeSelector", sel)
		setIf(m, "tolerations", tol)
		return m
	}
	packages := make([]any, 0, len(s.Packages))
	for _, p := range s.Packages {
		packages = append(packages, p)
	}
	return map[string]any{
		"type":                "Python",
		"pythonVersion":       "3",
		"mode":                "cluster",
		"image":               s.Image,
		"imagePullPolicy":     "IfNotPresent",
		"mainApplicationFile": "local:///opt/kost/app/htap.py",
		"sparkVersion":        s.Version,
		"deps":                map[string]any{"packages": packages},
		// spark.ui.prometheus.enabled serves the executors' metrics in Prometheus' format at the
		// driver UI's /metrics/executors/prometheus (apache/spark docs/monitoring.md); the driver's
		// SparkMetricsLabel has kost's monitor scrape it.
		"sparkConf": map[string]any{"spark.jars.ivy": "/tmp/.ivy2", "spark.ui.prometheus.enabled": "true"},
		// A streaming job: restarted when it fails, never re-run by `pulumi up` (no
		// timeToLiveSeconds, which would have the operator delete a finished application).
		"restartPolicy": map[string]any{"type": "OnFailure", "onFailureRetries": 3, "onFailureRetryInterval": 60,
			"onSubmissionFailureRetries": 3, "onSubmissionFailureRetryInterval": 60},
		"volumes": volumes,
		"driver": role(map[string]any{"serviceAccount": SparkDriverAccount,
			"labels": map[string]any{"app.kubernetes.io/part-of": SparkExampleName, SparkMetricsLabel: "true"}}),
		"executor": role(map[string]any{"instances": 2}),
	}
}

// SparkMetricsLabel on a Spark driver pod (with spark.ui.prometheus.enabled=true in the application)
// has kost's monitoring scrape its executors' metrics.
const SparkMetricsLabel = "kost.io/metrics"

// kafkaBootstrap is Kafka's bootstrap service: the TLS listener with TLS, the plain one otherwise.
func kafkaBootstrap(tlsOn bool) string {
	port := 9092
	if tlsOn {
		port = 9093
	}
	return KafkaClusterName + "-kafka-bootstrap." + NamespaceKafka + ".svc:" + strconv.Itoa(port)
}

// newSpark creates, in each job namespace, the drivers' service account and RBAC, the analytics
// user's Secret (the Kafka client certificate is newKafkaTLS's) and, in the first, the example.
func newSpark(ctx *pulumi.Context, name string, args *DataArgs, tidb *tidbOut, kafkaCerts *kafkaTLS, sparkUser []pulumi.Resource, opts ...pulumi.ResourceOption) error {
	on := with(opts, append(renderedBy(args.SparkRendered), pulumi.Provider(args.Cluster.Provider), pulumi.DependsOn(args.SparkReady))...)
	for i, ns := range args.Spark.JobNamespaces {
		sa, err := corev1.NewServiceAccount(ctx, name+"-"+ns+"-driver", &corev1.ServiceAccountArgs{
			Metadata: meta(SparkDriverAccount, ns),
		}, on...)
		if err != nil {
			return err
		}
		// What a driver does with its executors: create and watch pods, services and config maps for
		// them, and claims for their scratch volumes.
		role, err := rbacv1.NewRole(ctx, name+"-"+ns+"-driver", &rbacv1.RoleArgs{
			Metadata: meta(SparkDriverAccount, ns),
			Rules: rbacv1.PolicyRuleArray{
				&rbacv1.PolicyRuleArgs{
					ApiGroups: pulumi.StringArray{pulumi.String("")},
					Resources: pulumi.ToStringArray([]string{"pods", "services", "configmaps", "persistentvolumeclaims"}),
					Verbs:     pulumi.ToStringArray([]string{"create", "get", "list", "watch", "update", "patch", "delete", "deletecollection"}),
				},
				&rbacv1.PolicyRuleArgs{
					ApiGroups: pulumi.StringArray{pulumi.String("")},
					Resources: pulumi.ToStringArray([]string{"events"}),
					Verbs:     pulumi.ToStringArray([]string{"create", "patch"}),
				},
			},
		}, on...)
		if err != nil {
			return err
		}
		if _, err := rbacv1.NewRoleBinding(ctx, name+"-"+ns+"-driver", &rbacv1.RoleBindingArgs{
			Metadata: meta(SparkDriverAccount, ns),
			RoleRef:  &rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: pulumi.String(SparkDriverAccount)},
			Subjects: rbacv1.SubjectArray{&rbacv1.SubjectArgs{
				Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(SparkDriverAccount), Namespace: pulumi.String(ns),
			}},
		}, append(on, pulumi.DependsOn([]pulumi.Resource{sa, role}))...); err != nil {
			return err
		}
		tidbData := pulumi.StringMap{
			"host":     pulumi.String(TiDBClusterName + "-tidb." + NamespaceTiDB + ".svc"),
			"port":     pulumi.String("4000"),
			"user":     pulumi.String(AnalyticsUser),
			"password": tidb.analyticsPassword,
		}
		if args.TLS {
			tidbData["ca.crt"] = tidb.caCert
		}
		tidbSecret, err := corev1.NewSecret(ctx, name+"-"+ns+"-tidb-analytics", &corev1.SecretArgs{
			Metadata:   meta(SparkTiDBSecret, ns),
			Type:       pulumi.String("Opaque"),
			StringData: tidbData,
		}, on...)
		if err != nil {
			return err
		}
		if !args.Spark.Example || i > 0 || len(args.CDC.Feeds) == 0 {
			continue
		}
		app, err := corev1.NewConfigMap(ctx, name+"-spark-example", &corev1.ConfigMapArgs{
			Metadata: meta(SparkExampleName, ns),
			Data:     pulumi.StringMap{"htap.py": pulumi.String(sparkExampleSource)},
		}, on...)
		if err != nil {
			return err
		}
		deps := []pulumi.Resource{sa, role, app, tidbSecret, tidb.initializer}
		deps = append(deps, sparkUser...)
		if kafkaCerts != nil && i < len(kafkaCerts.spark) {
			deps = append(deps, kafkaCerts.spark[i])
		}
		if _, err := apiextensions.NewCustomResource(ctx, name+"-spark-example", &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("sparkoperator.k8s.io/v1beta2"),
			Kind:        pulumi.String("SparkApplication"),
			Metadata:    meta(SparkExampleName, ns),
			OtherFields: kubernetes.UntypedArgs{"spec": SparkExampleSpec(args.Cluster, args.Spark, args.CDC.Feeds[0].Topic, args.TLS)},
		}, append(on, pulumi.DependsOn(deps))...); err != nil {
			return err
		}
	}
	return nil
}
