package importers

import (
	"bytes"
	"unicode/utf8"

	"github.com/spoorhq/spoor/i18n"
)

// Formats --format accepts. csv and tsv share a reader (delimiter aside);
// the vendor formats are JSON or JSON Lines with a known field layout.
var Formats = []string{"csv", "tsv", "json", "jsonl", "mixpanel", "amplitude", "posthog", "segment", "ga4"}

// detectFormat tells the container format from the first decoded bytes:
// '[' is a JSON array, '{' JSON Lines, anything else a delimited table.
// It refuses empty and binary input before any row is read.
func detectFormat(head []byte, force string) (string, error) {
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return "", &notEventsError{msg: i18n.T("empty file: expected an event table (CSV/TSV with a header row, a JSON array or JSON Lines), found no data")}
	}
	if bytes.HasPrefix(head, []byte(oleMagic)) {
		return "", &notEventsError{msg: i18n.T("this is an Excel workbook (.xls) or another old Office file, whatever its name: save it as CSV (File > Save As > CSV UTF-8) and import that")}
	}
	for _, a := range archives {
		if bytes.HasPrefix(head, []byte(a.magic)) {
			return "", &notEventsError{msg: i18n.T("%s %s archive: spoor reads gzip, zstd, zip and Parquet, not %s; extract it first (%s) and import what comes out", a.article, a.name, a.name, a.how)}
		}
	}
	if off, ok := binaryAt(head); ok {
		return "", &notEventsError{msg: i18n.T("binary data: expected text (CSV/TSV, JSON or JSON Lines), found byte 0x%02x at offset %d; if it is compressed, spoor reads gzip, zstd and zip", head[off], off), kind: notEventsBinary}
	}
	switch force {
	case "":
	case "csv", "tsv", "json", "jsonl", "mixpanel", "amplitude", "posthog", "segment", "ga4":
		return force, nil
	case "ndjson":
		return "jsonl", nil
	default:
		return "", i18n.Errorf("unknown --format %q (use one of csv, tsv, json, jsonl, mixpanel, amplitude, posthog, segment, ga4)", force)
	}
	switch trimmed[0] {
	case '[':
		return "json", nil
	case '{':
		return "jsonl", nil
	}
	return "csv", nil
}

// archives are containers spoor does not open; naming them (and how to
// open them) beats "binary data". gzip, zstd and zip are read before
// detection and so never reach it.
var archives = []struct{ magic, article, name, how string }{
	{"\xfd7zXZ\x00", "an", "xz", "xz -d FILE"}, {"7z\xbc\xaf\x27\x1c", "a", "7z", "7z x FILE"},
	{"BZh91AY&SY", "a", "bzip2", "bunzip2 FILE"}, {"Rar!\x1a\x07", "a", "RAR", "unrar x FILE"},
}

// oleMagic starts an OLE2 compound file: Excel 97-2003 .xls, old .doc.
const oleMagic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// binaryAt finds a byte no text file has: NUL, other C0 controls than
// whitespace, or (in what should be UTF-8 by now) an invalid sequence run
// that makes more than 5% of the window.
func binaryAt(head []byte) (int, bool) {
	bad := 0
	first := -1
	for i := 0; i < len(head); {
		c := head[i]
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			if c == 0 {
				return i, true
			}
			bad++
			if first < 0 {
				first = i
			}
			i++
			continue
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 && len(head)-i >= utf8.UTFMax {
			bad++
			if first < 0 {
				first = i
			}
		}
		i += n
	}
	if bad > 0 && bad*20 > len(head) {
		return first, true
	}
	return 0, false
}

// sniffDelimiter picks the delimiter that splits the first lines into the
// same number of fields (more than one), preferring the most fields.
// Quoted text is skipped so a comma inside quotes does not count.
func sniffDelimiter(head []byte) byte {
	lines := bytes.Split(head, []byte("\n"))
	if len(lines) > 1 && len(head) == sniffSize {
		lines = lines[:len(lines)-1] // the last one may be cut off
	}
	if len(lines) > 20 {
		lines = lines[:20]
	}
	best, bestScore := byte(','), -1
	for _, d := range []byte{',', '\t', ';', '|'} {
		counts := map[int]int{}
		nonEmpty := 0
		for _, l := range lines {
			l = bytes.TrimRight(l, "\r")
			if len(l) == 0 {
				continue
			}
			nonEmpty++
			counts[countOutsideQuotes(l, d)]++
		}
		// score: fields of the most common count, weighted by how many
		// lines agree on it.
		for n, agree := range counts {
			if n == 0 {
				continue
			}
			score := agree*1000 + n
			if agree*2 < nonEmpty {
				score = n // inconsistent: weak evidence only
			}
			if score > bestScore {
				best, bestScore = d, score
			}
		}
	}
	return best
}

func countOutsideQuotes(l []byte, d byte) int {
	n := 0
	quoted := false
	for _, c := range l {
		switch {
		case c == '"':
			quoted = !quoted
		case c == d && !quoted:
			n++
		}
	}
	return n
}
