//go:build !linux

package store

// hugePages is a no-op where transparent huge pages are not asked for.
func hugePages[T any](s []T) []T { return s }
