package report

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	// src marks a data: URI built here from PNG bytes as safe for src.
	"src": func(s string) template.URL { return template.URL(s) },
	// css marks a colour built here ("#rrggbb") as safe in a style.
	"css": func(s string) template.CSS { return template.CSS(s) },
	"add": func(a, b int) int { return a + b },
	// quickBanner is the warning shown on a --quick run.
	"quickBanner": func() string { return quickBanner },
}).Parse(pageTemplate))

func dataURI(png []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

// HTML writes the self-contained report page for pg.
func HTML(w io.Writer, pg Page) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, pg); err != nil {
		return fmt.Errorf("render report.html: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
