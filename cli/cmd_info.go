package cli

import (
	"strconv"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
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

func (i Info) Tables() []output.Table {
	return []output.Table{{Columns: []string{i18n.T("key"), i18n.T("value")}, Rows: [][]string{
		{i18n.T("database"), i.Database},
		{i18n.T("events (count)"), strconv.Itoa(i.Events)},
		{i18n.T("users"), strconv.Itoa(i.Users)},
		{i18n.T("event names"), strconv.Itoa(i.EventNames)},
		{i18n.T("first seen"), i.FirstSeen},
		{i18n.T("last seen"), i.LastSeen},
		{i18n.T("timezone"), i.Timezone},
	}}}
}

// Summarize describes a loaded dataset.
func Summarize(path string, d *query.Dataset) Info {
	info := Info{Database: path, Events: d.Len(), Users: len(d.Users), EventNames: len(d.Names), Timezone: d.Loc.String()}
	if d.Len() > 0 {
		info.FirstSeen = time.UnixMilli(d.MinTime).In(d.Loc).Format(time.RFC3339)
		info.LastSeen = time.UnixMilli(d.MaxTime).In(d.Loc).Format(time.RFC3339)
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
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	return emit(env, *format, Summarize(db.Path, d))
}
