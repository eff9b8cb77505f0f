package db

import (
	"hash/fnv"
	"strconv"
)

// Route returns the shard (0 … shards-1) holding key: FNV-1a of the key's
// decimal digits, modulo the shard count. It is stable across instances
// and runs, so every instance routes a key to the same shard, and the seed
// puts each row where reads will look for it.
func Route(key int64, shards int) int {
	if shards <= 1 {
		return 0
	}
	h := fnv.New64a()
	var buf [20]byte
	_, _ = h.Write(strconv.AppendInt(buf[:0], key, 10))
	return int(h.Sum64() % uint64(shards))
}

// ShardKeys lists the keys of 0 … rows-1 that Route puts on shard.
func ShardKeys(rows, shard, shards int) []int64 {
	out := make([]int64, 0, rows/max(shards, 1)+1)
	for k := range int64(rows) {
		if Route(k, shards) == shard {
			out = append(out, k)
		}
	}
	return out
}
