package data

import (
	"fmt"
	"strconv"
	"time"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Kafka TLS names. kost owns both of the Kafka cluster's certificate authorities (Strimzi's
// user-provided CAs: clusterCa and clientsCa with generateCertificateAuthority false), so it knows,
// while it deploys, the CA the brokers' certificates chain to and can sign the clients'
// certificates itself: the clients' Secrets are written where the clients run, and nothing is copied
// between namespaces at run time.
const (
	// TiCDCKafkaSecret holds TiCDC's Kafka client certificate (namespace tidb): ca.crt (the cluster
	// CA the brokers' certificates chain to), tls.crt and tls.key. TiCDC mounts it at
	// /var/lib/sink-tls/<name> (spec.ticdc.tlsClientSecretNames; TiDB Operator v1.6.6
	// pkg/manager/member/ticdc_member_manager.go).
	TiCDCKafkaSecret = "kost-ticdc-kafka"
	// SparkKafkaSecret holds the Spark jobs' Kafka client certificate in every job namespace: ca.crt,
	// tls.crt, tls.key (PKCS #8) and keystore.pem (the key and the certificate, the file a Kafka
	// client's PEM key store reads).
	SparkKafkaSecret = "kost-kafka-spark"
	// SparkKafkaUser is the Spark jobs' Kafka user.
	SparkKafkaUser = "spark"
	// sparkGroupPrefix is Spark's consumer group prefix (structured streaming's groupIdPrefix
	// default, spark-kafka-source: apache/spark docs/streaming/structured-streaming-kafka-integration.md,
	// read at the search index's commit 1587346, not at the v4.0.0 tag).
	sparkGroupPrefix = "spark-kafka-source"
)

// Strimzi's names for user-provided CAs (strimzi-kafka-operator 1.2.0: KafkaResources
// clusterCaCertificateSecretName and friends; Ca.java CA_CRT ca.crt and CA_KEY ca.key; the
// generation annotations in Ca.java; CaReconciler finds the Secrets by the labels
// strimzi.io/kind=Kafka and strimzi.io/cluster=<name>).
const (
	strimziCertGeneration = "strimzi.io/ca-cert-generation"
	strimziKeyGeneration  = "strimzi.io/ca-key-generation"
)

// kafkaTLS is the Kafka cluster's TLS material.
type kafkaTLS struct {
	// caSecrets are Strimzi's four CA Secrets, which must exist before the Kafka.
	caSecrets []pulumi.Resource
	// clusterCA is the CA the brokers' certificates chain to (PEM); clients trust it.
	clusterCA pulumi.StringOutput
	// ticdc is TiCDC's client certificate Secret; spark the Spark jobs' per job namespace.
	ticdc pulumi.Resource
	spark []pulumi.Resource
	// certificates are the two CAs and the clients' certificates, for expiry alerts.
	certificates []Certificate
}

// certGeneration is Strimzi's CA certificate generation for a certificate valid from start: hours
// since 2020-01-01, so a renewal (a new certificate, a later start) raises it, which is how Strimzi
// learns a user-provided CA was renewed and rolls the brokers onto it.
func certGeneration(start string) (string, error) {
	t, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return "", fmt.Errorf("CA validity start %q: %w", start, err)
	}
	return strconv.FormatInt(int64(t.Sub(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).Hours()), 10), nil
}

// newKafkaTLS makes the two CAs with their Strimzi Secrets in the Kafka namespace, TiCDC's client
// certificate in the TiDB namespace and the Spark jobs' in each job namespace. Kafka authenticates
// a client by its certificate's whole subject, CN=<KafkaUser name> for a tls-external user (Strimzi
// 1.2.0 KafkaUserModel; Kafka's default principal builder), so client subjects carry the CN only.
func newKafkaTLS(ctx *pulumi.Context, name string, args *DataArgs, keep []pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*kafkaTLS, error) {
	out := &kafkaTLS{}
	labels := map[string]string{"strimzi.io/kind": "Kafka", "strimzi.io/cluster": KafkaClusterName}
	clusterCA, err := newAuthority(ctx, name+"-kafka-cluster-ca", KafkaClusterName+" Kafka cluster CA", opts...)
	if err != nil {
		return nil, err
	}
	clientsCA, err := newAuthority(ctx, name+"-kafka-clients-ca", KafkaClusterName+" Kafka clients CA", opts...)
	if err != nil {
		return nil, err
	}
	out.clusterCA = clusterCA.cert
	out.certificates = []Certificate{
		{Name: KafkaClusterName + " Kafka cluster CA", Secret: KafkaClusterName + "-cluster-ca-cert", Namespace: NamespaceKafka, NotAfter: clusterCA.end},
		{Name: KafkaClusterName + " Kafka clients CA", Secret: KafkaClusterName + "-clients-ca-cert", Namespace: NamespaceKafka, NotAfter: clientsCA.end},
	}
	for _, ca := range []struct {
		suffix, secret string
		a              *authority
	}{{"cluster", KafkaClusterName + "-cluster-ca", clusterCA}, {"clients", KafkaClusterName + "-clients-ca", clientsCA}} {
		generation := ca.a.start.ApplyT(certGeneration).(pulumi.StringOutput)
		certMeta := meta(ca.secret+"-cert", NamespaceKafka, labels)
		certMeta.Annotations = pulumi.StringMap{strimziCertGeneration: generation}
		cert, err := corev1.NewSecret(ctx, name+"-kafka-"+ca.suffix+"-ca-cert", &corev1.SecretArgs{
			Metadata:   certMeta,
			Type:       pulumi.String("Opaque"),
			StringData: pulumi.StringMap{"ca.crt": ca.a.cert},
		}, with(opts, keep...)...)
		if err != nil {
			return nil, err
		}
		keyMeta := meta(ca.secret, NamespaceKafka, labels)
		keyMeta.Annotations = pulumi.StringMap{strimziKeyGeneration: pulumi.String("0")}
		key, err := corev1.NewSecret(ctx, name+"-kafka-"+ca.suffix+"-ca-key", &corev1.SecretArgs{
			Metadata:   keyMeta,
			Type:       pulumi.String("Opaque"),
			StringData: pulumi.StringMap{"ca.key": pulumi.ToSecret(ca.a.key.PrivateKeyPemPkcs8).(pulumi.StringOutput)},
		}, with(opts, keep...)...)
		if err != nil {
			return nil, err
		}
		out.caSecrets = append(out.caSecrets, cert, key)
	}
	client := func(suffix, user, ns, secret string, extra func(l *leaf) pulumi.StringMap, more ...pulumi.ResourceOption) (pulumi.Resource, error) {
		l, err := clientsCA.issue(ctx, name+"-"+suffix, leafSpec{commonName: user, uses: clientUses}, opts...)
		if err != nil {
			return nil, err
		}
		data := pulumi.StringMap{
			"ca.crt":  clusterCA.cert,
			"tls.crt": l.cert,
			"tls.key": pulumi.ToSecret(l.key.PrivateKeyPemPkcs8).(pulumi.StringOutput),
		}
		for k, v := range extra(l) {
			data[k] = v
		}
		out.certificates = append(out.certificates, Certificate{Name: secret, Secret: secret, Namespace: ns, NotAfter: l.end})
		return corev1.NewSecret(ctx, name+"-"+suffix, &corev1.SecretArgs{
			Metadata:   meta(secret, ns),
			Type:       pulumi.String("Opaque"),
			StringData: data,
		}, with(opts, more...)...)
	}
	none := func(*leaf) pulumi.StringMap { return nil }
	if args.Database.TiCDC > 0 {
		// Kept with the TidbCluster, which mounts it.
		if out.ticdc, err = client("ticdc-kafka", CDCUser, NamespaceTiDB, TiCDCKafkaSecret, none, keep...); err != nil {
			return nil, fmt.Errorf("the TiCDC Kafka certificate: %w", err)
		}
	}
	for _, ns := range args.Spark.JobNamespaces {
		sec, err := client(ns+"-kafka-spark", SparkKafkaUser, ns, SparkKafkaSecret, func(l *leaf) pulumi.StringMap {
			keystore := pulumi.All(l.key.PrivateKeyPemPkcs8, l.cert).ApplyT(func(v []any) string {
				return v[0].(string) + v[1].(string)
			}).(pulumi.StringOutput)
			return pulumi.StringMap{"keystore.pem": pulumi.ToSecret(keystore).(pulumi.StringOutput)}
		})
		if err != nil {
			return nil, fmt.Errorf("the Spark jobs' Kafka certificate in %s: %w", ns, err)
		}
		out.spark = append(out.spark, sec)
	}
	return out, nil
}
