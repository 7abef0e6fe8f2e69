package azure

import "testing"

// The custom role's GUID is the same on every run for a cluster (a new one would replace the role,
// which Azure refuses while it is assigned) and differs between clusters, locations and
// subscriptions (role names and ids are unique in the tenant).
func TestControlPlaneRoleID(t *testing.T) {
	t.Parallel()
	base := SelfManagedClusterArgs{SubscriptionID: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}
	base.ClusterName, base.Region = "kost-prod-eastus2", "eastus2"
	id := base.controlPlaneRoleID()
	if again := base.controlPlaneRoleID(); again != id {
		t.Fatalf("role id %s then %s: not stable", id, again)
	}
	for name, mutate := range map[string]func(a *SelfManagedClusterArgs){
		"Cluster":      func(a *SelfManagedClusterArgs) { a.ClusterName = "kost-dev-eastus2" },
		"Region":       func(a *SelfManagedClusterArgs) { a.Region = "westeurope" },
		"Subscription": func(a *SelfManagedClusterArgs) { a.SubscriptionID = "0b6f2c1d-8e3a-4c5b-9d7e-1f2a3b4c5d6e" },
	} {
		other := base
		mutate(&other)
		if other.controlPlaneRoleID() == id {
			t.Errorf("another %s has the same role id %s", name, id)
		}
	}
}
