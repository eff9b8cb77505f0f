//go:build !unix

package wsload

func raiseFileLimit(uint64) error { return nil }
