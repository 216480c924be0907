//go:build !linux

package store

import (
	"context"
	"database/sql"
)

// columnCacheMin: see colcache_linux.go; here nothing is cached.
var columnCacheMin = smallLoad

var columnCacheDir = func() string { return "" }

func columnKey(context.Context, *sql.Tx, *DB, int64, int64, foldState) (cacheID, bool) {
	return cacheID{}, false
}

type columnMap struct{}

func (c *columnMap) warm(string) {}

func (c *columnMap) dropWarm() {}

func (db *DB) cachedColumns(string, [32]byte) *Ordered { return nil }

func keepColumns(string, [32]byte, *Ordered) {}

func (db *DB) cachedProp(cacheID, string) *PropColumn { return nil }

func keepProp(cacheID, string, *PropColumn) {}

func (db *DB) columnReader() (func(dst, src []byte), func()) {
	return func(dst, src []byte) { copy(dst, src) }, func() {}
}
