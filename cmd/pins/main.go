// Command pins prints every version kost pins (stacks/config/versions.go), one JSON object a line:
// kind (chart, image, maven, eks-addon, apt, dashboard, version), key, name, version, repo, sha256 and the source that
// confirmed it. The pin-check workflow (.github/workflows/pins.yml) resolves each against its live
// registry. It imports only the config package, so it builds in seconds.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/kost-platform/kost/stacks/config"
)

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, p := range config.Pins() {
		if err := enc.Encode(p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
