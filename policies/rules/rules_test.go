package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/kost-platform/kost/graph"
)

func res(typ string, inputs map[string]any) *graph.Resource {
	return &graph.Resource{URN: "urn:pulumi:t::kost::" + typ + "::r", Type: typ, Name: "r", Custom: true,
		Inputs: resource.NewPropertyMapFromMap(inputs)}
}

func policy(name string) ResourcePolicy {
	for _, p := range ResourcePolicies {
		if p.Name == name {
			return p
		}
	}
	panic("no policy " + name)
}

func stackPolicy(name string) StackPolicy {
	for _, p := range StackPolicies {
		if p.Name == name {
			return p
		}
	}
	panic("no stack policy " + name)
}

func tidb(pd, tikv int, spread bool, svc map[string]any) map[string]any {
	spec := map[string]any{"pd": map[string]any{"replicas": pd}, "tikv": map[string]any{"replicas": tikv}, "tidb": map[string]any{"service": svc}}
	if spread {
		spec["topologySpreadConstraints"] = []any{map[string]any{"topologyKey": zoneKey}}
	}
	return map[string]any{"spec": spec}
}

func kafka(rf, isr string, listenerType string) map[string]any {
	return map[string]any{"spec": map[string]any{"kafka": map[string]any{
		"config":    map[string]any{"default.replication.factor": rf, "min.insync.replicas": isr},
		"listeners": []any{map[string]any{"name": "tls", "type": listenerType}},
	}}}
}

func sg(port int, cidr string) map[string]any {
	return map[string]any{"ingress": []any{map[string]any{"fromPort": port, "toPort": port, "protocol": "tcp", "cidrBlocks": []any{cidr}}}}
}

var awsTags = map[string]any{"environment": "prod", "region": "us-east-1", "managed-by": "kost"}

// Every policy passes a good resource and fails a bad one.
func TestResourcePolicies(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		policy   string
		config   Config
		good     *graph.Resource
		bad      *graph.Resource
		badKnown bool // the bad case needs resource options (offline only)
		want     string
	}{
		"QuorumPD": {policy: "quorum", good: res(tTidbCluster, tidb(3, 3, true, nil)), bad: res(tTidbCluster, tidb(4, 3, true, nil)), want: "odd"},
		"QuorumController": {policy: "quorum",
			good: res(tKafkaPool, map[string]any{"spec": map[string]any{"replicas": 3, "roles": []any{"controller"}}}),
			bad:  res(tKafkaPool, map[string]any{"spec": map[string]any{"replicas": 2, "roles": []any{"controller"}}}), want: "controllers"},
		"QuorumReplication": {policy: "quorum", good: res(tKafka, kafka("3", "2", "internal")), bad: res(tKafka, kafka("3", "3", "internal")), want: "below the replication factor"},
		"QuorumLocalConfig": {policy: "quorum", config: Config{"minimum": 1.0, "minInsync": 1.0},
			good: res(tTidbCluster, tidb(1, 1, false, nil)), bad: res(tTidbCluster, tidb(2, 1, false, nil)), want: "odd"},
		"ZoneSpreadTiDB": {policy: "zone-spread", good: res(tTidbCluster, tidb(3, 3, true, nil)), bad: res(tTidbCluster, tidb(3, 3, false, nil)), want: zoneKey},
		"ZoneSpreadNodeGroup": {policy: "zone-spread",
			good: res(tNodeGroup, map[string]any{"labels": map[string]any{poolLabel: "tikv"}, "subnetIds": []any{"a", "b", "c"}}),
			bad:  res(tNodeGroup, map[string]any{"labels": map[string]any{poolLabel: "tikv"}, "subnetIds": []any{"a"}}), want: "spans 1 zones"},
		"ZoneSpreadGKEPool": {policy: "zone-spread",
			good: res(tGKEPool, map[string]any{"nodeConfig": map[string]any{"labels": map[string]any{poolLabel: "pd"}}, "nodeLocations": []any{"a", "b", "c"}}),
			bad:  res(tGKEPool, map[string]any{"nodeConfig": map[string]any{"labels": map[string]any{poolLabel: "pd"}}, "nodeLocations": []any{"a", "b"}}), want: "spans 2 zones"},
		"StorageClassRetain": {policy: "stateful-protection",
			good: res(tStorageClass, map[string]any{"metadata": map[string]any{"name": "kost-db"}, "reclaimPolicy": "Retain"}),
			bad:  res(tStorageClass, map[string]any{"metadata": map[string]any{"name": "kost-db"}, "reclaimPolicy": "Delete"}), want: "must be Retain"},
		"ProtectedCRs": {policy: "stateful-protection", config: Config{"protect": true},
			good: func() *graph.Resource {
				r := res(tKafka, kafka("3", "2", "internal"))
				r.Protect, r.RetainOnDelete = true, true
				return r
			}(),
			bad:      res(tKafka, kafka("3", "2", "internal")),
			badKnown: true, want: "protected environment"},
		"EKSSecrets": {policy: "encryption-at-rest",
			good: res(tEKS, map[string]any{"encryptionConfig": map[string]any{"resources": []any{"secrets"}, "provider": map[string]any{"keyArn": "arn:k"}}}),
			bad:  res(tEKS, map[string]any{}), want: "KMS"},
		"EBSRootVolumes": {policy: "encryption-at-rest",
			good: res(tLaunchTmpl, map[string]any{"blockDeviceMappings": []any{map[string]any{"ebs": map[string]any{"encrypted": "true"}}}}),
			bad:  res(tLaunchTmpl, map[string]any{"blockDeviceMappings": []any{map[string]any{"deviceName": "/dev/xvda", "ebs": map[string]any{"encrypted": "false"}}}}), want: "not encrypted"},
		"GKESecrets": {policy: "encryption-at-rest", config: Config{"gkeSecretsKms": true},
			good: res(tGKE, map[string]any{"databaseEncryption": map[string]any{"state": "ENCRYPTED", "keyName": "k"}}),
			bad:  res(tGKE, map[string]any{"databaseEncryption": map[string]any{"state": "DECRYPTED"}}), want: "Cloud KMS"},
		"EKSEndpoint": {policy: "private-control-plane",
			good: res(tEKS, map[string]any{"vpcConfig": map[string]any{"endpointPublicAccess": true, "publicAccessCidrs": []any{"198.51.100.0/24"}}}),
			bad:  res(tEKS, map[string]any{"vpcConfig": map[string]any{"endpointPublicAccess": true, "publicAccessCidrs": []any{"0.0.0.0/0"}}}), want: "open to the internet"},
		"GKEEndpoint": {policy: "private-control-plane",
			good: res(tGKE, map[string]any{"privateClusterConfig": map[string]any{"enablePrivateEndpoint": true}}),
			bad:  res(tGKE, map[string]any{"privateClusterConfig": map[string]any{"enablePrivateEndpoint": false}}), want: "authorized networks"},
		"AKSEndpoint": {policy: "private-control-plane",
			good: res(tAKS, map[string]any{"disableLocalAccounts": true, "apiServerAccessProfile": map[string]any{"authorizedIPRanges": []any{"198.51.100.0/24"}}}),
			bad:  res(tAKS, map[string]any{"disableLocalAccounts": true}), want: "authorized IP ranges"},
		"AKSLocalAccounts": {policy: "private-control-plane",
			good: res(tAKS, map[string]any{"disableLocalAccounts": true, "apiServerAccessProfile": map[string]any{"enablePrivateCluster": true}}),
			bad:  res(tAKS, map[string]any{"apiServerAccessProfile": map[string]any{"enablePrivateCluster": true}}), want: "local accounts are on"},
		"SecurityGroupSSH": {policy: "no-open-admin-ports",
			good: res("aws:ec2/securityGroup:SecurityGroup", sg(443, "0.0.0.0/0")), bad: res("aws:ec2/securityGroup:SecurityGroup", sg(22, "0.0.0.0/0")), want: "ports 22-22"},
		"FirewallEtcd": {policy: "no-open-admin-ports",
			good: res("gcp:compute/firewall:Firewall", map[string]any{"sourceRanges": []any{"10.0.0.0/8"}, "allows": []any{map[string]any{"protocol": "tcp", "ports": []any{"2379-2380"}}}}),
			bad:  res("gcp:compute/firewall:Firewall", map[string]any{"sourceRanges": []any{"0.0.0.0/0"}, "allows": []any{map[string]any{"protocol": "tcp"}}}), want: "ports 0-65535"},
		"NSGKubelet": {policy: "no-open-admin-ports",
			good: res("azure-native:network:SecurityRule", map[string]any{"direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "VirtualNetwork", "destinationPortRange": "10250"}),
			bad:  res("azure-native:network:SecurityRule", map[string]any{"direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "Internet", "destinationPortRange": "10250"}), want: "10250-10250"},
		"ChartVersion": {policy: "pinned-versions",
			good: res("kubernetes:helm.sh/v4:Chart", map[string]any{"chart": "c", "version": "1.2.0"}),
			bad:  res("kubernetes:helm.sh/v4:Chart", map[string]any{"chart": "c", "version": "^1.2"}), want: "pin an exact version"},
		"ImageTag": {policy: "pinned-versions",
			good: res("kubernetes:apps/v1:Deployment", map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"image": "quay.io/x/y:1.0"}}}}),
			bad:  res("kubernetes:apps/v1:Deployment", map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"image": "quay.io/x/y:latest"}}}}), want: "tagged latest"},
		"ImageUntagged": {policy: "pinned-versions",
			good: res("kubernetes:pingcap.com/v1alpha1:TidbInitializer", map[string]any{"spec": map[string]any{"image": "tnir/mysqlclient:1.4.6"}}),
			bad:  res("kubernetes:pingcap.com/v1alpha1:TidbInitializer", map[string]any{"spec": map[string]any{"image": "localhost:5000/mysqlclient"}}), want: "no tag"},
		"AWSTags": {policy: "required-tags",
			good: res("aws:ec2/vpc:Vpc", map[string]any{"tags": awsTags}), bad: res("aws:ec2/vpc:Vpc", map[string]any{"tags": map[string]any{"environment": "x"}}), want: "region, managed-by"},
		"ASGTagList": {policy: "required-tags",
			good: res("aws:autoscaling/group:Group", map[string]any{"tags": []any{
				map[string]any{"key": "environment", "value": "x"}, map[string]any{"key": "region", "value": "r"}, map[string]any{"key": "managed-by", "value": "kost"}}}),
			bad: res("aws:autoscaling/group:Group", map[string]any{"tags": []any{map[string]any{"key": "environment", "value": "x"}}}), want: "region, managed-by"},
		"GCEInstanceLabels": {policy: "required-tags",
			good: res("gcp:compute/instance:Instance", map[string]any{"labels": awsTags}), bad: res("gcp:compute/instance:Instance", map[string]any{}), want: "labels lacks"},
		"GKELabels": {policy: "required-tags",
			good: res(tGKE, map[string]any{"resourceLabels": awsTags}), bad: res(tGKE, map[string]any{}), want: "resourceLabels lacks"},
		"InternalTiDB": {policy: "internal-endpoints",
			good: res(tTidbCluster, tidb(3, 3, true, map[string]any{"type": "LoadBalancer", "annotations": map[string]any{"networking.gke.io/load-balancer-type": "Internal"}})),
			bad:  res(tTidbCluster, tidb(3, 3, true, map[string]any{"type": "LoadBalancer"})), want: "internal annotation"},
		"InternalKafka": {policy: "internal-endpoints", good: res(tKafka, kafka("3", "2", "internal")), bad: res(tKafka, kafka("3", "2", "loadbalancer")), want: "only internal listeners"},
		"GKEWorkloadIdentity": {policy: "workload-identity",
			good: res(tGKE, map[string]any{"workloadIdentityConfig": map[string]any{"workloadPool": "p.svc.id.goog"}}), bad: res(tGKE, map[string]any{}), want: "Workload Identity"},
		"AKSWorkloadIdentity": {policy: "workload-identity",
			good: res(tAKS, map[string]any{"oidcIssuerProfile": map[string]any{"enabled": true}, "securityProfile": map[string]any{"workloadIdentity": map[string]any{"enabled": true}}}),
			bad:  res(tAKS, map[string]any{"oidcIssuerProfile": map[string]any{"enabled": true}}), want: "workload identity"},
		"InstanceFamilies": {policy: "allowed-instance-types",
			good: res(tAKSPool, map[string]any{"vmSize": "Standard_E8s_v5"}), bad: res(tNodeGroup, map[string]any{"instanceTypes": []any{"x2iedn.xlarge"}}), want: "x2iedn.xlarge"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := policy(tc.policy)
			cfg := tc.config
			if cfg == nil {
				cfg = Config{}
			}
			if got := p.Check(Check{R: tc.good, Config: cfg, OptionsKnown: true}); len(got) != 0 {
				t.Errorf("good case violates %s: %v", p.Name, got)
			}
			got := p.Check(Check{R: tc.bad, Config: cfg, OptionsKnown: true})
			if len(got) == 0 || !strings.Contains(strings.Join(got, "; "), tc.want) {
				t.Errorf("bad case: %v, want a violation mentioning %q", got, tc.want)
			}
			// The engine path: the same check through policyx, with the properties the engine sends.
			var engine []string
			err := Adapt(p).Validate(context.Background(), policyx.ResourceValidationArgs{
				Manager: collector(func(msg string) { engine = append(engine, msg) }),
				Config:  cfg,
				Resource: policyx.AnalyzerResource{Type: tc.bad.Type, URN: tc.bad.URN, Name: tc.bad.Name,
					Properties: resource.FromResourcePropertyMap(tc.bad.Inputs)},
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.badKnown {
				if len(engine) != 0 {
					t.Errorf("the engine passes no resource options; the check must not guess: %v", engine)
				}
			} else if len(engine) != len(got) {
				t.Errorf("engine path reported %v, offline %v", engine, got)
			}
		})
	}
}

type collector func(string)

func (c collector) ReportViolation(message, _ string) { c(message) }

func TestStackPolicies(t *testing.T) {
	t.Parallel()
	vpc := func(name, cidr string) *graph.Resource {
		r := res("aws:ec2/vpc:Vpc", map[string]any{"cidrBlock": cidr})
		r.URN += name
		return r
	}
	subnet := res("gcp:compute/subnetwork:Subnetwork", map[string]any{"ipCidrRange": "10.2.128.0/18",
		"secondaryIpRanges": []any{map[string]any{"ipCidrRange": "10.2.0.0/17"}}})
	p := stackPolicy("non-overlapping-cidrs")
	if got := p.Check([]*graph.Resource{vpc("a", "10.1.0.0/16"), subnet}, Config{}); len(got) != 0 {
		t.Errorf("disjoint networks (a subnetwork's own ranges included): %v", got)
	}
	if got := p.Check([]*graph.Resource{vpc("a", "10.1.0.0/16"), vpc("b", "10.1.128.0/17")}, Config{}); len(got) != 1 {
		t.Errorf("overlapping VPCs: %v, want one violation", got)
	}
	eks := res(tEKS, map[string]any{})
	oidc := res("aws:iam/openIdConnectProvider:OpenIdConnectProvider", map[string]any{})
	irsa := stackPolicy("eks-irsa")
	if got := irsa.Check([]*graph.Resource{eks}, Config{}); len(got) != 1 {
		t.Errorf("cluster without OIDC provider: %v", got)
	}
	oidc.DependsOn = []string{eks.URN}
	if got := irsa.Check([]*graph.Resource{eks, oidc}, Config{}); len(got) != 0 {
		t.Errorf("cluster with OIDC provider: %v", got)
	}
}

func TestPackConfig(t *testing.T) {
	t.Parallel()
	pc := PackConfig{"all": "advisory", "quorum": map[string]any{"enforcementLevel": "mandatory", "minimum": 5.0}, "private-control-plane": "disabled"}
	if l, c := pc.For("quorum", Mandatory); l != Mandatory || c.Int("minimum", 3) != 5 {
		t.Errorf("quorum: %s %v", l, c)
	}
	if l, _ := pc.For("zone-spread", Mandatory); l != Advisory {
		t.Errorf("all sets the default level: %s", l)
	}
	if _, err := Pack(); err != nil {
		t.Fatal(err)
	}
}

// backups: each protected TidbCluster needs a schedule with a log backup of that cluster on its own
// cluster; every backup bucket needs its key and its privacy. Each case breaks one thing.
func TestBackupsPolicy(t *testing.T) {
	t.Parallel()
	p := stackPolicy("backups")
	tc := func(protect bool) *graph.Resource {
		r := res(tTidbCluster, map[string]any{"metadata": map[string]any{"name": "kost", "namespace": "tidb"}})
		r.Protect, r.Provider = protect, "k8s-a"
		return r
	}
	schedule := func(mutate func(spec map[string]any)) *graph.Resource {
		br := map[string]any{"cluster": "kost"}
		spec := map[string]any{"backupTemplate": map[string]any{"br": br}, "logBackupTemplate": map[string]any{"backupMode": "log", "br": br}}
		if mutate != nil {
			mutate(spec)
		}
		r := res(tBackupSchedule, map[string]any{"metadata": map[string]any{"name": "kost", "namespace": "tidb"}, "spec": spec})
		r.Provider = "k8s-a"
		return r
	}
	bucket := res(tS3Bucket, map[string]any{})
	setting := func(typ string, inputs map[string]any) *graph.Resource {
		r := res(typ, inputs)
		r.URN += "-setting"
		r.DependsOn = []string{bucket.URN}
		return r
	}
	sse := setting(tBucketEncryption, map[string]any{"rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{
		"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:aws:kms:eu-west-1:1:key/k"}}}})
	pab := setting(tBucketPublicAccess, map[string]any{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})
	gcs := func(mutate func(m map[string]any)) *graph.Resource {
		m := map[string]any{"encryption": map[string]any{"defaultKmsKeyName": "projects/p/locations/l/keyRings/r/cryptoKeys/k"},
			"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": true}
		if mutate != nil {
			mutate(m)
		}
		return res(tGCSBucket, m)
	}
	for name, c := range map[string]struct {
		rs   []*graph.Resource
		want int
	}{
		"Complete":               {rs: []*graph.Resource{tc(true), schedule(nil), bucket, sse, pab, gcs(nil)}},
		"UnprotectedNeedsNone":   {rs: []*graph.Resource{tc(false)}},
		"NoSchedule":             {rs: []*graph.Resource{tc(true)}, want: 1},
		"NoLogBackup":            {rs: []*graph.Resource{tc(true), schedule(func(s map[string]any) { delete(s, "logBackupTemplate") })}, want: 1},
		"LogInSnapshotMode":      {rs: []*graph.Resource{tc(true), schedule(func(s map[string]any) { s["logBackupTemplate"].(map[string]any)["backupMode"] = "snapshot" })}, want: 1},
		"AnotherCluster":         {rs: []*graph.Resource{tc(true), schedule(func(s map[string]any) { s["backupTemplate"] = map[string]any{"br": map[string]any{"cluster": "other"}} })}, want: 1},
		"ScheduleOnOtherCluster": {rs: []*graph.Resource{tc(true), func() *graph.Resource { s := schedule(nil); s.Provider = "k8s-b"; return s }()}, want: 1},
		"S3WithoutKey":           {rs: []*graph.Resource{bucket, pab}, want: 1},
		"S3Public":               {rs: []*graph.Resource{bucket, sse, setting(tBucketPublicAccess, map[string]any{"blockPublicAcls": true})}, want: 1},
		"S3SettingsOfAnother":    {rs: []*graph.Resource{bucket, res(tBucketEncryption, sse.Inputs.Mappable()), res(tBucketPublicAccess, pab.Inputs.Mappable())}, want: 2},
		"GCSWithoutKey":          {rs: []*graph.Resource{gcs(func(m map[string]any) { delete(m, "encryption") })}, want: 1},
		"GCSPublic": {rs: []*graph.Resource{gcs(func(m map[string]any) {
			m["publicAccessPrevention"] = "inherited"
			m["uniformBucketLevelAccess"] = false
		})}, want: 2},
	} {
		if got := p.Check(c.rs, Config{}); len(got) != c.want {
			t.Errorf("%s: %d violations %v, want %d", name, len(got), got, c.want)
		}
	}
}
