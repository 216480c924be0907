package importers

import (
	"encoding/json"
	"strings"
)

// Vendor exports that come as CSV are read as objects and mapped like the
// vendor's JSON, so they stitch identities and de-duplicate by insert id
// the same way: PostHog's "export all columns" CSV (columns *.event,
// *.properties.$current_url, person.properties.email), PostHog's
// ClickHouse rows (CSVWithNames, properties as JSON text), and
// mixpanel-utils' export_events(format='csv') (event, then every property
// in sorted order).

// csvLayout recognises a vendor CSV from its header, with a phrase saying
// which export it is.
func csvLayout(names []string) (layout, shape string) {
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	switch {
	case has["*.event"] && has["*.distinct_id"] && has["*.timestamp"]:
		return "posthog", "PostHog events CSV export (columns *.field and person.field)"
	case has["event"] && has["distinct_id"] && has["timestamp"] && (has["uuid"] || has["properties"]):
		return "posthog", "PostHog event rows as CSV (ClickHouse CSVWithNames)"
	case has["event"] && has["distinct_id"] && has["time"] && (has["$insert_id"] || has["$device_id"] || has["$user_id"] || has["mp_processing_time_ms"] || has["$mp_api_endpoint"]):
		return "mixpanel", "Mixpanel events CSV (mixpanel-utils: event, then the properties)"
	}
	return "", ""
}

// csvObjects turns the rows of a vendor CSV into the objects of that
// vendor's JSON export.
type csvObjects struct {
	c      *csvReader
	layout string
	dup    []bool // PostHog: a plain column repeating a *. column (event, timestamp)
}

func newCSVObjects(c *csvReader, layout string) *csvObjects {
	o := &csvObjects{c: c, layout: layout, dup: make([]bool, len(c.names))}
	has := map[string]bool{}
	for _, n := range c.names {
		has[n] = true
	}
	for i, n := range c.names {
		o.dup[i] = has["*."+n]
	}
	return o
}

func (o *csvObjects) close() {}

func (o *csvObjects) object() (map[string]any, int64, []byte, error) {
	rec, line, err := o.c.record()
	if err != nil {
		return nil, line, nil, err
	}
	raw := []byte(o.c.join(rec))
	if o.layout == "mixpanel" {
		props := map[string]any{}
		m := map[string]any{"properties": props}
		for i, n := range o.c.names {
			switch {
			case rec[i] == "":
				// mixpanel-utils writes an absent property as an empty cell.
			case n == "event":
				m["event"] = rec[i]
			default:
				props[n] = csvCell(rec[i])
			}
		}
		return m, line, raw, nil
	}
	m := map[string]any{}
	props := map[string]any{}
	person := map[string]any{}
	for i, n := range o.c.names {
		v := rec[i]
		switch {
		case v == "" || o.dup[i]:
		case strings.HasPrefix(n, "*.properties."):
			props[n[len("*.properties."):]] = csvCell(v)
		case strings.HasPrefix(n, "*."):
			m[n[2:]] = csvCell(v)
		case strings.HasPrefix(n, "person.properties."):
			person[n[len("person.properties."):]] = csvCell(v)
		case n == "person.id" || n == "person.uuid":
			m["person_id"] = v
		case strings.HasPrefix(n, "person."):
			m["person_"+n[len("person."):]] = csvCell(v)
		case n == "properties" || n == "person_properties":
			m[n] = v // JSON text, unpacked by the PostHog mapping
		default:
			m[n] = csvCell(v)
		}
	}
	if len(props) > 0 {
		m["properties"] = props
	}
	if len(person) > 0 {
		m["person_properties"] = person
	}
	return m, line, raw, nil
}

// csvCell is a vendor CSV cell as the JSON value it was written from: ids
// and times stay text (the mapping parses them), plain numbers become
// numbers, and lists and objects written as JSON text become JSON again
// (mixpanel-utils json.dumps them), so they store as in the JSON export.
func csvCell(s string) any {
	if t := strings.TrimSpace(s); len(t) > 1 && (t[0] == '[' && t[len(t)-1] == ']' || t[0] == '{' && t[len(t)-1] == '}') {
		d := json.NewDecoder(strings.NewReader(t))
		d.UseNumber()
		var v any
		if d.Decode(&v) == nil && !d.More() {
			return v
		}
	}
	switch s {
	case "true", "True":
		return true
	case "false", "False":
		return false
	}
	return cellValue(s)
}
