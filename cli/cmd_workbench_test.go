package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// The workbench's flags are parsed here and handed to the Workbench main
// passes in; mistakes are usage errors before it opens.
func TestWorkbenchFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want WorkbenchOptions
		err  string
	}{
		{nil, 0, WorkbenchOptions{}, ""},
		{[]string{"--db", "x.db"}, 0, WorkbenchOptions{DB: "x.db"}, ""},
		{[]string{"demo", "--lang", "en"}, 0, WorkbenchOptions{Scenario: "ecommerce", KeepLang: true}, ""},
		// A Chinese interface opens the sample whose data is Chinese.
		{[]string{"demo", "--lang", "zh"}, 0, WorkbenchOptions{Scenario: "education", KeepLang: true}, ""},
		{[]string{"demo", "--lang", "zh", "--scenario", "saas"}, 0, WorkbenchOptions{Scenario: "saas", KeepLang: true}, ""},
		{[]string{"demo", "--scenario", "saas"}, 0, WorkbenchOptions{Scenario: "saas"}, ""},
		{[]string{"demo", "--scenario", "nope"}, 2, WorkbenchOptions{}, "nope"},
		{[]string{"--scenario", "nope"}, 2, WorkbenchOptions{}, "nope"},
		{[]string{"--nope"}, 2, WorkbenchOptions{}, "flag provided but not defined"},
	} {
		var got *WorkbenchOptions
		wb := func(ctx context.Context, o WorkbenchOptions, in io.Reader, out io.Writer) error {
			got = &o
			return nil
		}
		var out, errb bytes.Buffer
		code := Run(context.Background(), wb, c.args, strings.NewReader(""), &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.err) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.err)
		}
		switch {
		case c.code != 0 && got != nil:
			t.Errorf("%q: the workbench opened after a usage error", c.args)
		case c.code == 0 && (got == nil || *got != c.want):
			t.Errorf("%q: workbench options %+v, want %+v", c.args, got, c.want)
		}
	}
	var out, errb bytes.Buffer
	if code := Run(context.Background(), nil, nil, strings.NewReader(""), &out, &errb); code != 1 || !strings.Contains(errb.String(), "not built") {
		t.Errorf("without a workbench: exit %d, %q", code, errb.String())
	}
}
