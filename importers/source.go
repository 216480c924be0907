package importers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much decoded text is examined to detect the encoding and
// the format. Only this window is ever held; the rest streams.
const sniffSize = 64 << 10

// source is one input file as decoded UTF-8 text.
type source struct {
	name     string
	size     int64 // on disk; -1 for standard input
	raw      *countingReader
	text     *bufio.Reader
	gzip     bool
	encoding string
	closer   io.Closer
	sum      hash.Hash
}

// countingReader counts the bytes read from disk (for progress) and hashes
// them (for the import ledger). The count is read by the progress goroutine.
type countingReader struct {
	r   io.Reader
	n   atomic.Int64
	sum hash.Hash
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	c.sum.Write(p[:n])
	return n, err
}

// openSource opens path ("-" is stdin), undoes gzip (found by its magic
// bytes, whatever the file is called) and decodes the text to UTF-8.
// encName forces an encoding: utf-8, utf-16, utf-16le, utf-16be, gb18030, gbk.
func openSource(path string, stdin io.Reader, encName string) (*source, error) {
	s := &source{name: path, size: -1, sum: sha256.New()}
	var r io.Reader
	if path == "-" {
		s.name = "stdin"
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err == nil {
			if st.IsDir() {
				f.Close()
				return nil, fmt.Errorf("%s is a directory; name the files in it", path)
			}
			s.size = st.Size()
		}
		s.closer = f
		r = f
	}
	s.raw = &countingReader{r: r, sum: s.sum}
	br := bufio.NewReaderSize(s.raw, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: broken gzip header: %w", s.name, err)
		}
		s.gzip = true
		br = bufio.NewReaderSize(truncatedGzip{zr}, 256<<10)
	}
	enc, name, skip, err := detectEncoding(br, encName)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	if skip > 0 {
		br.Discard(skip)
	}
	s.encoding = name
	if enc != nil {
		s.text = bufio.NewReaderSize(transform.NewReader(br, enc.NewDecoder()), 256<<10)
	} else {
		s.text = br
	}
	return s, nil
}

// truncatedGzip names the failure of a gzip stream cut short.
type truncatedGzip struct{ r io.Reader }

func (t truncatedGzip) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.ErrUnexpectedEOF {
		err = fmt.Errorf("the gzip stream is truncated (the file was cut short): %w", err)
	}
	return n, err
}

func (s *source) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

func (s *source) bytesRead() int64 { return s.raw.n.Load() }

func (s *source) sha256() string { return hex.EncodeToString(s.sum.Sum(nil)) }

// detectEncoding looks at the first bytes: a BOM decides; else valid UTF-8
// is UTF-8; else text with NUL in every other byte is BOM-less UTF-16; else
// GB18030 (a superset of GBK and GB2312) when that decodes cleanly.
// It returns the decoder (nil for UTF-8), its name and the BOM length.
func detectEncoding(br *bufio.Reader, force string) (encoding.Encoding, string, int, error) {
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", 0, err
	}
	bom := 0
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		bom = 3
		if force == "" {
			return nil, "utf-8 (BOM)", 3, nil
		}
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		if force == "" {
			return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le (BOM)", 0, nil
		}
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		if force == "" {
			return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be (BOM)", 0, nil
		}
	}
	switch strings.ToLower(strings.ReplaceAll(force, "_", "-")) {
	case "":
	case "utf-8", "utf8":
		return nil, "utf-8", bom, nil
	case "utf-16", "utf16":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "utf-16", 0, nil
	case "utf-16le", "utf16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 0, nil
	case "utf-16be", "utf16be":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 0, nil
	case "gb18030", "gbk", "gb2312", "cp936":
		return simplifiedchinese.GB18030, "gb18030", 0, nil
	default:
		return nil, "", 0, fmt.Errorf("unknown --encoding %q (use utf-8, utf-16, utf-16le, utf-16be or gb18030)", force)
	}
	if validUTF8Prefix(head) {
		return nil, "utf-8", 0, nil
	}
	if le, be := utf16Zeros(head); le {
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le (no BOM)", 0, nil
	} else if be {
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be (no BOM)", 0, nil
	}
	if looksGB18030(head) {
		return simplifiedchinese.GB18030, "gb18030 (detected)", 0, nil
	}
	// Neither: leave it as bytes; the binary check names the problem.
	return nil, "unknown (not UTF-8 or GB18030)", 0, nil
}

// validUTF8Prefix reports whether head is UTF-8, allowing a rune cut off by
// the end of the window.
func validUTF8Prefix(head []byte) bool {
	if utf8.Valid(head) {
		return true
	}
	for cut := 1; cut <= 3 && cut < len(head); cut++ {
		if utf8.Valid(head[:len(head)-cut]) && !utf8.FullRune(head[len(head)-cut:]) {
			return true
		}
	}
	return false
}

func utf16Zeros(head []byte) (le, be bool) {
	n := len(head) &^ 1
	if n < 4 {
		return false, false
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	return odd > pairs*3/4 && even < pairs/10, even > pairs*3/4 && odd < pairs/10
}

// looksGB18030 decodes the window and accepts it when nothing decodes to the
// replacement character and there are no control bytes other than
// whitespace (binary data decodes "cleanly" too, but is full of controls).
// Up to three trailing bytes may belong to a character cut off by the window.
func looksGB18030(head []byte) bool {
	for cut := 0; cut <= 3 && cut < len(head); cut++ {
		out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), head[:len(head)-cut])
		if err == nil && !bytes.ContainsRune(out, utf8.RuneError) {
			return !hasControls(out)
		}
	}
	return false
}

func hasControls(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return true
		}
	}
	return false
}
