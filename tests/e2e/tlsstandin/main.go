// Command pulumi-resource-tls is a STAND-IN for the pulumi-tls provider plugin, for the end-to-end
// run only: the real provider cannot be built on this machine (its Go module is not served, and it
// wraps a Terraform provider whose module is not served either), and no plugin can be downloaded.
//
// It implements the four resources kost uses (tls:index/privateKey:PrivateKey, certRequest,
// selfSignedCert, locallySignedCert) with Go's crypto/x509, with the real provider's input and
// output names and its lifecycle: every input change replaces the resource. It is no substitute for
// the real provider: kost's users run pulumi-tls, and nothing of this command ships.
//
// The engine starts it as an ambient plugin found on PATH (tools.sh links it next to the real
// Kubernetes and random providers); it prints its port and serves the provider protocol.
package main

import (
	"fmt"
	"net"
	"os"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Version is the pulumi-tls version it answers as: the SDK version in kost's go.mod.
const Version = "5.3.0"

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(256 << 20))
	pulumirpc.RegisterResourceProviderServer(srv, &provider{})
	fmt.Printf("%d\n", l.Addr().(*net.TCPAddr).Port)
	if err := srv.Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
