package stats

import "github.com/scalebench/scalebench/results"

// AddCounts adds the additive counts of src into dst: requests,
// scheduled, unsent, errors, bytes, the counts by error kind, instance
// and request name, and whether the generator saturated. Pooling trials
// and merging agents' parts both add these the same way.
func AddCounts(dst, src *results.Step) {
	dst.Requests += src.Requests
	dst.Scheduled += src.Scheduled
	dst.Unsent += src.Unsent
	dst.Errors += src.Errors
	dst.BytesIn += src.BytesIn
	dst.BytesOut += src.BytesOut
	dst.ErrorsByKind = AddCountMap(dst.ErrorsByKind, src.ErrorsByKind)
	dst.Instances = AddCountMap(dst.Instances, src.Instances)
	dst.RequestsByName = AddCountMap(dst.RequestsByName, src.RequestsByName)
	dst.Generator.Saturated = dst.Generator.Saturated || src.Generator.Saturated
}

// AddCountMap adds the counts of src into dst, allocating dst when it is
// nil and src is not empty, and returns dst.
func AddCountMap(dst, src map[string]uint64) map[string]uint64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]uint64, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}
