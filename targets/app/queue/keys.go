package queue

// DefaultPrefix is the Redis key prefix used when none is given.
const DefaultPrefix = "sb:jobs"

// DefaultGroup is the consumer group name used when none is given.
const DefaultGroup = "workers"

// keys are the Redis keys for one prefix.
type keys struct {
	stream, done, doneIDs, accepted, completed, duplicates, refused string
}

func keysFor(prefix string) keys {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return keys{
		stream:     prefix,
		done:       prefix + ":done",
		doneIDs:    prefix + ":done:ids",
		accepted:   prefix + ":accepted",
		completed:  prefix + ":completed",
		duplicates: prefix + ":duplicates",
		refused:    prefix + ":refused",
	}
}
