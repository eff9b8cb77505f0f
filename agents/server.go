package agents

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
)

// maxJobBytes bounds a job's JSON.
const maxJobBytes = 16 << 20

// Server is an agent: it runs one job at a time.
type Server struct {
	// Token, when set, must be in every request's TokenHeader.
	Token string
	// CPUs is how many CPUs this agent may use (0: runtime.NumCPU()).
	CPUs int
	// IdleExit, when > 0, stops Serve after that long without a request
	// (agents a killed coordinator cannot stop, such as Swarm services).
	IdleExit time.Duration

	mu   sync.Mutex // held while a job runs
	idle idleClock
}

// Serve answers on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /clock", s.auth(s.clock))
	mux.HandleFunc("POST /run", s.auth(s.run))
	ctx = s.idle.watch(ctx, s.IdleExit)
	srv := &http.Server{Handler: s.idle.track(mux), ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get(TokenHeader)), []byte(s.Token)) != 1 {
			http.Error(w, "agent: bad or missing "+TokenHeader, http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (s *Server) clock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, ClockReply{UnixNano: time.Now().UnixNano()})
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	var job Job
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJobBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		writeJSON(w, http.StatusBadRequest, Reply{Error: fmt.Sprintf("agent: job: %v", err)})
		return
	}
	if !s.mu.TryLock() {
		writeJSON(w, http.StatusConflict, Reply{Error: "agent: already running a job"})
		return
	}
	defer s.mu.Unlock()
	steps, err := s.runJob(r.Context(), job)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, Reply{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, Reply{Steps: steps})
}

// runJob runs job with a fresh generator. The request's context ends when
// the coordinator goes away, which stops the load within about a second.
func (s *Server) runJob(ctx context.Context, job Job) ([]results.Step, error) {
	g, err := load.New(load.Config{
		BaseURL:       job.BaseURL,
		Requests:      job.Requests,
		Timeout:       job.Timeout,
		MaxWorkers:    job.MaxWorkers,
		GeneratorCPUs: s.CPUs,
		AllowRemote:   job.AllowRemote,
		// per-second histograms, so the coordinator merges the timeline exactly
		TimelineHistograms: true,
	})
	if err != nil {
		return nil, err
	}
	return g.Run(ctx, job.Phase)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
