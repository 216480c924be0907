// Package i18n is spoor's interface language: every text a person reads
// (workbench, help, headers, errors, hints) goes through its catalog, in
// English or Chinese. Machine interfaces (JSON keys, CSV and JSON output,
// spec-file keys, flag names, event and property names) never do, so they
// stay byte-identical across languages.
//
// A message's key is its English text, written as a string literal at the
// call (i18n.T, i18n.Errorf, i18n.N, i18n.M): a test reads the keys out of the
// source and fails when one has no Chinese. Each package registers its
// Chinese in its own zh.go:
//
//	func init() {
//		i18n.Chinese.Add(func() map[string]string { return map[string]string{"%d users": "%d 个用户"} })
//	}
//
// The catalog is golang.org/x/text/message: it was already a dependency
// (the GBK decoder), and it brings plural selection and locale number
// forms. Numbers given to a message are printed with thousands separators,
// so ports, years and ids are passed as strings.
package i18n

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is an interface language.
type Lang string

// The interface languages.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// Langs lists the interface languages, English first.
var Langs = []Lang{English, Chinese}

func (l Lang) tag() language.Tag {
	if l == Chinese {
		return language.SimplifiedChinese
	}
	return language.English
}

var (
	current atomic.Value // Lang
	mu      sync.Mutex
	builder = catalog.NewBuilder(catalog.Fallback(language.English))
	// registered holds every key given a translation, per language, to
	// answer Has and to find conflicting translations of one key.
	registered = map[Lang]map[string]string{}
	conflicts  []string
	printers   sync.Map // Lang -> *message.Printer
	// pending holds each language's messages not yet compiled into the
	// builder. Compiling every Chinese text took a few milliseconds of
	// every command's start (issue 19), most of them in English, so a
	// language's texts are compiled when it is first printed in.
	pending  = map[Lang][]func() error{}
	compiled sync.Map // Lang -> true while pending[Lang] and added[Lang] are empty
	// added holds, in order, what Add and AddPlural were given and have
	// not yet done: going through each key at every start (into
	// registered and pending) took a tenth of a command's CPU before main
	// ran, in a language most commands never print in (issue 19), so it
	// is done when a language is compiled or its keys are asked for.
	added = map[Lang][]func(){}
)

// Set makes l the language of every later message.
func Set(l Lang) { current.Store(l) }

// Current is the language messages are given in now (English until Set).
func Current() Lang {
	if l, ok := current.Load().(Lang); ok {
		return l
	}
	return English
}

// Parse reads a language name: "zh", "zh-CN", "zh_CN.UTF-8", "en", "C".
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(s, "zh"):
		return Chinese, true
	case strings.HasPrefix(s, "en"), s == "c", s == "posix", strings.HasPrefix(s, "c."):
		return English, true
	}
	return English, false
}

// Detect picks the interface language: the --lang flag's value, else
// $SPOOR_LANG, else the locale (LC_ALL, then LC_MESSAGES, then LANG, as
// POSIX orders them) when it names Chinese; English otherwise. A flag or
// $SPOOR_LANG naming no language is an error that says what to write.
func Detect(flag string, getenv func(string) string) (Lang, error) {
	for _, v := range []struct{ from, value string }{{"--lang", flag}, {"$SPOOR_LANG", getenv("SPOOR_LANG")}} {
		if v.value == "" {
			continue
		}
		l, ok := Parse(v.value)
		if !ok {
			return English, fmt.Errorf("%s %q is not an interface language: use zh (中文) or en", v.from, v.value)
		}
		return l, nil
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if l, _ := Parse(v); l == Chinese {
				return Chinese, nil
			}
			return English, nil
		}
	}
	return English, nil
}

// Add registers l's text for each English key, in the map msgs returns.
// A key given two different texts is a conflict the catalog test reports.
// msgs is called when l is first compiled or its keys are asked for, not
// at Add: building the maps of every package's catalog at each start
// (their keys hashed into fresh pages) cost every command some 6% of the
// CPU it spent before main, for a language it mostly never prints in.
func (l Lang) Add(msgs func() map[string]string) {
	mu.Lock()
	defer mu.Unlock()
	added[l] = append(added[l], func() { l.addMap(msgs()) })
	compiled.Delete(l)
}

// registeredIn is l's map of registered keys. mu is held.
func (l Lang) registeredIn() map[string]string {
	m := registered[l]
	if m == nil {
		m = map[string]string{}
		registered[l] = m
	}
	return m
}

// addMap registers msgs, as Add. mu is held.
func (l Lang) addMap(msgs map[string]string) {
	m := l.registeredIn()
	for key, text := range msgs {
		key, text = plainW(key), plainW(text)
		if old, ok := m[key]; ok && old != text {
			conflicts = append(conflicts, fmt.Sprintf("%s: %q is %q and %q", l, key, old, text))
			continue
		}
		m[key] = text
		l.later(key, func() error { return builder.SetString(l.tag(), key, text) })
	}
}

// merge does what Add and AddPlural were given for l, in the order they
// were given. mu is held.
func (l Lang) merge() {
	todo := added[l]
	delete(added, l)
	for _, add := range todo {
		add()
	}
}

// later queues compiling key's message in l until l is printed in (or
// Conflicts asks). mu is held.
func (l Lang) later(key string, set func() error) {
	pending[l] = append(pending[l], func() error {
		if err := set(); err != nil {
			return fmt.Errorf("%s: %q: %v", l, key, err)
		}
		return nil
	})
	compiled.Delete(l)
}

// compile puts l's pending messages into the builder.
func (l Lang) compile() {
	if _, ok := compiled.Load(l); ok {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	l.merge()
	for _, set := range pending[l] {
		if err := set(); err != nil {
			conflicts = append(conflicts, err.Error())
		}
	}
	delete(pending, l)
	compiled.Store(l, true)
}

// AddPlural registers l's plural forms of a key, chosen by the argument
// at position arg (1-based) and printed with format, e.g. for English
//
//	English.AddPlural("%d users", 1, "%d", "=1", "%d user", "other", "%d users")
//
// A plural form replaces the text added before it. Like Add's, its work
// waits until l is compiled or its keys are asked for.
func (l Lang) AddPlural(key string, arg int, format string, cases ...any) {
	mu.Lock()
	defer mu.Unlock()
	added[l] = append(added[l], func() {
		key := plainW(key)
		l.registeredIn()[key] = fmt.Sprint(cases...)
		l.later(key, func() error { return builder.Set(l.tag(), key, plural.Selectf(arg, format, cases...)) })
	})
	compiled.Delete(l)
}

// Has reports whether l has its own text for key.
func Has(l Lang, key string) bool {
	mu.Lock()
	defer mu.Unlock()
	l.merge()
	_, ok := registered[l][plainW(key)]
	return ok
}

// Keys lists the keys l has a text for, sorted.
func Keys(l Lang) []string {
	mu.Lock()
	defer mu.Unlock()
	l.merge()
	keys := make([]string, 0, len(registered[l]))
	for k := range registered[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Conflicts lists keys registered twice with different texts.
func Conflicts() []string {
	for _, l := range Langs {
		l.compile() // a text the catalog refuses is a conflict too
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), conflicts...)
}

func (l Lang) printer() *message.Printer {
	l.compile()
	if p, ok := printers.Load(l); ok {
		return p.(*message.Printer)
	}
	p, _ := printers.LoadOrStore(l, message.NewPrinter(l.tag(), message.Catalog(builder)))
	return p.(*message.Printer)
}

// T is the message key in the current language, formatted with args as
// fmt.Sprintf would (numbers grouped by thousands). key is a literal.
func T(key string, args ...any) string { return Current().T(key, args...) }

// T is the message key in l. An argument that has its own language
// (an M message, a duration with In(Lang)) is given in l too, not in the
// current language its String method would use.
func (l Lang) T(key string, args ...any) string {
	copied := false
	for i, a := range args {
		if sub, ok := a.(interface{ In(Lang) string }); ok {
			if !copied { // the caller's slice (a Msg's arguments) stays as it was
				args, copied = append([]any(nil), args...), true
			}
			args[i] = sub.In(l)
		}
	}
	return l.printer().Sprintf(plainW(key), args...)
}

// Text is s in the current language, where s is a key marked with N
// elsewhere (a tab name from a table, say): no formatting.
func Text(s string) string { return Current().Text(s) }

// Text is s in l, where s is a key marked with N.
func (l Lang) Text(s string) string { return l.printer().Sprintf(escapePercent(s)) }

// N marks a literal as a message key without translating it, for keys kept
// in tables and translated later by Text.
func N(key string) string { return key }

// Errorf is fmt.Errorf with the message from the catalog in the current
// language: %w wraps as it does there, so errors.Is and errors.As see the
// wrapped error.
func Errorf(key string, args ...any) error {
	wrapped := fmt.Errorf(key, args...)
	return &localized{msg: T(key, args...), wrapped: wrapped, key: key, args: args}
}

type localized struct {
	msg     string
	wrapped error
	key     string // with args, for InEnglish
	args    []any
}

// InEnglish is err's text in English, for an error kept in machine
// output (a JSON field), which reads the same in every language.
func InEnglish(err error) string { return ErrorMsg(err).In(English) }

// ErrorMsg keeps err's message to show later in either language, as M
// does: the messages of Errorf and Error, wrapped ones too, follow the
// language; any other error's text is its own.
func ErrorMsg(err error) Msg {
	switch e := err.(type) {
	case *localized:
		args := make([]any, len(e.args))
		for i, a := range e.args {
			if sub, ok := a.(error); ok {
				a = ErrorMsg(sub)
			}
			args[i] = a
		}
		return Msg{key: e.key, args: args}
	case Error:
		return Msg{key: escapePercent(string(e))}
	}
	return Msg{key: "%s", args: []any{err.Error()}}
}

func (e *localized) Error() string { return e.msg }

func (e *localized) Unwrap() []error {
	switch w := e.wrapped.(type) {
	case interface{ Unwrap() error }:
		if u := w.Unwrap(); u != nil {
			return []error{u}
		}
	case interface{ Unwrap() []error }:
		return w.Unwrap()
	}
	return nil
}

// plainW turns %w into %v: the printer knows no %w, and Errorf keeps the
// wrapping through fmt.Errorf.
func plainW(s string) string { return strings.ReplaceAll(s, "%w", "%v") }

// escapePercent keeps a plain text's % signs from reading as verbs.
func escapePercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	return strings.ReplaceAll(s, "%", "%%")
}

// Error is an error whose text is a catalog key read in the current
// language when shown: for sentinel errors, made before the language is
// chosen and compared with errors.Is. Mark the key with N:
//
//	var ErrEmpty error = i18n.Error(i18n.N("empty database"))
type Error string

func (e Error) Error() string { return Text(string(e)) }

// Msg is a sentence kept to be shown later or in two languages: a result's
// reason or verdict, which its JSON gives in English (machine output is
// the same in every language) and its text forms in the current language.
// Made by M.
type Msg struct {
	key  string
	args []any
}

// M keeps the message key with args, as T would format them. An argument
// that is itself a Msg (or has an In(Lang) method) is shown in the same
// language as the whole.
func M(key string, args ...any) Msg { return Msg{key: key, args: args} }

// In is the message in l.
func (m Msg) In(l Lang) string {
	if m.key == "" {
		return ""
	}
	return l.T(m.key, m.args...)
}

// String is the message in the current language.
func (m Msg) String() string { return m.In(Current()) }

// IsZero reports whether m holds no message.
func (m Msg) IsZero() bool { return m.key == "" }
