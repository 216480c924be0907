package segment

import "github.com/spoorhq/spoor/query"

// Node is a parsed expression: And, Or, Not or one of the terms below.
type Node interface{ node() }

// And holds when every term holds.
type And struct{ Terms []Node }

// Or holds when any term holds.
type Or struct{ Terms []Node }

// Not holds when X does not.
type Not struct{ X Node }

// EventMatch is an event name with conditions on the event's properties.
type EventMatch struct {
	Name  string
	Where []query.Filter
}

// Rel is a relative window: N units of d, w (calendar days) or h, m
// (a duration before the last event).
type Rel struct {
	N    int
	Unit byte
}

// Window limits when events count. Zero value: all time.
type Window struct {
	Rel      Rel    // set when Rel.N > 0
	From, To string // between From and To (YYYY-MM-DD, inclusive)
}

// Did counts events: did EVENT [where ...] [OP N] [window].
type Did struct {
	Text  string
	Event EventMatch
	Cmp   string // >= <= = > <
	N     int
	Win   Window
}

// Seen compares the user's first or last event time.
type Seen struct {
	Text string
	Last bool   // last_seen; else first_seen
	Op   string // before, after, within, between
	Date string // before/after/between start
	To   string // between end
	Rel  Rel    // within
}

// UserProp tests the latest value of a property on the user's events.
type UserProp struct {
	Text   string
	Filter query.Filter
}

// Seq is did A then [not] B [within W] [in window].
type Seq struct {
	Text   string
	A, B   EventMatch
	Absent bool  // then not
	Within int64 // ms; 0 means any time after
	Win    Window
}

// Streak is streak EVENT [by PROP] >= N days [without EVENT].
type Streak struct {
	Text    string
	Event   EventMatch
	By      string
	Days    int
	Without string
}

// Active is "active in W"; Silent is "silent for W".
type Active struct {
	Text   string
	Rel    Rel
	Silent bool
}

func (And) node()      {}
func (Or) node()       {}
func (Not) node()      {}
func (Did) node()      {}
func (Seen) node()     {}
func (UserProp) node() {}
func (Seq) node()      {}
func (Streak) node()   {}
func (Active) node()   {}
