package tui

import (
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// loadedMsg ends the background load of the database.
type loadedMsg struct {
	db     *store.DB
	d      *query.Dataset
	source string
	events []named
	funnel []string
	picks  picks
	props  []named // property keys, most frequent first
	// propsErr: the property keys could not be read (the data could).
	propsErr error
	// remote is set, and db and d are nil, when the data is a ClickHouse table.
	remote *remote
	// lang is the interface language remembered in the database, "" for none.
	lang i18n.Lang
	ms   int64
	err  error
}

// resultMsg carries one analysis run back; seq tells stale runs apart.
type resultMsg struct {
	tab int
	seq int
	key string // the query it answers (runKey)
	res result
	ms  int64
	err error
}

// rangePickedMsg applies a date range choice (it may open a prompt).
type rangePickedMsg struct {
	c     *query.Common
	value string
}

// dialogMsg opens a dialog that follows another (a picker's "other…").
type dialogMsg struct{ d dialog }

// selectMsg selects item of the active tab's result (a row found with /).
type selectMsg struct{ item int }

// statusMsg puts a line in the footer; err marks it as an error.
type statusMsg struct {
	text string
	err  bool
}

// pageMsg opens a page (users list, timeline, saved analyses) over the tab.
type pageMsg struct{ p page }

// openSpecMsg replaces a tab's query with a saved one.
type openSpecMsg struct {
	kind string
	raw  []byte
	path string
}
