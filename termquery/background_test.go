package termquery

import "testing"

func TestParseBackground(t *testing.T) {
	for _, c := range []struct {
		reply    string
		dark, ok bool
	}{
		{"\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[5;1R", true, true},
		{"\x1b]11;rgb:ffff/ffff/ffff\x07\x1b[5;1R", false, true},
		{"\x1b]11;rgb:fd/f6/e3\x1b\\", false, true},      // solarized light, two digits
		{"\x1b]11;rgb:00/2b/36\x1b\\", true, true},       // solarized dark
		{"\x1b]11;rgb:7fff/7fff/7fff\x1b\\", true, true}, // just under half
		{"\x1b]11;rgb:8000/8000/8000\x1b\\", false, true},
		{"\x1b[5;1R", false, false}, // answered the cursor request only
		{"\x1b]11;rgb:zz/00/00\x1b\\", false, false},
		{"\x1b]11;rgb:00/00\x1b\\", false, false},
	} {
		dark, ok := parseBackground(c.reply)
		if dark != c.dark || ok != c.ok {
			t.Errorf("parseBackground(%q) = %v, %v; want %v, %v", c.reply, dark, ok, c.dark, c.ok)
		}
	}
}

func TestColorFGBG(t *testing.T) {
	for v, want := range map[string][2]bool{
		"15;0": {true, true}, "0;15": {false, true}, "0;7": {false, true}, "15;default;0": {true, true},
		"": {false, false}, "15": {false, false}, "0;x": {false, false},
	} {
		if dark, ok := colorFGBG(v); dark != want[0] || ok != want[1] {
			t.Errorf("colorFGBG(%q) = %v, %v; want %v", v, dark, ok, want)
		}
	}
}

func TestCursorReport(t *testing.T) {
	for s, want := range map[string]bool{
		"\x1b[12;40R": true, "\x1b]11;rgb:0/0/0\x1b\\\x1b[1;1R": true,
		"\x1b[12;R": false, "\x1b[;1R": false, "\x1b[1;1": false, "R": false,
	} {
		if got := cursorReport(s); got != want {
			t.Errorf("cursorReport(%q) = %v", s, got)
		}
	}
}
