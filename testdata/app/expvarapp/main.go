// Command expvarapp is a tiny Go program with an expvar page, for the
// expvar input's tests: it listens on 127.0.0.1 (a free port), prints the
// address, publishes a few user variables and serves /debug/vars.
package main

import (
	"expvar"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	requests := expvar.NewInt("requests")
	requests.Add(42)
	hits := expvar.NewMap("hits")
	hits.Add("home", 7)
	hits.Add("about", 2)
	expvar.NewFloat("load").Set(0.75)
	expvar.NewString("mode").Set("production")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprintln(w, "ok")
	})
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
