package data

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// SparkDriverAccount is the service account Spark drivers run as in every job namespace.
const SparkDriverAccount = "spark-driver"

// SparkPiSpec is the example application: SparkPi on the spark pool.
func SparkPiSpec(c cluster.Cluster, s Spark) map[string]any {
	role := func(extra map[string]any) map[string]any {
		m := map[string]any{"cores": 1, "memory": "512m", "labels": map[string]any{"app.kubernetes.io/part-of": "spark-pi"}}
		for k, v := range extra {
			m[k] = v
		}
		sel, tol := placement(c, "spark")
		setIf(m, "nodeSelector", sel)
		setIf(m, "tolerations", tol)
		return m
	}
	return map[string]any{
		"type":                "Scala",
		"mode":                "cluster",
		"image":               s.Image,
		"imagePullPolicy":     "IfNotPresent",
		"mainClass":           "org.apache.spark.examples.SparkPi",
		"mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
		"arguments":           []any{"1000"},
		"sparkVersion":        s.Version,
		"restartPolicy":       map[string]any{"type": "Never"},
		// No timeToLiveSeconds: the operator would delete the finished application, and every
		// `pulumi up` would create it, and run it, again. It stays COMPLETED; delete it to rerun.
		"driver":   role(map[string]any{"serviceAccount": SparkDriverAccount}),
		"executor": role(map[string]any{"instances": 2}),
	}
}

// newSpark creates the drivers' service account and RBAC in each job namespace, and the example.
func newSpark(ctx *pulumi.Context, name string, args *DataArgs, opts ...pulumi.ResourceOption) error {
	on := with(opts, append(renderedBy(args.SparkRendered), pulumi.Provider(args.Cluster.Provider), pulumi.DependsOn(args.SparkReady))...)
	for _, ns := range args.Spark.JobNamespaces {
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
		if args.Spark.Example && ns == args.Spark.JobNamespaces[0] {
			if _, err := apiextensions.NewCustomResource(ctx, name+"-spark-pi", &apiextensions.CustomResourceArgs{
				ApiVersion:  pulumi.String("sparkoperator.k8s.io/v1beta2"),
				Kind:        pulumi.String("SparkApplication"),
				Metadata:    meta("spark-pi", ns),
				OtherFields: kubernetes.UntypedArgs{"spec": SparkPiSpec(args.Cluster, args.Spark)},
			}, append(on, pulumi.DependsOn([]pulumi.Resource{sa, role}))...); err != nil {
				return err
			}
		}
	}
	return nil
}
