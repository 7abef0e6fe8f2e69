package e2e

import (
	"fmt"
	"net"
	"strings"
)

// interfaces lists the network interfaces the process sees; tests replace it.
var interfaces = net.Interfaces

// ErrNotIsolated is returned when the harness is asked to start a control plane in a network
// namespace that reaches anything but loopback.
type ErrNotIsolated struct {
	// Interfaces that are not loopback, or loopback that is down.
	Interfaces []string
}

func (e *ErrNotIsolated) Error() string {
	return fmt.Sprintf("refusing to start the control plane: this network namespace has %s; "+
		"run inside a namespace with only loopback up (tests/e2e/run.sh: unshare --net, then ip link set lo up), "+
		"so no Service, node or pod address is ever dialled off this machine", strings.Join(e.Interfaces, ", "))
}

// checkIsolated returns nil when the only interface is loopback and it is up.
func checkIsolated() error {
	ifs, err := interfaces()
	if err != nil {
		return fmt.Errorf("listing network interfaces: %w", err)
	}
	var bad []string
	loUp := false
	for _, i := range ifs {
		switch {
		case i.Flags&net.FlagLoopback == 0:
			bad = append(bad, "interface "+i.Name)
		case i.Flags&net.FlagUp == 0:
			bad = append(bad, "loopback "+i.Name+" down")
		default:
			loUp = true
		}
	}
	if !loUp && len(bad) == 0 {
		bad = append(bad, "no loopback interface")
	}
	if len(bad) > 0 {
		return &ErrNotIsolated{Interfaces: bad}
	}
	return nil
}
