package load

import (
	"context"
	"time"
)

// sample is one reading of the generator's and the target's cumulative
// resource use.
type sample struct {
	at      time.Duration // since the phase start
	gen     time.Duration // this process's CPU time (getrusage)
	genOK   bool
	usage   Usage // the target's, from Config.Sample
	usageOK bool
}

// takeSample reads both counters now.
func (g *Generator) takeSample(ctx context.Context) sample {
	var s sample
	s.gen, s.genOK = processCPU()
	if g.cfg.Sample != nil {
		ctx, cancel := context.WithTimeout(ctx, sampleTimeout)
		u, err := g.cfg.Sample(ctx)
		cancel()
		s.usage, s.usageOK = u, err == nil
	}
	return s
}

// sample reads the counters every sampleEvery until stop is closed, then
// once more, and closes out. It runs in its own goroutine because
// Config.Sample may block (it reads /proc, cgroups or the Docker API).
func (g *Generator) sample(ctx context.Context, start time.Time, out chan<- sample, stop <-chan struct{}) {
	defer close(out)
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s := g.takeSample(ctx)
			s.at = time.Since(start)
			select {
			case out <- s:
			case <-stop:
				// The consumer has finished; it drains out after stop.
				out <- s
			}
		case <-stop:
			s := g.takeSample(ctx)
			s.at = time.Since(start)
			out <- s
			return
		}
	}
}

// attribute credits the interval since the previous sample to the step
// holding its midpoint: generator CPU, target CPU (cores = ΔCPU seconds /
// Δwall seconds) and memory, and the matching timeline point.
func (r *phaseRun) attribute(s sample) {
	if !r.hasPrev {
		r.prev, r.hasPrev = s, true
		return
	}
	p := r.prev
	r.prev = s
	wall := (s.at - p.at).Seconds()
	if wall <= 0 {
		return
	}
	mid := p.at + (s.at-p.at)/2
	rec := r.recAt(mid)
	u := &rec.usage
	if s.genOK && p.genOK {
		u.genCPU += (s.gen - p.gen).Seconds()
		u.genWall += wall
	}
	cores := -1.0
	var rss uint64
	if s.usageOK {
		rss = s.usage.RSSBytes
		u.rssMax = max(u.rssMax, rss)
	}
	if s.usageOK && p.usageOK {
		d := max(s.usage.CPUSeconds-p.usage.CPUSeconds, 0)
		cores = d / wall
		u.tgtCPU += d
		u.tgtWall += wall
		u.tgtMax = max(u.tgtMax, cores)
		u.samples++
	}
	rec.timeline.resources(max(mid-rec.start, 0), cores, rss)
}
