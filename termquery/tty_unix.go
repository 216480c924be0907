//go:build linux || darwin

package termquery

import (
	"errors"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// ask writes query to the terminal fd and reads its answer up to the
// cursor-position report that ends it, for at most wait. It does nothing
// unless fd is a terminal and this process is in its foreground (reading
// from the background would stop the process).
func ask(fd int, query string, wait time.Duration) (string, error) {
	var old syscall.Termios
	if err := ioctl(fd, getTermios, unsafe.Pointer(&old)); err != nil {
		return "", err
	}
	var pgrp int32
	if err := ioctl(fd, syscall.TIOCGPGRP, unsafe.Pointer(&pgrp)); err != nil {
		return "", err
	}
	if int(pgrp) != syscall.Getpgrp() {
		return "", errors.New("not the terminal's foreground process")
	}
	raw := old
	raw.Lflag &^= syscall.ICANON | syscall.ECHO
	raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME] = 0, 1 // a read returns after 0.1 s without input
	if err := ioctl(fd, setTermios, unsafe.Pointer(&raw)); err != nil {
		return "", err
	}
	defer ioctl(fd, setTermios, unsafe.Pointer(&old))
	if _, err := syscall.Write(fd, []byte(query)); err != nil {
		return "", err
	}
	var got []byte
	buf := make([]byte, 256)
	for deadline := time.Now().Add(wait); time.Now().Before(deadline) && len(got) < 4096; {
		n, err := syscall.Read(fd, buf)
		if err != nil && err != syscall.EINTR && err != syscall.EAGAIN {
			return "", err
		}
		if n > 0 {
			got = append(got, buf[:n]...)
			if cursorReport(string(got)) {
				return string(got), nil
			}
		}
	}
	return string(got), errors.New("the terminal did not answer")
}

// cursorReport reports whether s ends with an answer to ESC[6n: ESC[row;colR.
func cursorReport(s string) bool {
	if !strings.HasSuffix(s, "R") {
		return false
	}
	i := strings.LastIndex(s, "\x1b[")
	if i < 0 {
		return false
	}
	row, col, ok := strings.Cut(s[i+2:len(s)-1], ";")
	return ok && row != "" && col != "" && strings.Trim(row+col, "0123456789") == ""
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}
