package importers

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// A zip archive (Amplitude's Export API hands out a zip of gzipped JSON
// Lines files, PROJECTID/PROJECTID_DATE_H#N.json.gz) is read member after
// member, in the archive's order, as one import: one transaction, one
// ledger entry. Each member is decoded and detected like a file of its own.

// zipMembers lists the members holding data, refusing archives that are
// not a set of event files (a spreadsheet, nested or encrypted archives).
func zipMembers(zr *zip.Reader) ([]*zip.File, error) {
	var files []*zip.File
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		base := path.Base(f.Name)
		// Folders and what macOS's Finder adds to the archives it makes.
		if strings.HasSuffix(f.Name, "/") || strings.HasPrefix(f.Name, "__MACOSX/") || base == ".DS_Store" {
			continue
		}
		files = append(files, f)
	}
	switch {
	case names["[Content_Types].xml"] && names["xl/workbook.xml"]:
		return nil, &notEventsError{msg: i18n.T("this is an Excel workbook (.xlsx), whatever its name: save it as CSV (File > Save As > CSV UTF-8) and import that")}
	case names["[Content_Types].xml"] && names["word/document.xml"]:
		return nil, &notEventsError{msg: i18n.T("this is a Word document (.docx), not an event table")}
	case names["mimetype"] && names["content.xml"]:
		return nil, &notEventsError{msg: i18n.T("this is an OpenDocument file (.ods/.odt), whatever its name: save it as CSV and import that")}
	case len(files) == 0:
		return nil, &notEventsError{msg: i18n.T("an empty zip archive: it holds no files")}
	}
	for _, f := range files {
		if f.Flags&0x1 != 0 {
			return nil, &notEventsError{msg: i18n.T("member %s of the zip is encrypted: extract it with its password first", f.Name)}
		}
	}
	return files, nil
}

// zipReader chains the row readers of an archive's members. Line numbers
// run on from member to member (as if the members were one file); a
// reject names its member and its line there.
type zipReader struct {
	src     *source
	members []*zip.File
	i       int // the member being read
	open    func(*source) (rowReader, string, error)
	enc     string
	cur     rowReader
	curName string
	closer  io.Closer
	base    int64 // lines of the members before
	last    int64 // the last line of the current member seen
	out     int64 // decompressed bytes, for bombGuard
	first   string
	skipped int // empty members
}

// newZipReader opens the first member with data; open detects a member's
// format and builds its reader, as for a plain file.
func newZipReader(src *source, encName string, open func(*source) (rowReader, string, error)) (*zipReader, string, error) {
	members, err := zipMembers(src.zip)
	if err != nil {
		return nil, "", err
	}
	z := &zipReader{src: src, members: members, open: open, enc: encName, i: -1}
	format, err := z.advance()
	if err == io.EOF {
		return nil, "", &notEventsError{msg: i18n.T("every one of the %d files in the zip archive is empty", len(members))}
	}
	if err != nil {
		z.close()
		return nil, "", err
	}
	z.first = z.cur.describe()
	return z, format, nil
}

// advance moves to the next member that holds anything, skipping empty
// ones (an export's hour without events); io.EOF after the last.
func (z *zipReader) advance() (string, error) {
	for {
		z.closeMember()
		z.i++
		if z.i >= len(z.members) {
			return "", io.EOF
		}
		f := z.members[z.i]
		rc, err := f.Open()
		if err != nil {
			if errors.Is(err, zip.ErrAlgorithm) {
				return "", &notEventsError{msg: i18n.T("member %s of the zip uses compression method %d, which spoor does not read: zip it again with ordinary (deflate) compression", f.Name, f.Method)}
			}
			return "", i18n.Errorf("member %s of the zip: %w", f.Name, err)
		}
		z.closer, z.curName = rc, f.Name
		guarded := &bombGuard{r: zipMemberErrors{rc}, raw: &z.src.raw.n, out: &z.out, ratio: z.src.maxExpand}
		text, compression, encoding, err := decodeText(bufio.NewReaderSize(guarded, 256<<10), &z.src.raw.n, z.enc, z.src.maxExpand)
		if err != nil {
			return "", i18n.Errorf("member %s of the zip: %w", f.Name, err)
		}
		if head, _ := text.Peek(1); len(head) == 0 {
			z.skipped++
			continue
		}
		switch head, _ := text.Peek(4); string(head) {
		case zipMagic:
			return "", &notEventsError{msg: i18n.T("member %s of the zip is itself a zip archive: extract the outer one and import the files inside", f.Name)}
		case parquetMagic: // read by offset, so not from inside a stream
			return "", &notEventsError{msg: i18n.T("member %s of the zip is a Parquet file: extract it and import it as a file", f.Name)}
		}
		ms := &source{name: f.Name, text: text, compression: compression, encoding: encoding}
		rd, format, err := z.open(ms)
		if err != nil {
			var ne *notEventsError
			if errors.As(err, &ne) {
				return "", &notEventsError{msg: i18n.T("member %s of the zip: %s", f.Name, ne.msg)}
			}
			return "", i18n.Errorf("member %s of the zip: %w", f.Name, err)
		}
		if z.src.encoding == "" { // the archive is described by its first member
			z.src.encoding, z.src.compression = encoding, compression
		}
		z.cur = rd
		return format, nil
	}
}

func (z *zipReader) closeMember() {
	if z.cur != nil {
		z.cur.close()
		z.cur = nil
	}
	if z.closer != nil {
		z.closer.Close()
		z.closer = nil
	}
	z.base += z.last
	z.last = 0
}

func (z *zipReader) next(r *row) error {
	for {
		err := z.cur.next(r)
		if err == nil {
			z.last = max(z.last, r.line)
			r.line += z.base
			return nil
		}
		var rej *rejectError
		if errors.As(err, &rej) {
			z.last = max(z.last, rej.line)
			rej.detail = fmt.Sprintf("%s line %d: %s", z.curName, rej.line, rej.detail)
			rej.line += z.base
			return rej
		}
		if err != io.EOF {
			return i18n.Errorf("member %s of the zip: %w", z.curName, err)
		}
		if _, err := z.advance(); err != nil {
			return err
		}
	}
}

func (z *zipReader) describe() string {
	s := fmt.Sprintf("zip archive of %d files, read in order", len(z.members))
	if z.skipped > 0 {
		s += fmt.Sprintf(" (%d empty)", z.skipped)
	}
	return s + "; first: " + z.first
}

func (z *zipReader) close() { z.closeMember() }

// zipMemberErrors words archive/zip's failures for a person: a member
// whose data does not match its checksum or size was damaged on the way.
type zipMemberErrors struct{ r io.Reader }

func (m zipMemberErrors) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	switch {
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat):
		err = i18n.Errorf("damaged (%v): download the archive again", err)
	case err == io.ErrUnexpectedEOF:
		err = i18n.Errorf("cut short: download the archive again")
	}
	return n, err
}
