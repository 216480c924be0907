package cli

import (
	"strconv"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("info", i18n.N("summary of the database: events, users, names, time span"), runInfo)
}

// Info is the JSON shape of spoor info.
type Info struct {
	Database   string `json:"database"`
	Events     int    `json:"events"`
	Users      int    `json:"users"`
	EventNames int    `json:"event_names"`
	FirstSeen  string `json:"first_seen"`
	LastSeen   string `json:"last_seen"`
	Timezone   string `json:"timezone"`
}

func (i Info) Tables(l i18n.Lang) []output.Table {
	return []output.Table{{Columns: []string{l.T("key"), l.T("value")}, Rows: [][]string{
		{l.T("database"), i.Database},
		{l.T("events (count)"), strconv.Itoa(i.Events)},
		{l.T("users"), strconv.Itoa(i.Users)},
		{l.T("event names"), strconv.Itoa(i.EventNames)},
		{l.T("first seen"), i.FirstSeen},
		{l.T("last seen"), i.LastSeen},
		{l.T("timezone"), i.Timezone},
	}}}
}

// Summarize describes a database from its summary, in the timezone loc.
func Summarize(path string, s store.Summary, loc *time.Location) Info {
	info := Info{Database: path, Events: s.Events, Users: s.Persons, EventNames: s.Names, Timezone: loc.String()}
	if s.Events > 0 {
		info.FirstSeen = time.UnixMilli(s.MinTime).In(loc).Format(time.RFC3339)
		info.LastSeen = time.UnixMilli(s.MaxTime).In(loc).Format(time.RFC3339)
	}
	return info
}

func runInfo(env *Env, args []string) error {
	fs := newFlags(env, "info", "[--db PATH] [--format F]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if src, err := chSource(*dbPath); err != nil || src != nil {
		if err != nil {
			return err
		}
		info, err := chInfo(env, src)
		if err != nil {
			return err
		}
		return emit(env, *format, info)
	}
	// The counts and time span only: no events kept in memory (issue 19:
	// info took as long as an analysis, 4.4 s at 100M events).
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	env.mark("opened")
	s, err := db.Summarize(env.Ctx)
	if err != nil {
		return i18n.Errorf("load events: %w", err)
	}
	loc, err := db.Timezone(env.Ctx)
	if err != nil {
		return err
	}
	return emit(env, *format, Summarize(db.Path, s, loc))
}
