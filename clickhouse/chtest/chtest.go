// Package chtest starts two clickhouse-server processes on loopback for
// tests: each has its own ports and data directory under a temporary
// directory, and together they are the two shards of the cluster
// ClusterName. A test package uses it so:
//
//	func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		c := chtest.Get(t) // skips when no server can be started
//		url := c.URL(0, db, "table=events")
//	}
//
// Get starts the servers on first use and Main stops them after the tests.
// The server is found as $SPOOR_CLICKHOUSE_SERVER, clickhouse-server on the
// PATH or /usr/sbin/clickhouse-server (the Debian package's).
package chtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ClusterName is the cluster (remote_servers) of the two servers, server 0
// being shard 1 and server 1 shard 2.
const ClusterName = "spoor_two"

// User and Password are an account with a password on both servers (the
// default user has none). The password has characters that need escaping
// in XML, URLs and SQL.
const (
	User     = "spoor"
	Password = `p'a"s\s&w<o>rd%`
	// ReadOnlyUser has the readonly=1 profile and no password.
	ReadOnlyUser = "reader"
)

// nativeOffset is a server's native (TCP) port minus its HTTP port; the
// same for both servers, as on a cluster whose hosts all use the default
// ports, so a shard's HTTP port can be told from its native port.
const nativeOffset = 1000

// Server is one clickhouse-server process.
type Server struct {
	HTTPPort, TCPPort int
	dir               string
	cmd               *exec.Cmd
	exited            chan struct{}
}

// HTTPAddr is the server's HTTP address.
func (s *Server) HTTPAddr() string { return "127.0.0.1:" + strconv.Itoa(s.HTTPPort) }

// Cluster is the two servers.
type Cluster struct {
	Dir     string
	Servers [2]*Server
}

var (
	once     sync.Once
	shared   *Cluster
	startErr error
)

// Get returns the servers of this test process, starting them on first
// use; without a server it skips the test saying why.
func Get(t testing.TB) *Cluster {
	t.Helper()
	once.Do(func() {
		shared, startErr = Start()
	})
	if startErr != nil {
		t.Skipf("no ClickHouse to test against: %v", startErr)
	}
	return shared
}

// Main runs the tests and then stops the servers Get started. What the
// tests' engines cache for later processes (the facts of a table) goes to
// a cache directory of their own, not the user's, removed at the end.
func Main(m *testing.M) int {
	if dir, err := os.MkdirTemp("", "spoor-cache-"); err == nil {
		defer os.RemoveAll(dir)
		os.Setenv("XDG_CACHE_HOME", dir)
	}
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// ServerBinary finds clickhouse-server.
func ServerBinary() (string, error) {
	if p := os.Getenv("SPOOR_CLICKHOUSE_SERVER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/clickhouse-server"); err == nil {
		return "/usr/sbin/clickhouse-server", nil
	}
	return "", errors.New("clickhouse-server is not installed (apt-get install clickhouse-server, or set $SPOOR_CLICKHOUSE_SERVER to its path)")
}

// Start starts two servers in a new temporary directory and waits until
// both answer. Ports are chosen free; a clash with another process taking
// the same port in the meantime is retried on other ports.
func Start() (*Cluster, error) {
	bin, err := ServerBinary()
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 0; attempt < 4; attempt++ {
		c, err := start(bin)
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

func start(bin string) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "spoor-clickhouse-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir}
	base, err := freeBase()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for i := range c.Servers {
		c.Servers[i] = &Server{HTTPPort: base + i, TCPPort: base + i + nativeOffset, dir: filepath.Join(dir, "s"+strconv.Itoa(i))}
	}
	for i, s := range c.Servers {
		if err := s.start(bin, c, base+i+2*nativeOffset); err != nil {
			c.Stop()
			return nil, err
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, s := range c.Servers {
		if err := s.wait(deadline); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// freeBase picks a port p with p, p+1 and the same plus nativeOffset and
// 2*nativeOffset all free on loopback.
func freeBase() (int, error) {
	for tries := 0; tries < 50; tries++ {
		n, _ := rand.Int(rand.Reader, big.NewInt(20000))
		base := 20000 + int(n.Int64())
		ok := true
		for _, p := range []int{base, base + 1, base + nativeOffset, base + 1 + nativeOffset, base + 2*nativeOffset, base + 1 + 2*nativeOffset} {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("found no free ports on 127.0.0.1")
}

func (s *Server) start(bin string, c *Cluster, interserver int) error {
	for _, sub := range []string{"data", "tmp", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(s.dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(s.dir, "config.xml"), []byte(s.config(c, interserver)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
		return err
	}
	out, err := os.Create(filepath.Join(s.dir, "stdout.log"))
	if err != nil {
		return err
	}
	defer out.Close()
	s.cmd = exec.Command(bin, "--config-file="+filepath.Join(s.dir, "config.xml"))
	s.cmd.Dir = s.dir
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = procAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("cannot start %s: %v", bin, err)
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }()
	return nil
}

// wait polls the server's /ping until it answers or it exits.
func (s *Server) wait(deadline time.Time) error {
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("clickhouse-server on port %d exited: %s", s.HTTPPort, s.logTail())
		default:
		}
		resp, err := client.Get("http://" + s.HTTPAddr() + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("clickhouse-server on port %d did not answer within a minute: %s", s.HTTPPort, s.logTail())
}

// logTail is the end of the server's logs, for an error message.
func (s *Server) logTail() string {
	var b []byte
	for _, f := range []string{"stdout.log", "error.log"} {
		x, _ := os.ReadFile(filepath.Join(s.dir, f))
		b = append(b, x...)
	}
	b = bytes.TrimSpace(b)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return string(b)
}

// Stop kills the servers and removes their directory. The data is thrown
// away, so there is nothing a graceful shutdown would keep, and a kill takes
// no time where a SIGTERM waits seconds for the server's threads.
func (c *Cluster) Stop() {
	for _, s := range c.Servers {
		if s != nil && s.exited != nil {
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
	os.RemoveAll(c.Dir)
}

// URL is a data source URL for server i (0 or 1) with the default user:
// clickhouse://default@127.0.0.1:PORT/DB?QUERY.
func (c *Cluster) URL(i int, db, query string) string {
	return fmt.Sprintf("clickhouse://default@%s/%s?%s", c.Servers[i].HTTPAddr(), db, query)
}

// PasswordURL is URL for User, its password in the URL.
func (c *Cluster) PasswordURL(i int, db, query string) string {
	return fmt.Sprintf("clickhouse://%s@%s/%s?%s", url.UserPassword(User, Password).String(), c.Servers[i].HTTPAddr(), db, query)
}

// execClient sends Exec's statements. Its idle connections are closed
// after a second, well before the server closes them (keep_alive_timeout,
// 10 s when unset): reusing a connection the server is closing at that
// moment fails a POST with EOF, and Go does not send a POST again, which
// made the loading of a test table fail now and then on a loaded machine.
var execClient = &http.Client{Transport: &http.Transport{Proxy: nil, IdleConnTimeout: time.Second}}

// Exec runs a statement as the default user on server i.
func (c *Cluster) Exec(i int, q string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+c.Servers[i].HTTPAddr()+"/", strings.NewReader(q))
	if err != nil {
		return "", err
	}
	resp, err := execClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", q, bytes.TrimSpace(b))
	}
	return string(b), err
}

// NewDatabase creates a database of a fresh name on both servers (a table
// of the cluster needs its database on every shard) and drops it when the
// test ends.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	for i := range c.Servers {
		if _, err := c.Exec(i, "CREATE DATABASE "+name); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for i := range c.Servers {
			c.Exec(i, "DROP DATABASE IF EXISTS "+name)
		}
	})
	return name
}

func (s *Server) config(c *Cluster, interserver int) string {
	x := html.EscapeString
	var shards strings.Builder
	for _, o := range c.Servers {
		fmt.Fprintf(&shards, "      <shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>\n", o.TCPPort)
	}
	return fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>%[1]s/server.log</log>
    <errorlog>%[1]s/error.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>%[2]d</http_port>
  <tcp_port>%[3]d</tcp_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>%[4]d</interserver_http_port>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/tmp/</tmp_path>
  <user_files_path>%[1]s/user_files/</user_files_path>
  <format_schema_path>%[1]s/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <remote_servers>
    <%[5]s>
%[6]s    </%[5]s>
  </remote_servers>
</yandex>
`, x(s.dir), s.HTTPPort, s.TCPPort, interserver, ClusterName, shards.String())
}

var usersXML = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <load_balancing>in_order</load_balancing>
    </default>
    <readonly>
      <readonly>1</readonly>
    </readonly>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <` + User + `>
      <password>` + html.EscapeString(Password) + `</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </` + User + `>
    <` + ReadOnlyUser + `>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>readonly</profile>
      <quota>default</quota>
    </` + ReadOnlyUser + `>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`
