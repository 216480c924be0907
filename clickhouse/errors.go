package clickhouse

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spoorhq/spoor/i18n"
)

// Error is an exception the server reported. Error() says what it means
// for the user; Code and Message are the server's.
type Error struct {
	Code    int
	Message string
	addr    string
	user    string
}

// Error codes spoor explains (ClickHouse's ErrorCodes.cpp).
const (
	CodeUnknownTable     = 60
	CodeUnknownDatabase  = 81
	CodeUnknownIdent     = 47
	CodeNoSuchColumn     = 16
	CodeUnknownUser      = 192
	CodeWrongPassword    = 193
	CodeRequiredPassword = 194
	CodeAuthFailed       = 516
	CodeReadonly         = 164
	CodeQueryCancelled   = 394
)

// transientCodes are a distributed query's connection between servers
// failing mid-way (UNEXPECTED_PACKET_FROM_CLIENT, SOCKET_TIMEOUT,
// NETWORK_ERROR): 18.16 sometimes drops one under load, and the same read
// succeeds when asked again.
var transientCodes = map[int]bool{101: true, 209: true, 210: true}

// transient reports whether err is the server's transient network failure.
func transient(err error) bool {
	var e *Error
	return errors.As(err, &e) && transientCodes[e.Code]
}

// limitCodes are the server refusing or stopping a query over its limits.
var limitCodes = map[int]bool{
	158: true, // TOO_MANY_ROWS
	159: true, // TIMEOUT_EXCEEDED
	160: true, // TOO_SLOW
	201: true, // QUOTA_EXPIRED
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	241: true, // MEMORY_LIMIT_EXCEEDED
	307: true, // TOO_MANY_BYTES
	396: true, // TOO_MANY_ROWS_OR_BYTES
}

func (e *Error) Error() string {
	switch {
	case e.Code == CodeUnknownUser || e.Code == CodeWrongPassword || e.Code == CodeRequiredPassword || e.Code == CodeAuthFailed:
		return i18n.T("ClickHouse at %s refused user %q: wrong user name or password (give them in the URL as USER:PASSWORD@HOST, or the password in $%s)", e.addr, e.user, PasswordEnv)
	case limitCodes[e.Code]:
		return i18n.T("the query went over ClickHouse's limits at %s: %s (narrow it, e.g. with --from/--to or --where, or ask the server's administrator to raise the limit)", e.addr, e.Message)
	case e.Code == CodeReadonly:
		return i18n.T("ClickHouse at %s refused: %s (the statement writes, or user %q is read-only)", e.addr, e.Message, e.user)
	case e.Code == CodeQueryCancelled:
		return i18n.T("the query was cancelled on the server")
	}
	return i18n.T("ClickHouse at %s: %s (code %s)", e.addr, e.Message, strconv.Itoa(e.Code))
}

// IsCode reports whether err is a server exception with one of codes.
func IsCode(err error, codes ...int) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// exceptionRE reads both exception forms: 18.16's "Code: 60,
// e.displayText() = DB::Exception: Table x doesn't exist., e.what() =
// DB::Exception" and newer "Code: 60. DB::Exception: Table x doesn't exist.
// (UNKNOWN_TABLE) (version 23.8.1)".
// (Compiled on first use, not in a fresh process's init.)
var exceptionRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?s)^Code: (\d+)[.,] (?:e\.displayText\(\) = )?(?:DB::Exception: )?(.*?)(?:, e\.what\(\) = \S+)?(?: \([A-Z_]+\))?(?: \(version [^)]*\))?\s*$`)
})

func (c *Client) serverError(status int, body string) error {
	if m := exceptionRE().FindStringSubmatch(strings.TrimSpace(body)); m != nil {
		code, _ := strconv.Atoi(m[1])
		return &Error{Code: code, Message: strings.TrimSpace(m[2]), addr: c.addr, user: c.src.User}
	}
	body = strings.TrimSpace(body)
	if len(body) > 200 {
		body = body[:200] + "..."
	}
	if strings.Contains(body, "clickhouse-client") {
		// The native port answers HTTP with "Port 9000 is for
		// clickhouse-client program. You must use port 8123 for HTTP."
		return i18n.Errorf("%s is ClickHouse's native port, not its HTTP port (usually %s): %s", c.addr, strconv.Itoa(DefaultPort), body)
	}
	return i18n.Errorf("%s answered HTTP %s, not as ClickHouse's HTTP interface does (is it the HTTP port, usually %s?): %s", c.addr, strconv.Itoa(status), strconv.Itoa(DefaultPort), body)
}

// netError explains a failure to talk to the server.
func (c *Client) netError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return i18n.Errorf("cannot reach ClickHouse at %s: no host is named %s (check the URL's host)", c.addr, dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return i18n.Errorf("cannot reach ClickHouse at %s: connection refused (is the server running, and is that its HTTP port? the default is %s)", c.addr, strconv.Itoa(DefaultPort))
	case errors.As(err, &op) && op.Op == "dial":
		return i18n.Errorf("cannot reach ClickHouse at %s: %v", c.addr, op.Err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // without the request's URL
	}
	return i18n.Errorf("lost the connection to ClickHouse at %s: %v", c.addr, err)
}
