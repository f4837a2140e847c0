// A registry with the OCI 1.1 referrers API, for image-gate's signing tests: the Debian
// docker-registry (distribution 2.8) and distribution 3.1 have none, so the API path needs
// another server. go-containerregistry's in-memory registry has one behind an option.
// Listens on loopback only; the data lives in memory and goes when the process stops.
package main

import (
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := "127.0.0.1:5393"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("listen address must be on loopback, got %q", addr)
	}
	server := &http.Server{
		Addr:              addr,
		ReadHeaderTimeout: 5 * time.Second,
		Handler:           registry.New(registry.WithReferrersSupport(true)),
	}
	log.Printf("referrers registry on %s", addr)
	log.Fatal(server.ListenAndServe())
}
