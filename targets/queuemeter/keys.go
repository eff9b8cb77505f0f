package queuemeter

// DefaultPrefix is the Redis key prefix used when none is given.
const DefaultPrefix = "sb:jobs"

// DefaultGroup is the consumer group name used when none is given.
const DefaultGroup = "workers"

// Keys are the Redis keys of one queue: the job stream, the stream of
// completions and its set of done ids, and the counters.
type Keys struct {
	Stream, Done, DoneIDs, Accepted, Completed, Duplicates, Refused string
}

// KeysFor returns the keys under prefix ("": DefaultPrefix).
func KeysFor(prefix string) Keys {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Keys{
		Stream:     prefix,
		Done:       prefix + ":done",
		DoneIDs:    prefix + ":done:ids",
		Accepted:   prefix + ":accepted",
		Completed:  prefix + ":completed",
		Duplicates: prefix + ":duplicates",
		Refused:    prefix + ":refused",
	}
}
