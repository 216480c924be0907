//go:build !linux

package store

// hugeMin: no slice is advised, and reserveHeap reserves nothing.
const hugeMin = int(^uint(0) >> 1)

// HugePages is a no-op where transparent huge pages are not asked for.
func HugePages[T any](s []T) []T { return s }

// hugeHeap is a no-op where transparent huge pages are not asked for.
func hugeHeap([]byte) {}

// EmptyStrings returns n empty strings.
func EmptyStrings(n int) []string { return make([]string, n) }
