//go:build !linux

package plugin

import "os/exec"

// dieWithParent is a no-op outside Linux: there, only go-plugin's own
// cleanup on a graceful shutdown ends the plugin.
func dieWithParent(*exec.Cmd) {}
