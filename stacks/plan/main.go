package plan

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Main is `kost plan [--stack dev] [--format text|json] [--dir .]`: it evaluates a stack offline and
// prints the graph. It needs no credentials and no network. It returns the process exit code: 0, 1
// when the environment is invalid or the program fails, 2 for bad flags.
func Main(args []string, program pulumi.RunFunc, stdout, stderr io.Writer) int {
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
	if *format == "json" {
		err = g.WriteJSON(stdout)
	} else {
		fmt.Fprintf(stdout, "kost plan for stack %s (offline: mocked cloud, nothing is created)\n\n", *stack)
		err = g.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return 1
	}
	return 0
}
