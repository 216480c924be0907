//go:build !linux

package chtest

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
