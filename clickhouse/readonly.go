package clickhouse

import (
	"context"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// ReadOnly runs SQL a person typed (spoor sql, the workbench's SQL box):
// only a statement that reads is sent at all (readonly=1 still lets KILL
// QUERY through), with readonly=1, the server stopping one row past
// maxRows so the caller can say the rows were cut. header gets the
// column names and types before the first row.
func (c *Client) ReadOnly(ctx context.Context, q string, maxRows int, header func(names, types []string) error, each func(row []string) error) error {
	switch kw := firstKeyword(q); kw {
	case "SELECT", "WITH", "SHOW", "DESC", "DESCRIBE", "EXISTS", "EXPLAIN", "(":
	default:
		return i18n.Errorf("spoor sql on ClickHouse only reads: %s is not sent (use SELECT, WITH, SHOW, DESCRIBE, EXISTS or EXPLAIN)", kw)
	}
	ro := c.With(Settings{
		"readonly":             "1",
		"max_result_rows":      strconv.Itoa(maxRows + 1),
		"result_overflow_mode": "break",
	})
	started := false
	head := func(names, types []string) error {
		started = true
		return header(names, types)
	}
	_, _, err := ro.EachHeader(ctx, q, head, each)
	if !started && IsCode(err, CodeReadonly) && strings.Contains(err.Error(), "Cannot modify") {
		// The user's profile is read-only already (readonly=1 there
		// refuses even setting readonly): run it as it is.
		_, _, err = c.EachHeader(ctx, q, head, each)
	}
	return err
}

// firstKeyword is the statement's first word, upper-cased, after
// whitespace and comments; "(" for a parenthesised query.
func firstKeyword(q string) string {
	for {
		q = strings.TrimLeft(q, " \t\r\n")
		switch {
		case strings.HasPrefix(q, "--"):
			i := strings.IndexByte(q, '\n')
			if i < 0 {
				return ""
			}
			q = q[i:]
		case strings.HasPrefix(q, "/*"):
			i := strings.Index(q, "*/")
			if i < 0 {
				return ""
			}
			q = q[i+2:]
		case strings.HasPrefix(q, "("):
			return "("
		default:
			end := strings.IndexFunc(q, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			})
			if end < 0 {
				end = len(q)
			}
			return strings.ToUpper(q[:end])
		}
	}
}
