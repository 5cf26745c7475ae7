package azsdk

import (
	"strconv"
	"strings"
	"time"
)

// maxISODuration bounds a parsed duration well inside time.Duration's
// range (about 292 years); the vault refuses anything above 100 years.
const maxISODuration = 200 * 365 * 24 * time.Hour

// parseISODuration parses the ISO 8601 durations of rotation policies
// ("P90D", "PT48H", "P1W"). Years and months are calendar units whose
// length depends on the date they are counted from; the vault counts
// policies in fixed durations, so they are refused as not modelled rather
// than approximated.
func parseISODuration(field, s string) (time.Duration, *wireError) {
	bad := func() (time.Duration, *wireError) {
		return 0, badParameter("%s %q is not an ISO 8601 duration such as P90D or PT48H", field, clip(s))
	}
	rest, found := strings.CutPrefix(strings.ToUpper(s), "P")
	if !found || rest == "" {
		return bad()
	}
	var total time.Duration
	inTime, seen := false, false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return bad()
			}
			inTime, rest = true, rest[1:]
			if rest == "" {
				return bad()
			}
			continue
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return bad()
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return bad()
		}
		unit := rest[i]
		rest = rest[i+1:]
		var u time.Duration
		switch {
		case !inTime && (unit == 'Y' || unit == 'M'):
			return 0, notImplemented("%s %q in years or months (calendar units)", field, clip(s))
		case !inTime && unit == 'W':
			u = 7 * 24 * time.Hour
		case !inTime && unit == 'D':
			u = 24 * time.Hour
		case inTime && unit == 'H':
			u = time.Hour
		case inTime && unit == 'M':
			u = time.Minute
		case inTime && unit == 'S':
			u = time.Second
		default:
			return bad()
		}
		if time.Duration(n) > (maxISODuration-total)/u {
			return bad()
		}
		total += time.Duration(n) * u
		seen = true
	}
	if !seen {
		return bad()
	}
	return total, nil
}

// formatISODuration writes d as days when it is a whole number of days
// ("P90D"), else as days and time ("P1DT2H", "PT36M").
func formatISODuration(d time.Duration) string {
	day := 24 * time.Hour
	days, rest := d/day, d%day
	var b strings.Builder
	b.WriteString("P")
	if days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10) + "D")
	}
	if rest > 0 || days == 0 {
		b.WriteString("T")
		h, m, s := rest/time.Hour, rest%time.Hour/time.Minute, rest%time.Minute/time.Second
		if h > 0 {
			b.WriteString(strconv.FormatInt(int64(h), 10) + "H")
		}
		if m > 0 {
			b.WriteString(strconv.FormatInt(int64(m), 10) + "M")
		}
		if s > 0 || (h == 0 && m == 0) {
			b.WriteString(strconv.FormatInt(int64(s), 10) + "S")
		}
	}
	return b.String()
}
