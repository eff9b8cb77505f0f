package load

import (
	"slices"
	"testing"
	"time"
)

// TestShardUnion: the hit times of N shards, pooled, are exactly the
// unsharded schedule's, for a constant rate and for ramps up and down, and
// every window's scheduled count sums to the unsharded one.
func TestShardUnion(t *testing.T) {
	cases := []struct {
		rate, rampTo float64
		d            time.Duration
	}{
		{400, 0, 3 * time.Second},
		{1001, 0, 2 * time.Second},
		{100, 300, 10 * time.Second},
		{300, 50, 5 * time.Second},
	}
	for _, c := range cases {
		whole := newSchedule(c.rate, c.rampTo, c.d)
		var want []time.Duration
		for n := uint64(0); n < whole.hits; n++ {
			want = append(want, whole.due(n))
		}
		for _, count := range []int{1, 2, 3, 7} {
			var got []time.Duration
			var sum uint64
			for i := 0; i < count; i++ {
				s := whole.shard(Shard{Index: i, Count: count})
				sum += s.hits
				for k := uint64(0); k < s.hits; k++ {
					got = append(got, s.due(k))
				}
			}
			slices.Sort(got)
			if sum != whole.hits || !slices.Equal(got, want) {
				t.Fatalf("%+v in %d shards: %d hits (want %d), times equal: %v", c, count, sum, whole.hits, slices.Equal(got, want))
			}
			for w := time.Duration(0); w < c.d; w += 300 * time.Millisecond {
				var n uint64
				for i := 0; i < count; i++ {
					s := whole.shard(Shard{Index: i, Count: count})
					n += s.firstHitAt(w+300*time.Millisecond) - s.firstHitAt(w)
				}
				if wn := whole.firstHitAt(w+300*time.Millisecond) - whole.firstHitAt(w); n != wn {
					t.Fatalf("%+v in %d shards: window at %v holds %d hits, want %d", c, count, w, n, wn)
				}
			}
		}
	}
}

// TestShardInterleaves: shard i sends global hits i, i+N, …
func TestShardInterleaves(t *testing.T) {
	whole := newSchedule(100, 0, time.Second)
	s := whole.shard(Shard{Index: 2, Count: 3})
	if s.hits != 33 || s.due(0) != whole.due(2) || s.due(1) != whole.due(5) {
		t.Fatalf("shard 2 of 3: hits %d, due(0) %v, due(1) %v", s.hits, s.due(0), s.due(1))
	}
}

func TestShardCheck(t *testing.T) {
	for _, sh := range []Shard{{Index: 2, Count: 2}, {Index: -1, Count: 2}, {Index: 1}, {Count: -1}} {
		if sh.check() == nil {
			t.Errorf("%+v accepted", sh)
		}
	}
	for _, sh := range []Shard{{}, {Index: 0, Count: 1}, {Index: 3, Count: 4}} {
		if err := sh.check(); err != nil {
			t.Errorf("%+v: %v", sh, err)
		}
	}
}
