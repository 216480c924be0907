package importers

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"github.com/spoorhq/spoor/i18n"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much decoded text is examined to detect the encoding and
// the format. Only this window is ever held; the rest streams.
const sniffSize = 64 << 10

// source is one input file as decoded UTF-8 text, or (zip, parquet) the
// random-access file a reader of its own takes apart.
type source struct {
	name        string
	size        int64 // on disk; -1 for standard input
	raw         *countingReader
	text        *bufio.Reader
	compression string // "gzip", "zstd" or ""
	encoding    string
	closer      io.Closer
	sum         hash.Hash
	zip         *zip.Reader // a zip archive: its members are read in turn
	parquet     *os.File    // a Parquet file (read through its footer)
	maxExpand   int64       // how far decompression may expand it; negative: no limit
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

// countingReaderAt counts the bytes a zip or Parquet reader fetches, for
// progress (the hash is taken whole when the file is opened).
type countingReaderAt struct {
	r io.ReaderAt
	n *atomic.Int64
}

func (c countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// Magic numbers of the containers told apart by their first bytes.
const (
	zipMagic      = "PK\x03\x04"
	zipEmptyMagic = "PK\x05\x06"
	gzipMagic     = "\x1f\x8b"
	zstdMagic     = "\x28\xb5\x2f\xfd"
	parquetMagic  = "PAR1"
)

// openSource opens path ("-" is stdin), undoes gzip and zstd (found by
// their magic bytes, whatever the file is called) and decodes the text to
// UTF-8. A zip archive or a Parquet file is left for its own reader.
// encName forces an encoding: utf-8, utf-16, utf-16le, utf-16be, gb18030, gbk.
// maxExpand is Options.MaxExpand.
func openSource(path string, stdin io.Reader, encName string, maxExpand int) (*source, error) {
	if maxExpand == 0 {
		maxExpand = DefaultMaxExpand
	}
	s := &source{name: path, size: -1, sum: sha256.New(), maxExpand: int64(maxExpand)}
	var r io.Reader
	var f *os.File
	if path == "-" {
		s.name = "stdin"
		r = stdin
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err == nil {
			if st.IsDir() {
				f.Close()
				return nil, i18n.Errorf("%s is a directory; name the files in it", path)
			}
			s.size = st.Size()
		}
		s.closer = f
		r = f
	}
	s.raw = &countingReader{r: r, sum: s.sum}
	br := bufio.NewReaderSize(s.raw, 256<<10)
	magic, _ := br.Peek(4)
	random := string(magic) == zipMagic || string(magic) == zipEmptyMagic || string(magic) == parquetMagic
	if random && (f == nil || s.size < 0) {
		s.Close()
		return nil, i18n.Errorf("%s: a %s file cannot be read from standard input (its directory is at the end); save it and name the file", s.name, kindOf(magic))
	}
	if random {
		// Both are read by offset, not in order: hash the file whole
		// first so the ledger knows it when it comes again, and count
		// for progress only what their readers fetch.
		s.sum.Reset()
		if _, err := io.Copy(s.sum, io.NewSectionReader(f, 0, s.size)); err != nil {
			s.Close()
			return nil, err
		}
		s.raw.n.Store(0)
		ra := countingReaderAt{r: f, n: &s.raw.n}
		if string(magic) == parquetMagic {
			s.parquet = f
			return s, nil
		}
		zr, err := zip.NewReader(ra, s.size)
		if err != nil {
			s.Close()
			return nil, i18n.Errorf("%s: a broken zip archive (%v): was it cut short while downloading? Download it again", s.name, err)
		}
		s.zip = zr
		return s, nil
	}
	text, compression, encoding, err := decodeText(br, &s.raw.n, encName, s.maxExpand)
	if err != nil {
		s.Close()
		return nil, i18n.Errorf("%s: %w", s.name, err)
	}
	s.text, s.compression, s.encoding = text, compression, encoding
	return s, nil
}

func kindOf(magic []byte) string {
	if string(magic) == parquetMagic {
		return "Parquet"
	}
	return "zip"
}

// decodeText undoes gzip or zstd in br and decodes what comes out to UTF-8.
// raw counts the compressed bytes read, against which bombGuard measures
// with maxExpand (see source.maxExpand).
func decodeText(br *bufio.Reader, raw *atomic.Int64, encName string, maxExpand int64) (*bufio.Reader, string, string, error) {
	compression := ""
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte(gzipMagic)):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", "", i18n.Errorf("broken gzip header: %w", err)
		}
		compression = "gzip"
		br = bufio.NewReaderSize(&bombGuard{r: truncated{zr, "gzip"}, raw: raw, out: new(int64), ratio: maxExpand}, 256<<10)
	case string(magic) == zstdMagic:
		// One goroutine and a bounded window: a hostile frame cannot
		// claim more than 128 MB of memory.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(128<<20), zstd.WithDecoderMaxWindow(128<<20))
		if err != nil {
			return nil, "", "", i18n.Errorf("broken zstd stream: %w", err)
		}
		compression = "zstd"
		br = bufio.NewReaderSize(&bombGuard{r: truncated{zr, "zstd"}, raw: raw, out: new(int64), ratio: maxExpand}, 256<<10)
	}
	enc, name, skip, err := detectEncoding(br, encName)
	if err != nil {
		return nil, "", "", err
	}
	if skip > 0 {
		br.Discard(skip)
	}
	if enc != nil {
		return bufio.NewReaderSize(transform.NewReader(br, enc.NewDecoder()), 256<<10), compression, name, nil
	}
	return br, compression, name, nil
}

// truncated names the failure of a compressed stream cut short.
type truncated struct {
	r    io.Reader
	kind string
}

func (t truncated) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.ErrUnexpectedEOF {
		err = i18n.Errorf("the %s stream is truncated (the file was cut short): %w", t.kind, err)
	} else if err != nil && err != io.EOF && !errors.Is(err, errBomb) {
		err = i18n.Errorf("broken %s data: %w", t.kind, err)
	}
	return n, err
}

// A decompression bomb expands a small file a thousandfold and more, and
// so does a gzip of one row repeated, which would be imported row for row,
// growing the database for as long as it runs. Exports of events compress
// 3-17x with gzip (the public datasets and spoor sample's files, measured)
// and up to 50x with stronger codecs. Past bombFloor bytes of output, more
// than Options.MaxExpand (default DefaultMaxExpand) times the compressed
// bytes read stops the import.
var bombFloor int64 = 256 << 20 // a variable so tests can lower it

// DefaultMaxExpand is the ratio past which a decompressed file is refused;
// 100x is also Apache POI's bound for a zip bomb.
const DefaultMaxExpand = 100

var errBomb = errors.New("decompression bomb")

// bombGuard stops a decompressed stream that grows out of all proportion
// to its compressed input.
// The members of a zip share one count of output.
type bombGuard struct {
	r     io.Reader
	raw   *atomic.Int64
	out   *int64
	ratio int64 // negative: no limit
}

func (b *bombGuard) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	*b.out += int64(n)
	if out := *b.out; b.ratio >= 0 && out > bombFloor && out > b.ratio*b.raw.Load() {
		return n, i18n.Errorf("%w: %d MB of data came out of %d KB read, more than %d times: this is not an export of events (which compress 3-50x); if it is, pass --max-expand with a larger ratio (0: no limit)", errBomb, out>>20, b.raw.Load()>>10, b.ratio)
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
		return nil, "", 0, i18n.Errorf("unknown --encoding %q (use utf-8, utf-16, utf-16le, utf-16be or gb18030)", force)
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

// compressionByName names the compression of a binary file by its suffix,
// for the formats without a reliable magic number (brotli has none):
// "" when the name says nothing.
func compressionByName(name string) string {
	lower := strings.ToLower(name)
	for _, c := range []struct{ suffix, msg string }{
		{".br", i18n.N("brotli-compressed (.br): spoor reads gzip, zstd and zip; decompress it first (brotli -d FILE) and import the result")},
		{".lz4", i18n.N("lz4-compressed (.lz4): spoor reads gzip, zstd and zip; decompress it first (lz4 -d FILE) and import the result")},
		{".snappy", i18n.N("snappy-compressed (.snappy): spoor reads gzip, zstd and zip; decompress it first and import the result")},
	} {
		if strings.HasSuffix(lower, c.suffix) {
			return i18n.Text(c.msg)
		}
	}
	return ""
}
