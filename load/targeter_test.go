package load

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestSmoothOrder(t *testing.T) {
	tests := []struct {
		weights []int
		want    []uint32
	}{
		{[]int{1}, []uint32{0}},
		{[]int{3, 1}, []uint32{0, 0, 1, 0}},
		{[]int{30, 10}, []uint32{0, 0, 1, 0}},
		{[]int{5, 1, 1}, []uint32{0, 0, 1, 0, 2, 0, 0}},
	}
	for _, tt := range tests {
		got, err := smoothOrder(append([]int(nil), tt.weights...))
		if err != nil {
			t.Fatalf("smoothOrder(%v): %v", tt.weights, err)
		}
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("smoothOrder(%v) (-got +want):\n%s", tt.weights, diff)
		}
	}
}

func TestPickerDeterministicAndAttributed(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:9/api/")
	p, err := newPicker(base, []Request{
		{Name: "read", Path: "items?id=1", Weight: 9},
		{Name: "write", Method: "post", Path: "items", Body: []byte("x"), Weight: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := p.targeter()
	counts := map[string]int{}
	var tgt vegeta.Target
	for i := 0; i < 1000; i++ {
		if err := tr(&tgt); err != nil {
			t.Fatal(err)
		}
		counts[p.names[p.index(tgt.Method, tgt.URL)]]++
	}
	if diff := cmp.Diff(counts, map[string]int{"read": 900, "write": 100}); diff != "" {
		t.Errorf("picks (-got +want):\n%s", diff)
	}
	if got, want := p.targets[0].URL, "http://127.0.0.1:9/api/items?id=1"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got, want := p.targets[1].Method, "POST"; got != want {
		t.Errorf("Method = %q, want %q", got, want)
	}
	if got := p.sent(); got != 1000 {
		t.Errorf("sent() = %d, want 1000", got)
	}
}

func TestPickerRejects(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:9")
	for _, reqs := range [][]Request{
		{{Path: "/", Weight: -1}},
		{{Path: "http://example.com/"}},
	} {
		if _, err := newPicker(base, reqs); err == nil {
			t.Errorf("newPicker(%+v) = nil error, want one", reqs)
		}
	}
}
