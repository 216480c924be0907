package importers

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/spoorhq/spoor/i18n"
)

// Parquet files (PostHog's batch exports, warehouse extracts) are read
// with github.com/parquet-go/parquet-go, pure Go. Each row becomes the
// object a JSON export would hold (nested groups as objects, lists as
// arrays, typed times as RFC 3339 text), so vendor detection, flattening
// of nested columns into dotted properties and identities work as for JSON.

// parquetObjects yields the rows of a Parquet file as JSON-like objects.
type parquetObjects struct {
	file   *parquet.File
	r      *parquet.GenericReader[map[string]any]
	buf    []map[string]any
	fields map[string]parquet.Node // top-level columns by name
	row    int64
	closed bool
}

// openParquet opens the file behind src, refusing one whose metadata
// promises more data than the expansion guard allows (a Parquet bomb) or
// that parquet-go cannot read.
func openParquet(src *source) (po *parquetObjects, err error) {
	defer func() {
		// A damaged file can make the decoder panic: refuse it instead.
		if p := recover(); p != nil {
			po, err = nil, i18n.Errorf("a damaged Parquet file (%v)", p)
		}
	}()
	ra := countingReaderAt{r: src.parquet, n: &src.raw.n}
	f, err := parquet.OpenFile(ra, src.size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, i18n.Errorf("a damaged Parquet file (%v): was it cut short? Write or download it again", err)
	}
	var total int64
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			total += max(c.MetaData.TotalUncompressedSize, 0)
		}
	}
	if src.maxExpand >= 0 && total > bombFloor && total > src.maxExpand*src.size {
		return nil, i18n.Errorf("%w: its columns claim %d MB uncompressed in a %d KB file, more than %d times: not an export of events; if it is, pass --max-expand with a larger ratio (0: no limit)",
			errBomb, total>>20, src.size>>10, src.maxExpand)
	}
	po = &parquetObjects{file: f, r: parquet.NewGenericReader[map[string]any](f, f.Schema()), buf: make([]map[string]any, 1), fields: map[string]parquet.Node{}}
	for _, fl := range f.Schema().Fields() {
		po.fields[fl.Name()] = fl
	}
	return po, nil
}

func (p *parquetObjects) object() (m map[string]any, line int64, raw []byte, err error) {
	if p.closed {
		return nil, p.row, nil, io.EOF
	}
	defer func() {
		if x := recover(); x != nil {
			m, err = nil, i18n.Errorf("a damaged Parquet file: row %d cannot be decoded (%v)", p.row+1, x)
		}
	}()
	p.buf[0] = map[string]any{}
	if n, err := p.r.Read(p.buf); n == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, p.row, nil, io.EOF
		}
		return nil, p.row, nil, i18n.Errorf("a damaged Parquet file: row %d: %w", p.row+1, err)
	}
	m = p.buf[0]
	p.row++
	for k, v := range m {
		m[k] = parquetValue(v, p.fields[k])
	}
	// The row number stands for the line; there is no text to show.
	return m, p.row, nil, nil
}

func (p *parquetObjects) close() {
	if !p.closed {
		p.closed = true
		p.r.Close()
	}
}

// parquetValue turns a value parquet-go decoded into what encoding/json
// would have decoded from the same data (json.Number for numbers), using
// the column's logical type where the physical value alone misleads: a
// DATE is days, a TIMESTAMP has its own unit, a DECIMAL its scale.
func parquetValue(v any, n parquet.Node) any {
	switch x := v.(type) {
	case nil, string, bool:
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = parquetValue(e, parquetChild(n, k))
		}
		return x
	case []any:
		elem := parquetElem(n)
		for i, e := range x {
			x[i] = parquetValue(e, elem)
		}
		return x
	case []byte:
		return parquetBytes(x, n)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float32:
		return parquetFloat(float64(x))
	case float64:
		return parquetFloat(x)
	case int32:
		return parquetInt(int64(x), n)
	case int64:
		return parquetInt(x, n)
	case int:
		return parquetInt(int64(x), n)
	case uint32:
		return json.Number(strconv.FormatUint(uint64(x), 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	}
	return fmt.Sprint(v)
}

func logical(n parquet.Node) format.LogicalTypeValue {
	if n == nil || !n.Leaf() {
		return nil
	}
	if lt := n.Type().LogicalType(); lt != nil {
		return lt.Value
	}
	return nil
}

func parquetInt(i int64, n parquet.Node) any {
	switch lt := logical(n).(type) {
	case *format.DateType:
		return time.Unix(i*86400, 0).UTC().Format(time.DateOnly)
	case *format.TimestampType:
		var t time.Time
		switch lt.Unit.Value.(type) {
		case *format.MilliSeconds:
			t = time.UnixMilli(i)
		case *format.NanoSeconds:
			t = time.Unix(0, i)
		default:
			t = time.UnixMicro(i)
		}
		if lt.IsAdjustedToUTC {
			return t.UTC().Format(time.RFC3339Nano)
		}
		// A local time: no zone, so --tz applies.
		return t.UTC().Format("2006-01-02T15:04:05.999999999")
	case *format.DecimalType:
		return decimalText(big.NewInt(i), lt.Scale)
	}
	return json.Number(strconv.FormatInt(i, 10))
}

func parquetFloat(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

func parquetBytes(b []byte, n parquet.Node) any {
	switch lt := logical(n).(type) {
	case *format.UUIDType:
		if len(b) == 16 {
			h := hex.EncodeToString(b)
			return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		}
	case *format.DecimalType:
		i := new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 { // two's complement
			i.Sub(i, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		return decimalText(i, lt.Scale)
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return hex.EncodeToString(b)
}

// decimalText writes unscaled / 10^scale exactly.
func decimalText(unscaled *big.Int, scale int32) any {
	if scale <= 0 {
		return json.Number(unscaled.String())
	}
	neg := unscaled.Sign() < 0
	s := new(big.Int).Abs(unscaled).String()
	for len(s) <= int(scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(scale)] + "." + s[len(s)-int(scale):]
	if neg {
		s = "-" + s
	}
	return json.Number(s)
}

// parquetChild is the node of field k of group n (a MAP's values share
// one node); nil when unknown, which only loses logical types.
func parquetChild(n parquet.Node, k string) parquet.Node {
	if n == nil || n.Leaf() {
		return nil
	}
	for _, f := range n.Fields() {
		if f.Name() == k {
			return f
		}
	}
	if fs := n.Fields(); len(fs) == 1 && !fs[0].Leaf() { // MAP: key_value { key, value }
		for _, f := range fs[0].Fields() {
			if f.Name() == "value" {
				return f
			}
		}
	}
	return nil
}

// parquetElem is the node of a list's elements: LIST { repeated list {
// element } }, or the repeated field itself.
func parquetElem(n parquet.Node) parquet.Node {
	if n == nil || n.Leaf() {
		return n
	}
	if fs := n.Fields(); len(fs) == 1 && fs[0].Repeated() {
		if !fs[0].Leaf() && len(fs[0].Fields()) == 1 {
			return fs[0].Fields()[0]
		}
		return fs[0]
	}
	return n
}

// parquetReader is the object reader over a Parquet file's rows.
type parquetReader struct {
	*objectReader
	rows   int64
	groups int
}

func (p *parquetReader) describe() string {
	return fmt.Sprintf("Parquet, %d rows in %d row groups; %s", p.rows, p.groups, p.objectReader.describe())
}

// openParquetReader reads a Parquet file like JSON objects: a vendor's
// export is recognised by its columns (--format may name the vendor), any
// other table has its user, event and time columns guessed or named.
func openParquetReader(src *source, opt Options, tp *TimeParser) (rowReader, string, error) {
	po, err := openParquet(src)
	if err != nil {
		return nil, "", err
	}
	layout := "json"
	switch opt.Format {
	case "mixpanel", "amplitude", "posthog", "segment", "ga4":
		layout = opt.Format
	}
	r, err := newObjectReader(po, layout, tp, func(fields []string) (columnMap, error) {
		return pickColumns(fields, true, opt.User, opt.Event, opt.Time)
	})
	if err != nil {
		po.close()
		var ne *notEventsError
		if errors.As(err, &ne) && ne.kind == notEventsNoObjects {
			return nil, "", &notEventsError{msg: i18n.T("no rows: the Parquet file holds a schema and no events")}
		}
		return nil, "", err
	}
	format := "parquet"
	if r.layout != "json" {
		format = r.layout
	}
	md := po.file.Metadata()
	return &parquetReader{objectReader: r, rows: md.NumRows, groups: len(md.RowGroups)}, format, nil
}
