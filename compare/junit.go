package compare

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit writes the comparison as a JUnit XML report: one testsuite per
// target, one testcase per level × metric ("p99 at 1000 req/s"), a
// <failure> for each regression and <skipped> where no test could be run.
func JUnit(w io.Writer, t *Table) error {
	doc := junitSuites{Name: "scalebench compare"}
	index := map[string]int{}
	for _, r := range t.Rows {
		i, ok := index[r.Target]
		if !ok {
			i = len(doc.Suites)
			index[r.Target] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: r.Target})
		}
		s := &doc.Suites[i]
		tc := junitCase{
			Classname: "scalebench.compare." + r.Target,
			Name:      fmt.Sprintf("%s at %s", r.Metric.Name, FormatLoad(r.Load, r.LoadUnit)),
		}
		switch {
		case r.Regression:
			tc.Failure = &junitFailure{Type: "regression", Message: r.Describe(), Text: caseDetail(t, r)}
			s.Failures++
		case !r.Tested():
			tc.Skipped = &junitSkipped{Message: r.Note}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func caseDetail(t *Table, r Row) string {
	p := "= " + FormatP(r)
	if strings.HasPrefix(p, "= <") {
		p = p[2:]
	}
	return fmt.Sprintf("base %s → new %s (%s, 95%% CI %s); p %s after %s correction (%s, n = %d vs %d); threshold %s",
		FormatValue(r.Base, r.Metric.Unit), FormatValue(r.New, r.Metric.Unit), FormatChange(r.Ratio), orDash(FormatCI(r.RatioCI)),
		p, CorrectionName(t.Correction), r.Method, r.N1, r.N2, pct(t.Threshold))
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}
