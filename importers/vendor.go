package importers

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// objectReader turns JSON objects into rows with one mapping function per
// layout: a vendor export, or a generic object whose user/event/time
// fields are guessed like table columns.
type objectReader struct {
	src    jsonObjects
	layout string
	mapFn  func(m map[string]any, r *row) error
	tp     *TimeParser
	cols   columnMap // generic layout only
	keys   keyCache
	shape  string // how the records were found, when not plain JSON (a page, a CSV)
	// Vendor fields that hold a JSON object as text (PostHog's ClickHouse
	// rows): the parser that unpacks them, and counts for --dry-run.
	inner    jsonParser
	unpacked map[string]int64 // field -> rows whose text was unpacked
	kept     map[string]int64 // field -> rows whose text is not an object, kept whole
}

// vendorFields documents, for --dry-run, where each layout takes its fields.
var vendorFields = map[string]string{
	"mixpanel":  "Mixpanel export: event <- event, user <- properties.distinct_id, time <- properties.time, insert id <- properties.$insert_id; identities from $identify ($anon_distinct_id or $anon_id -> $identified_id) and $device_id+$user_id",
	"amplitude": "Amplitude export: event <- event_type, user <- user_id (else device_id), time <- event_time, insert id <- insert_id, event_properties unpacked; identities from device_id+user_id and amplitude_id",
	"posthog":   "PostHog export: event <- event, user <- distinct_id, time <- timestamp, insert id <- uuid (API pages: id), properties and person_properties unpacked; identities from $anon_distinct_id, person_id and (API pages) person.distinct_ids",
	"segment":   "Segment: event <- event (page/screen calls by their type), user <- userId (else anonymousId), time <- timestamp, insert id <- messageId, properties unpacked; identities from anonymousId+userId and identify calls",
	"ga4":       "GA4 BigQuery export: event <- event_name, user <- user_id (else user_pseudo_id), time <- event_timestamp (µs), event_params unpacked; identities from user_pseudo_id+user_id",
}

// detectLayout recognises a vendor export from the fields of its first
// object (docs/semantics.md#import).
func detectLayout(m map[string]any) string {
	props, _ := m["properties"].(map[string]any)
	switch {
	case has(m, "event_name") && has(m, "event_timestamp"):
		return "ga4"
	case has(m, "event_type") && (has(m, "user_id") || has(m, "device_id")) && has(m, "event_time"):
		return "amplitude"
	case has(m, "event") && props != nil && (has(props, "distinct_id") || has(props, "time") || has(props, "$identified_id")) && !has(m, "distinct_id") && !has(m, "timestamp"):
		return "mixpanel"
	case has(m, "event") && has(m, "distinct_id"):
		return "posthog"
	case (has(m, "userId") || has(m, "anonymousId")) && (has(m, "event") || has(m, "type")):
		return "segment"
	}
	return "json"
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// firstPresent returns the first of keys that m holds with a non-null
// value, else the first key.
func firstPresent(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return k
		}
	}
	return keys[0]
}

func newObjectReader(src jsonObjects, layout string, tp *TimeParser, cm func([]string) (columnMap, error)) (*objectReader, error) {
	o := &objectReader{src: src, tp: tp, keys: keyCache{}, inner: newJSONParser(), unpacked: map[string]int64{}, kept: map[string]int64{}}
	// Peek at the first object (skipping leading broken lines) to detect
	// the layout; it is replayed as the first row. A vendor CSV's layout is
	// known from its header, and its rows go as they come (an empty or
	// all-rejected file is then worded as a table's).
	var first map[string]any
	var firstLine int64
	var firstRaw []byte
	var early []*rejectError // broken records before the first object, replayed as rejects
	if _, isCSV := src.(*csvObjects); !isCSV {
		var firstBad *rejectError
		for {
			m, line, raw, err := src.object()
			if err == io.EOF && firstBad == nil {
				return nil, &notEventsError{msg: i18n.T("no JSON objects: expected one event object per line or an array of event objects, found none"), kind: notEventsNoObjects}
			}
			if err == io.EOF || firstBad != nil && line > 1000 {
				return nil, &notEventsError{msg: i18n.T("no valid JSON object (first problem at line %d: %s): expected JSON Lines or a JSON array of event objects", firstBad.line, firstBad)}
			}
			if re, ok := err.(*rejectError); ok {
				if firstBad == nil {
					firstBad = re
				}
				early = append(early, re)
				continue
			}
			if err != nil {
				return nil, err
			}
			first, firstLine, firstRaw = m, line, raw
			break
		}
		if layout == "jsonl" || layout == "json" {
			layout = detectLayout(first)
		}
	}
	o.layout = layout
	switch layout {
	case "mixpanel":
		o.mapFn = o.mixpanel
	case "amplitude":
		o.mapFn = o.amplitude
	case "posthog":
		o.mapFn = o.posthog
	case "segment":
		o.mapFn = o.segment
	case "ga4":
		o.mapFn = o.ga4
	default:
		o.layout = "json"
		keys := make([]string, 0, len(first))
		for _, p := range flattenRecord(nil, nil, first) {
			keys = append(keys, p.Key)
		}
		sort.Strings(keys)
		var err error
		if o.cols, err = cm(keys); err != nil {
			return nil, err
		}
		o.mapFn = o.generic
	}
	if first != nil {
		// The first object was read before the mapping existed; restart
		// so next() maps it like every other.
		o.src = &replay{early: early, first: first, line: firstLine, raw: firstRaw, rest: src}
	}
	return o, nil
}

// replay yields the records already read (rejects, then one object), then
// the rest of the stream.
type replay struct {
	early []*rejectError
	first map[string]any
	line  int64
	raw   []byte
	rest  jsonObjects
}

func (p *replay) close() { p.rest.close() }

func (p *replay) object() (map[string]any, int64, []byte, error) {
	if len(p.early) > 0 {
		re := p.early[0]
		p.early = p.early[1:]
		return nil, re.line, nil, re
	}
	if p.first != nil {
		m := p.first
		p.first = nil
		return m, p.line, p.raw, nil
	}
	return p.rest.object()
}

func (o *objectReader) close() { o.src.close() }

func (o *objectReader) describe() string {
	d, ok := vendorFields[o.layout]
	if !ok {
		d = "JSON objects; nested fields flattened with dots; " + o.cols.String() + "; other fields become properties"
	}
	if o.shape != "" {
		d = o.shape + "; " + d
	}
	// What the rows read so far held (--dry-run describes the file after
	// reading it): text fields unpacked, or kept because they were not
	// JSON objects.
	for _, f := range sortedKeys(o.unpacked) {
		d += fmt.Sprintf("; %s given as JSON text in %d rows: unpacked", f, o.unpacked[f])
	}
	for _, f := range sortedKeys(o.kept) {
		d += fmt.Sprintf("; %s in %d rows is text that is not a JSON object: kept whole as property %q", f, o.kept[f], f)
	}
	return d
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// object returns m[key] as an object: PostHog's ClickHouse rows hold
// properties as JSON text, unpacked here like a nested object (and put
// back into m, so the field flattens like one). Text that is not a JSON
// object stays as it is, counted for --dry-run.
func (o *objectReader) object(m map[string]any, key string) map[string]any {
	switch v := m[key].(type) {
	case map[string]any:
		return v
	case string:
		if t := strings.TrimSpace(v); strings.HasPrefix(t, "{") {
			if obj, err := o.inner.parse([]byte(t)); err == nil {
				o.unpacked[key]++
				m[key] = obj
				return obj
			}
		}
		if strings.TrimSpace(v) != "" {
			o.kept[key]++
		}
	}
	return nil
}

func (o *objectReader) next(r *row) error {
	m, line, raw, err := o.src.object()
	r.reset(line)
	if err != nil {
		return err
	}
	if err := o.mapFn(m, r); err != nil {
		if re, ok := err.(*rejectError); ok {
			re.line = line
			if re.raw == "" {
				re.raw = clipRaw(raw)
			}
		}
		return err
	}
	// The parser refuses long strings and numbers; an array kept as JSON
	// text can still come out longer.
	if what, n := longField(r); n > 0 {
		return tooLongReject(line, clipRaw(raw), what, n)
	}
	return nil
}

// setCore fills user, event and time, rejecting what is missing.
func (o *objectReader) setCore(r *row, user, name, ts any, userField, eventField, timeField string) error {
	u, ok := idString(user)
	if !ok {
		return &rejectError{reason: ReasonNoUser, detail: "no " + userField}
	}
	n, ok := idString(name)
	if s, isStr := name.(string); isStr {
		// Only a user id can be a placeholder like NA; an event is named
		// whatever it is named, unless blank.
		n, ok = strings.TrimSpace(s), strings.TrimSpace(s) != ""
	}
	if !ok {
		return &rejectError{reason: ReasonNoEvent, detail: "no " + eventField}
	}
	var tstr string
	switch t := ts.(type) {
	case string:
		tstr = t
	case json.Number:
		tstr = string(t)
	case nil:
		return &rejectError{reason: ReasonNoTime, detail: "no " + timeField}
	default:
		return &rejectError{reason: ReasonBadTime, detail: fmt.Sprintf("%s is %v", timeField, t)}
	}
	ms, err := o.tp.Parse(tstr)
	if err != nil {
		return timeReject(err, 0, "", tstr)
	}
	r.ev.User, r.ev.Name, r.ev.Time = u, n, ms
	return nil
}

// rest flattens every field of m not in skip into properties.
func rest(dst []store.Prop, kc keyCache, m map[string]any, skip ...string) []store.Prop {
outer:
	for k, v := range m {
		for _, s := range skip {
			if k == s {
				continue outer
			}
		}
		dst = flatten(dst, kc, k, v)
	}
	return dst
}

// flattenRecord flattens a generic JSON record. A top-level "properties"
// object holds the event's properties, as in the vendor exports and in
// spoor sample's JSON Lines: its keys become properties without the
// "properties." prefix, unless a top-level field has the same name.
func flattenRecord(dst []store.Prop, kc keyCache, m map[string]any) []store.Prop {
	inner, ok := m["properties"].(map[string]any)
	if !ok {
		return flatten(dst, kc, "", m)
	}
	dst = rest(dst, kc, m, "properties")
	for k, v := range inner {
		if _, clash := m[k]; clash {
			k = kc.join("properties", k)
		}
		dst = flatten(dst, kc, k, v)
	}
	return dst
}

func (o *objectReader) generic(m map[string]any, r *row) error {
	r.ev.Props = flattenRecord(r.ev.Props, o.keys, m)
	var user, name, ts any
	props := r.ev.Props[:0]
	for _, p := range r.ev.Props {
		switch p.Key {
		case o.cols.user:
			user = p.Value
		case o.cols.event:
			name = p.Value
		case o.cols.time:
			ts = p.Value
		default:
			props = append(props, p)
		}
	}
	r.ev.Props = props
	if o.cols.constEvent != "" {
		name = o.cols.constEvent
	}
	return o.setCore(r, user, name, ts, o.cols.user, o.cols.event, o.cols.time)
}

func (o *objectReader) mixpanel(m map[string]any, r *row) error {
	props, _ := m["properties"].(map[string]any)
	if name, _ := m["event"].(string); name == "$identify" {
		// Exports carry $anon_distinct_id; the identify API's own form
		// ($identified_id, $anon_id) may come without distinct_id or time,
		// and is then a link, not an event.
		anon, hasAnon := idString(props[firstPresent(props, "$anon_distinct_id", "$anon_id")])
		known, hasKnown := idString(props["$identified_id"])
		if !hasKnown {
			known, hasKnown = idString(props["distinct_id"])
		}
		if hasAnon && hasKnown {
			r.links = append(r.links, [2]string{anon, known})
			if _, ok := idString(props["distinct_id"]); !ok || props["time"] == nil {
				r.noEvt = true
				return nil
			}
		}
	}
	if err := o.setCore(r, props["distinct_id"], m["event"], props["time"], "properties.distinct_id", "event", "properties.time"); err != nil {
		return err
	}
	r.ev.InsertID, _ = idString(props["$insert_id"])
	r.ev.Props = rest(r.ev.Props, o.keys, props, "distinct_id", "time", "$insert_id")
	r.ev.Props = rest(r.ev.Props, o.keys, m, "event", "properties")
	if dev, ok := idString(props["$device_id"]); ok {
		if user, ok := idString(props["$user_id"]); ok {
			// Anonymous events carry the device id as distinct_id, either
			// bare or (simplified ID merge) as "$device:<id>".
			r.links = append(r.links, [2]string{dev, user}, [2]string{"$device:" + dev, user})
		}
	}
	return nil
}

func (o *objectReader) amplitude(m map[string]any, r *row) error {
	user, userField := m["user_id"], "user_id"
	if _, ok := idString(user); !ok {
		user, userField = m["device_id"], "device_id"
	}
	if err := o.setCore(r, user, m["event_type"], m["event_time"], "user_id or device_id", "event_type", "event_time"); err != nil {
		return err
	}
	// The HTTP API calls it insert_id, the Export API $insert_id; uuid is
	// Amplitude's own per-event id.
	iidField := firstPresent(m, "insert_id", "$insert_id", "uuid")
	r.ev.InsertID, _ = idString(m[iidField])
	if ep, ok := m["event_properties"].(map[string]any); ok {
		r.ev.Props = rest(r.ev.Props, o.keys, ep)
	}
	r.ev.Props = rest(r.ev.Props, o.keys, m, userField, "user_id", "event_type", "event_time", iidField, "event_properties")
	dev, hasDev := idString(m["device_id"])
	if hasDev && userField == "user_id" {
		r.links = append(r.links, [2]string{dev, r.ev.User})
	}
	// amplitude_id is Amplitude's own resolution of the user: devices it
	// merged before the export window carry it without a user_id.
	if aid, ok := idString(m["amplitude_id"]); ok {
		node := "amplitude_id:" + aid
		if userField == "user_id" {
			r.members = append(r.members, member{r.ev.User, node, true})
		}
		if hasDev {
			r.members = append(r.members, member{dev, node, false})
		}
	}
	return nil
}

func (o *objectReader) posthog(m map[string]any, r *row) error {
	if err := o.setCore(r, m["distinct_id"], m["event"], m["timestamp"], "distinct_id", "event", "timestamp"); err != nil {
		return err
	}
	// Exports and ClickHouse rows call the event's id uuid, the events API
	// id.
	iidField := firstPresent(m, "uuid", "id")
	r.ev.InsertID, _ = idString(m[iidField])
	props := o.object(m, "properties")
	o.object(m, "person_properties")
	skip := []string{"distinct_id", "event", "timestamp", iidField, "properties"}
	if props == nil {
		skip = skip[:4] // text that is not an object stays a property
	}
	r.ev.Props = rest(r.ev.Props, o.keys, props)
	r.ev.Props = rest(r.ev.Props, o.keys, m, skip...)
	if anon, ok := idString(props["$anon_distinct_id"]); ok {
		r.links = append(r.links, [2]string{anon, r.ev.User})
	}
	// person_id is PostHog's resolution of the person: distinct ids merged
	// before the export window share it.
	known := posthogIdentified(props, r.ev.User, r.ev.Name)
	if pid, ok := idString(m["person_id"]); ok {
		r.members = append(r.members, member{r.ev.User, "person_id:" + pid, known})
	}
	// The events API names the person by its first distinct id
	// (person.distinct_ids, cut to one), the same on all its events.
	if person, ok := m["person"].(map[string]any); ok {
		if ids, _ := person["distinct_ids"].([]any); len(ids) > 0 {
			if first, ok := idString(ids[0]); ok {
				r.members = append(r.members, member{r.ev.User, "person.distinct_ids:" + first, known})
			}
		}
	}
	return nil
}

// posthogIdentified tells whether distinct id user is an identified user
// rather than an anonymous device: posthog-js marks events $is_identified,
// and its anonymous distinct id is the $device_id. It only decides which
// id names a merged person, never whether ids merge.
func posthogIdentified(props map[string]any, user, event string) bool {
	if v, ok := props["$is_identified"].(bool); ok {
		return v
	}
	if dev, ok := idString(props["$device_id"]); ok {
		return dev != user
	}
	return event == "$identify"
}

func (o *objectReader) segment(m map[string]any, r *row) error {
	anon, hasAnon := idString(m["anonymousId"])
	user, hasUser := idString(m["userId"])
	if hasAnon && hasUser {
		r.links = append(r.links, [2]string{anon, user})
	}
	typ, _ := m["type"].(string)
	name := m["event"]
	switch typ {
	case "identify", "alias", "group":
		if typ == "alias" {
			if prev, ok := idString(m["previousId"]); ok && hasUser {
				r.links = append(r.links, [2]string{prev, user})
			}
		}
		r.noEvt = true
		return nil
	case "page", "screen":
		if name == nil {
			name = typ
		}
	}
	who := m["userId"]
	if !hasUser {
		who = m["anonymousId"]
	}
	// timestamp is Segment's corrected time; raw logs may hold only the
	// client's originalTimestamp or the server's receivedAt.
	tsField := firstPresent(m, "timestamp", "originalTimestamp", "receivedAt", "sentAt")
	if err := o.setCore(r, who, name, m[tsField], "userId or anonymousId", "event", "timestamp"); err != nil {
		return err
	}
	r.ev.InsertID, _ = idString(m["messageId"])
	props, _ := m["properties"].(map[string]any)
	r.ev.Props = rest(r.ev.Props, o.keys, props)
	r.ev.Props = rest(r.ev.Props, o.keys, m, "userId", "event", "type", tsField, "messageId", "properties")
	return nil
}

func (o *objectReader) ga4(m map[string]any, r *row) error {
	ga4Canonical(m, "")
	pseudo, hasPseudo := idString(m["user_pseudo_id"])
	user, hasUser := idString(m["user_id"])
	who, whoField := m["user_id"], "user_id"
	if !hasUser {
		who, whoField = m["user_pseudo_id"], "user_pseudo_id"
	}
	if err := o.setCore(r, who, m["event_name"], m["event_timestamp"], "user_id or user_pseudo_id", "event_name", "event_timestamp"); err != nil {
		return err
	}
	if hasPseudo && hasUser {
		r.links = append(r.links, [2]string{pseudo, user})
	}
	r.ev.Props = ga4Params(r.ev.Props, "", m["event_params"])
	r.ev.Props = ga4Params(r.ev.Props, "user_properties.", m["user_properties"])
	r.ev.Props = rest(r.ev.Props, o.keys, m, whoField, "user_id", "event_name", "event_timestamp", "event_params", "user_properties")
	return nil
}

// ga4Int64 are the INT64 fields of the GA4 BigQuery export schema (by
// their last name: event_params.value.int_value, items.quantity, ...).
// bq extract writes INT64 as JSON text, the client libraries as numbers.
var ga4Int64 = map[string]bool{
	"event_timestamp": true, "event_previous_timestamp": true, "event_bundle_sequence_id": true,
	"event_server_timestamp_offset": true, "user_first_touch_timestamp": true, "time_zone_offset_seconds": true,
	"total_item_quantity": true, "unique_items": true, "quantity": true, "int_value": true,
	"set_timestamp_micros": true, "batch_event_index": true, "batch_page_id": true, "batch_ordering_id": true,
}

// ga4Canonical rewrites a GA4 row so the same event reads the same however
// it was exported: bq extract omits NULL fields and writes INT64 as text;
// the client libraries write explicit nulls, INT64 as numbers and FLOAT64
// as Python/JavaScript print it (49.0 or 49). Nulls and objects left empty
// are dropped, INT64 text becomes a number, and fractional numbers take
// their shortest form, so de-duplication sees one event. It reports
// whether v is empty once canonical.
func ga4Canonical(v any, key string) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case map[string]any:
		for k, e := range x {
			c, empty := ga4Canonical(e, k)
			if empty {
				delete(x, k)
			} else {
				x[k] = c
			}
		}
		return x, len(x) == 0 && key != ""
	case []any:
		for i, e := range x {
			x[i], _ = ga4Canonical(e, key)
		}
	case string:
		if ga4Int64[key] && isInteger(x) {
			return json.Number(x), false
		}
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			// Up to 1e15, where the shortest form is still a plain number
			// (beyond it, a long integer would become text: see jsonValue).
			if f, err := strconv.ParseFloat(string(x), 64); err == nil && math.Abs(f) < 1e15 {
				return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), false
			}
		}
	}
	return v, false
}

// isInteger: optional minus, then digits without a leading zero.
func isInteger(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 1 && d[0] == '0' {
		return false
	}
	for i := 0; i < len(d); i++ {
		if !isDigit(d[i]) {
			return false
		}
	}
	return true
}

// ga4Params unpacks [{key, value: {string_value | int_value | double_value
// | float_value}}] into flat properties.
func ga4Params(dst []store.Prop, prefix string, v any) []store.Prop {
	list, _ := v.([]any)
	for _, item := range list {
		p, _ := item.(map[string]any)
		key, ok := p["key"].(string)
		if !ok {
			continue
		}
		val, _ := p["value"].(map[string]any)
		var out any
		for _, f := range []string{"string_value", "int_value", "double_value", "float_value"} {
			if x, ok := val[f]; ok && x != nil {
				out = x // int_value text is a number by now (ga4Canonical)
				break
			}
		}
		dst = append(dst, store.Prop{Key: prefix + key, Value: jsonValue(out)})
	}
	return dst
}
