// Command kost is the Pulumi program for KOST platforms. `pulumi up` runs it with no arguments;
// `go run . plan [--stack dev] [--format text|json]` evaluates a stack offline.
package main

import (
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/policies/rules"
	"github.com/kost-platform/kost/stacks"
	"github.com/kost-platform/kost/stacks/plan"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "plan" {
		os.Exit(plan.Main(os.Args[2:], stacks.Deploy, rules.Checker, stacks.CapacityReport, os.Stdout, os.Stderr))
	}
	pulumi.Run(stacks.Deploy)
}
