package tui

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/guptarohit/asciigraph"
)

// Styles is the one theme of the workbench. Views take their styles from
// here so no color literal appears in a View. lipgloss degrades every color
// to nothing when NO_COLOR is set or the output is not a terminal.
type Styles struct {
	Header, HeaderDim       lipgloss.Style
	Tab, TabActive, TabRule lipgloss.Style
	Footer, FooterKey       lipgloss.Style
	Status, Error, Dim      lipgloss.Style
	Title, Label, Value     lipgloss.Style
	Selected, Cursor        lipgloss.Style
	Panel, PanelFocused     lipgloss.Style
	Dialog, DialogTitle     lipgloss.Style
	Match                   lipgloss.Style
	Bar, BarDrop, Negative  lipgloss.Style
	Box                     lipgloss.Style   // unstyled, for sizing blocks
	Heat                    []lipgloss.Style // light to dark retention cells
	Series                  []lipgloss.Style // one per chart series, matching SeriesColors
	// SeriesColors are asciigraph's ANSI colors for the same series; empty
	// when the terminal has no colors, so asciigraph writes plain text.
	SeriesColors []asciigraph.AnsiColor
	// Plain is set without colors (NO_COLOR, no terminal): reverse video
	// is gone too, so selections also get a visible mark.
	Plain bool
}

// DefaultStyles builds the theme; color is false under NO_COLOR or without
// a terminal, which only matters for asciigraph's own escape codes.
func DefaultStyles(color bool) Styles {
	accent := lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#A08CFF"}
	subtle := lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}
	text := lipgloss.AdaptiveColor{Light: "#1A1A1A", Dark: "#E4E4E4"}
	red := lipgloss.AdaptiveColor{Light: "#C0392B", Dark: "#FF6B6B"}
	green := lipgloss.AdaptiveColor{Light: "#1E8449", Dark: "#6BCB77"}
	s := Styles{
		Header:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		HeaderDim:    lipgloss.NewStyle().Foreground(subtle),
		Tab:          lipgloss.NewStyle().Foreground(subtle).Padding(0, 1),
		TabActive:    lipgloss.NewStyle().Bold(true).Reverse(true).Padding(0, 1),
		TabRule:      lipgloss.NewStyle().Foreground(subtle),
		Footer:       lipgloss.NewStyle().Foreground(subtle),
		FooterKey:    lipgloss.NewStyle().Foreground(accent).Bold(true),
		Status:       lipgloss.NewStyle().Foreground(green),
		Error:        lipgloss.NewStyle().Foreground(red).Bold(true),
		Dim:          lipgloss.NewStyle().Foreground(subtle),
		Title:        lipgloss.NewStyle().Bold(true).Foreground(text),
		Label:        lipgloss.NewStyle().Foreground(subtle),
		Value:        lipgloss.NewStyle().Foreground(text),
		Selected:     lipgloss.NewStyle().Reverse(true),
		Cursor:       lipgloss.NewStyle().Foreground(accent).Bold(true),
		Panel:        lipgloss.NewStyle().Border(lipgloss.NormalBorder(), false, true, false, false).BorderForeground(subtle).PaddingRight(1),
		PanelFocused: lipgloss.NewStyle().Border(lipgloss.NormalBorder(), false, true, false, false).BorderForeground(accent).PaddingRight(1),
		Dialog:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		DialogTitle:  lipgloss.NewStyle().Bold(true).Foreground(accent),
		Match:        lipgloss.NewStyle().Underline(true).Foreground(accent),
		Bar:          lipgloss.NewStyle().Foreground(accent),
		BarDrop:      lipgloss.NewStyle().Foreground(subtle),
		Negative:     lipgloss.NewStyle().Foreground(red),
		Box:          lipgloss.NewStyle(),
	}
	for _, c := range []string{"#E8E4FF", "#C9BFFF", "#A08CFF", "#7A5CFF", "#5A3FC0"} {
		// Dark cells get light text so the percentage stays readable.
		fg := lipgloss.Color("#1A1A1A")
		if c == "#7A5CFF" || c == "#5A3FC0" {
			fg = lipgloss.Color("#FFFFFF")
		}
		s.Heat = append(s.Heat, lipgloss.NewStyle().Background(lipgloss.Color(c)).Foreground(fg))
	}
	ansi := []asciigraph.AnsiColor{asciigraph.Blue, asciigraph.Red, asciigraph.Green, asciigraph.Yellow, asciigraph.Magenta, asciigraph.Cyan}
	for _, c := range []string{"4", "1", "2", "3", "5", "6"} {
		s.Series = append(s.Series, lipgloss.NewStyle().Foreground(lipgloss.Color(c)))
	}
	if color {
		s.SeriesColors = ansi
	} else {
		s.Plain = true
		s.TabActive = lipgloss.NewStyle().Bold(true)
	}
	return s
}
