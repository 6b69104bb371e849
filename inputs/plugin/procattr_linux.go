package plugin

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the plugin when Rosetta dies, even
// by SIGKILL. Pdeathsig fires when the thread that started the child
// exits; Go only ends threads of goroutines that exit while locked with
// runtime.LockOSThread, and the launch never runs on one.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
