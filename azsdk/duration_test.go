package azsdk

import (
	"testing"
	"time"
)

func TestParseISODuration(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		in   string
		want time.Duration
		code string // "" for success
	}{
		{"P90D", 90 * day, ""},
		{"p7d", 7 * day, ""},
		{"P2W", 14 * day, ""},
		{"PT48H", 48 * time.Hour, ""},
		{"P1DT2H3M4S", day + 2*time.Hour + 3*time.Minute + 4*time.Second, ""},
		{"P2Y", 0, "NotImplemented"},
		{"P18M", 0, "NotImplemented"},
		{"", 0, "BadParameter"},
		{"P", 0, "BadParameter"},
		{"PT", 0, "BadParameter"},
		{"90D", 0, "BadParameter"},
		{"P1H", 0, "BadParameter"},
		{"PT1D", 0, "BadParameter"},
		{"P1DT", 0, "BadParameter"},
		{"PTT1H", 0, "BadParameter"},
		{"P-1D", 0, "BadParameter"},
		{"P1.5D", 0, "BadParameter"},
		{"P99999999999999999999D", 0, "BadParameter"},
	}
	for _, c := range cases {
		got, err := parseISODuration("expiryTime", c.in)
		code := ""
		if err != nil {
			code = err.code
		}
		if got != c.want || code != c.code {
			t.Errorf("parseISODuration(%q) = %v, %q; want %v, %q", c.in, got, code, c.want, c.code)
		}
	}
}

func TestFormatISODuration(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{90 * 24 * time.Hour, "P90D"},
		{36 * time.Minute, "PT36M"},
		{26 * time.Hour, "P1DT2H"},
		{0, "PT0S"},
		{time.Second, "PT1S"},
	} {
		if got := formatISODuration(c.in); got != c.want {
			t.Errorf("formatISODuration(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzParseISODuration: the parser never panics, accepts only what it can
// write back, and format then parse is the identity on what it accepts.
func FuzzParseISODuration(f *testing.F) {
	for _, s := range []string{"P90D", "PT48H", "P1DT2H3M4S", "P2Y", "P", "PT", "P1W", "P999999D", "P1DT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseISODuration("f", s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("parseISODuration(%q) = %v < 0", s, d)
		}
		out := formatISODuration(d)
		d2, err := parseISODuration("f", out)
		if err != nil || d2 != d {
			t.Fatalf("parse(format(%v)) = %v, %v (format %q, input %q)", d, d2, err, out, s)
		}
	})
}
