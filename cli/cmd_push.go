package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/mattn/go-isatty"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/push"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("push", i18n.N("copy a local database into a ClickHouse table (again: only what is new)"), runPush)
}

func runPush(env *Env, args []string) error {
	fs := newFlags(env, "push", "--to clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE?table=TABLE[&cluster=NAME] [--db PATH]\n\n"+i18n.T("Creates the table when missing (with &cluster=NAME a table on every host and a\nDistributed table over them, each person's events on one shard) and sends the\nevents it lacks: pushing again sends nothing, after an import only the new\nevents. The password may come from $%s.", clickhouse.PasswordEnv))
	dbPath := dbFlag(fs)
	to := fs.String("to", "", i18n.T("the ClickHouse table to copy into, as a clickhouse:// URL"))
	batch := fs.Int("batch", 0, i18n.T("events per INSERT (default 500000, at most 1048576)"))
	quiet := fs.Bool("quiet", false, i18n.T("no progress display"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("push takes no arguments (got %q); name the target with --to URL", fs.Arg(0))
	}
	if *to == "" {
		return usagef("push needs --to clickhouse://HOST:PORT/DATABASE?table=TABLE")
	}
	if !clickhouse.IsURL(*to) {
		return usagef("--to is a ClickHouse URL starting with %s", clickhouse.Scheme)
	}
	src, err := clickhouse.ParseURL(*to, os.Getenv)
	if err != nil {
		return &UsageError{err.Error()}
	}
	if s, err := chSource(*dbPath); err != nil || s != nil {
		return usagef("push copies a local database file (--db PATH) into ClickHouse; --db names a ClickHouse table")
	}
	if *batch < 0 || *batch > 1<<20 {
		return usagef("--batch must be between 1 and 1048576 events")
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	return pushTo(env, db, src, *batch, *quiet)
}

// pushTo pushes db to the source's table, with progress on a terminal, and
// says what it did.
func pushTo(env *Env, db *store.DB, src *clickhouse.Source, batch int, quiet bool) error {
	opt := push.Options{Batch: batch}
	f, ok := env.Stderr.(*os.File)
	if !quiet && ok && isatty.IsTerminal(f.Fd()) {
		opt.Progress = func(done, total int64) {
			fmt.Fprint(f, "\r\x1b[K"+i18n.T("sent %d of %d events (%s)", done, total, output.Percent(float64(done)/float64(max(total, 1)))))
		}
	}
	res, err := push.Push(env.Ctx, db, clickhouse.NewClient(src), opt)
	if opt.Progress != nil {
		fmt.Fprint(f, "\r\x1b[K") // the progress line goes before anything is said
	}
	if errors.Is(err, context.Canceled) {
		return i18n.Errorf("interrupted; the events sent so far stay in the table, and pushing again sends the rest")
	}
	if err != nil {
		return err
	}
	env.printed = true
	if res.Created {
		fmt.Fprintln(env.Stdout, i18n.T("created the table and pushed %d new events to %s (the local database has %d)", res.Sent, src, res.Events))
	} else {
		fmt.Fprintln(env.Stdout, i18n.T("pushed %d new events to %s (the local database has %d)", res.Sent, src, res.Events))
	}
	if res.Restitched > 0 {
		fmt.Fprintln(env.Stdout, i18n.T("re-sent %d events already there whose ids a newer import linked to another person", res.Restitched))
	}
	return nil
}
