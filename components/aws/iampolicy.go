package aws

import (
	"encoding/json"
)

// policyDocument is an IAM policy in its JSON form, built in Go so it is deterministic and needs no
// provider call.
type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Effect    string                       `json:"Effect"`
	Principal map[string]any               `json:"Principal,omitempty"`
	Action    any                          `json:"Action"`
	Resource  any                          `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// clusterAutoscalerPolicy is what the cluster-autoscaler needs (kubernetes/autoscaler
// cluster-autoscaler/cloudprovider/aws/README.md at cluster-autoscaler-1.36.1): reading groups,
// instance types and launch templates anywhere, and changing only groups tagged for this cluster
// (EKS tags its managed node groups' Auto Scaling groups k8s.io/cluster-autoscaler/<cluster>, and
// kost tags its kubeadm groups the same), through the autoscaling:ResourceTag condition key.
func clusterAutoscalerPolicy(clusterName string) string {
	return policyDocument{Version: "2012-10-17", Statement: []statement{
		{Effect: "Allow", Resource: "*", Action: []string{
			"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
			"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
			"ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
			"ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup",
		}},
		{Effect: "Allow", Resource: "*",
			Action:    []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"},
			Condition: map[string]map[string]string{"Null": {"autoscaling:ResourceTag/k8s.io/cluster-autoscaler/" + clusterName: "false"}},
		},
	}}.String()
}

func (d policyDocument) String() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // only static types above; cannot fail
	}
	return string(b)
}

// assumeRoleForService is a trust policy letting an AWS service assume the role.
func assumeRoleForService(service string) string {
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": service},
		Action:    "sts:AssumeRole",
	}}}.String()
}

// assumeRoleForServiceAccount is an IRSA trust policy: only the named Kubernetes service account,
// through the cluster's OIDC provider, may assume the role.
func assumeRoleForServiceAccount(providerARN, issuerHost, namespace, serviceAccount string) string {
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Federated": providerARN},
		Action:    "sts:AssumeRoleWithWebIdentity",
		Condition: map[string]map[string]string{"StringEquals": {
			issuerHost + ":sub": "system:serviceaccount:" + namespace + ":" + serviceAccount,
			issuerHost + ":aud": "sts.amazonaws.com",
		}},
	}}}.String()
}

// AWS managed policies kost attaches.
const (
	policyEKSCluster       = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
	policyEKSWorkerNode    = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
	policyEKSCNI           = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
	policyECRReadOnly      = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
	policySSMManagedCore   = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	policyEBSCSIDriver     = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
	accessPolicyClusterAdm = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
	// accessPolicyView is read-only access to most Kubernetes objects, Secrets excluded (EKS User
	// Guide, "Review access policy permissions": AmazonEKSViewPolicy).
	accessPolicyView = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
)
