package importers

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"
)

// csvTrace reads every record of in with encoding/csv as spoor configured
// it before csvParser, or with csvParser, and writes what a reader sees:
// each record's fields, the line it starts on and the offset after it,
// then the error that ended the input.
func csvTrace(in string, comma byte, stdlib bool, bufSize int) string {
	br := bufio.NewReaderSize(strings.NewReader(in), bufSize)
	var b strings.Builder
	if stdlib {
		r := csv.NewReader(br)
		r.Comma = rune(comma)
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		r.ReuseRecord = true
		for {
			rec, err := r.Read()
			if err != nil {
				fmt.Fprintf(&b, "end %v", err)
				return b.String()
			}
			line, _ := r.FieldPos(0)
			fmt.Fprintf(&b, "%q line %d offset %d\n", rec, line, r.InputOffset())
		}
	}
	p := newCSVParser(br, comma)
	for {
		rec, err := p.Read()
		if err != nil {
			fmt.Fprintf(&b, "end %v", err)
			return b.String()
		}
		if p.text != "" && p.text != strings.Join(rec, string(comma)) {
			fmt.Fprintf(&b, "text %q is not the fields joined\n", p.text)
		}
		fmt.Fprintf(&b, "%q line %d offset %d\n", rec, p.line(), p.InputOffset())
	}
}

func sameAsEncodingCSV(t *testing.T, in string) {
	t.Helper()
	for _, comma := range []byte{',', '\t', ';', '|'} {
		// bufio's smallest buffer (16) makes lines longer than the buffer.
		for _, size := range []int{16, 4096} {
			want, got := csvTrace(in, comma, true, size), csvTrace(in, comma, false, size)
			if got != want {
				t.Fatalf("input %q, delimiter %q, buffer %d:\ncsvParser:\n%s\nencoding/csv:\n%s", in, comma, size, got, want)
			}
		}
	}
}

func TestCSVParserMatchesEncodingCSV(t *testing.T) {
	for _, in := range []string{
		"",
		"\n",
		"\n\n\n",
		"a",
		"a\n",
		"a,b,c\n1,2,3\n",
		"a,b,c\r\n1,2,3\r\n",
		"a,b\r",
		"a,b\r\r\n",
		"a\rb,c\n",
		"a,,\n,,\n",
		"a,b\n\n\nc,d",
		`"a","b"` + "\n",
		`"a,b",c` + "\n",
		`"a""b",c` + "\n",
		`"a"b",c` + "\n",
		`a"b,c` + "\n",
		`"a` + "\n" + `b",c` + "\n" + "d,e\n",
		`"a` + "\r\n" + `b",c` + "\r\n",
		`"unclosed,x` + "\n" + "y,z\n",
		`"unclosed`,
		`"a"` + "\r",
		`""` + "\n",
		`"",""` + "\n",
		`x,"` + "\n",
		`x,"y"` + "\n",
		`x,"y"z` + "\n",
		`"a"` + "\t" + `"b"` + "\n",
		"a\tb;c|d,e\n",
		"é,ü\n\"ß\",\"水\"\n",
		"a,\xff\xfe,b\n",
		strings.Repeat("long field ", 10) + ",x\n" + `"` + strings.Repeat("q", 40) + `"` + "\n",
		"\"a\n\n\nb\"\n",
	} {
		sameAsEncodingCSV(t, in)
	}
}

// Random files of the bytes that matter to CSV.
func TestCSVParserMatchesEncodingCSVRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(19))
	pieces := []string{",", "\t", ";", "|", `"`, `""`, "\n", "\r\n", "\r", "a", "bc", "é", "\xff", " ", "12.5", "\n\n"}
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for n := rng.Intn(40); n > 0; n-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		sameAsEncodingCSV(t, b.String())
	}
}

func FuzzCSVParser(f *testing.F) {
	f.Add("a,b\n\"c\"\"d\",e\r\n")
	f.Add("\"x\ny\"z,w")
	f.Fuzz(func(t *testing.T, in string) {
		sameAsEncodingCSV(t, in)
	})
}

// A reader error ends the record read with it, as with encoding/csv.
func TestCSVParserReadError(t *testing.T) {
	for _, in := range []string{"a,b\nc,d", "a,\"b\nc", "a,b\n"} {
		var got [2]string
		for k, stdlib := range []bool{true, false} {
			br := bufio.NewReaderSize(io.MultiReader(strings.NewReader(in), errReader{}), 16)
			var b strings.Builder
			var read func() ([]string, error)
			if stdlib {
				r := csv.NewReader(br)
				r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
				read = r.Read
			} else {
				read = newCSVParser(br, ',').Read
			}
			for {
				rec, err := read()
				fmt.Fprintf(&b, "%q %v\n", rec, err)
				if err != nil {
					break
				}
			}
			got[k] = b.String()
		}
		if got[0] != got[1] {
			t.Errorf("input %q:\ncsvParser:\n%s\nencoding/csv:\n%s", in, got[1], got[0])
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, fmt.Errorf("disk gone") }
