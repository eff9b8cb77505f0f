package process

import (
	"os"
	"testing"
)

// BenchmarkTreeUsage measures one Sample's /proc scan.
func BenchmarkTreeUsage(b *testing.B) {
	for b.Loop() {
		if _, _, err := treeUsage([]int{os.Getpid()}); err != nil {
			b.Fatal(err)
		}
	}
}
