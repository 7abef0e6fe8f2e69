// Package kubeadm owns the self-managed cluster sequence, written once: NewCluster validates the
// shared ClusterSpec and the cloud's own args, then runs the endpoint, the bootstrap, the control
// planes one at a time behind readiness gates, the worker groups, the Kubernetes provider, the
// add-ons and the pools' gates, and hands up the cluster.Cluster. A cloud implements Infrastructure
// (its API load balancer, a control-plane machine, a worker group, its add-ons and profiles) and
// nothing else.
//
// It also owns the cloud-neutral bootstrap of a self-managed Kubernetes cluster built with
// kubeadm on Ubuntu VMs: the PKI (cluster, front-proxy and etcd CAs, service-account key pair, an
// admin client certificate) made in Pulumi with pulumi-tls, the bootstrap token made with
// pulumi-random, the kubeadm configuration (InitConfiguration, ClusterConfiguration,
// KubeletConfiguration, JoinConfiguration; kubeadm.k8s.io/v1beta4) rendered from typed structs, and
// the cloud-init user data of the first control-plane node, the further control-plane nodes and the
// workers of each pool, plus the admin kubeconfig.
//
// Addons installs what a kubeadm cluster needs before workloads, once the API server answers (a
// /readyz probe run where Pulumi runs): the CNI (Cilium), the cloud's cloud-controller-manager, the
// cloud's CSI driver and metrics-server, in that order, with the cluster's Kubernetes provider. The
// cloud packages choose the charts or manifests (Installer) and their values.
//
// It creates no VM or load balancer: each cloud's package makes those, feeds the internal load
// balancer's address in as ControlPlaneEndpoint and hands the user data to its VMs. Bootstrap makes
// its own tls and random providers, Addons its own command provider.
package kubeadm
