package load

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// maxWeightCycle bounds the precomputed weighted order (weights are reduced
// by their greatest common divisor first).
const maxWeightCycle = 1 << 20

// picker chooses the request for each hit by weight, deterministically: it
// walks a precomputed smooth weighted round-robin order (the nginx
// algorithm), so weights 3:1 give A A B A, A A B A … and every window of one
// cycle holds the exact proportions. Picking is one atomic add; the counter
// doubles as the number of hits sent, which Little's law needs.
type picker struct {
	targets []vegeta.Target
	names   []string
	order   []uint32
	next    atomic.Uint64
	// byURL maps a target URL to the indices of the requests using it, so a
	// result (which carries method and URL only) can be attributed by name.
	byURL map[string][]int
}

// newPicker builds the targets of reqs against base.
func newPicker(base *url.URL, reqs []Request) (*picker, error) {
	p := &picker{byURL: make(map[string][]int, len(reqs))}
	weights := make([]int, len(reqs))
	for i, r := range reqs {
		ref, err := url.Parse(r.Path)
		if err != nil {
			return nil, fmt.Errorf("requests[%d] %q: path %q: %w", i, r.Name, r.Path, err)
		}
		if ref.IsAbs() || ref.Host != "" {
			return nil, fmt.Errorf("requests[%d] %q: path %q must be relative to the base URL", i, r.Name, r.Path)
		}
		u := base.JoinPath(ref.Path)
		u.RawQuery = ref.RawQuery
		method := strings.ToUpper(r.Method)
		if method == "" {
			method = http.MethodGet
		}
		name := r.Name
		if name == "" {
			name = method + " " + r.Path
		}
		p.targets = append(p.targets, vegeta.Target{Method: method, URL: u.String(), Body: r.Body, Header: r.Headers.Clone()})
		p.names = append(p.names, name)
		p.byURL[u.String()] = append(p.byURL[u.String()], i)
		switch {
		case r.Weight < 0:
			return nil, fmt.Errorf("requests[%d] %q: weight must be ≥ 0, got %d", i, name, r.Weight)
		case r.Weight == 0:
			weights[i] = 1
		default:
			weights[i] = r.Weight
		}
	}
	order, err := smoothOrder(weights)
	if err != nil {
		return nil, err
	}
	p.order = order
	return p, nil
}

// smoothOrder returns one cycle of smooth weighted round robin over weights.
func smoothOrder(weights []int) ([]uint32, error) {
	g := 0
	for _, w := range weights {
		g = gcd(g, w)
	}
	total := 0
	for i := range weights {
		weights[i] /= g
		total += weights[i]
		if total > maxWeightCycle {
			return nil, fmt.Errorf("request weights: sum after dividing by their common divisor must be ≤ %d", maxWeightCycle)
		}
	}
	order := make([]uint32, total)
	current := make([]int, len(weights))
	for k := range order {
		best := 0
		for i, w := range weights {
			current[i] += w
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		order[k] = uint32(best)
	}
	return order, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// targeter returns the vegeta.Targeter that hands out the next request.
func (p *picker) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		*t = p.targets[p.pick()]
		return nil
	}
}

// pick returns the index of the next request to send and counts it sent.
func (p *picker) pick() int {
	i := p.next.Add(1) - 1
	return int(p.order[i%uint64(len(p.order))])
}

// sent is the number of hits handed out so far.
func (p *picker) sent() uint64 { return p.next.Load() }

// index returns the request a result with this method and URL came from.
func (p *picker) index(method, u string) int {
	if len(p.targets) == 1 {
		return 0
	}
	for _, i := range p.byURL[u] {
		if p.targets[i].Method == method {
			return i
		}
	}
	return -1
}
