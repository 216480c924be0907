// Package specfile reads spec files, the saved analyses spoor run and the
// workbench open. A spec may name query's analyses, experiment's and survival's: a
// kind of analysis defined above query joins them in Analyses, so which
// kinds exist never depends on which packages' init functions ran.
package specfile

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"sync"

	"github.com/spoorhq/spoor/attribution"
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/survival"
)

// Analyses returns every kind a spec may name, in a new map.
func Analyses() query.Analyses {
	a := query.Builtin()
	a["experiment"] = experiment.SpecAnalysis()
	a["survival"] = survival.SpecAnalysis()
	a["attribution"] = attribution.SpecAnalysis()
	return a
}

// Parse reads a spec file's content: JSON when it starts with "{", TOML
// otherwise (query.Analyses.ParseSpec).
func Parse(data []byte) (query.Spec, error) { return Analyses().ParseSpec(data) }

// Read reads and parses the spec file at path. A file over
// query.MaxSpecSize, or one that is not a regular file (a FIFO, a
// device), is refused before it is read whole.
func Read(path string) (query.Spec, error) {
	b, err := readBounded(path, query.MaxSpecSize)
	if err != nil {
		return query.Spec{}, err
	}
	return Parse(b)
}

// readBounded reads up to limit bytes of a regular file, or fails.
func readBounded(path string, limit int64) ([]byte, error) {
	// Stat first: opening a FIFO blocks until someone writes to it.
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, i18n.Errorf("not a spec file: %s is not a regular file", path)
	}
	if st.Size() > limit {
		return nil, i18n.Errorf("a spec of %d bytes is too large: spec files are kept under %d KB (a saved analysis is usually under 2 KB)", st.Size(), limit>>10)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit { // grew since the Stat
		err = i18n.Errorf("a spec over %d KB is too large", limit>>10)
	}
	return b, err
}

// kindHead is how much of a file Kind reads.
const kindHead = 4 << 10

// Compiled on first use, not in a fresh process's init.
var kindRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)(?:^|[{,\s])"?analysis"?\s*[:=]\s*["']([a-z]+)["']`)
})

// Kind returns the analysis a spec file names, read from its first 4 KB
// without decoding it, or "" when it names none there or is no spec (too
// large, not a regular file). Listing a directory of specs this way costs
// 4 KB a file, whatever the files hold; Read checks the one opened.
func Kind(path string) string {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() || st.Size() > query.MaxSpecSize {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, kindHead)
	n, _ := io.ReadFull(f, head)
	m := kindRE().FindSubmatch(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")))
	if m == nil {
		return ""
	}
	if _, ok := Analyses()[string(m[1])]; !ok {
		return ""
	}
	return string(m[1])
}
