package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	sbredis "github.com/scalebench/scalebench/targets/redis"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/targets/queuemeter"
)

// HeaderJob carries the id of an accepted job on a 202 response.
const HeaderJob = "X-Scalebench-Job"

// HeaderQueue is "full" on a 503 refusing a job because the queue is at
// Options.MaxDepth, and "error" when Redis failed.
const HeaderQueue = "X-Scalebench-Queue"

// Modes.
const (
	ModeQueue = "queue"
	ModeSync  = "sync"
)

// Options configure a Handler. Start from DefaultOptions; each field maps
// to one `scalebench serve` flag (named in brackets).
type Options struct {
	// Mode is "queue" or "sync" [--mode].
	Mode string
	// Redis is host:port; required in queue mode [--redis].
	Redis string
	// RedisPoolSize and RedisTimeout bound the Redis client
	// [--redis-pool, --redis-timeout].
	RedisPoolSize int
	RedisTimeout  time.Duration
	// Prefix of the Redis keys [--queue-prefix].
	Prefix string
	// Group is the consumer group [--queue-group].
	Group string
	// MaxDepth refuses jobs with 503 when this many are accepted and not
	// completed (0: unbounded) [--queue-max-depth].
	MaxDepth int
	// Work and Duration are the default job when the request names none
	// [--job-work cpu|io, --job-duration].
	Work     string
	Duration time.Duration
}

// DefaultOptions returns the defaults: queue mode, 20 ms of CPU per job,
// at most 10,000 jobs queued, a Redis pool of 32 with 200 ms timeouts.
func DefaultOptions() Options {
	return Options{
		Mode: ModeQueue, RedisPoolSize: 32, RedisTimeout: 200 * time.Millisecond,
		Prefix: queuemeter.DefaultPrefix, Group: queuemeter.DefaultGroup, MaxDepth: 10_000,
		Work: WorkCPU, Duration: 20 * time.Millisecond,
	}
}

// Validate returns every problem with o, joined.
func (o Options) Validate() error {
	var errs []error
	switch o.Mode {
	case ModeQueue:
		if o.Redis == "" {
			errs = append(errs, errors.New("queue: mode queue needs a Redis address"))
		}
	case ModeSync:
	default:
		errs = append(errs, fmt.Errorf("queue: mode %q: want queue or sync", o.Mode))
	}
	if o.Work != WorkCPU && o.Work != WorkIO {
		errs = append(errs, fmt.Errorf("queue: work %q: want cpu or io", o.Work))
	}
	if o.Duration < 0 || o.Duration > MaxDuration {
		errs = append(errs, fmt.Errorf("queue: job duration %s: must be between 0 and %s", o.Duration, MaxDuration))
	}
	if o.MaxDepth < 0 {
		errs = append(errs, fmt.Errorf("queue: max depth %d: must be ≥ 0", o.MaxDepth))
	}
	if o.RedisPoolSize < 1 || o.RedisTimeout <= 0 {
		errs = append(errs, errors.New("queue: redis pool size and timeout must be > 0"))
	}
	return errors.Join(errs...)
}

// Handler serves POST /jobs.
type Handler struct {
	opts Options
	keys queuemeter.Keys
	rdb  *goredis.Client // nil in sync mode
	seq  atomic.Uint64   // sync job ids
}

// New returns a Handler for opts. In queue mode it creates the stream
// and consumer group when Redis answers; when it does not, requests fail
// with 503 until it does.
func New(ctx context.Context, opts Options) (*Handler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	h := &Handler{opts: opts, keys: queuemeter.KeysFor(opts.Prefix)}
	if opts.Mode == ModeQueue {
		h.rdb = sbredis.NewClient(opts.Redis, opts.RedisPoolSize, opts.RedisTimeout)
		_ = ensureGroup(ctx, h.rdb, h.keys, opts.Group) // retried on every enqueue failure
	}
	return h, nil
}

// Close releases the Redis client.
func (h *Handler) Close() error {
	if h.rdb == nil {
		return nil
	}
	return h.rdb.Close()
}

// ensureGroup creates the stream and group (from the start of the stream,
// so jobs accepted before the first worker are not skipped).
func ensureGroup(ctx context.Context, rdb *goredis.Client, k queuemeter.Keys, group string) error {
	err := rdb.XGroupCreateMkStream(ctx, k.Stream, group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("queue: create group %s on %s: %w", group, k.Stream, err)
	}
	return nil
}

// job is what a request asks for.
type job struct {
	Work     string `json:"work"`
	Duration string `json:"duration"`
}

// ServeHTTP serves POST /jobs.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	work, d, err := h.parse(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if h.rdb == nil {
		h.runSync(w, r.Context(), work, d)
		return
	}
	id, err := h.enqueue(r.Context(), work, d)
	switch {
	case errors.Is(err, errFull):
		w.Header().Set(HeaderQueue, "full")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case err != nil:
		w.Header().Set(HeaderQueue, "error")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	default:
		w.Header().Set(HeaderJob, id)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "{\"id\":%q}\n", id)
	}
}

// parse reads the job from the query (?work=cpu&duration=20ms) or a JSON
// body ({"work":"io","duration":"50ms"}); what is missing takes the
// handler's defaults.
func (h *Handler) parse(r *http.Request) (string, time.Duration, error) {
	j := job{Work: r.URL.Query().Get("work"), Duration: r.URL.Query().Get("duration")}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && r.ContentLength != 0 {
		var b job
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4096)).Decode(&b); err != nil {
			return "", 0, fmt.Errorf("job: body: %w", err)
		}
		j.Work, j.Duration = cmpOr(b.Work, j.Work), cmpOr(b.Duration, j.Duration)
	}
	work, d := cmpOr(j.Work, h.opts.Work), h.opts.Duration
	if work != WorkCPU && work != WorkIO {
		return "", 0, fmt.Errorf("job: work %q: want cpu or io", work)
	}
	if j.Duration != "" {
		v, err := time.ParseDuration(j.Duration)
		if err != nil {
			ms, ferr := strconv.ParseFloat(j.Duration, 64)
			if ferr != nil {
				return "", 0, fmt.Errorf("job: duration %q: want e.g. 20ms", j.Duration)
			}
			v = time.Duration(ms * float64(time.Millisecond))
		}
		d = v
	}
	if d < 0 || d > MaxDuration {
		return "", 0, fmt.Errorf("job: duration %s: must be between 0 and %s", d, MaxDuration)
	}
	return work, d, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var errFull = errors.New("queue full")

// enqueueScript checks the depth, adds the job and counts it, atomically.
// KEYS: stream, accepted, refused. ARGV: max depth (0: none), work,
// duration µs, accepted µs.
var enqueueScript = goredis.NewScript(`
local max = tonumber(ARGV[1])
if max > 0 and redis.call('XLEN', KEYS[1]) >= max then
  redis.call('INCR', KEYS[3])
  return false
end
local id = redis.call('XADD', KEYS[1], '*', 'work', ARGV[2], 'duration_us', ARGV[3], 'accepted_us', ARGV[4])
redis.call('INCR', KEYS[2])
return id
`)

// enqueue adds one job and returns its id (the stream entry id).
func (h *Handler) enqueue(ctx context.Context, work string, d time.Duration) (string, error) {
	k := h.keys
	res, err := enqueueScript.Run(ctx, h.rdb, []string{k.Stream, k.Accepted, k.Refused},
		h.opts.MaxDepth, work, d.Microseconds(), time.Now().UnixMicro()).Text()
	switch {
	case errors.Is(err, goredis.Nil):
		return "", fmt.Errorf("%w: %d jobs waiting", errFull, h.opts.MaxDepth)
	case err != nil:
		// Redis may have restarted empty: recreate the group for next time.
		_ = ensureGroup(ctx, h.rdb, k, h.opts.Group)
		return "", fmt.Errorf("queue: enqueue: %w", err)
	}
	return res, nil
}

// runSync does the job inside the request.
func (h *Handler) runSync(w http.ResponseWriter, ctx context.Context, work string, d time.Duration) {
	start := time.Now()
	if err := do(ctx, work, d); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\"id\":\"sync-%d\",\"status\":\"done\",\"wall_ms\":%.3f}\n",
		h.seq.Add(1), float64(time.Since(start))/1e6)
}
