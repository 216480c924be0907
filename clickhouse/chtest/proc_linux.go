package chtest

import "syscall"

// procAttr makes a server die with the test process, even one killed by a
// test timeout, so no server outlives its tests.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
