//go:build !unix

package chromium

import "os/exec"

// groupProcess does nothing where process groups are not available.
func groupProcess(*exec.Cmd) {}

// killGroup does nothing where process groups are not available.
func killGroup(*exec.Cmd) {}
