// Command procstat is an example Rosetta input driver plugin: a pull
// driver that reports CPU, memory, file descriptors, threads, context
// switches and I/O of processes, by PID or pid file, from /proc.
//
//	inputs:
//	  - name: nginx_proc
//	    type: plugin
//	    config:
//	      path: /usr/libexec/rosetta/procstat
//	      interval: 15s
//	      config:
//	        pid_files: [/run/nginx.pid]
package main

import (
	"fmt"
	"os"

	"github.com/rosetta-adapter/rosetta/plugins/sdk"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := sdk.Serve(&Driver{Version: version}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
