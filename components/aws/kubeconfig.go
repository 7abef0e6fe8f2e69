package aws

import "github.com/kost-platform/kost/components/cluster"

// KubeconfigArgs describe how to reach an EKS cluster with `aws eks get-token`.
type KubeconfigArgs struct {
	// ClusterName is the EKS cluster's name (get-token's --cluster-name, and the kubeconfig's
	// cluster, context and user). Required.
	ClusterName string
	// Endpoint is the API server URL. Required.
	Endpoint string
	// CAData is the cluster CA certificate, base64 PEM. Required.
	CAData string
	// Region of the cluster (get-token's --region). Required.
	Region string
	// Profile and RoleARN are passed to the aws CLI when set.
	Profile, RoleARN string
}

// Validate reports every problem of the args at once, as a *cluster.ArgsError; nil args are the
// zero value.
func (a *KubeconfigArgs) Validate() error {
	if a == nil {
		a = &KubeconfigArgs{}
	}
	var ps cluster.Problems
	ps.Check(a.ClusterName != "", "ClusterName", "required: the EKS cluster's name, for aws eks get-token")
	ps.Check(a.Endpoint != "", "Endpoint", "required: the API server URL, e.g. https://<id>.gr7.<region>.eks.amazonaws.com")
	ps.Check(a.CAData != "", "CAData", "required: the cluster CA certificate, base64 PEM (the cluster's certificateAuthority.data)")
	ps.Check(a.Region != "", "Region", "required: the cluster's AWS region, for aws eks get-token")
	return ps.Err("EKS kubeconfig args")
}

// Kubeconfig renders a kubeconfig (JSON, which every client reads) that authenticates with the aws
// CLI's exec plugin: no long-lived token is stored anywhere. It renders a as given: check it with
// Validate first.
func Kubeconfig(a KubeconfigArgs) string {
	args := []string{"eks", "get-token", "--cluster-name", a.ClusterName, "--region", a.Region, "--output", "json"}
	if a.RoleARN != "" {
		args = append(args, "--role-arn", a.RoleARN)
	}
	user := cluster.ExecUser{Command: "aws", Args: args}
	if a.Profile != "" {
		user.Env = map[string]string{"AWS_PROFILE": a.Profile}
	}
	return cluster.Kubeconfig(a.ClusterName, a.Endpoint, a.CAData, user.User())
}
