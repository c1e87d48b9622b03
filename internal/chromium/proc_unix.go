//go:build unix

package chromium

import (
	"os/exec"
	"syscall"
)

// groupProcess starts cmd in its own process group so killGroup can end
// Chromium's helper processes with it.
func groupProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// killGroup ends whatever is left of the process group cmd started.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
