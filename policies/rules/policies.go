package rules

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kost-platform/kost/graph"
)

// Types the policies look at.
const (
	tTidbCluster  = "kubernetes:pingcap.com/v1alpha1:TidbCluster"
	tKafka        = "kubernetes:kafka.strimzi.io/v1:Kafka"
	tKafkaPool    = "kubernetes:kafka.strimzi.io/v1:KafkaNodePool"
	tKafkaTopic   = "kubernetes:kafka.strimzi.io/v1:KafkaTopic"
	tStorageClass = "kubernetes:storage.k8s.io/v1:StorageClass"
	tService      = "kubernetes:core/v1:Service"
	tEKS          = "aws:eks/cluster:Cluster"
	tNodeGroup    = "aws:eks/nodeGroup:NodeGroup"
	tLaunchTmpl   = "aws:ec2/launchTemplate:LaunchTemplate"
	tGKE          = "gcp:container/cluster:Cluster"
	tGKEPool      = "gcp:container/nodePool:NodePool"
	tAKS          = "azure-native:containerservice:ManagedCluster"
	tAKSPool      = "azure-native:containerservice:AgentPool"
	// Backups.
	tBackupSchedule     = "kubernetes:pingcap.com/v1alpha1:BackupSchedule"
	tS3Bucket           = "aws:s3/bucketV2:BucketV2"
	tBucketLifecycle    = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tBucketOwnership    = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tBucketPolicy       = "aws:s3/bucketPolicy:BucketPolicy"
	tBucketPublicAccess = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tBucketEncryption   = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tBucketVersioning   = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tGCSBucket          = "gcp:storage/bucket:Bucket"
	// backupExemption is the TidbCluster annotation with why a cluster has no backups.
	backupExemption = "kost.io/backup-exemption"
	zoneKey         = "topology.kubernetes.io/zone"
	poolLabel       = "kost.io/pool"
	defaultMinimum  = 3
)

// ResourcePolicies run per resource, in the engine and offline.
var ResourcePolicies = []ResourcePolicy{
	{
		Name:        "quorum",
		Description: "PD is odd and at least `minimum`; TiKV, Kafka brokers and controllers at least `minimum` (controllers odd); replication factor at least `minimum` and min.insync.replicas at least `minInsync` and below it.",
		Level:       Mandatory,
		Schema: map[string]map[string]any{
			"minimum":   {"type": "integer", "default": defaultMinimum},
			"minInsync": {"type": "integer", "default": 2},
		},
		Check: quorum,
	},
	{
		Name:        "zone-spread",
		Description: "TidbCluster and Kafka node pools spread over zones; pd, tikv and kafka node pools span at least `minZones` zones (0 turns the policy off, for clusters without zones).",
		Level:       Mandatory,
		Schema:      map[string]map[string]any{"minZones": {"type": "integer", "default": 3}},
		Check:       zoneSpread,
	},
	{
		Name:        "stateful-protection",
		Description: "The kost-db storage class retains volumes; where the environment is protected (`protect`), stateful custom resources are protected and retained on delete.",
		Level:       Mandatory,
		Schema:      map[string]map[string]any{"protect": {"type": "boolean", "default": false}},
		Check:       statefulProtection,
	},
	{
		Name:        "encryption-at-rest",
		Description: "EKS secrets encrypted with KMS; EBS volumes and node disks encrypted; GKE secrets with Cloud KMS where `gkeSecretsKms`; S3 buckets with server-side encryption. (GCE PD and Azure managed disks are always encrypted at rest.)",
		Level:       Mandatory,
		Schema:      map[string]map[string]any{"gkeSecretsKms": {"type": "boolean", "default": false}},
		Check:       encryptionAtRest,
	},
	{
		Name:        "private-control-plane",
		Description: "Kubernetes API servers are private, or public only to listed ranges that are not the whole internet; AKS local accounts are off (a local admin certificate cannot be revoked).",
		Level:       Mandatory,
		Check:       privateControlPlane,
	},
	{
		Name:        "no-open-admin-ports",
		Description: "No security group, firewall rule or NSG admits 0.0.0.0/0 or ::/0 to 22, 6443, 2379-2380 or 10250.",
		Level:       Mandatory,
		Check:       noOpenAdminPorts,
	},
	{
		Name:        "pinned-versions",
		Description: "Every chart has an exact version; no image is untagged or tagged latest; clusters and add-ons name their version.",
		Level:       Mandatory,
		Check:       pinnedVersions,
	},
	{
		Name:        "required-tags",
		Description: "Every taggable cloud resource carries the `tags` keys.",
		Level:       Mandatory,
		Schema:      map[string]map[string]any{"tags": {"type": "array", "items": map[string]any{"type": "string"}}},
		Check:       requiredTags,
	},
	{
		Name:        "internal-endpoints",
		Description: "TiDB and Kafka are reachable only inside the network: no public load balancer, node port or external listener.",
		Level:       Mandatory,
		Check:       internalEndpoints,
	},
	{
		Name:        "workload-identity",
		Description: "Pods get cloud identities without keys: GKE Workload Identity, AKS OIDC issuer and workload identity (EKS: see the stack policy).",
		Level:       Mandatory,
		Check:       workloadIdentity,
	},
	{
		Name:        "allowed-instance-types",
		Description: "Node instance types belong to the allowed `families`.",
		Level:       Advisory,
		Schema:      map[string]map[string]any{"families": {"type": "array", "items": map[string]any{"type": "string"}}},
		Check:       allowedInstanceTypes,
	},
}

// StackPolicies need the whole stack; they run offline (see the package doc).
var StackPolicies = []StackPolicy{
	{
		Name:        "non-overlapping-cidrs",
		Description: "No two networks of the stack (VPCs, VNets, subnetworks and their secondary ranges) overlap.",
		Level:       Mandatory,
		Check:       nonOverlappingCIDRs,
	},
	{
		Name: "backups",
		Description: "Every TidbCluster kost protects has a BackupSchedule with a full and a log backup (point-in-time recovery); " +
			"every backup bucket is encrypted with a key of its own and closed to the public (S3: default SSE-KMS and all four " +
			"public access blocks; GCS: a default Cloud KMS key, public access prevention enforced, uniform access).",
		Level: Mandatory,
		Check: backups,
	},
	{
		Name:        "eks-irsa",
		Description: "Every EKS cluster has an IAM OIDC provider for IRSA (the EKS half of workload identity).",
		Level:       Mandatory,
		Check:       eksIRSA,
	},
}

// 1. quorum

func quorum(c Check) []string {
	r := c.R
	minimum, minInsync := c.Config.Int("minimum", defaultMinimum), c.Config.Int("minInsync", 2)
	var out []string
	switch r.Type {
	case tTidbCluster:
		if pd, ok := num(r, "spec.pd.replicas"); ok && (pd%2 == 0 || pd < minimum) {
			out = append(out, fmt.Sprintf("PD has %d members; it needs an odd number, at least %d", pd, minimum))
		}
		if kv, ok := num(r, "spec.tikv.replicas"); ok && kv < minimum {
			out = append(out, fmt.Sprintf("TiKV has %d stores; at least %d", kv, minimum))
		}
	case tKafkaPool:
		n, _ := num(r, "spec.replicas")
		roles := list(r, "spec.roles")
		if slices.Contains(roles, any("controller")) && (n < minimum || n%2 == 0) {
			out = append(out, fmt.Sprintf("%d KRaft controllers; an odd number, at least %d", n, minimum))
		}
		if slices.Contains(roles, any("broker")) && n < minimum {
			out = append(out, fmt.Sprintf("%d brokers; at least %d", n, minimum))
		}
	case tKafka:
		cfg, _ := r.Input("spec.kafka.config")
		rf, isr := atoi(obj(cfg)["default.replication.factor"]), atoi(obj(cfg)["min.insync.replicas"])
		out = append(out, replication("default.replication.factor", rf, isr, minimum, minInsync)...)
	case tKafkaTopic:
		n, _ := num(r, "spec.replicas")
		cfg, _ := r.Input("spec.config")
		isr := atoi(obj(cfg)["min.insync.replicas"])
		if isr == 0 {
			isr = minInsync
		}
		out = append(out, replication("replicas", n, isr, minimum, minInsync)...)
	}
	return out
}

func replication(what string, rf, isr, minimum, minInsync int) []string {
	var out []string
	if rf < minimum {
		out = append(out, fmt.Sprintf("%s %d; at least %d", what, rf, minimum))
	}
	if isr < minInsync {
		out = append(out, fmt.Sprintf("min.insync.replicas %d; at least %d", isr, minInsync))
	}
	if rf > 1 && isr >= rf {
		out = append(out, fmt.Sprintf("min.insync.replicas %d must be below the replication factor %d", isr, rf))
	}
	return out
}

func atoi(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// 2. zone spread

var quorumPools = []string{"pd", "tikv", "kafka"}

func zoneSpread(c Check) []string {
	minZones := c.Config.Int("minZones", 3)
	if minZones == 0 {
		return nil
	}
	r := c.R
	spreads := func(path string) bool {
		return slices.ContainsFunc(list(r, path), func(x any) bool { return obj(x)["topologyKey"] == zoneKey })
	}
	switch r.Type {
	case tTidbCluster:
		if !spreads("spec.topologySpreadConstraints") {
			return []string{"no topologySpreadConstraints on " + zoneKey}
		}
	case tKafkaPool:
		if !spreads("spec.template.pod.topologySpreadConstraints") {
			return []string{"pods not spread over " + zoneKey}
		}
	case tNodeGroup, tGKEPool, tAKSPool:
		labels := map[string]string{tNodeGroup: "labels", tGKEPool: "nodeConfig.labels", tAKSPool: "nodeLabels"}[r.Type]
		zones := map[string]string{tNodeGroup: "subnetIds", tGKEPool: "nodeLocations", tAKSPool: "availabilityZones"}[r.Type]
		l, _ := r.Input(labels)
		pool := str(obj(l)[poolLabel])
		if n := len(list(r, zones)); slices.Contains(quorumPools, pool) && n < minZones {
			return []string{fmt.Sprintf("the %s pool spans %d zones; at least %d", pool, n, minZones)}
		}
	}
	return nil
}

// 3. stateful protection

var statefulTypes = []string{tTidbCluster, tKafka, tKafkaPool, tKafkaTopic,
	// Deleting a BackupSchedule deletes its backups; the buckets hold them.
	tBackupSchedule, tS3Bucket, tGCSBucket}

func statefulProtection(c Check) []string {
	r := c.R
	var out []string
	if r.Type == tStorageClass && r.String("metadata.name") == "kost-db" && r.String("reclaimPolicy") != "Retain" {
		out = append(out, fmt.Sprintf("kost-db reclaims volumes with %q; it must be Retain", r.String("reclaimPolicy")))
	}
	if c.OptionsKnown && c.Config.Bool("protect", false) && isType(r, statefulTypes...) {
		if !r.Protect || !r.RetainOnDelete {
			out = append(out, fmt.Sprintf("protect %v, retainOnDelete %v in a protected environment; both must be true", r.Protect, r.RetainOnDelete))
		}
	}
	return out
}

// 4. encryption at rest

func encryptionAtRest(c Check) []string {
	r := c.R
	switch r.Type {
	case tEKS:
		for _, e := range list(r, "encryptionConfig.resources") {
			if e == "secrets" && r.String("encryptionConfig.provider.keyArn") != "" {
				return nil
			}
		}
		return []string{"Kubernetes secrets are not encrypted with a KMS key (encryptionConfig)"}
	case tLaunchTmpl:
		for _, m := range list(r, "blockDeviceMappings") {
			if ebs := obj(obj(m)["ebs"]); ebs != nil && fmt.Sprint(ebs["encrypted"]) != "true" {
				return []string{fmt.Sprintf("volume %v is not encrypted", obj(m)["deviceName"])}
			}
		}
	case "aws:ebs/volume:Volume":
		if v, _ := r.Input("encrypted"); v != true {
			return []string{"EBS volume is not encrypted"}
		}
	case tStorageClass:
		if r.String("provisioner") == "ebs.csi.aws.com" && r.String("parameters.encrypted") != "true" {
			return []string{"EBS storage class without encrypted: \"true\""}
		}
	case tGKE:
		if c.Config.Bool("gkeSecretsKms", false) && r.String("databaseEncryption.state") != "ENCRYPTED" {
			return []string{"GKE secrets are not encrypted with Cloud KMS (databaseEncryption)"}
		}
	case "aws:s3/bucket:Bucket":
		if _, ok := r.Input("serverSideEncryptionConfiguration"); !ok {
			return []string{"S3 bucket without server-side encryption"}
		}
	}
	return nil
}

// 5. private control plane

func openToAll(cidrs []any) bool {
	return slices.ContainsFunc(cidrs, func(x any) bool { return x == "0.0.0.0/0" || x == "::/0" || x == "*" })
}

func privateControlPlane(c Check) []string {
	r := c.R
	switch r.Type {
	case tEKS:
		if v, _ := r.Input("vpcConfig.endpointPublicAccess"); v != false {
			cidrs := list(r, "vpcConfig.publicAccessCidrs")
			if len(cidrs) == 0 || openToAll(cidrs) {
				return []string{"the public API endpoint is open to the internet; turn it off or restrict publicAccessCidrs"}
			}
		}
	case tGKE:
		if v, _ := r.Input("privateClusterConfig.enablePrivateEndpoint"); v == true {
			return nil
		}
		var cidrs []any
		for _, b := range list(r, "masterAuthorizedNetworksConfig.cidrBlocks") {
			cidrs = append(cidrs, obj(b)["cidrBlock"])
		}
		if len(cidrs) == 0 || openToAll(cidrs) {
			return []string{"the control plane has a public endpoint without authorized networks"}
		}
	case tAKS:
		if v, _ := r.Input("disableLocalAccounts"); v != true {
			return []string{"local accounts are on: AKS hands out a non-revocable admin certificate; set disableLocalAccounts"}
		}
		if v, _ := r.Input("apiServerAccessProfile.enablePrivateCluster"); v == true {
			return nil
		}
		cidrs := list(r, "apiServerAccessProfile.authorizedIPRanges")
		if len(cidrs) == 0 || openToAll(cidrs) {
			return []string{"the API server is public without authorized IP ranges"}
		}
	}
	return nil
}

// 6. admin ports

// adminPorts are the ports never to open to the internet: SSH, the API server, etcd, the kubelet.
var adminPorts = [][2]int{{22, 22}, {6443, 6443}, {2379, 2380}, {10250, 10250}}

func coversAdminPort(from, to int) bool {
	for _, p := range adminPorts {
		if from <= p[1] && to >= p[0] {
			return true
		}
	}
	return false
}

// portRange parses "22", "2379-2380", "*" or "" (all).
func portRange(s string) (int, int) {
	if s == "" || s == "*" {
		return 0, 65535
	}
	a, b, ok := strings.Cut(s, "-")
	from, _ := strconv.Atoi(a)
	if !ok {
		return from, from
	}
	to, _ := strconv.Atoi(b)
	return from, to
}

var internetSources = []any{"0.0.0.0/0", "::/0", "*", "Internet", "any"}

func fromInternet(sources ...any) bool {
	return slices.ContainsFunc(sources, func(x any) bool { return slices.Contains(internetSources, x) })
}

func noOpenAdminPorts(c Check) []string {
	r := c.R
	var out []string
	report := func(what string, from, to int) {
		out = append(out, fmt.Sprintf("%s opens ports %d-%d to the internet, covering SSH, the API server, etcd or the kubelet", what, from, to))
	}
	awsRule := func(what string, m map[string]any, protoKey string) {
		from, to := atoi(m["fromPort"]), atoi(m["toPort"])
		if p := str(m[protoKey]); p == "-1" || p == "all" {
			from, to = 0, 65535
		}
		sources := append(append([]any{}, anyList(m["cidrBlocks"])...), anyList(m["ipv6CidrBlocks"])...)
		sources = append(sources, m["cidrIpv4"], m["cidrIpv6"])
		if fromInternet(sources...) && coversAdminPort(from, to) {
			report(what, from, to)
		}
	}
	switch r.Type {
	case "aws:ec2/securityGroup:SecurityGroup":
		for i, in := range list(r, "ingress") {
			awsRule(fmt.Sprintf("ingress[%d]", i), obj(in), "protocol")
		}
	case "aws:ec2/securityGroupRule:SecurityGroupRule":
		if r.String("type") == "ingress" {
			awsRule("the rule", graph.PlainMap(r.Inputs, false), "protocol")
		}
	case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
		awsRule("the rule", graph.PlainMap(r.Inputs, false), "ipProtocol")
	case "gcp:compute/firewall:Firewall":
		if d := r.String("direction"); d != "" && d != "INGRESS" {
			return nil
		}
		if !fromInternet(list(r, "sourceRanges")...) {
			return nil
		}
		for _, a := range list(r, "allows") {
			ports := anyList(obj(a)["ports"])
			if len(ports) == 0 {
				ports = []any{""}
			}
			for _, p := range ports {
				if from, to := portRange(str(p)); coversAdminPort(from, to) {
					report("the firewall rule", from, to)
				}
			}
		}
	case "azure-native:network:NetworkSecurityGroup":
		for _, rule := range list(r, "securityRules") {
			out = append(out, azureRule(obj(rule))...)
		}
	case "azure-native:network:SecurityRule":
		out = append(out, azureRule(graph.PlainMap(r.Inputs, false))...)
	}
	return out
}

func azureRule(m map[string]any) []string {
	if str(m["direction"]) != "Inbound" || str(m["access"]) != "Allow" {
		return nil
	}
	sources := append([]any{m["sourceAddressPrefix"]}, anyList(m["sourceAddressPrefixes"])...)
	if !fromInternet(sources...) {
		return nil
	}
	ports := append([]any{}, anyList(m["destinationPortRanges"])...)
	if p, ok := m["destinationPortRange"]; ok {
		ports = append(ports, p)
	}
	var out []string
	for _, p := range ports {
		if from, to := portRange(str(p)); coversAdminPort(from, to) {
			out = append(out, fmt.Sprintf("NSG rule %v opens ports %d-%d to the internet, covering SSH, the API server, etcd or the kubelet", m["name"], from, to))
		}
	}
	return out
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

// 7. pinned versions

var exactVersion = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+){1,2}([-+][0-9A-Za-z.-]+)?$`)

func pinnedVersions(c Check) []string {
	r := c.R
	var out []string
	switch r.Type {
	case "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart":
		if v := r.String("version"); !exactVersion.MatchString(v) {
			out = append(out, fmt.Sprintf("chart %s has version %q; pin an exact version", r.String("chart"), v))
		}
	case tEKS, tGKE, tAKS:
		path := map[string]string{tEKS: "version", tGKE: "minMasterVersion", tAKS: "kubernetesVersion"}[r.Type]
		if r.String(path) == "" {
			out = append(out, "the cluster does not pin its Kubernetes version ("+path+")")
		}
	case "aws:eks/addon:Addon":
		if r.String("addonVersion") == "" {
			out = append(out, fmt.Sprintf("add-on %s has no addonVersion", r.String("addonName")))
		}
	}
	if strings.HasPrefix(r.Type, "kubernetes:") {
		walkImages(graph.PlainMap(r.Inputs, false), "", func(path, image string) {
			if msg := imageProblem(image); msg != "" {
				out = append(out, fmt.Sprintf("%s: %s", path, msg))
			}
		})
	}
	return out
}

// walkImages calls fn for every "image" string field.
func walkImages(v any, path string, fn func(path, image string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := strings.TrimPrefix(path+"."+k, ".")
			if s, ok := e.(string); ok && k == "image" {
				fn(p, s)
				continue
			}
			walkImages(e, p, fn)
		}
	case []any:
		for i, e := range x {
			walkImages(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

func imageProblem(image string) string {
	if strings.Contains(image, "@sha256:") {
		return ""
	}
	name := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	switch {
	case !ok || tag == "":
		return fmt.Sprintf("image %q has no tag", image)
	case tag == "latest":
		return fmt.Sprintf("image %q is tagged latest", image)
	}
	return ""
}

// 8. required tags

// untaggable are cloud types without tags or labels.
var untaggable = []string{
	"aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
	"aws:iam/rolePolicy:RolePolicy", "aws:kms/alias:Alias", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
	"aws:ec2/securityGroupRule:SecurityGroupRule", "aws:lb/targetGroupAttachment:TargetGroupAttachment",
	"aws:secretsmanager/secretVersion:SecretVersion", // a version takes no tags; its secret does
	// A bucket's settings are resources of their own without tags; the bucket carries them.
	tBucketLifecycle, tBucketOwnership, tBucketPolicy, tBucketPublicAccess, tBucketEncryption, tBucketVersioning,
}

// tAutoscalingGroup carries its tags as a list of {key, value, propagateAtLaunch}.
const tAutoscalingGroup = "aws:autoscaling/group:Group"

// labelPaths are where GCP resources carry labels; other GCP types have none.
var labelPaths = map[string]string{
	tGKE:                          "resourceLabels",
	tGKEPool:                      "nodeConfig.resourceLabels",
	"gcp:kms/cryptoKey:CryptoKey": "labels",
	"gcp:compute/address:Address": "labels",
	"gcp:storage/bucket:Bucket":   "labels",
	// Self-managed clusters' VMs, templates and API load balancer.
	"gcp:compute/instance:Instance":                 "labels",
	"gcp:compute/instanceTemplate:InstanceTemplate": "labels",
	"gcp:compute/forwardingRule:ForwardingRule":     "labels",
}

// azureUntaggable are azure-native types without tags.
var azureUntaggable = []string{
	"azure-native:network:Subnet", "azure-native:network:SecurityRule", "azure-native:authorization:RoleAssignment",
	"azure-native:network:VirtualNetworkPeering", // peerings take no tags (Microsoft.Network/virtualNetworks/virtualNetworkPeerings)
	"azure-native:authorization:RoleDefinition",  // a role definition has no tags (Microsoft.Authorization/roleDefinitions 2022-05-01-preview)
}

func requiredTags(c Check) []string {
	r := c.R
	if !r.Custom || r.IsProvider() {
		return nil
	}
	path := ""
	switch pkg, _, _ := strings.Cut(r.Type, ":"); pkg {
	case "aws":
		if !isType(r, untaggable...) {
			path = "tags"
		}
	case "gcp":
		path = labelPaths[r.Type]
	case "azure-native":
		if !isType(r, azureUntaggable...) {
			path = "tags"
		}
	}
	if path == "" {
		return nil
	}
	tags, _ := r.Input(path)
	if isType(r, tAutoscalingGroup) {
		tags = groupTags(tags)
	}
	var missing []string
	for _, k := range c.Config.Strings("tags", []string{"environment", "region", "managed-by"}) {
		if _, ok := obj(tags)[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return []string{fmt.Sprintf("%s lacks %s", path, strings.Join(missing, ", "))}
	}
	return nil
}

// groupTags turns an Auto Scaling group's tag list into a map.
func groupTags(v any) map[string]any {
	out := map[string]any{}
	list, _ := v.([]any)
	for _, t := range list {
		if k, ok := obj(t)["key"].(string); ok {
			out[k] = obj(t)["value"]
		}
	}
	return out
}

// 9. internal endpoints

// internalAnnotations mark a LoadBalancer Service internal on each cloud.
var internalAnnotations = map[string]string{
	"service.beta.kubernetes.io/aws-load-balancer-internal":   "true",
	"service.beta.kubernetes.io/aws-load-balancer-scheme":     "internal",
	"networking.gke.io/load-balancer-type":                    "Internal",
	"service.beta.kubernetes.io/azure-load-balancer-internal": "true",
}

func internalLB(annotations any) bool {
	for k, v := range obj(annotations) {
		if internalAnnotations[k] == v {
			return true
		}
	}
	return false
}

func internalEndpoints(c Check) []string {
	r := c.R
	switch r.Type {
	case tTidbCluster:
		svc, _ := r.Input("spec.tidb.service")
		switch str(obj(svc)["type"]) {
		case "NodePort":
			return []string{"the TiDB service is a NodePort"}
		case "LoadBalancer":
			if !internalLB(obj(svc)["annotations"]) {
				return []string{"the TiDB service is a load balancer without the cloud's internal annotation"}
			}
		}
	case tKafka:
		var out []string
		for _, l := range list(r, "spec.kafka.listeners") {
			if t := str(obj(l)["type"]); t != "internal" && t != "cluster-ip" {
				out = append(out, fmt.Sprintf("listener %v is of type %s; only internal listeners are allowed", obj(l)["name"], t))
			}
		}
		return out
	case tService:
		ns := r.String("metadata.namespace")
		if (ns == "tidb" || ns == "kafka") && r.String("spec.type") == "LoadBalancer" {
			if ann, _ := r.Input("metadata.annotations"); !internalLB(ann) {
				return []string{"a public load balancer in " + ns}
			}
		}
	}
	return nil
}

// 10. workload identity

func workloadIdentity(c Check) []string {
	r := c.R
	switch r.Type {
	case tGKE:
		if r.String("workloadIdentityConfig.workloadPool") == "" {
			return []string{"Workload Identity is off (workloadIdentityConfig.workloadPool)"}
		}
	case tAKS:
		oidc, _ := r.Input("oidcIssuerProfile.enabled")
		wi, _ := r.Input("securityProfile.workloadIdentity.enabled")
		if oidc != true || wi != true {
			return []string{"the OIDC issuer and workload identity must both be on"}
		}
	}
	return nil
}

// 11. instance types (advisory)

var defaultFamilies = []string{"m7i", "r7i", "c7i", "m6i", "r6i", "c6i", "i4i", "e2", "n2", "n2d", "c3", "Standard_D", "Standard_E", "Standard_F", "Standard_L"}

func allowedInstanceTypes(c Check) []string {
	r := c.R
	var types []string
	switch r.Type {
	case tNodeGroup:
		for _, t := range list(r, "instanceTypes") {
			types = append(types, str(t))
		}
	case tGKEPool:
		types = append(types, r.String("nodeConfig.machineType"))
	case tAKSPool:
		types = append(types, r.String("vmSize"))
	case tAKS:
		for _, p := range list(r, "agentPoolProfiles") {
			types = append(types, str(obj(p)["vmSize"]))
		}
	}
	families := c.Config.Strings("families", defaultFamilies)
	var out []string
	for _, t := range types {
		if t != "" && !slices.ContainsFunc(families, func(f string) bool { return inFamily(t, f) }) {
			out = append(out, fmt.Sprintf("instance type %s is outside the allowed families %v", t, families))
		}
	}
	return out
}

// inFamily reports whether an instance type belongs to a family: m7i.large to m7i, n2-standard-8 to
// n2, Standard_D8s_v5 to Standard_D (the letters before the size digits).
func inFamily(t, f string) bool {
	if strings.HasPrefix(t, "Standard_") {
		rest, ok := strings.CutPrefix(t, f)
		return ok && rest != "" && rest[0] >= '0' && rest[0] <= '9'
	}
	return family(t) == f
}

// family is the AWS or GCP instance family: m7i of m7i.large, n2 of n2-standard-8.
func family(t string) string {
	if i := strings.IndexAny(t, ".-"); i > 0 {
		return t[:i]
	}
	return t
}

// 12. non-overlapping CIDRs (stack)

func nonOverlappingCIDRs(rs []*graph.Resource, _ Config) []Violation {
	type block struct {
		urn    string
		prefix netip.Prefix
	}
	var blocks []block
	add := func(urn string, v any) {
		if p, err := netip.ParsePrefix(str(v)); err == nil {
			blocks = append(blocks, block{urn, p.Masked()})
		}
	}
	for _, r := range rs {
		switch r.Type {
		case "aws:ec2/vpc:Vpc":
			add(r.URN, r.String("cidrBlock"))
		case "gcp:compute/subnetwork:Subnetwork":
			add(r.URN, r.String("ipCidrRange"))
			for _, s := range list(r, "secondaryIpRanges") {
				add(r.URN, obj(s)["ipCidrRange"])
			}
		case "azure-native:network:VirtualNetwork":
			for _, p := range list(r, "addressSpace.addressPrefixes") {
				add(r.URN, p)
			}
		}
	}
	var out []Violation
	for i := range blocks {
		for j := 0; j < i; j++ {
			a, b := blocks[i], blocks[j]
			if a.urn != b.urn && a.prefix.Overlaps(b.prefix) {
				out = append(out, Violation{URN: a.urn, Message: fmt.Sprintf("%s overlaps %s of %s", a.prefix, b.prefix, b.urn)})
			}
		}
	}
	return out
}

// eksIRSA: every EKS cluster has an OIDC provider registered from it.
func eksIRSA(rs []*graph.Resource, _ Config) []Violation {
	var out []Violation
	for _, c := range rs {
		if c.Type != tEKS {
			continue
		}
		found := slices.ContainsFunc(rs, func(p *graph.Resource) bool {
			return p.Type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider" && slices.Contains(p.DependsOn, c.URN)
		})
		if !found {
			out = append(out, Violation{URN: c.URN, Message: "no IAM OIDC provider for IRSA"})
		}
	}
	return out
}

// backups: protected TidbClusters have a schedule with log backup; backup buckets are encrypted and
// private. A bucket's S3 settings are resources of their own that depend on it.
func backups(rs []*graph.Resource, _ Config) []Violation {
	var out []Violation
	for _, tc := range rs {
		// A cluster kost cannot back up carries the environment's written reason (regions[].backupExemption).
		if tc.Type != tTidbCluster || !tc.Protect || tc.Map("metadata.annotations")[backupExemption] != nil {
			continue
		}
		name, ns := tc.String("metadata.name"), tc.String("metadata.namespace")
		found := slices.ContainsFunc(rs, func(b *graph.Resource) bool {
			return b.Type == tBackupSchedule && b.Provider == tc.Provider && b.String("metadata.namespace") == ns &&
				b.String("spec.backupTemplate.br.cluster") == name && b.String("spec.logBackupTemplate.backupMode") == "log" &&
				b.String("spec.logBackupTemplate.br.cluster") == name
		})
		if !found {
			out = append(out, Violation{URN: tc.URN, Message: "protected TidbCluster without a BackupSchedule that has a log backup (database.backup)"})
		}
	}
	for _, b := range rs {
		switch b.Type {
		case tS3Bucket:
			setting := func(typ string, ok func(*graph.Resource) bool) bool {
				return slices.ContainsFunc(rs, func(s *graph.Resource) bool {
					return s.Type == typ && slices.Contains(s.DependsOn, b.URN) && ok(s)
				})
			}
			if !setting(tBucketEncryption, func(s *graph.Resource) bool {
				return s.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm") == "aws:kms" &&
					s.String("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId") != ""
			}) {
				out = append(out, Violation{URN: b.URN, Message: "S3 bucket without default SSE-KMS encryption with a key of its own"})
			}
			if !setting(tBucketPublicAccess, func(s *graph.Resource) bool {
				for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
					if v, _ := s.Input(k); v != true {
						return false
					}
				}
				return true
			}) {
				out = append(out, Violation{URN: b.URN, Message: "S3 bucket without all four public access blocks"})
			}
		case tGCSBucket:
			if b.String("encryption.defaultKmsKeyName") == "" {
				out = append(out, Violation{URN: b.URN, Message: "GCS bucket without a default Cloud KMS key"})
			}
			if b.String("publicAccessPrevention") != "enforced" {
				out = append(out, Violation{URN: b.URN, Message: "GCS bucket without public access prevention enforced"})
			}
			if v, _ := b.Input("uniformBucketLevelAccess"); v != true {
				out = append(out, Violation{URN: b.URN, Message: "GCS bucket without uniform bucket-level access (object ACLs could make objects public)"})
			}
		}
	}
	return out
}
