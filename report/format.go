package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Millis formats a latency given in milliseconds with a unit that suits
// it: "420 µs", "4.1 ms", "812 ms", "2.35 s".
func Millis(ms float64) string {
	switch {
	case ms == 0:
		return "0 ms"
	case ms < 0:
		return sig(ms) + " ms" // only from a damaged file; shown as it is
	case ms < 1:
		return sig(ms*1000) + " µs"
	case ms < 1000:
		return sig(ms) + " ms"
	default:
		return sig(ms/1000) + " s"
	}
}

// sig formats x with three significant figures, no exponent, no
// trailing zeros.
func sig(x float64) string {
	if x == 0 {
		return "0"
	}
	if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) >= 1e15 {
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	d := 2 - int(math.Floor(math.Log10(math.Abs(x))))
	if d < 0 {
		d = 0
	}
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Rate formats a request rate: "1,000/s", "999.8/s".
func Rate(r float64) string {
	return Number(r) + "/s"
}

// Number formats a count or rate with thousands separators and at most
// one decimal: "12,345", "999.8".
func Number(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) >= 1e15 {
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	neg := x < 0
	x = math.Abs(x)
	s := strconv.FormatFloat(x, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Percent formats a fraction as a percentage: "0%", "0.05%", "4.3%".
func Percent(f float64) string {
	if f == 0 {
		return "0%"
	}
	return sig(f*100) + "%"
}

// Bytes formats a byte count in binary units: "54 MiB".
func Bytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return sig(float64(b)/float64(div)) + " " + string("KMGTPE"[exp]) + "iB"
}

// loadLabel is a load level with its unit.
func loadLabel(model string, load float64) string {
	switch model {
	case "closed":
		return Number(load) + " client" + plural(int(load))
	case modelWebSocket:
		return Number(load) + " connection" + plural(int(load))
	case modelFlows:
		return Number(load) + " flows/s"
	}
	return Number(load) + " req/s"
}
