package clickhouse

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Table is how to read spoor's event model from a table: SQL expressions
// for the person, the time and the event of a row, and for a property. A
// compiler builds its queries from these and never names a column itself,
// so the same compiled analysis runs on every layout.
type Table struct {
	Source *Source
	// From is the table to read, quoted: `db`.`t` (for a pushed cluster
	// table, the Distributed table).
	From string
	// Person is the stitched person (String); DistinctID the id the event
	// arrived with (String); Time epoch milliseconds (Int64); Event the
	// event name (String).
	Person, DistinctID, Time, Event string
	// Tiebreak orders a person's events at one time as the local engine
	// does (its import order); empty when the table has no such column.
	Tiebreak string
	// Order is SQL for a number that is the same on every event of a
	// person and orders persons as the local engine lists them (by the
	// local database's id of the stitched user, its import order); empty
	// when the table has none: user lists then come in person order
	// (distinct id, byte-wise).
	Order string
	// Where keeps the rows that are events (a NULL time or user is not);
	// "1" when every row is.
	Where string
	// Columns are the table's columns and their ClickHouse types.
	Columns []Column
	// ShardedByPerson is true when From is a Distributed table whose shards
	// each hold all of a person's events (what push writes with a cluster),
	// so per-person work may run on each shard alone (Local, Cluster).
	ShardedByPerson bool
	Local, Cluster  string
	// Distributed is true when From is a Distributed table.
	Distributed bool
	// Virtual are properties computed from other columns, by key: the SQL
	// of the value and of whether it is set (a --by segment:NAME label).
	Virtual map[string][2]string
	// Key, when set, is the table's facts key (package chquery), read at
	// KeyRead by chquery.Describe, just before its columns were taken
	// from chquery's cache of them or read.
	Key     string
	KeyRead time.Time
	// Hosts are the hosts of a sharded table's cluster when
	// chquery.Describe read them, in the query of its definition; nil
	// when they were not read.
	Hosts []HostAddr
	// props are the property columns by key: every column but the user,
	// event and time of schema "columns"; the p_ columns of push's layout
	// (none on a table made by an older spoor, without PropKeysComment:
	// its properties are all in the arrays).
	props map[string]Column
}

// Column is a table column.
type Column struct{ Name, Type, Comment string }

// PropColumn returns the column that holds property key, if one does.
func (t *Table) PropColumn(key string) (Column, bool) {
	c, ok := t.props[key]
	return c, ok
}

// PropColumnKeys lists, sorted, the keys of the properties that are
// columns: the table's other columns (schema "columns"), push's p_
// columns.
func (t *Table) PropColumnKeys() []string {
	return slices.Sorted(maps.Keys(t.props))
}

// Prop returns SQL for the text of property key on a row, as the local
// engine compares it (strings unquoted; numbers, true/false, null and
// nested JSON as written), and SQL that is 1 where the row has the key.
func (t *Table) Prop(key string) (value, present string) {
	if v, ok := t.Virtual[key]; ok {
		return v[0], v[1]
	}
	c, ok := t.props[key]
	switch {
	case t.Source.Schema == "spoor" && !ok:
		// Not a column of its own (push's layout): in the arrays.
		idx := "indexOf(prop_keys, " + String(key) + ")"
		return "prop_values[" + idx + "]", "(" + idx + " > 0)"
	case t.Source.Schema == "posthog":
		// visitParam functions find "key": in the JSON text (the key as it
		// is written there, escapes included). PostHog writes a space after
		// the colon, which visitParamExtractString does not skip, so the
		// raw value is trimmed and a string is decoded from a JSON object
		// rebuilt around it.
		k, _ := json.Marshal(key)
		needle := String(string(k[1 : len(k)-1]))
		raw := "replaceRegexpOne(visitParamExtractRaw(properties, " + needle + "), '^\\\\s+', '')"
		value = "if(startsWith(" + raw + ", '\"'), visitParamExtractString(concat('{\"v\":', " + raw + ", '}'), 'v'), " + raw + ")"
		return value, "visitParamHas(properties, " + needle + ")"
	}
	switch {
	case !ok:
		return "''", "0"
	case strings.HasPrefix(c.Type, "Nullable("):
		return "ifNull(toString(" + Ident(c.Name) + "), '')", "isNotNull(" + Ident(c.Name) + ")"
	case c.Type == "String":
		return Ident(c.Name), "1"
	}
	return "toString(" + Ident(c.Name) + ")", "1"
}

// PropKeys returns SQL for the array of a row's property keys.
func (t *Table) PropKeys() string {
	switch t.Source.Schema {
	case "spoor":
		if len(t.props) == 0 {
			return "prop_keys"
		}
	case "posthog":
		// Every "key": in the JSON text: nested objects' keys are listed
		// too (18.16 has no JSON parser that lists only the top level).
		// Inside a JSON string every quote is escaped, so no value is
		// taken for a key.
		return `extractAll(properties, '"((?:[^"\\\\]|\\\\.)*)"\\s*:')`
	}
	names := t.PropColumnKeys()
	if len(names) == 0 {
		return "emptyArrayString()"
	}
	// A column's key is listed where the row has a value; push's layout
	// has the other keys in prop_keys.
	var parts []string
	if t.Source.Schema == "spoor" {
		parts = append(parts, "prop_keys")
	}
	for _, n := range names {
		_, present := t.Prop(n)
		parts = append(parts, "if("+present+", ["+String(n)+"], emptyArrayString())")
	}
	return "arrayConcat(" + strings.Join(parts, ", ") + ")"
}

// Describe reads the table's columns and checks it has what its schema
// needs, explaining a missing table or column.
func Describe(ctx context.Context, c *Client) (*Table, error) {
	cols, engine, err := columns(ctx, c, c.Source().Table)
	if err != nil {
		return nil, err
	}
	return TableOf(c.Source(), c.Addr(), cols, engine)
}

// TableOf is Describe's table for a source whose table, on the server at
// addr, has the columns cols and the engine engine (as Describe reads
// them, or a cache of what it read: package chquery).
func TableOf(s *Source, addr string, cols []Column, engine string) (*Table, error) {
	t := &Table{Source: s, From: Ident(s.Database) + "." + Ident(s.Table), Where: "1"}
	var err error
	has := map[string]string{}
	for _, col := range cols {
		has[col.Name] = col.Type
	}
	t.Columns = cols
	t.Distributed = strings.HasPrefix(engine, "Distributed")
	need := func(names ...string) error {
		var missing []string
		for _, n := range names {
			if _, ok := has[n]; !ok {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		var present []string
		for _, col := range cols {
			present = append(present, col.Name)
		}
		return i18n.Errorf("table %s.%s at %s has no column %s that %s has (its columns: %s)", s.Database, s.Table, addr, strings.Join(missing, i18n.T(", ")), schemaTable(s), strings.Join(present, i18n.T(", ")))
	}
	switch s.Schema {
	case "spoor":
		if err := need("person", "distinct_id", "time", "event", "prop_keys", "prop_values", "id"); err != nil {
			return nil, err
		}
		t.Person, t.DistinctID, t.Time, t.Event, t.Tiebreak = "person", "distinct_id", "time", "event", "id"
		if _, ok := has["person_order"]; ok {
			t.Order = "person_order"
		}
		for _, col := range cols {
			if col.Name == "prop_keys" && col.Comment == PropKeysComment {
				t.props = map[string]Column{}
			}
		}
		for _, col := range cols {
			if t.props != nil && strings.HasPrefix(col.Name, "p_") {
				t.props[col.Comment] = col
			}
		}
		if strings.HasPrefix(engine, "Distributed") && s.Cluster != "" {
			t.ShardedByPerson = true
			t.Local = Ident(s.Database) + "." + Ident(s.Table+LocalSuffix)
			t.Cluster = s.Cluster
		}
	case "posthog":
		if err := need("event", "distinct_id", "timestamp", "properties"); err != nil {
			return nil, err
		}
		t.DistinctID, t.Event = "distinct_id", "event"
		if t.Time, err = timeExpr("timestamp", has["timestamp"]); err != nil {
			return nil, err
		}
		switch strings.TrimSuffix(strings.TrimPrefix(has["person_id"], "Nullable("), ")") {
		case "":
			t.Person = "distinct_id"
		case "UUID":
			t.Person = "if(ifNull(person_id, toUUID('00000000-0000-0000-0000-000000000000')) = toUUID('00000000-0000-0000-0000-000000000000'), distinct_id, toString(person_id))"
		default:
			t.Person = "if(ifNull(toString(person_id), '') = '', distinct_id, toString(person_id))"
		}
		if _, ok := has["uuid"]; ok {
			t.Tiebreak = "uuid"
		}
	case "columns":
		if err := need(s.UserCol, s.EventCol, s.TimeCol); err != nil {
			return nil, err
		}
		user := "ifNull(toString(" + Ident(s.UserCol) + "), '')"
		t.Person, t.DistinctID = user, user
		t.Event = "ifNull(toString(" + Ident(s.EventCol) + "), '')"
		if t.Time, err = timeExpr(s.TimeCol, has[s.TimeCol]); err != nil {
			return nil, err
		}
		var where []string
		for _, col := range []string{s.UserCol, s.TimeCol} {
			if strings.HasPrefix(has[col], "Nullable(") {
				where = append(where, "isNotNull("+Ident(col)+")")
			}
		}
		if len(where) > 0 {
			t.Where = strings.Join(where, " AND ")
		}
		t.props = map[string]Column{}
		for _, col := range cols {
			if col.Name != s.UserCol && col.Name != s.EventCol && col.Name != s.TimeCol {
				t.props[col.Name] = col
			}
		}
	}
	return t, nil
}

// LocalSuffix names the table on each shard under push's Distributed table.
const LocalSuffix = "_local"

// schemaTable names the kind of table the source's schema reads.
func schemaTable(s *Source) string {
	switch s.Schema {
	case "spoor":
		return i18n.T("a spoor push table")
	case "posthog":
		return i18n.T("a PostHog events table")
	}
	return i18n.T("a %s table", "user="+s.UserCol+"&event="+s.EventCol+"&time="+s.TimeCol)
}

// timeExpr is SQL for a time column as epoch milliseconds.
func timeExpr(col, typ string) (string, error) {
	base := strings.TrimSuffix(strings.TrimPrefix(typ, "Nullable("), ")")
	q := Ident(col)
	if strings.HasPrefix(typ, "Nullable(") {
		q = "assumeNotNull(" + q + ")"
	}
	switch {
	case base == "Date":
		return "toInt64(toUInt16(" + q + ")) * 86400000", nil
	case base == "DateTime" || strings.HasPrefix(base, "DateTime("):
		return "toInt64(toUInt32(" + q + ")) * 1000", nil
	case strings.HasPrefix(base, "DateTime64("):
		// Only servers newer than 18.16 have DateTime64, and with it this.
		return "toUnixTimestamp64Milli(" + q + ")", nil
	case strings.HasPrefix(base, "Int") || strings.HasPrefix(base, "UInt"):
		return "toInt64(" + q + ")", nil
	}
	return "", i18n.Errorf("the time column %s is %s: spoor reads a DateTime, Date, DateTime64 or an integer of epoch milliseconds", col, typ)
}

// columns reads a table's columns (with their comments) and engine in one
// query, explaining a missing table. system.columns lists a table's columns
// in their order (18.16 has no position column to sort by).
func columns(ctx context.Context, c *Client, table string) ([]Column, string, error) {
	s := c.Source()
	db, name := String(s.Database), String(table)
	r, err := c.Query(ctx, "SELECT name, type, comment, (SELECT any(engine) FROM system.tables WHERE database = "+db+" AND name = "+name+") FROM system.columns WHERE database = "+db+" AND table = "+name)
	if IsCode(err, CodeUnknownDatabase) || err == nil && len(r.Rows) == 0 {
		return nil, "", missingTable(ctx, c, table)
	}
	if err != nil {
		return nil, "", err
	}
	var cols []Column
	for _, row := range r.Rows {
		cols = append(cols, Column{row[0], row[1], row[2]})
	}
	return cols, r.Rows[0][3], nil
}

// missingTable explains why a table is not there: no database, or no table.
func missingTable(ctx context.Context, c *Client, table string) error {
	s := c.Source()
	hint := i18n.T("check the name")
	if s.Schema == "spoor" {
		hint = i18n.T("copy a local database there with: %s", "spoor push --db FILE --to '"+s.String()+"'")
	}
	// In "system": the source's database may be the one missing.
	r, err := c.InDatabase("system").Query(ctx, "SELECT count() FROM system.databases WHERE name = "+String(s.Database))
	if err == nil && len(r.Rows) == 1 && r.Rows[0][0] == "0" {
		return i18n.Errorf("ClickHouse at %s has no database %s (%s)", c.Addr(), s.Database, hint)
	}
	return i18n.Errorf("ClickHouse at %s has no table %s.%s (%s)", c.Addr(), s.Database, table, hint)
}
