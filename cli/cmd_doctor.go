package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/output"
)

func init() {
	register("doctor", i18n.N("data-quality report over the whole database"), runDoctor)
}

// doctorReport renders importers.Doctor as tables; JSON is the struct.
type doctorReport struct{ *importers.Doctor }

func (d doctorReport) Tables(l i18n.Lang) []output.Table {
	q := d.Quality
	checks := output.Table{Title: l.T("data quality"), Columns: []string{l.T("check"), l.T("count"), l.T("detail")}}
	add := func(check string, n int64, detail string) {
		checks.Rows = append(checks.Rows, []string{check, strconv.FormatInt(n, 10), detail})
	}
	add(l.T("events (count)"), d.Events, "")
	add(l.T("users"), d.Users, l.T("distinct ids before identity stitching"))
	reasons := make([]string, 0, len(q.Rejected))
	var rejected int64
	for k, v := range q.Rejected {
		reasons = append(reasons, k)
		rejected += v
	}
	sort.Strings(reasons)
	add(l.T("rows rejected"), rejected, "")
	for _, k := range reasons {
		add("  "+l.Text(k), q.Rejected[k], "") // the reason is a catalog key (importers.Reason*)
	}
	add(l.T("duplicates dropped"), q.Duplicates, "")
	add(l.T("events in the future"), q.Future, "")
	add(l.T("events before %s", "2000"), q.Before2000, "")
	if o := q.Outliers; o != nil {
		add(l.T("outlying events"), o.Before+o.After, o.Text(l))
	} else {
		add(l.T("outlying events"), 0, "")
	}
	var variants []string
	for _, g := range q.NameVariants {
		variants = append(variants, strings.Join(g, " / "))
	}
	add(l.T("event-name variants"), int64(len(q.NameVariants)), strings.Join(variants, "; "))
	var conf []string
	for _, c := range d.Conflicts {
		conf = append(conf, fmt.Sprintf("%s -> %s (+%d)", c.Anon, c.User, c.Conflicts))
	}
	add(l.T("identity conflicts"), q.IdentityConflicts, strings.Join(conf, "; "))
	tz := q.Timezone
	if tz == "" {
		tz = l.T("(no naive times)")
	}
	add(l.T("naive times"), q.NaiveTimes, l.T("read in %s", tz))
	imports := output.Table{Title: l.T("imports"), Columns: []string{l.T("file"), l.T("format"), l.T("imported at"), l.T("read"), l.T("imported"), l.T("duplicates"), l.T("rejected"), l.T("tz")}}
	for _, l := range d.Imports {
		imports.Rows = append(imports.Rows, []string{l.File, l.Format, l.ImportedAt, strconv.FormatInt(l.RowsRead, 10),
			strconv.FormatInt(l.Imported, 10), strconv.FormatInt(l.Duplicates, 10), strconv.FormatInt(l.Rejected, 10), l.Timezone})
	}
	return []output.Table{checks, imports}
}

func runDoctor(env *Env, args []string) error {
	fs := newFlags(env, "doctor", "[--db PATH] [--format F]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := importers.Diagnose(env.Ctx, db)
	if err != nil {
		return err
	}
	return emit(env, *format, doctorReport{d})
}
