package importers

import (
	"fmt"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// Common names of the user, event and time columns, most specific first.
// Names are compared normalised: lower case, without _ - . and spaces, so
// userId, user_id and "User ID" are one name.
var (
	userNames  = []string{"userid", "distinctid", "uid", "visitorid", "fullvisitorid", "user", "customerid", "personid", "memberid", "accountid", "clientid", "userpseudoid", "anonymousid", "deviceid"}
	eventNames = []string{"event", "eventname", "eventtype", "action", "behaviortype", "behaviourtype", "behavior", "behaviour", "eventaction", "activity"}
	timeNames  = []string{"time", "timestamp", "eventtime", "ts", "createdat", "datetime", "eventtimestamp", "occurredat", "eventdate", "date", "sentat", "receivedat", "timestamputc", "eventtimeutc", "clienttime", "servertime"}
)

func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', ' ':
			return -1
		}
		return r
	}, s)
}

// columnMap says which fields are the user, the event and the time.
type columnMap struct {
	user, event, time string // field names as in the file
	constEvent        string // --event =NAME
}

// pickColumns resolves --user/--event/--time against the fields, guessing
// the ones not given. A column named explicitly must exist in a table; a
// JSON field (open) need not be in the first object, which may lack it.
func pickColumns(fields []string, open bool, userFlag, eventFlag, timeFlag string) (columnMap, error) {
	var m columnMap
	find := func(flag, name string) (string, error) {
		for _, f := range fields {
			if f == name {
				return f, nil
			}
		}
		for _, f := range fields {
			if strings.EqualFold(f, name) || normName(f) == normName(name) {
				return f, nil
			}
		}
		if open {
			return name, nil
		}
		return "", i18n.Errorf("--%s %s: no such column; the columns are %s", flag, name, listFields(fields))
	}
	taken := map[string]bool{}
	guess := func(cands []string) string {
		for _, c := range cands {
			for _, f := range fields {
				if !taken[f] && normName(f) == c {
					return f
				}
			}
		}
		return ""
	}
	var err error
	if strings.HasPrefix(eventFlag, "=") {
		m.constEvent = eventFlag[1:]
		if m.constEvent == "" {
			return m, i18n.Errorf("--event =NAME needs a name after =")
		}
	} else if eventFlag != "" {
		if m.event, err = find("event", eventFlag); err != nil {
			return m, err
		}
	}
	if userFlag != "" {
		if m.user, err = find("user", userFlag); err != nil {
			return m, err
		}
	}
	if timeFlag != "" {
		if m.time, err = find("time", timeFlag); err != nil {
			return m, err
		}
	}
	taken[m.user], taken[m.event], taken[m.time] = true, true, true
	// Guess time before event so event_time is never taken as the event.
	if m.user == "" {
		m.user = guess(userNames)
		taken[m.user] = true
	}
	if m.time == "" {
		m.time = guess(timeNames)
		taken[m.time] = true
	}
	if m.event == "" && m.constEvent == "" {
		m.event = guess(eventNames)
	}
	var miss []string
	if m.user == "" {
		miss = append(miss, "user")
	}
	if m.event == "" && m.constEvent == "" {
		miss = append(miss, "event")
	}
	if m.time == "" {
		miss = append(miss, "time")
	}
	if len(miss) > 0 {
		return m, &notEventsError{msg: i18n.T("not an event table: expected user, event and time columns (e.g. user_id, event, timestamp); found no %s column among %s; name them with --user COL, --event COL (or --event =NAME for one name) and --time COL",
			strings.Join(miss, " or "), listFields(fields))}
	}
	return m, nil
}

func (m columnMap) String() string {
	ev := m.event
	if m.constEvent != "" {
		ev = "=" + m.constEvent + " (constant)"
	}
	return fmt.Sprintf("user <- %s, event <- %s, time <- %s", m.user, ev, m.time)
}

func listFields(fields []string) string {
	const max = 12
	var b strings.Builder
	for i, f := range fields {
		if i == max {
			fmt.Fprintf(&b, ", … (%d in all)", len(fields))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(fmt.Sprintf("%q", f))
	}
	if len(fields) == 0 {
		return "(none)"
	}
	return b.String()
}

// notEventsError is a file that is not an event table at all; the import
// refuses it whole and leaves the database unchanged.
type notEventsError struct {
	msg  string
	kind int // notEventsBinary, notEventsNoObjects: what a caller tells apart
}

const (
	notEventsBinary = 1 + iota
	notEventsNoObjects
)

func (e *notEventsError) Error() string { return e.msg }
