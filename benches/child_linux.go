//go:build linux

package benches

import (
	"os/exec"
	"runtime"
	"syscall"
)

// dieWithParent asks the kernel to stop the child run when the sweep's
// process dies, even by SIGKILL, which leaves it no chance to stop it
// itself: the child gets SIGTERM, on which it stops at the next batch and
// removes its temporary store. (Without it, the child of a killed sweep ran
// on to the end of its --timeout, ten minutes by default.) The signal is
// tied to the thread that starts the child, so the goroutine keeps its
// thread until the child is done: call the function returned then.
func dieWithParent(cmd *exec.Cmd) (done func()) {
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return runtime.UnlockOSThread
}
