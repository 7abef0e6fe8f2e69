package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/kubeadm"
)

// protectedRecoveryDays is how long a deleted PKI secret of a protected cluster can be restored
// (Secrets Manager's maximum: recoveryWindowInDays is 0 to delete at once or 7 to 30, pulumi-aws
// v6.83.2 secretsmanager/secret.go, DeleteSecret in the Secrets Manager API reference);
// unprotected clusters' secrets go at once, so that a stack can be re-created under the same names
// (a secret scheduled for deletion keeps its name).
const protectedRecoveryDays = 30

// secretNames are the Secrets Manager names of a cluster's PKI and join token.
func secretNames(clusterName string) (pki, token string) {
	return "kost/" + clusterName + "/kubeadm-pki", "kost/" + clusterName + "/join-token"
}

// secretRefs say where the nodes find the secrets (names: GetSecretValue takes a name or an ARN).
func (a *SelfManagedClusterArgs) secretRefs() kubeadm.SecretRefs {
	pki, token := secretNames(a.ClusterName)
	return kubeadm.SecretRefs{Cloud: "aws", Region: a.Region, PKI: pki, Token: token}
}

// Secrets implements kubeadm.Infrastructure: two Secrets Manager secrets (the default aws/
// secretsmanager key) and inline policies scoped to them: the control-plane role may read both and
// write the token; the worker role may read the token only.
func (e *ec2Infra) Secrets(ctx *pulumi.Context, pki pulumi.StringOutput, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	a := e.a
	pkiName, tokenName := secretNames(a.ClusterName)
	window := 0
	if a.Protect {
		window = protectedRecoveryDays
	}
	pkiSecret, err := secretsmanager.NewSecret(ctx, e.name+"-pki", &secretsmanager.SecretArgs{
		Name:                 pulumi.String(pkiName),
		Description:          pulumi.String("kost: the shared CAs and service-account key of the control planes of " + a.ClusterName),
		RecoveryWindowInDays: pulumi.Int(window),
		Tags:                 nameTags(a.Tags, pkiName),
	}, append(opts, pulumi.Protect(a.Protect))...)
	if err != nil {
		return nil, err
	}
	version, err := secretsmanager.NewSecretVersion(ctx, e.name+"-pki", &secretsmanager.SecretVersionArgs{
		SecretId:     pkiSecret.ID(),
		SecretString: pki,
	}, append(opts, pulumi.Protect(a.Protect))...)
	if err != nil {
		return nil, err
	}
	// The token has no value from Pulumi: the control planes put a new one every 12 hours.
	token, err := secretsmanager.NewSecret(ctx, e.name+"-join-token", &secretsmanager.SecretArgs{
		Name:                 pulumi.String(tokenName),
		Description:          pulumi.String("kost: the newest kubeadm join token of " + a.ClusterName + ", written by its control planes"),
		RecoveryWindowInDays: pulumi.Int(0),
		Tags:                 nameTags(a.Tags, tokenName),
	}, opts...)
	if err != nil {
		return nil, err
	}
	cpPolicy := pulumi.All(pkiSecret.Arn, token.Arn).ApplyT(func(xs []any) string {
		return policyDocument{Version: "2012-10-17", Statement: []statement{
			{Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{xs[0].(string), xs[1].(string)}},
			{Effect: "Allow", Action: []string{"secretsmanager:PutSecretValue"}, Resource: xs[1].(string)},
		}}.String()
	}).(pulumi.StringOutput)
	cp, err := iam.NewRolePolicy(ctx, e.name+"-control-plane-secrets", &iam.RolePolicyArgs{
		Role: e.roles.controlPlaneRole.ID(), Policy: cpPolicy,
	}, opts...)
	if err != nil {
		return nil, err
	}
	workerPolicy := token.Arn.ApplyT(func(arn string) string {
		return policyDocument{Version: "2012-10-17", Statement: []statement{
			{Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: arn},
		}}.String()
	}).(pulumi.StringOutput)
	w, err := iam.NewRolePolicy(ctx, e.name+"-worker-secrets", &iam.RolePolicyArgs{
		Role: e.roles.workerRole.ID(), Policy: workerPolicy,
	}, opts...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{version, token, cp, w}, nil
}
