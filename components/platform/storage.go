package platform

import (
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/components/cluster"
)

// Storage class names the data plane uses.
const (
	StorageClassDB       = "kost-db"
	StorageClassStandard = "kost-standard"
)

// storageClasses creates kost-db (Retain: a deleted claim never deletes a database volume) and
// kost-standard (Delete), both WaitForFirstConsumer (the volume is made in the pod's zone) and
// expandable.
func storageClasses(ctx *pulumi.Context, name string, profile cluster.StorageProfile, opts ...pulumi.ResourceOption) ([]*storagev1.StorageClass, error) {
	if profile.Provisioner == "" {
		return nil, fmt.Errorf("storage profile has no provisioner")
	}
	classes := []struct {
		name, reclaim string
		params        map[string]string
	}{
		{StorageClassDB, "Retain", profile.DB},
		{StorageClassStandard, "Delete", profile.Standard},
	}
	var out []*storagev1.StorageClass
	for _, c := range classes {
		sc, err := storagev1.NewStorageClass(ctx, name+"-"+c.name, &storagev1.StorageClassArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:   pulumi.String(c.name),
				Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("kost")},
			},
			Provisioner:          pulumi.String(profile.Provisioner),
			Parameters:           pulumi.ToStringMap(c.params),
			ReclaimPolicy:        pulumi.String(c.reclaim),
			VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
			AllowVolumeExpansion: pulumi.Bool(true),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("storage class %s: %w", c.name, err)
		}
		out = append(out, sc)
	}
	return out, nil
}
