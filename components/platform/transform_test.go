package platform

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestCRDTransform(t *testing.T) {
	t.Parallel()
	// The shape of Strimzi 1.2.0's Kafka CRD around its one empty `properties: {}`.
	crd := func(clusterSecurity pulumi.Map) pulumi.Map {
		return pulumi.Map{"spec": pulumi.Map{"versions": pulumi.Array{pulumi.Map{
			"name": pulumi.String("v1"),
			"schema": pulumi.Map{"openAPIV3Schema": pulumi.Map{"type": pulumi.String("object"), "properties": pulumi.Map{
				"status": pulumi.Map{"type": pulumi.String("object"), "properties": pulumi.Map{
					"clusterSecurity": clusterSecurity,
				}},
			}}},
		}}}}
	}
	withEmpty := crd(pulumi.Map{"type": pulumi.String("object"), "properties": pulumi.Map{}})
	normalised := crd(pulumi.Map{"type": pulumi.String("object")})
	cases := map[string]struct {
		reason    string
		retain    bool
		typ       string
		props     pulumi.Map
		wantNil   bool
		wantProps pulumi.Map
		wantKeep  bool
	}{
		"DropsEmptyProperties": {reason: "the API server drops an empty properties map; keeping it is a diff forever",
			typ: crdType, props: withEmpty, wantProps: normalised},
		"KeepsOtherSchemas": {reason: "a schema with properties is left alone",
			typ: crdType, props: normalised, wantProps: normalised},
		"Retains": {reason: "protected environments keep CRDs", retain: true,
			typ: crdType, props: normalised, wantProps: normalised, wantKeep: true},
		"OnlyCRDs": {reason: "other objects pass unchanged", retain: true,
			typ: "kubernetes:apps/v1:Deployment", props: withEmpty, wantNil: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := CRDTransform(tc.retain)(context.Background(), &pulumi.ResourceTransformArgs{Type: tc.typ, Props: tc.props})
			if tc.wantNil {
				if got != nil {
					t.Errorf("%s: transformed %s", tc.reason, tc.typ)
				}
				return
			}
			if d := cmp.Diff(tc.wantProps, got.Props); d != "" {
				t.Errorf("%s: props (-want +got):\n%s", tc.reason, d)
			}
			if got.Opts.RetainOnDelete != tc.wantKeep {
				t.Errorf("%s: retainOnDelete %v, want %v", tc.reason, got.Opts.RetainOnDelete, tc.wantKeep)
			}
		})
	}
}
