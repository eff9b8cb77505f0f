package db

import "testing"

func TestRouteIsStableAndSpread(t *testing.T) {
	// Fixed values: changing Route would move rows between shards of a
	// stored dataset and change results; keep it stable.
	for _, c := range []struct {
		key    int64
		shards int
		want   int
	}{{0, 1, 0}, {42, 1, 0}, {0, 2, 1}, {1, 2, 0}} {
		if got := Route(c.key, c.shards); got != c.want {
			t.Errorf("Route(%d, %d) = %d, want %d", c.key, c.shards, got, c.want)
		}
	}
	for _, shards := range []int{2, 3, 4} {
		counts := make([]int, shards)
		for k := range int64(10_000) {
			s := Route(k, shards)
			if s < 0 || s >= shards {
				t.Fatalf("Route(%d, %d) = %d: out of range", k, shards, s)
			}
			counts[s]++
		}
		for s, n := range counts {
			if want := 10_000 / shards; n < want*9/10 || n > want*11/10 {
				t.Errorf("%d shards: shard %d holds %d of 10000 keys, want %d ± 10%%", shards, s, n, want)
			}
		}
	}
}

func TestShardKeysPartitionTheKeys(t *testing.T) {
	seen := map[int64]int{}
	for s := range 3 {
		for _, k := range ShardKeys(1000, s, 3) {
			if Route(k, 3) != s {
				t.Errorf("ShardKeys put %d on shard %d, Route says %d", k, s, Route(k, 3))
			}
			seen[k]++
		}
	}
	for k := range int64(1000) {
		if seen[k] != 1 {
			t.Errorf("key %d is on %d shards, want exactly 1", k, seen[k])
		}
	}
}
