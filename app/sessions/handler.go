package sessions

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// CookieName is the session cookie.
const CookieName = "sb_session"

// Stores.
const (
	StoreMemory = "memory"
	StoreRedis  = "redis"
)

// Options configure a Handler; each field maps to one `scalebench serve`
// flag (named in brackets).
type Options struct {
	// Store is "memory" or "redis" [--session-store].
	Store string
	// Redis is host:port, required for the redis store [--redis].
	Redis string
	// RedisPoolSize and RedisTimeout bound the Redis client
	// [--redis-pool, --redis-timeout].
	RedisPoolSize int
	RedisTimeout  time.Duration
	// TTL of a session [--session-ttl].
	TTL time.Duration
}

// DefaultOptions returns the defaults: memory store, 30 minute sessions,
// a Redis pool of 32 with 200 ms timeouts.
func DefaultOptions() Options {
	return Options{Store: StoreMemory, RedisPoolSize: 32, RedisTimeout: 200 * time.Millisecond, TTL: 30 * time.Minute}
}

// Handler serves POST /login and GET /me.
type Handler struct {
	opts  Options
	store Store
	rdb   *goredis.Client
	mux   *http.ServeMux
}

// New returns a Handler for opts.
func New(opts Options) (*Handler, error) {
	h := &Handler{opts: opts, mux: http.NewServeMux()}
	switch opts.Store {
	case StoreMemory:
		h.store = NewMemory()
	case StoreRedis:
		if opts.Redis == "" {
			return nil, errors.New("sessions: store redis needs a Redis address")
		}
		h.rdb = goredis.NewClient(&goredis.Options{
			Addr: opts.Redis, PoolSize: max(opts.RedisPoolSize, 1),
			DialTimeout: opts.RedisTimeout, ReadTimeout: opts.RedisTimeout,
			WriteTimeout: opts.RedisTimeout, PoolTimeout: opts.RedisTimeout,
			MaxRetries: -1, DialerRetries: 1, DisableIdentity: true,
		})
		h.store = NewRedis(h.rdb, "")
	default:
		return nil, fmt.Errorf("sessions: store %q: want memory or redis", opts.Store)
	}
	if opts.TTL < time.Second {
		return nil, fmt.Errorf("sessions: ttl %s: must be ≥ 1s", opts.TTL)
	}
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("GET /me", h.me)
	return h, nil
}

// Close releases the Redis client, if any.
func (h *Handler) Close() error {
	if h.rdb == nil {
		return nil
	}
	return h.rdb.Close()
}

// ServeHTTP serves /login and /me.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	user, err := userOf(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	id := hex.EncodeToString(b[:])
	if err := h.store.Set(r.Context(), id, user, h.opts.TTL); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(h.opts.TTL.Seconds()),
	})
	writeJSON(w, map[string]string{"user": user, "session": id})
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		http.Error(w, "no session cookie", http.StatusUnauthorized)
		return
	}
	user, ok, err := h.store.Get(r.Context(), c.Value)
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case !ok:
		http.Error(w, "unknown session", http.StatusUnauthorized)
	default:
		writeJSON(w, map[string]string{"user": user})
	}
}

// userOf reads the user from a JSON body or a form.
func userOf(r *http.Request) (string, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, 4096)
	var user string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var b struct {
			User string `json:"user"`
		}
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			return "", fmt.Errorf("login: body: %w", err)
		}
		user = b.User
	} else {
		user = r.FormValue("user")
	}
	if user == "" || len(user) > 256 {
		return "", errors.New(`login: want a user: form user=NAME or JSON {"user":"NAME"}`)
	}
	return user, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
