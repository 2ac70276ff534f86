package client

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// EntryChecksum is the checksum of one entity of a dataset copy, as the contract defines it
// (mobile-api/openapi.yaml, "Checksum"): the first 4 bytes, big-endian, of the SHA-256 of
// type, 0x00, id, 0x00, version in decimal, 0x00, data, 0x00 — data being the raw bytes of the
// entity's data exactly as the answer carried them. A dataset sums its entities' checksums modulo
// 2^32.
func EntryChecksum(entityType, entityID string, version int64, data []byte) int64 {
	return int64(entryChecksum(entityType, entityID, version, data))
}

func entryChecksum(entityType, entityID string, version int64, data []byte) uint32 {
	h := sha256.New()
	var buf [20]byte
	h.Write([]byte(entityType))
	h.Write([]byte{0})
	h.Write([]byte(entityID))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(buf[:0], version, 10))
	h.Write([]byte{0})
	h.Write(data)
	h.Write([]byte{0})
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint32(h.Sum(sum[:0]))
}
