// Command kost is the Pulumi program for KOST platforms. `pulumi up` runs it with no arguments;
// `go run . plan [--stack dev] [--format text|json]` evaluates a stack offline (plan.go).
package main

import (
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kost-platform/kost/stacks"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "plan" {
		os.Exit(planCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	pulumi.Run(stacks.Deploy)
}
