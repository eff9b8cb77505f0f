package wsload

import (
	"encoding/binary"
	"errors"
)

// HeaderSize is the size of the header at the start of every message; the
// smallest valid Config.MessageSize.
//
// Layout (little endian): magic "SB" (2), version (1), flags (1), step
// (uint16), reserved (2), sender (uint32), reserved (4), sequence (uint64,
// from 1 per sender), intended send time (int64, ns since the run started),
// room epoch at send time (uint64).
const HeaderSize = 40

const headerVersion = 1

type header struct {
	step     uint16
	sender   uint32
	seq      uint64
	intended int64
	epoch    uint64
}

func (h header) put(b []byte) {
	b[0], b[1], b[2], b[3] = 'S', 'B', headerVersion, 0
	binary.LittleEndian.PutUint16(b[4:], h.step)
	binary.LittleEndian.PutUint16(b[6:], 0)
	binary.LittleEndian.PutUint32(b[8:], h.sender)
	binary.LittleEndian.PutUint32(b[12:], 0)
	binary.LittleEndian.PutUint64(b[16:], h.seq)
	binary.LittleEndian.PutUint64(b[24:], uint64(h.intended))
	binary.LittleEndian.PutUint64(b[32:], h.epoch)
}

var errNotOurs = errors.New("not a scalebench message")

func parseHeader(b []byte) (header, error) {
	if len(b) < HeaderSize || b[0] != 'S' || b[1] != 'B' || b[2] != headerVersion {
		return header{}, errNotOurs
	}
	return header{
		step:     binary.LittleEndian.Uint16(b[4:]),
		sender:   binary.LittleEndian.Uint32(b[8:]),
		seq:      binary.LittleEndian.Uint64(b[16:]),
		intended: int64(binary.LittleEndian.Uint64(b[24:])),
		epoch:    binary.LittleEndian.Uint64(b[32:]),
	}, nil
}
