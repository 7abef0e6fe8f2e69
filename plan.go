package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/kost-platform/kost/offline"
	"github.com/kost-platform/kost/policies/rules"
	"github.com/kost-platform/kost/stacks"
)

// planCommand is `go run . plan [--stack dev] [--format text|json] [--dir .]`: it evaluates a stack
// offline (the program under offline's mock cloud), prints the resource graph and, in text form, the
// capacity proof and the policy results. It needs no credentials and no network. It returns the
// process exit code: 0, 1 when the environment is invalid, the program fails or a mandatory policy is
// violated, 2 for bad flags.
func planCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "dev", "stack to plan: reads Pulumi.<stack>.yaml")
	format := fs.String("format", "text", "output format: text or json")
	dir := fs.String("dir", ".", "directory holding Pulumi.yaml and the stack files")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kost plan [--stack NAME] [--format text|json] [--dir DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "plan: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "plan: --format %q: use text or json\n", *format)
		return 2
	}
	g, err := offline.Evaluate(*dir, *stack, stacks.Deploy)
	if err != nil {
		fmt.Fprintf(stderr, "plan %s: %v\n", *stack, err)
		return 1
	}
	findings, err := rules.Checker(*dir, *stack, g)
	if err != nil {
		fmt.Fprintf(stderr, "plan %s: policies: %v\n", *stack, err)
		return 1
	}
	if *format == "json" {
		err = g.WriteJSON(stdout)
	} else {
		fmt.Fprintf(stdout, "kost plan for stack %s (offline: mocked cloud, nothing is created)\n\n", *stack)
		err = g.WriteText(stdout)
		if err == nil {
			var text string
			if text, err = capacityReport(*dir, *stack); err == nil {
				fmt.Fprintf(stdout, "\n%s", text)
			}
		}
		if err == nil {
			writeFindings(stdout, findings)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return 1
	}
	for _, f := range findings {
		if f.Mandatory {
			fmt.Fprintf(stderr, "plan %s: mandatory policies are violated\n", *stack)
			return 1
		}
	}
	return 0
}

// writeFindings prints the policy results after the graph.
func writeFindings(w io.Writer, fs []rules.Finding) {
	mandatory := 0
	for _, f := range fs {
		if f.Mandatory {
			mandatory++
		}
	}
	fmt.Fprintf(w, "\nPolicies: %d mandatory violations, %d advisories\n", mandatory, len(fs)-mandatory)
	for _, f := range fs {
		fmt.Fprintf(w, "  %s\n", f.Text)
	}
}

// capacityReport is the capacity proof of a stack's environment.
func capacityReport(dir, stack string) (string, error) {
	sc, err := offline.ReadStackConfig(dir, stack)
	if err != nil {
		return "", err
	}
	return stacks.CapacityReport(sc.Values)
}
