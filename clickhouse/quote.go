package clickhouse

import "strings"

// String quotes s as a ClickHouse string literal: backslash and quote are
// escaped and every control byte is written \xHH, so any text a user types
// compares literally and cannot end the literal.
func String(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			const hex = "0123456789ABCDEF"
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// Ident quotes a database, table or column name in backquotes, escaping
// backquote and backslash, so any name reads as a name.
func Ident(name string) string {
	var b strings.Builder
	b.WriteByte('`')
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '`' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	b.WriteByte('`')
	return b.String()
}

// Strings quotes each of ss and joins them with commas, for IN (...) and
// array literals.
func Strings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = String(s)
	}
	return strings.Join(q, ", ")
}
