package stacks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
	"github.com/kost-platform/kost/components/monitoring"
	"github.com/kost-platform/kost/stacks/config"
)

// ConfigKey is the structured stack config kost reads.
const ConfigKey = "kost:environment"

// ErrNoEnvironment is returned when the stack has no kost:environment.
var ErrNoEnvironment = errors.New(ConfigKey + " is not set: add it to Pulumi.<stack>.yaml (see Pulumi.dev.yaml)")

// Deploy is the program `pulumi up` runs.
func Deploy(ctx *pulumi.Context) error {
	raw, ok := ctx.GetConfig(ConfigKey)
	if !ok {
		return ErrNoEnvironment
	}
	env, err := config.Load([]byte(raw))
	if err != nil {
		return err
	}
	return DeployEnvironment(ctx, env)
}

// DeployEnvironment builds a loaded (defaulted and validated) environment.
func DeployEnvironment(ctx *pulumi.Context, env *config.Environment) error {
	resolved, err := env.Resolve()
	if err != nil {
		return err
	}
	// Before anything is registered: every pod fits its pool.
	if _, err := ProveCapacity(resolved); err != nil {
		return err
	}
	regions := pulumi.Map{}
	kubeconfigs := pulumi.StringMap{}
	rootPasswords := pulumi.StringMap{}
	grafanaPasswords := pulumi.StringMap{}
	for _, rp := range resolved {
		r, err := NewRegion(ctx, rp.Key, &RegionArgs{Resolved: rp})
		if err != nil {
			return err
		}
		c := r.Cluster
		out := pulumi.Map{
			"cloud":          pulumi.String(string(c.Cloud)),
			"region":         pulumi.String(c.Region),
			"clusterName":    pulumi.String(c.Name),
			"endpoint":       c.Endpoint,
			"tidbEndpoint":   pulumi.String(r.Layers.Data.TiDBEndpoint),
			"tidbConnect":    pulumi.String(tidbConnect(r.Layers.Data.TiDBEndpoint, r.Layers.Data.TLS)),
			"kafkaBootstrap": pulumi.String(r.Layers.Data.KafkaBootstrap),
			// The TiCDC changefeeds kost keeps (README, Changefeeds).
			"changefeeds": pulumi.ToStringArray(r.Layers.Data.Changefeeds),
		}
		if r.Layers.Data.TLS {
			// Public: the CA a client verifies TiDB's certificate with (tidbConnect says how).
			out["tidbCaCert"] = r.Layers.Data.TiDBCACert
		}
		if rp.Block.IsValid() {
			out["cidr"] = pulumi.String(rp.Block.String())
		}
		if c.Backups != nil {
			// Where the region's backups are (README, Restoring).
			out["backupUrl"] = c.Backups.URL
		}
		if m := r.Layers.Monitoring; m != nil {
			// Where the region's monitoring is (README, Monitoring): ClusterIP Services, reached by
			// kubectl port-forward.
			out["monitoringNamespace"] = pulumi.String(m.Namespace)
			if m.Stack != nil {
				out["grafana"] = pulumi.String(m.Namespace + "/" + monitoring.GrafanaService)
				grafanaPasswords[rp.Key] = m.GrafanaAdminPassword
			}
		}
		regions[rp.Key] = out
		kubeconfigs[rp.Key] = c.Kubeconfig
		rootPasswords[rp.Key] = r.Layers.Data.RootPassword
	}
	ctx.Export("environment", pulumi.String(env.Name))
	ctx.Export("regions", regions)
	ctx.Export("kubeconfigs", pulumi.ToSecret(kubeconfigs))
	ctx.Export("tidbRootPasswords", pulumi.ToSecret(rootPasswords))
	ctx.Export("grafanaAdminPasswords", pulumi.ToSecret(grafanaPasswords))
	return nil
}

// RegionArgs configure one region.
type RegionArgs struct {
	// Resolved is the region, resolved (config.Environment.Resolve): the builders read nothing else.
	// Required.
	Resolved config.ResolvedRegion
}

// Region is one (cloud, region): its provider, network and cluster, in that order.
type Region struct {
	pulumi.ResourceState

	// Cluster is the region's cluster as the platform layer sees it.
	Cluster cluster.Cluster
	// Layers are the platform and data plane on it.
	Layers *Layers
}

// NewRegion builds a region with the cloud its plan names.
func NewRegion(ctx *pulumi.Context, name string, args *RegionArgs, opts ...pulumi.ResourceOption) (*Region, error) {
	if args == nil || args.Resolved.Key == "" {
		return nil, fmt.Errorf("region %s: args with a resolved region are required", name)
	}
	r := &Region{}
	if err := ctx.RegisterComponentResource("kost:stacks:Region", name, r, opts...); err != nil {
		return nil, err
	}
	build, ok := builders[args.Resolved.Cloud]
	if !ok {
		return nil, fmt.Errorf("region %s: kost cannot build a region of cloud %q", name, args.Resolved.Cloud)
	}
	var err error
	if r.Cluster, err = build(ctx, name, args, r); err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	if r.Layers, err = buildLayers(ctx, name, args.Resolved, r.Cluster, r); err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"clusterName": pulumi.String(r.Cluster.Name),
		"endpoint":    r.Cluster.Endpoint,
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// builders build a region's cluster per cloud; each branches on the region's Kubernetes mode (managed
// or self-managed share the cloud's provider and network code).
var builders = map[config.Cloud]func(*pulumi.Context, string, *RegionArgs, *Region) (cluster.Cluster, error){
	config.AWS:   buildAWS,
	config.GCP:   buildGCP,
	config.Azure: buildAzure,
	config.Local: buildLocal,
}

// tidbConnect says how a MySQL client reaches TiDB from inside the cluster: with TLS (prod), it must
// verify the server against the region's tidbCaCert output, as TiDB refuses plaintext.
func tidbConnect(endpoint string, tls bool) string {
	host, port, _ := strings.Cut(endpoint, ":")
	cmd := fmt.Sprintf("mysql -h %s -P %s -u root -p", host, port)
	if tls {
		cmd += " --ssl-mode=VERIFY_IDENTITY --ssl-ca=tidb-ca.pem  # tidb-ca.pem: this region's tidbCaCert output"
	}
	return cmd
}
