package flow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// capture returns the value c takes from resp and its body.
func capture(c Capture, re *regexp.Regexp, resp *http.Response, body []byte) (string, error) {
	switch {
	case c.Cookie != "":
		for _, ck := range resp.Cookies() {
			if ck.Name == c.Cookie {
				return ck.Value, nil
			}
		}
		return "", fmt.Errorf("no cookie %q set", c.Cookie)
	case c.Header != "":
		if v := resp.Header.Get(c.Header); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("no header %q", c.Header)
	case c.JSON != "":
		return jsonPath(body, c.JSON)
	default:
		m := re.FindSubmatch(body)
		switch {
		case m == nil:
			return "", fmt.Errorf("regex %q did not match", c.Regex)
		case len(m) > 1:
			return string(m[1]), nil
		default:
			return string(m[0]), nil
		}
	}
}

// jsonPath returns the value at a dotted path ("user.id", "items.0.id"):
// strings as they are, numbers and booleans as written, objects and arrays
// as JSON.
func jsonPath(body []byte, path string) (string, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", fmt.Errorf("json %q: body is not JSON: %w", path, err)
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			e, ok := x[part]
			if !ok {
				return "", fmt.Errorf("json %q: no field %q", path, part)
			}
			v = e
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return "", fmt.Errorf("json %q: index %q out of range (length %d)", path, part, len(x))
			}
			v = x[i]
		default:
			return "", fmt.Errorf("json %q: %q is not inside an object or array", path, part)
		}
	}
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("json %q: null", path)
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	default:
		b, _ := json.Marshal(x)
		return string(b), nil
	}
}
