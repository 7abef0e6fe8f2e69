// Command policies is kost's policy pack for `pulumi preview --policy-pack policies`. The policies
// themselves live in policies/rules as plain functions; this program only serves them to the engine.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/kost-platform/kost/policies/rules"
)

func main() {
	if err := policyx.Main(func(*pulumi.Context) (policyx.PolicyPack, error) { return rules.Pack() }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
