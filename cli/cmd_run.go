package cli

import (
	"errors"
	iofs "io/fs"

	"github.com/spoorhq/spoor/query"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/specfile"
)

func init() {
	register("run", i18n.N("run a saved analysis spec file (JSON or TOML) headless"), runSpec)
}

func runSpec(env *Env, args []string) error {
	fs := newFlags(env, "run", "FILE [--db PATH] [--format F]\n\n"+i18n.T("A spec file names its analysis and the same options as the command, e.g.")+"\n  {\"analysis\": \"funnel\", \"steps\": [{\"event\": \"view_item\"}, {\"event\": \"purchase\"}], \"window\": \"7d\", \"last\": \"30d\"}")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("run takes one spec file (spoor run FILE)")
	}
	spec, err := specfile.Read(fs.Arg(0))
	var pe *iofs.PathError
	if errors.As(err, &pe) { // the file could not be read: a runtime error
		return err
	}
	if err != nil {
		return usagef("%s: %v", fs.Arg(0), err)
	}
	d, closeData, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeData()
	res, err := spec.Run(env.Ctx, d)
	if err != nil {
		return err
	}
	if q, ok := spec.Query.(interface{ CommonOptions() query.Common }); ok {
		noteEmpty(env, d, q.CommonOptions())
	}
	return emit(env, *format, res)
}
