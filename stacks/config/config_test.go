package config

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// base is a valid prod environment; each case mutates a fresh copy.
func base() map[string]any {
	return map[string]any{
		"name":    "prod",
		"size":    "prod",
		"protect": true,
		"regions": []any{
			map[string]any{"cloud": "aws", "region": "us-east-1", "cidr": "10.10.0.0/16",
				"kubernetes": map[string]any{"mode": "managed", "version": "1.36"}},
			map[string]any{"cloud": "aws", "region": "eu-west-1"},
		},
		// Backups are off here: backup_test.go covers them (on, a protected environment needs every
		// region kost cannot back up to carry an exemption).
		"database": map[string]any{"pd": 3, "tikv": 3, "tidb": 2, "tiflash": 1, "ticdc": 1, "backup": map[string]any{"enabled": false}},
		"kafka":    map[string]any{"brokers": 3, "controllers": 3},
		"network":  map[string]any{"deployers": map[string]any{"cidrs": []any{"192.168.100.0/24"}}},
	}
}

func region(m map[string]any, i int) map[string]any { return m["regions"].([]any)[i].(map[string]any) }

func load(t *testing.T, m map[string]any) (*Environment, error) {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return Load(data)
}

// resolve loads m and resolves its regions, failing the test on any error.
func resolve(t *testing.T, m map[string]any) []ResolvedRegion {
	t.Helper()
	env, err := load(t, m)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := env.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]validateCase{
		"Valid": {reason: "the base environment is valid", mutate: func(map[string]any) {}},
		"PrivateWithoutDeployers": {reason: "a private API must say who runs pulumi up", mutate: func(m map[string]any) { delete(m, "network") },
			wantPaths: []string{"network.deployers.cidrs"}, wantText: "regions[0], regions[1] serve the Kubernetes API privately"},
		"DeployersOpenInProd": {reason: "prod API servers are never open to the internet", mutate: func(m map[string]any) {
			m["network"] = map[string]any{"deployers": map[string]any{"cidrs": []any{"0.0.0.0/0"}}}
		}, wantPaths: []string{"network.deployers.cidrs[0]"}, wantText: "whole internet"},
		"DeployersOverlapARegion": {reason: "peerings refuse overlapping address spaces", mutate: func(m map[string]any) {
			m["network"] = map[string]any{"deployers": map[string]any{"cidrs": []any{"10.10.8.0/24", "172.20.0.0/24"}}}
		}, wantPaths: []string{"network.deployers.cidrs[0]", "network.deployers.cidrs[1]"}, wantText: "overlaps regions[0].cidr"},
		"DeployersBadNetworks": {reason: "the peering targets are resource ids", mutate: func(m map[string]any) {
			m["network"] = map[string]any{"deployers": map[string]any{"cidrs": []any{"192.168.100.0/24"}, "azureVnetId": "runners", "gcpNetwork": "runners"}}
		}, wantPaths: []string{"network.deployers.azureVnetId", "network.deployers.gcpNetwork"}, wantText: "not a virtual network id"},
		"MissingName": {reason: "name is required", mutate: func(m map[string]any) { delete(m, "name") },
			wantPaths: []string{"name"}, wantText: "required"},
		"BadName": {reason: "names become resource names", mutate: func(m map[string]any) { m["name"] = "Prod_1" },
			wantPaths: []string{"name"}, wantText: "DNS label"},
		"UnknownSize": {reason: "size drives defaults", mutate: func(m map[string]any) { m["size"] = "prd" },
			wantPaths: []string{"size"}, wantText: `did you mean "prod"`},
		"NoRegions": {reason: "at least one region", mutate: func(m map[string]any) { m["regions"] = []any{} },
			wantPaths: []string{"regions"}, wantText: "at least one region"},
		"UnknownCloud": {reason: "clouds are a closed set", mutate: func(m map[string]any) { region(m, 1)["cloud"] = "aws2" },
			wantPaths: []string{"regions[1].cloud"}, wantText: `did you mean "aws"`},
		"MissingCloud": {reason: "cloud is required", mutate: func(m map[string]any) { delete(region(m, 1), "cloud") },
			wantPaths: []string{"regions[1].cloud"}, wantText: "required"},
		"MissingRegion": {reason: "region is required", mutate: func(m map[string]any) { delete(region(m, 1), "region") },
			wantPaths: []string{"regions[1].region"}, wantText: "required"},
		"UnknownRegion": {reason: "a region must exist in its cloud", mutate: func(m map[string]any) { region(m, 1)["region"] = "eu-west-9" },
			wantPaths: []string{"regions[1].region"}, wantText: "not a aws region"},
		"RegionOfOtherCloud": {reason: "europe-west4 is GCP's", mutate: func(m map[string]any) { region(m, 1)["region"] = "europe-west4" },
			wantPaths: []string{"regions[1].region"}, wantText: "not a aws region"},
		"DuplicateRegion": {reason: "one cluster per (cloud, region)", mutate: func(m map[string]any) { region(m, 1)["region"] = "us-east-1" },
			wantPaths: []string{"regions[1]"}, wantText: "duplicate of regions[0]"},
		"UnknownMode": {reason: "managed or self-managed", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"].(map[string]any)["mode"] = "selfmanaged"
		}, wantPaths: []string{"regions[0].kubernetes.mode"}, wantText: `did you mean "self-managed"`},
		"SelfManagedPublicAPI": {reason: "the kubeadm API is behind an internal load balancer", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"] = map[string]any{"mode": "self-managed", "endpoint": map[string]any{"public": true, "publicCidrs": []any{"203.0.113.0/24"}}}
		}, wantPaths: []string{"regions[0].kubernetes.endpoint.public"}, wantText: "internal load balancer only"},
		"SelfManagedAdmins": {reason: "no IAM login on kubeadm clusters", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"] = map[string]any{"mode": "self-managed", "admins": []any{"arn:aws:iam::123456789012:role/admin"}}
		}, wantPaths: []string{"regions[0].kubernetes.admins"}, wantText: "kubeconfigs output"},
		"UnpinnedKubernetes": {reason: "latest is never a version", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"].(map[string]any)["version"] = "latest"
		}, wantPaths: []string{"regions[0].kubernetes.version"}, wantText: "never latest"},
		"UnknownKubernetes": {reason: "only versions with pinned add-ons", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"].(map[string]any)["version"] = "1.20"
		}, wantPaths: []string{"regions[0].kubernetes.version"}, wantText: "not one of"},
		"UnknownKafkaVersion": {reason: "Strimzi 1.2.0 runs 4.2 and 4.3 only", mutate: func(m map[string]any) {
			m["versions"] = map[string]any{"kafka": "3.9.0"}
		}, wantPaths: []string{"versions.kafka"}, wantText: "versions.go"},
		"BadCIDR": {reason: "cidr must parse", mutate: func(m map[string]any) { region(m, 0)["cidr"] = "10.10.0.0/33" },
			wantPaths: []string{"regions[0].cidr"}, wantText: "not a CIDR"},
		"HostBitsCIDR": {reason: "a block is a network address", mutate: func(m map[string]any) { region(m, 0)["cidr"] = "10.10.1.0/16" },
			wantPaths: []string{"regions[0].cidr"}, wantText: "use 10.10.0.0/16"},
		"TooSmallCIDR": {reason: "a /24 cannot hold 6 subnets for nodes", mutate: func(m map[string]any) { region(m, 0)["cidr"] = "10.10.0.0/24" },
			wantPaths: []string{"regions[0].cidr"}, wantText: "too small"},
		"PublicCIDR": {reason: "VPCs use private space", mutate: func(m map[string]any) { region(m, 0)["cidr"] = "8.8.0.0/16" },
			wantPaths: []string{"regions[0].cidr"}, wantText: "public address space"},
		"OverlappingCIDRs": {reason: "explicit blocks must not overlap", mutate: func(m map[string]any) { region(m, 1)["cidr"] = "10.10.0.0/17" },
			wantPaths: []string{"regions[1].cidr"}, wantText: "regions[1].cidr 10.10.0.0/17 overlaps regions[0].cidr 10.10.0.0/16"},
		"OverlapsPlanned": {reason: "an explicit block must not cover a planned one", mutate: func(m map[string]any) { region(m, 0)["cidr"] = "10.0.0.0/12" },
			wantPaths: []string{"regions[1].cidr"}, wantText: "planned 10.5.0.0/16"},
		"TwoZones": {reason: "quorum needs three zones", mutate: func(m map[string]any) { region(m, 1)["zones"] = []any{"eu-west-1a", "eu-west-1b"} },
			wantPaths: []string{"regions[1].zones"}, wantText: "need 3 zones"},
		"TwoZoneRegion": {reason: "us-west-1 has two zones only", mutate: func(m map[string]any) { region(m, 1)["region"] = "us-west-1" },
			wantPaths: []string{"regions[1].region"}, wantText: "choose another region"},
		"ForeignZone": {reason: "zones must belong to the region", mutate: func(m map[string]any) {
			region(m, 1)["zones"] = []any{"eu-west-1a", "eu-west-1b", "us-east-1c"}
		}, wantPaths: []string{"regions[1].zones[2]"}, wantText: "not a zone of eu-west-1"},
		"DuplicateZone": {reason: "three distinct zones", mutate: func(m map[string]any) {
			region(m, 1)["zones"] = []any{"eu-west-1a", "eu-west-1b", "eu-west-1a"}
		}, wantPaths: []string{"regions[1].zones[2]"}, wantText: "listed twice"},
		"EvenPD": {reason: "an even PD quorum buys nothing", mutate: func(m map[string]any) { m["database"].(map[string]any)["pd"] = 4 },
			wantPaths: []string{"database.pd"}, wantText: "even"},
		"OnePDProd": {reason: "prod needs 3 PD", mutate: func(m map[string]any) { m["database"].(map[string]any)["pd"] = 1 },
			wantPaths: []string{"database.pd"}, wantText: "at least 3"},
		"TwoTiKVProd": {reason: "prod needs 3 TiKV", mutate: func(m map[string]any) { m["database"].(map[string]any)["tikv"] = 2 },
			wantPaths: []string{"database.tikv"}, wantText: "at least 3"},
		"OneTiDBProd": {reason: "prod needs 2 TiDB", mutate: func(m map[string]any) { m["database"].(map[string]any)["tidb"] = 1 },
			wantPaths: []string{"database.tidb"}, wantText: "at least 2"},
		"TwoBrokersProd": {reason: "prod needs 3 brokers; RF 3 then exceeds them", mutate: func(m map[string]any) {
			m["kafka"].(map[string]any)["brokers"] = 2
			m["kafka"].(map[string]any)["replicationFactor"] = 3
		}, wantPaths: []string{"kafka.brokers", "kafka.replicationFactor"}, wantText: "more than the 2 brokers"},
		"EvenControllers": {reason: "KRaft quorum is odd", mutate: func(m map[string]any) { m["kafka"].(map[string]any)["controllers"] = 4 },
			wantPaths: []string{"kafka.controllers"}, wantText: "even"},
		"OneControllerProd": {reason: "prod needs 3 controllers", mutate: func(m map[string]any) { m["kafka"].(map[string]any)["controllers"] = 1 },
			wantPaths: []string{"kafka.controllers"}, wantText: "at least 3"},
		"MinISRTooHigh": {reason: "min ISR equal to RF stops writes on one failure", mutate: func(m map[string]any) {
			m["kafka"].(map[string]any)["minInsyncReplicas"] = 3
		}, wantPaths: []string{"kafka.minInsyncReplicas"}, wantText: "below the replication factor"},
		"PoolTooSmall": {reason: "3 TiKV need 3 tikv nodes", mutate: func(m map[string]any) {
			region(m, 0)["nodePools"] = map[string]any{"tikv": map[string]any{"count": 2}}
		}, wantPaths: []string{"regions[0].nodePools.tikv.count", "regions[0].nodePools.tikv.min"}, wantText: "raise it to 3"},
		"UnknownPool": {reason: "a pool name typo", mutate: func(m map[string]any) {
			region(m, 0)["nodePools"] = map[string]any{"tkiv": map[string]any{"count": 3}}
		}, wantPaths: []string{"regions[0].nodePools.tkiv"}, wantText: `did you mean "tikv"`},
		"SpotTiKV": {reason: "stateful pools never on spot", mutate: func(m map[string]any) {
			region(m, 0)["nodePools"] = map[string]any{"tikv": map[string]any{"spot": true}}
		}, wantPaths: []string{"regions[0].nodePools.tikv.spot"}, wantText: "only the spark pool"},
		"MinAboveMax": {reason: "autoscaling bounds", mutate: func(m map[string]any) {
			region(m, 0)["nodePools"] = map[string]any{"spark": map[string]any{"min": 5, "max": 2, "count": 3}}
		}, wantPaths: []string{"regions[0].nodePools.spark.min"}, wantText: "above max"},
		"BadInstanceType": {reason: "an AWS type looks like family.size", mutate: func(m map[string]any) {
			region(m, 0)["nodePools"] = map[string]any{"tidb": map[string]any{"instanceType": "Standard_D4s_v5"}}
		}, wantPaths: []string{"regions[0].nodePools.tidb.instanceType"}, wantText: "not a aws instance type"},
		"UnknownTopKey": {reason: "a typo must not be ignored", mutate: func(m map[string]any) { m["databse"] = map[string]any{"pd": 3} },
			wantPaths: []string{"databse"}, wantText: `did you mean "database"`},
		"UnknownNestedKey": {reason: "typos are found at any depth", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"].(map[string]any)["verison"] = "1.33" //nolint:misspell // the typo is the test
		}, wantPaths: []string{"regions[0].kubernetes.verison"}, wantText: `did you mean "version"`},
		"WrongType": {reason: "counts are numbers", mutate: func(m map[string]any) { m["database"].(map[string]any)["pd"] = "three" },
			wantPaths: []string{"database.pd"}, wantText: "whole number"},
		"ManyProblemsAtOnce": {reason: "every problem in one message", mutate: func(m map[string]any) {
			m["databse"] = 1
			m["kafka"].(map[string]any)["brokerz"] = 3
			region(m, 0)["cloudd"] = "aws"
		}, wantPaths: []string{"databse", "kafka.brokerz", "regions[0].cloudd"}, wantText: "3 problems"},
		"AWSOptionsOnGCP": {reason: "cloud options must match the cloud", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "gcp", "region": "europe-west4", "aws": map[string]any{"profile": "x"},
				"gcp": map[string]any{"project": "acme-kost-prod"}})
		}, wantPaths: []string{"regions[2].aws"}, wantText: "remove them"},
		"PublicProdEndpointOpen": {reason: "prod API never open to the internet", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"].(map[string]any)["endpoint"] = map[string]any{"public": true, "publicCidrs": []any{"0.0.0.0/0"}}
		}, wantPaths: []string{"regions[0].kubernetes.endpoint.publicCidrs[0]"}, wantText: "internet"},
		"PreviewerIsAdmin": {reason: "a preview identity that administers the cluster is not read-only", mutate: func(m map[string]any) {
			k := region(m, 0)["kubernetes"].(map[string]any)
			k["admins"] = []any{"arn:aws:iam::123456789012:role/ci"}
			k["previewers"] = []any{"arn:aws:iam::123456789012:role/ci", "preview"}
		}, wantPaths: []string{"regions[0].kubernetes.previewers", "regions[0].kubernetes.previewers[1]"}, wantText: "must not administer"},
		"SelfManagedPreviewers": {reason: "kubeadm previews use the admin certificate; no read-only login exists", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"] = map[string]any{"mode": "self-managed", "previewers": []any{"arn:aws:iam::123456789012:role/preview"}}
		}, wantPaths: []string{"regions[0].kubernetes.previewers"}, wantText: "require approval"},
		"TokenRotation": {reason: "control planes mint join tokens themselves: a rotation setting would do nothing", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"] = map[string]any{"mode": "self-managed", "tokenRotation": "2026-11-21"}
		}, wantPaths: []string{"regions[0].kubernetes.tokenRotation"}, wantText: "no longer needed"},
		"BadAdmin": {reason: "admins are IAM ARNs on AWS", mutate: func(m map[string]any) {
			region(m, 0)["kubernetes"].(map[string]any)["admins"] = []any{"alice"}
		}, wantPaths: []string{"regions[0].kubernetes.admins[0]"}, wantText: "not an IAM role"},
		"ReservedTag": {reason: "kost owns its tags", mutate: func(m map[string]any) { m["tags"] = map[string]any{"managed-by": "me"} },
			wantPaths: []string{"tags.managed-by"}, wantText: "kost sets this tag"},
		"GCPWithoutProject": {reason: "a GCP region needs its project", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "gcp", "region": "europe-west4"})
		}, wantPaths: []string{"regions[2].gcp.project"}, wantText: "required"},
		"BadGCPProject": {reason: "project IDs have a format", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "gcp", "region": "europe-west4", "gcp": map[string]any{"project": "My Project"}})
		}, wantPaths: []string{"regions[2].gcp.project"}, wantText: "not a GCP project ID"},
		"AzureWithoutSubscription": {reason: "an Azure region needs its subscription", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "azure", "region": "westeurope"})
		}, wantPaths: []string{"regions[2].azure.subscriptionId"}, wantText: "required"},
		"BadSubscription": {reason: "subscriptions are UUIDs", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "azure", "region": "westeurope", "azure": map[string]any{"subscriptionId": "prod"}})
		}, wantPaths: []string{"regions[2].azure.subscriptionId"}, wantText: "UUID"},
		"AzureRegionWithoutZones": {reason: "westus has no availability zones", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "azure", "region": "westus",
				"azure": map[string]any{"subscriptionId": "00000000-0000-0000-0000-000000000001"}})
		}, wantPaths: []string{"regions[2].region"}, wantText: "choose another region"},
		"GCPAdminFormat": {reason: "GCP admins are IAM members", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "gcp", "region": "europe-west4", "gcp": map[string]any{"project": "acme-kost-prod"},
				"kubernetes": map[string]any{"admins": []any{"platform@example.com"}}})
		}, wantPaths: []string{"regions[2].kubernetes.admins[0]"}, wantText: "IAM member"},
		"AzureAdminFormat": {reason: "Azure admins are group object IDs", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "azure", "region": "westeurope",
				"azure": map[string]any{"subscriptionId": "00000000-0000-0000-0000-000000000001"}, "kubernetes": map[string]any{"admins": []any{"platform-admins"}}})
		}, wantPaths: []string{"regions[2].kubernetes.admins[0]"}, wantText: "object ID"},
		"TagValueNotPortable": {reason: "one tag value must be valid as a GCP label too", mutate: func(m map[string]any) { m["tags"] = map[string]any{"team": "Platform Team"} },
			wantPaths: []string{"tags.team"}, wantText: "GCP label"},
		"CIDROverlapsServices": {reason: "a VPC must not hide the Service range", mutate: func(m map[string]any) { region(m, 0)["cidr"] = "172.20.0.0/16" },
			wantPaths: []string{"regions[0].cidr"}, wantText: "internal ranges"},
		"LocalWithoutContext": {reason: "a local region names its kubeconfig context", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "local", "region": "kind"})
		}, wantPaths: []string{"regions[2].local.context"}, wantText: "required"},
		"LocalWithNetwork": {reason: "a local cluster exists; kost plans no network for it", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "local", "region": "kind", "cidr": "10.99.0.0/16",
				"local": map[string]any{"context": "kind-kost"}})
		}, wantPaths: []string{"regions[2].cidr"}, wantText: "not used by a local region"},
		"SparkNamespaceClash": {reason: "job namespaces must not be kost's own", mutate: func(m map[string]any) {
			region(m, 0)["spark"] = map[string]any{"jobNamespaces": []any{"kafka"}}
		}, wantPaths: []string{"regions[0].spark.jobNamespaces[0]"}, wantText: "kost or Kubernetes uses"},
		"GKENameTooLong": {reason: "GKE cluster names have 40 characters at most", mutate: func(m map[string]any) {
			m["name"] = "production-east"
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "gcp", "region": "northamerica-northeast1", "gcp": map[string]any{"project": "acme-kost-prod"}})
		}, wantPaths: []string{"regions[2].region"}, wantText: "GKE allows 40"},
		"GKEPoolNotPerZone": {reason: "GKE sizes pools per zone", mutate: func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), map[string]any{"cloud": "gcp", "region": "europe-west4", "gcp": map[string]any{"project": "acme-kost-prod"},
				"nodePools": map[string]any{"tikv": map[string]any{"count": 4, "min": 3, "max": 6}}})
		}, wantPaths: []string{"regions[2].nodePools.tikv"}, wantText: "multiples of the 3 zones"},
		"BadSupernet": {reason: "supernet must parse", mutate: func(m map[string]any) { m["network"].(map[string]any)["supernet"] = "10/8" },
			wantPaths: []string{"network.supernet"}, wantText: "not a CIDR"},
	}
	runValidateCases(t, base, cases)
}

// validateCase mutates a valid environment and names the problems it must get ("" and none: valid).
type validateCase struct {
	reason    string
	mutate    func(m map[string]any)
	wantPaths []string
	wantText  string // a phrase the message must contain (the message is the product here)
}

// runValidateCases loads each case's environment (from fresh) and checks its problems.
func runValidateCases(t *testing.T, fresh func() map[string]any, cases map[string]validateCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := fresh()
			tc.mutate(m)
			_, err := load(t, m)
			if len(tc.wantPaths) == 0 {
				if err != nil {
					t.Fatalf("%s: unexpected error: %v", tc.reason, err)
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("%s: want Problems, got %v", tc.reason, err)
			}
			if d := cmp.Diff(tc.wantPaths, ps.Paths()); d != "" {
				t.Errorf("%s: problem paths (-want +got):\n%s\nfull error:\n%v", tc.reason, d, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("%s: message lacks %q:\n%v", tc.reason, tc.wantText, err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	env, err := Load([]byte(`{"name":"dev","network":{"deployers":{"cidrs":["192.168.100.0/24"]}},"regions":[{"cloud":"aws","region":"us-east-1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := env.Regions[0]
	got := map[string]any{
		"size": env.Size, "protect": *env.Protect, "zones": r.Zones, "mode": r.Kubernetes.Mode,
		"version": r.Kubernetes.Version, "public": *r.Kubernetes.Endpoint.Public,
		"tikvCount": *r.NodePools["tikv"].Count, "tikvType": r.NodePools["tikv"].InstanceType,
		"sparkSpot": *r.NodePools["spark"].Spot, "sparkMin": *r.NodePools["spark"].Min,
		"pd": *env.Database.PD, "rf": *env.Kafka.ReplicationFactor, "isr": *env.Kafka.MinInsyncReplicas,
		"kafkaVersion": env.Versions.Kafka,
	}
	want := map[string]any{
		"size": Dev, "protect": false, "zones": []string{"us-east-1a", "us-east-1b", "us-east-1c"}, "mode": Managed,
		"version": Pinned.Kubernetes, "public": false, // no public endpoint unless publicCidrs say who reaches it
		"tikvCount": 3, "tikvType": "m7i.xlarge",
		"sparkSpot": true, "sparkMin": 0,
		"pd": 3, "rf": 3, "isr": 2,
		"kafkaVersion": Pinned.Kafka,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("defaults (-want +got):\n%s", d)
	}
	block, err := env.Block(r)
	if err != nil || block.String() != "10.0.0.0/16" {
		t.Errorf("us-east-1 is catalogue slot 0: got %s, %v", block, err)
	}
}

func TestDefaultsNeverOverrideSetFields(t *testing.T) {
	t.Parallel()
	env, err := Load([]byte(`{"name":"p","size":"prod","protect":false,"database":{"tidb":3},"network":{"deployers":{"cidrs":["192.168.100.0/24"]}},
		"regions":[{"cloud":"aws","region":"us-east-2","nodePools":{"tikv":{"count":5,"max":6,"instanceType":"r7i.4xlarge"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := env.Regions[0].NodePools["tikv"]
	if *env.Protect || *env.Database.TiDB != 3 || *p.Count != 5 || *p.Max != 6 || p.InstanceType != "r7i.4xlarge" || *p.Min != 5 {
		t.Errorf("set fields changed: protect=%v tidb=%d tikv=%+v", *env.Protect, *env.Database.TiDB, *p)
	}
	if !*env.Regions[0].NodePools["system"].Spot == false && *env.Regions[0].NodePools["system"].Count != 3 {
		t.Errorf("prod system pool defaults to 3 on-demand nodes")
	}
}

func TestPlannedBlocksAreStable(t *testing.T) {
	t.Parallel()
	blocks := func(regions string) map[string]string {
		env, err := Load([]byte(`{"name":"x","network":{"deployers":{"cidrs":["192.168.100.0/24"]}},"regions":[` + regions + `]}`))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range env.Regions {
			b, err := env.Block(r)
			if err != nil {
				t.Fatal(err)
			}
			out[string(r.Cloud)+"/"+r.Region] = b.String()
		}
		return out
	}
	gcp := `{"cloud":"gcp","region":"europe-west4","gcp":{"project":"acme-kost-dev"}}`
	two := blocks(`{"cloud":"aws","region":"eu-west-1"},` + gcp)
	three := blocks(`{"cloud":"aws","region":"us-east-1"},` + gcp + `,{"cloud":"aws","region":"eu-west-1"}`)
	for k, v := range two {
		if three[k] != v {
			t.Errorf("adding a region renumbered %s: %s -> %s", k, v, three[k])
		}
	}
}

func TestEverySupportedKubernetesHasEKSAddons(t *testing.T) {
	t.Parallel()
	for _, v := range Supported["kubernetes"] {
		for _, a := range EKSAddonNames {
			if EKSAddons[v][a] == "" {
				t.Errorf("Kubernetes %s has no pinned EKS add-on %s", v, a)
			}
		}
	}
	for k, p := range Pinned.fields() {
		if !strings.Contains(strings.Join(Supported[k], " "), p) {
			t.Errorf("pin %s=%s is not in Supported", k, p)
		}
	}
}

func FuzzLoad(f *testing.F) {
	seeds := []string{
		`{"name":"dev","regions":[{"cloud":"aws","region":"us-east-1"}]}`,
		`{"name":"p","size":"prod","regions":[{"cloud":"aws","region":"us-west-1","cidr":"10.0.0.0/24","zones":["x"]}],"database":{"pd":2}}`,
		`{"regions":[{"nodePools":{"tikv":null,"x":{"count":-1}}}],"kafka":{"brokers":0,"controllers":0,"replicationFactor":0}}`,
		`{"network":{"supernet":"10.0.0.0/30","regionPrefix":40},"regions":[{"cloud":"gcp","region":"us-central1"}]}`,
		`[1,2,3]`, `null`, `{"name":{}}`, `{"regions":[null]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Load(data)
		if err == nil && env == nil {
			t.Fatal("no environment and no error")
		}
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error is not a non-empty Problems: %v", err)
			}
		}
	})
}

func TestLocalDefaults(t *testing.T) {
	t.Parallel()
	env, err := Load([]byte(`{"name":"local","size":"local","regions":[{"cloud":"local","region":"kind","local":{"context":"kind-kost"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	plans, err := env.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"pd": *env.Database.PD, "tikv": *env.Database.TiKV, "brokers": *env.Kafka.Brokers, "controllers": *env.Kafka.Controllers,
		"rf": *env.Kafka.ReplicationFactor, "isr": *env.Kafka.MinInsyncReplicas, "protect": *env.Protect,
		"provisioner": plans[0].Local.Provisioner, "jobs": plans[0].SparkJobNamespaces, "layout": plans[0].Block.IsValid(),
	}
	want := map[string]any{"pd": 1, "tikv": 1, "brokers": 1, "controllers": 1, "rf": 1, "isr": 1, "protect": false,
		"provisioner": "rancher.io/local-path", "jobs": []string{"spark-jobs"}, "layout": false}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("local defaults (-want +got):\n%s", d)
	}
}
