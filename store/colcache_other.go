//go:build !linux

package store

import (
	"context"
	"database/sql"
)

// columnCacheMin: see colcache_linux.go; here nothing is cached.
var columnCacheMin = smallLoad

func columnKey(context.Context, *sql.Tx, *DB, int64, int64) (string, [32]byte, bool) {
	return "", [32]byte{}, false
}

type columnMap struct{}

func (c *columnMap) warm(string) {}

func (c *columnMap) dropWarm() {}

func (db *DB) cachedColumns(string, [32]byte) *Ordered { return nil }

func keepColumns(string, [32]byte, *Ordered) {}

func (db *DB) cachedProp(string, [32]byte, string) *PropColumn { return nil }

func keepProp(string, [32]byte, string, *PropColumn) {}
