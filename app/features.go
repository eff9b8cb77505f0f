package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/scalebench/scalebench/app/cache"
	"github.com/scalebench/scalebench/app/db"
	"github.com/scalebench/scalebench/app/queue"
	"github.com/scalebench/scalebench/app/service"
	"github.com/scalebench/scalebench/app/sessions"
)

// Modes of the reference app ([--mode]): which Redis-backed endpoints an
// instance serves beside the basic ones.
const (
	ModeBasic    = "single" // only /, /healthz, /work, /io
	ModeCached   = cache.ModeCached
	ModeNoCache  = cache.ModeNoCache
	ModeQueue    = queue.ModeQueue
	ModeSync     = queue.ModeSync
	ModeSessions = "sessions"
	// ModeDB serves the PostgreSQL endpoints of app/db.
	ModeDB = "db"
	// ModeService serves one service of a call graph, or the whole graph
	// (app/service).
	ModeService = "service"
)

// Modes lists the valid modes in the order `serve --help` names them.
var Modes = []string{ModeBasic, ModeCached, ModeNoCache, ModeQueue, ModeSync, ModeSessions, ModeDB, ModeService}

// Features says which Redis-backed endpoints an instance mounts and how
// they are configured. The zero value mounts none.
type Features struct {
	// Mode is one of Modes ("" or "single": none).
	Mode string
	// Cache configures GET /user/{id} (modes cached and nocache).
	Cache cache.Options
	// Queue configures POST /jobs (modes queue and sync).
	Queue queue.Options
	// Sessions configures POST /login and GET /me (mode sessions).
	Sessions sessions.Options
	// DB configures the PostgreSQL endpoints (mode db, and modes cached
	// and nocache when DB.Primaries is set: `database: postgres`).
	DB db.Options
	// Service configures the microservice mode (mode service).
	Service service.Options
}

// DefaultFeatures returns each endpoint's defaults and no mode.
func DefaultFeatures() Features {
	return Features{Cache: cache.DefaultOptions(), Queue: queue.DefaultOptions(), Sessions: sessions.DefaultOptions(), DB: db.DefaultOptions()}
}

// featureHandler is the instance's mode-specific handler and what closes it.
type featureHandler struct {
	pattern []string
	h       http.Handler
	close   func() error
}

// newFeatures builds the handler of f's mode (nil for the basic mode).
func newFeatures(ctx context.Context, f Features) (*featureHandler, error) {
	switch f.Mode {
	case "", ModeBasic:
		return nil, nil
	case ModeDB:
		return newDB(ctx, f.DB, "")
	case ModeCached, ModeNoCache:
		if len(f.DB.Primaries) > 0 {
			redis := ""
			if f.Mode == ModeCached {
				redis = f.Cache.Redis
			}
			return newDB(ctx, f.DB, redis)
		}
		o := f.Cache
		o.Mode = f.Mode
		h, err := cache.New(o)
		if err != nil {
			return nil, err
		}
		return &featureHandler{pattern: []string{"GET /user/{id}"}, h: h, close: h.Close}, nil
	case ModeQueue, ModeSync:
		o := f.Queue
		o.Mode = f.Mode
		h, err := queue.New(ctx, o)
		if err != nil {
			return nil, err
		}
		return &featureHandler{pattern: []string{"POST /jobs"}, h: h, close: h.Close}, nil
	case ModeService:
		h, err := service.New(ctx, f.Service)
		if err != nil {
			return nil, err
		}
		return &featureHandler{pattern: service.Patterns, h: h, close: h.Close}, nil
	case ModeSessions:
		h, err := sessions.New(f.Sessions)
		if err != nil {
			return nil, err
		}
		return &featureHandler{pattern: []string{"POST /login", "GET /me"}, h: h, close: h.Close}, nil
	default:
		return nil, fmt.Errorf("mode %q: want one of %v", f.Mode, Modes)
	}
}

// withFeatures serves the feature's routes (inside the instance-header
// middleware, like every other route) and everything else with base.
func withFeatures(id string, base http.Handler, fh *featureHandler) http.Handler {
	if fh == nil {
		return base
	}
	mux := http.NewServeMux()
	mux.Handle("/", base)
	for _, p := range fh.pattern {
		mux.Handle(p, withInstance(id, fh.h))
	}
	return mux
}

// closeFeatures releases the feature's clients.
func closeFeatures(fh *featureHandler, err error) error {
	if fh == nil || fh.close == nil {
		return err
	}
	return errors.Join(err, fh.close())
}

// newDB builds the PostgreSQL endpoints, with a cache in front when redis
// is set.
func newDB(ctx context.Context, o db.Options, redis string) (*featureHandler, error) {
	o.Redis = redis
	h, err := db.New(ctx, o)
	if err != nil {
		return nil, err
	}
	return &featureHandler{pattern: db.Patterns(), h: h, close: h.Close}, nil
}
