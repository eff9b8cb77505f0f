package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/scalebench/scalebench/app/cpuwork"
)

// Bounds on what one request may ask for.
const (
	// MaxCPU bounds /work?cpu=.
	MaxCPU = 10 * time.Second
	// MaxDelay bounds /io?delay=.
	MaxDelay = 60 * time.Second
)

// Handler returns the app's routes for the instance called id; worker is
// the cluster worker slot (0 when not in a cluster).
func Handler(id string, worker int) http.Handler {
	pid := os.Getpid()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			Instance string `json:"instance"`
			PID      int    `json:"pid"`
			Worker   int    `json:"worker"`
		}{id, pid, worker})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /work", workHandler(newContention()))
	mux.HandleFunc("GET /io", handleIO)
	return withInstance(id, mux)
}

// withInstance sets InstanceHeader on every response, errors included.
func withInstance(id string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(InstanceHeader, id)
		next.ServeHTTP(w, r)
	})
}

// workHandler burns ?cpu= of thread CPU time, then holds the section
// shared by every instance for ?serial= plus ?coherency= × (peers − 1)
// (contention.go; both optional).
func workHandler(c *contention) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := durationParam(r, "cpu", MaxCPU)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		serial, coherency, err := contentionParams(r, c.serial, c.coherency)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		start := time.Now()
		used, err := cpuwork.Burn(r.Context(), d)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		held, err := c.hold(r.Context(), serial, coherency)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "{\"cpu_ms\":%.3f,\"serial_ms\":%.3f,\"wall_ms\":%.3f}\n",
			float64(used)/1e6, float64(held)/1e6, float64(time.Since(start))/1e6)
	}
}

// contentionParams reads the optional ?serial= and ?coherency=, which
// override the instance's defaults.
func contentionParams(r *http.Request, serial, coherency time.Duration) (time.Duration, time.Duration, error) {
	q := r.URL.Query()
	var err error
	if q.Has("serial") {
		if serial, err = durationParam(r, "serial", MaxSerial); err != nil {
			return 0, 0, err
		}
	}
	if q.Has("coherency") {
		if coherency, err = durationParam(r, "coherency", MaxSerial); err != nil {
			return 0, 0, err
		}
	}
	return serial, coherency, nil
}

// handleIO waits ?delay= without using CPU, like a call to a database.
func handleIO(w http.ResponseWriter, r *http.Request) {
	d, err := durationParam(r, "delay", MaxDelay)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if cpuwork.Wait(r.Context(), d) == nil {
		_, _ = w.Write([]byte("ok\n"))
	} // else the client went away; nothing to answer.
}

// durationParam parses the query parameter name as a Go duration (a bare
// number means milliseconds), within [0, limit].
func durationParam(r *http.Request, name string, limit time.Duration) (time.Duration, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, fmt.Errorf("%s: missing, want a duration such as %s=10ms", name, name)
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		ms, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || ms != ms {
			return 0, fmt.Errorf("%s=%q: not a duration (want e.g. 10ms)", name, v)
		}
		d = time.Duration(ms * float64(time.Millisecond))
	}
	if d < 0 || d > limit {
		return 0, fmt.Errorf("%s=%s: must be between 0 and %s", name, v, limit)
	}
	return d, nil
}
