package plan

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Finding is one policy result to print.
type Finding struct {
	// Mandatory findings fail the plan; the others are advice.
	Mandatory bool
	Text      string
}

// Checker runs the policies over a planned graph.
type Checker func(dir, stack string, g *Graph) ([]Finding, error)

// Reporter renders a report of a stack's config (keys like "kost:environment"), printed after the
// graph in text form: the capacity proof.
type Reporter func(config map[string]string) (string, error)

// Main is `kost plan [--stack dev] [--format text|json] [--dir .]`: it evaluates a stack offline,
// prints the graph and, in text form, the policy results. It needs no credentials and no network. It
// returns the process exit code: 0, 1 when the environment is invalid, the program fails or a
// mandatory policy is violated, 2 for bad flags. check and report may be nil.
func Main(args []string, program pulumi.RunFunc, check Checker, report Reporter, stdout, stderr io.Writer) int {
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
	g, err := Evaluate(*dir, *stack, program)
	if err != nil {
		fmt.Fprintf(stderr, "plan %s: %v\n", *stack, err)
		return 1
	}
	var findings []Finding
	if check != nil {
		if findings, err = check(*dir, *stack, g); err != nil {
			fmt.Fprintf(stderr, "plan %s: policies: %v\n", *stack, err)
			return 1
		}
	}
	if *format == "json" {
		err = g.WriteJSON(stdout)
	} else {
		fmt.Fprintf(stdout, "kost plan for stack %s (offline: mocked cloud, nothing is created)\n\n", *stack)
		err = g.WriteText(stdout)
		if err == nil && report != nil {
			var text string
			if text, err = reportFor(*dir, *stack, report); err == nil {
				fmt.Fprintf(stdout, "\n%s", text)
			}
		}
		if err == nil && check != nil {
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

func writeFindings(w io.Writer, fs []Finding) {
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

// reportFor runs report over a stack's config.
func reportFor(dir, stack string, report Reporter) (string, error) {
	sc, err := ReadStackConfig(dir, stack)
	if err != nil {
		return "", err
	}
	return report(sc.Values)
}
