package termquery

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// DarkBackground asks the terminal f for its background colour (OSC 11,
// followed by a cursor-position request that every terminal answers, so a
// terminal that ignores OSC 11 still ends the wait at once) and waits at
// most wait for the answer. ok is false when f is not the foreground
// terminal, TERM says the answer cannot come (screen, tmux, dumb), or no
// colour came back in time; COLORFGBG is then used when it is set.
func DarkBackground(f *os.File, wait time.Duration) (dark, ok bool) {
	if t := os.Getenv("TERM"); t != "" && t != "dumb" && !strings.HasPrefix(t, "screen") && !strings.HasPrefix(t, "tmux") {
		if reply, err := ask(int(f.Fd()), "\x1b]11;?\x1b\\\x1b[6n", wait); err == nil {
			if dark, ok = parseBackground(reply); ok {
				return dark, true
			}
		}
	}
	return colorFGBG(os.Getenv("COLORFGBG"))
}

// parseBackground reads the lightness out of an OSC 11 answer such as
// "ESC]11;rgb:ffff/ffff/ffff ESC\": dark below one half (HSL lightness,
// as termenv decides).
func parseBackground(reply string) (dark, ok bool) {
	_, rgb, found := strings.Cut(reply, "]11;rgb:")
	if !found {
		return false, false
	}
	if end := strings.IndexAny(rgb, "\x1b\x07"); end >= 0 {
		rgb = rgb[:end]
	}
	parts := strings.Split(rgb, "/")
	if len(parts) != 3 {
		return false, false
	}
	lo, hi := 1.0, 0.0
	for _, p := range parts {
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil || len(p) == 0 || len(p) > 4 {
			return false, false
		}
		c := float64(v) / float64(uint64(1)<<(4*len(p))-1)
		lo, hi = min(lo, c), max(hi, c)
	}
	return (lo+hi)/2 < 0.5, true
}

// colorFGBG reads the background from COLORFGBG ("15;0": white on black),
// an ANSI colour number: 7 and 9-15 are light.
func colorFGBG(v string) (dark, ok bool) {
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return false, false
	}
	bg, err := strconv.Atoi(v[i+1:])
	if err != nil || bg < 0 || bg > 15 {
		return false, false
	}
	return bg != 7 && bg < 9, true
}
