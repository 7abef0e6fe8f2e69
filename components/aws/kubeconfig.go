package aws

import "github.com/kost-platform/kost/components/cluster"

// KubeconfigArgs describe how to reach an EKS cluster with `aws eks get-token`.
type KubeconfigArgs struct {
	ClusterName, Endpoint, CAData, Region string
	// Profile and RoleARN are passed to the aws CLI when set.
	Profile, RoleARN string
}

// Kubeconfig renders a kubeconfig (JSON, which every client reads) that authenticates with the aws
// CLI's exec plugin: no long-lived token is stored anywhere.
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
