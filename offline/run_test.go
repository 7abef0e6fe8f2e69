package offline

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kost-platform/kost/graph"
)

func TestParseStackConfig(t *testing.T) {
	t.Parallel()
	sc, err := ParseStackConfig([]byte(`
config:
  kost:environment:
    name: dev
    regions: [{cloud: aws, region: us-east-1}]
  aws:region: us-east-1
  token:
    secure: AAABAKzQ==
`))
	if err != nil {
		t.Fatal(err)
	}
	want := StackConfig{
		Values: map[string]string{
			"kost:environment": `{"name":"dev","regions":[{"cloud":"aws","region":"us-east-1"}]}`,
			"aws:region":       "us-east-1",
			"kost:token":       graph.Masked,
		},
		SecretKeys: []string{"kost:token"},
	}
	if d := cmp.Diff(want, sc); d != "" {
		t.Errorf("stack config (-want +got):\n%s", d)
	}
}
