package clickhouse

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/spoorhq/spoor/i18n"
)

// Scheme starts every ClickHouse data source URL.
const Scheme = "clickhouse://"

// PasswordEnv names the variable a password is read from when the URL has
// none, so it need not appear in a shell's history or a process list.
const PasswordEnv = "SPOOR_CLICKHOUSE_PASSWORD"

// DefaultPort is ClickHouse's HTTP port.
const DefaultPort = 8123

// Source is a parsed data source URL:
//
//	clickhouse://[user[:password]@]HOST[:PORT]/DATABASE?table=TABLE[&cluster=NAME]
//	    [&schema=posthog | &user=COL&event=COL&time=COL][&shards=HOST:PORT,...]
//
// Its String never shows the password.
type Source struct {
	User     string
	password string
	Host     string
	Port     int
	Database string
	Table    string
	// Cluster names the cluster (remote_servers) the table is spread over:
	// push creates TABLE_local on every shard and TABLE as a Distributed
	// table over them.
	Cluster string
	// Schema is "spoor" (the table push writes), "posthog", or "columns"
	// (UserCol, EventCol and TimeCol name the columns).
	Schema                     string
	UserCol, EventCol, TimeCol string
	// Shards are the HTTP addresses of the cluster's shards, for servers
	// without distributed DDL (ON CLUSTER needs ZooKeeper); when empty each
	// shard's HTTP port is guessed from its native port (see Client.Shards).
	Shards []string
}

// IsURL tells a ClickHouse data source from a database file path.
func IsURL(s string) bool { return strings.HasPrefix(strings.ToLower(s), Scheme) }

// identRE is what a database, table, cluster or column name may be: the
// names ClickHouse accepts unquoted (they are quoted in SQL all the same).
// (Compiled on first use, not in a fresh process's init.)
var identRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// ParseURL parses a data source URL. getenv (os.Getenv) supplies the
// password when the URL has none. Errors name the mistake and never repeat
// the URL, which may hold a password.
func ParseURL(raw string, getenv func(string) string) (*Source, error) {
	if !IsURL(raw) {
		return nil, i18n.Errorf("a ClickHouse data source starts with %s", Scheme)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, i18n.Errorf("the ClickHouse URL is malformed (%s); the form is %sUSER:PASSWORD@HOST:PORT/DATABASE?table=TABLE", urlErrorReason(err), Scheme)
	}
	s := &Source{User: "default", Port: DefaultPort, Database: "default", Schema: "spoor"}
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			s.User = name
		}
		s.password, _ = u.User.Password()
	}
	if s.password == "" && getenv != nil {
		s.password = getenv(PasswordEnv)
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return nil, i18n.Errorf("the ClickHouse URL names no host: %sHOST:PORT/DATABASE?table=TABLE", Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, i18n.Errorf("the ClickHouse port %q is not a port number (the HTTP port is usually %s)", p, strconv.Itoa(DefaultPort))
		}
		s.Port = n
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		s.Database = db
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, i18n.Errorf("the ClickHouse URL's parameters do not parse: write them as ?table=TABLE&cluster=NAME, separated by &")
	}
	for key, vals := range q {
		if len(vals) > 1 {
			return nil, i18n.Errorf("the ClickHouse URL gives %s twice", key)
		}
		switch key {
		case "table":
			s.Table = vals[0]
		case "cluster":
			s.Cluster = vals[0]
		case "schema":
			s.Schema = vals[0]
		case "user":
			s.UserCol = vals[0]
		case "event":
			s.EventCol = vals[0]
		case "time":
			s.TimeCol = vals[0]
		case "shards":
			for _, a := range strings.Split(vals[0], ",") {
				if _, _, err := net.SplitHostPort(a); err != nil {
					return nil, i18n.Errorf("shards=%s: each shard is HOST:HTTP_PORT, separated by commas", vals[0])
				}
				s.Shards = append(s.Shards, a)
			}
		default:
			return nil, i18n.Errorf("the ClickHouse URL has an unknown parameter %q (known: table, cluster, schema, user, event, time, shards)", key)
		}
	}
	if s.Table == "" {
		return nil, i18n.Errorf("the ClickHouse URL names no table: add ?table=TABLE")
	}
	cols := s.UserCol != "" || s.EventCol != "" || s.TimeCol != ""
	switch {
	case s.Schema != "spoor" && s.Schema != "posthog":
		return nil, i18n.Errorf("schema=%s: the known schemas are posthog and spoor (the table spoor push writes); for another table name its columns with user=COL&event=COL&time=COL", s.Schema)
	case cols && s.Schema == "posthog":
		return nil, i18n.Errorf("give either schema=posthog or user=COL&event=COL&time=COL, not both")
	case cols && (s.UserCol == "" || s.EventCol == "" || s.TimeCol == ""):
		return nil, i18n.Errorf("a table named by its columns needs all three of user=COL, event=COL and time=COL")
	case cols:
		s.Schema = "columns"
	}
	for _, n := range []struct {
		what i18n.Msg
		name string
	}{
		{i18n.M("the database name %q", s.Database), s.Database}, {i18n.M("the table name %q", s.Table), s.Table}, {i18n.M("the cluster name %q", s.Cluster), s.Cluster},
		{i18n.M("the user column's name %q", s.UserCol), s.UserCol}, {i18n.M("the event column's name %q", s.EventCol), s.EventCol}, {i18n.M("the time column's name %q", s.TimeCol), s.TimeCol},
	} {
		if n.name != "" && !identRE().MatchString(n.name) {
			return nil, i18n.Errorf("%s has characters spoor does not accept in a ClickHouse name (letters, digits and _, not starting with a digit)", n.what)
		}
	}
	return s, nil
}

// urlErrorReason is net/url's complaint without the text it quotes, which
// may be part of a password.
func urlErrorReason(err error) string {
	if ue, ok := err.(*url.Error); ok {
		err = ue.Err
	}
	switch err.(type) {
	case url.EscapeError:
		return i18n.T("a %% that does not start a %%XX escape: write %% as %%25")
	case url.InvalidHostError:
		return i18n.T("the host has a character a host name cannot have")
	}
	if strings.Contains(err.Error(), "invalid port") {
		return i18n.T("the port is not a number")
	}
	return i18n.T("it does not parse as a URL: letters such as @ / ? # in the password are written %%40 %%2F %%3F %%23")
}

// HasPassword reports whether a password was given (URL or environment).
func (s *Source) HasPassword() bool { return s.password != "" }

// Addr is the server's HTTP address, HOST:PORT.
func (s Source) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// String is the URL with the password left out: safe to print and log.
func (s Source) String() string {
	var b strings.Builder
	b.WriteString(Scheme)
	b.WriteString(url.UserPassword(s.User, "").Username())
	if s.password != "" {
		b.WriteString(":***")
	}
	b.WriteString("@")
	b.WriteString(s.Addr())
	b.WriteString("/")
	b.WriteString(s.Database)
	q := url.Values{"table": {s.Table}}
	if s.Cluster != "" {
		q.Set("cluster", s.Cluster)
	}
	switch s.Schema {
	case "posthog":
		q.Set("schema", "posthog")
	case "columns":
		q.Set("user", s.UserCol)
		q.Set("event", s.EventCol)
		q.Set("time", s.TimeCol)
	}
	if len(s.Shards) > 0 {
		q.Set("shards", strings.Join(s.Shards, ","))
	}
	b.WriteString("?")
	b.WriteString(q.Encode())
	return b.String()
}

// GoString keeps %#v from printing the password too.
func (s Source) GoString() string { return s.String() }

// Format keeps every verb (%v, %+v, %s) to String, so no formatting of a
// Source prints the password field.
func (s Source) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

// LocalCopy is the local spoor database kept for the table, in the user's
// cache directory (one per server, database and table): spoor import
// --db clickhouse://... imports into it and pushes what is new, and the
// table's saved segments and audiences are kept in it.
func (s *Source) LocalCopy() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", i18n.Errorf("no cache directory for the local copy of the ClickHouse table (%v); import into a file and spoor push it", err)
	}
	dir = filepath.Join(dir, "spoor")
	// A directory that cannot be made (a read-only home) fails only the
	// commands that write the copy, saying the directory is missing; the
	// analyses read no copy then.
	os.MkdirAll(dir, 0o700)
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' {
			return r
		}
		return '-'
	}, s.Addr()+"-"+s.Database+"-"+s.Table)
	return filepath.Join(dir, "clickhouse-"+name+".db"), nil
}
