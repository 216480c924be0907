package cli

import (
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("user", i18n.N("one user's full timeline, including their linked anonymous ids"), runUser)
}

func runUser(env *Env, args []string) error {
	fs := newFlags(env, "user", "ID [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	tz := fs.String("tz", "", i18n.T("display timezone (IANA name), default the database's"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("user takes one user id; see spoor user -h")
	}
	if src, err := chSource(*dbPath); err != nil || src != nil {
		if err != nil {
			return err
		}
		loc, err := exploreLoc(time.UTC, *tz)
		if err != nil {
			return err
		}
		tl, err := chUser(env, src, fs.Arg(0), loc)
		if err != nil {
			return err
		}
		return emit(env, *format, tl)
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	dbLoc, err := db.Timezone(env.Ctx)
	if err != nil {
		return err
	}
	loc, err := exploreLoc(dbLoc, *tz)
	if err != nil {
		return err
	}
	tl, err := query.UserTimeline(env.Ctx, db, fs.Arg(0), loc)
	if err != nil {
		return err
	}
	return emit(env, *format, tl)
}
