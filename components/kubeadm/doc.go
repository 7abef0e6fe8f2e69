// Package kubeadm owns the cloud-neutral bootstrap of a self-managed Kubernetes cluster built with
// kubeadm on Ubuntu VMs: the PKI (cluster, front-proxy and etcd CAs, service-account key pair, an
// admin client certificate) made in Pulumi with pulumi-tls, the bootstrap token made with
// pulumi-random, the kubeadm configuration (InitConfiguration, ClusterConfiguration,
// KubeletConfiguration, JoinConfiguration; kubeadm.k8s.io/v1beta4) rendered from typed structs, and
// the cloud-init user data of the first control-plane node, the further control-plane nodes and the
// workers of each pool, plus the admin kubeconfig.
//
// It creates no VM, load balancer or add-on: each cloud's package makes those, feeds the internal load
// balancer's address in as ControlPlaneEndpoint and hands the user data to its VMs. Every resource
// takes the tls and random providers from its parent: pass them with pulumi.Providers on Bootstrap.
package kubeadm
