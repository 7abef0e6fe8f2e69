package e2e

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestControlPlaneRefusesToStartOutsideItsNamespace(t *testing.T) {
	cases := map[string]struct {
		reason string
		ifs    []net.Interface
		want   bool // refused
	}{
		"LoopbackOnly": {reason: "the namespace run.sh makes", ifs: []net.Interface{{Name: "lo", Flags: net.FlagLoopback | net.FlagUp}}},
		"HostNetwork": {reason: "an interface that leaves the machine", want: true,
			ifs: []net.Interface{{Name: "lo", Flags: net.FlagLoopback | net.FlagUp}, {Name: "eth0", Flags: net.FlagUp | net.FlagBroadcast}}},
		"DownInterface": {reason: "even a down interface could be brought up", want: true,
			ifs: []net.Interface{{Name: "lo", Flags: net.FlagLoopback | net.FlagUp}, {Name: "eth0", Flags: net.FlagBroadcast}}},
		"LoopbackDown": {reason: "nothing can listen before `ip link set lo up`", want: true,
			ifs: []net.Interface{{Name: "lo", Flags: net.FlagLoopback}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			old := interfaces
			interfaces = func() ([]net.Interface, error) { return tc.ifs, nil }
			t.Cleanup(func() { interfaces = old })
			err := checkIsolated()
			var ni *ErrNotIsolated
			if got := errors.As(err, &ni); got != tc.want {
				t.Fatalf("%s: refused = %v (%v), want %v", tc.reason, got, err, tc.want)
			}
		})
	}
}

// TestStartRefusesBeforeStartingAnything checks that StartControlPlane itself refuses outside the
// namespace, before it writes a file or starts a process.
func TestStartRefusesBeforeStartingAnything(t *testing.T) {
	old := interfaces
	interfaces = func() ([]net.Interface, error) {
		return []net.Interface{{Name: "lo", Flags: net.FlagLoopback | net.FlagUp}, {Name: "eth0", Flags: net.FlagUp}}, nil
	}
	t.Cleanup(func() { interfaces = old })
	dir := filepath.Join(t.TempDir(), "cp")
	cp, err := StartControlPlane(context.Background(), "/nonexistent", dir)
	var ni *ErrNotIsolated
	if !errors.As(err, &ni) || cp != nil {
		t.Fatalf("StartControlPlane outside its namespace: %v, %v; want ErrNotIsolated", cp, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("it created %s before refusing", dir)
	}
}
