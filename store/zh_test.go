package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// Under Chinese the store's errors read in Chinese and still wrap their
// sentinel errors, which say themselves in the language shown.
func TestChineseErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(text, []byte("not sqlite at all, just some words to fill a header of one hundred bytes or so, and more"), 0o644); err != nil {
		t.Fatal(err)
	}
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	for _, c := range []struct {
		path string
		want string
		is   error
	}{
		{dir, dir + "：不是 spoor 数据库（它是目录，不是文件）", ErrNotSQLite},
		{text, text + "：不是 spoor 数据库（应是由 spoor import 写入的 SQLite 文件）", ErrNotSQLite},
		{filepath.Join(dir, "none.db"), filepath.Join(dir, "none.db") + " 没有数据库", ErrNoDatabase},
	} {
		_, err := Open(c.path, Options{})
		if err == nil || err.Error() != c.want || !errors.Is(err, c.is) {
			t.Errorf("Open(%s): %v, want %q wrapping %v", c.path, err, c.want, c.is)
		}
	}
}
