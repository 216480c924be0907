package store

import (
	"syscall"
	"unsafe"
)

const huge = 2 << 20

// hugeMin is the smallest slice HugePages advises.
const hugeMin = 2 * huge

// HugePages asks the kernel to back the 2 MB-aligned part of a large,
// not yet touched slice (all of its capacity) with transparent huge pages: touching 10M events'
// times (80 MB) then takes 40 page faults instead of 20,000, and on a
// virtual machine each fault costs microseconds. Where the system does
// not allow it (THP off) this is a no-op; nothing depends on it.
func HugePages[T any](s []T) []T {
	size := uintptr(cap(s)) * unsafe.Sizeof(*new(T))
	if size < hugeMin {
		return s
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	from := (p + huge - 1) &^ (huge - 1)
	to := (p + size) &^ (huge - 1)
	if to > from {
		b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size)
		syscall.Madvise(b[from-p:to-p], 14) // MADV_HUGEPAGE
	}
	return s
}

// hugeHeap advises the huge pages that hold any of b, which is Go heap
// not yet touched (reserveHeap): unlike a slice kept, its neighbours
// outside the aligned part are heap too, and are used first.
func hugeHeap(b []byte) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	from := p &^ (huge - 1)
	to := (p + uintptr(len(b)) + huge - 1) &^ (huge - 1)
	syscall.Syscall(syscall.SYS_MADVISE, from, to-from, 14) // MADV_HUGEPAGE
}

// EmptyStrings returns n empty strings. Many of them are a read-only
// private mapping of no memory: reading them maps the kernel's one page of
// zeros, which is n empty strings, so they cost neither the zeroing nor
// the page faults of a slice from the heap (a load without names at 100M
// events spent a seventh of its CPU making 6.7M empty user ids). The
// garbage collector ignores memory it does not manage, which is sound
// because the strings hold no pointers and never can: a write faults. The
// mapping is never returned (only the analysis commands, which run once
// per process, load without names); where it fails, the heap serves.
func EmptyStrings(n int) []string {
	size := n * int(unsafe.Sizeof(""))
	if size < hugeMin {
		return make([]string, n)
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		return make([]string, n)
	}
	return unsafe.Slice((*string)(unsafe.Pointer(unsafe.SliceData(b))), n)
}
