// Package evidencetest makes evidence files for tests and benchmarks: valid JPEGs of any size, each
// unique (benchmarks must never measure deduplication, D22), optionally with EXIF time and GPS.
package evidencetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Exif is what a photo's EXIF block says; zero fields are left out.
type Exif struct {
	TakenAt   string // "2006:01:02 15:04:05"
	Offset    string // "+07:00"
	Lat, Lon  float64
	HasGPS    bool
	BigEndian bool
}

var (
	baseOnce sync.Once
	base     []byte // a small real JPEG: SOI, its segments, … EOI
)

// baseJPEG encodes a 64×48 image once.
func baseJPEG() []byte {
	baseOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for y := range 48 {
			for x := range 64 {
				img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
			panic(err)
		}
		base = b.Bytes()
	})
	return base
}

// Width and Height are the size of every photo made here.
const (
	Width  = 64
	Height = 48
)

// Photo returns a valid JPEG of exactly size bytes (at least the base image plus a few dozen bytes),
// unique by the random filler drawn from rng, with ex's EXIF when given (right after SOI). The filler
// is a COM segment (or several) before the scan: decoders skip it.
func Photo(rng *rand.Rand, size int, ex *Exif) []byte {
	img := baseJPEG()
	var out bytes.Buffer
	out.Grow(size)
	out.Write(img[:2]) // SOI
	if ex != nil {
		out.Write(App1(*ex))
	}
	// The filler goes just before the scan, after the frame header, as a camera's maker notes and
	// previews do not push the size out of reach of the first bytes.
	sos := startOfScan(img)
	out.Write(img[2:sos])
	rest := img[sos:]
	fill := size - out.Len() - len(rest)
	for fill > 0 {
		n := min(fill, 65535+2) // a segment: FF FE, length (2 bytes, counting itself), data
		if n < 4 {
			// Too small for a segment of its own: a longer previous one would have been needed.
			panic("evidencetest.Photo: size not reachable")
		}
		if fill-n > 0 && fill-n < 4 {
			n -= 4
		}
		out.Write([]byte{0xFF, 0xFE, byte((n - 2) >> 8), byte(n - 2)})
		data := make([]byte, n-4)
		fillRandom(rng, data)
		out.Write(data)
		fill -= n
	}
	out.Write(rest)
	if out.Len() != size {
		panic("evidencetest.Photo: size not reachable")
	}
	return out.Bytes()
}

// startOfScan returns the offset of the SOS marker of a JPEG.
func startOfScan(b []byte) int {
	i := 2
	for i+4 <= len(b) && b[i] == 0xFF {
		if b[i+1] == 0xDA {
			return i
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	panic("evidencetest: no start of scan")
}

func fillRandom(rng *rand.Rand, b []byte) {
	var w [8]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
}

// MinSize is the smallest size Photo can make without EXIF.
func MinSize() int { return len(baseJPEG()) + 4 }

// SHA256 is the lower-case hex SHA-256 of b.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// App1 builds an EXIF APP1 segment with IFD0 → Exif IFD (DateTimeOriginal, OffsetTimeOriginal) and
// GPS IFD.
func App1(ex Exif) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	if ex.BigEndian {
		bo = binary.BigEndian
		tiff = []byte{'M', 'M', 0, 42, 0, 0, 0, 8}
	}
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte // the value's bytes
	}
	ascii := func(s string) []byte { return append([]byte(s), 0) }
	rational := func(vals ...float64) []byte {
		var b []byte
		for _, v := range vals {
			b = bo.AppendUint32(b, uint32(math.Round(v*10000)))
			b = bo.AppendUint32(b, 10000)
		}
		return b
	}
	dms := func(d float64) []byte {
		d = math.Abs(d)
		deg := math.Floor(d)
		m := math.Floor((d - deg) * 60)
		s := ((d-deg)*60 - m) * 60
		return rational(deg, m, s)
	}
	// Layout: IFD0 at 8, then the Exif IFD, then the GPS IFD, then the out-of-line values.
	var exifEntries, gpsEntries []entry
	if ex.TakenAt != "" {
		exifEntries = append(exifEntries, entry{0x9003, 2, uint32(len(ex.TakenAt) + 1), ascii(ex.TakenAt)})
	}
	if ex.Offset != "" {
		exifEntries = append(exifEntries, entry{0x9011, 2, uint32(len(ex.Offset) + 1), ascii(ex.Offset)})
	}
	if ex.HasGPS {
		latRef, lonRef := "N", "E"
		if ex.Lat < 0 {
			latRef = "S"
		}
		if ex.Lon < 0 {
			lonRef = "W"
		}
		gpsEntries = []entry{{1, 2, 2, ascii(latRef)}, {2, 5, 3, dms(ex.Lat)}, {3, 2, 2, ascii(lonRef)}, {4, 5, 3, dms(ex.Lon)}}
	}
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	ifd0Entries := 0
	if len(exifEntries) > 0 {
		ifd0Entries++
	}
	if len(gpsEntries) > 0 {
		ifd0Entries++
	}
	exifAt := 8 + ifdSize(ifd0Entries)
	gpsAt := exifAt
	if len(exifEntries) > 0 {
		gpsAt += ifdSize(len(exifEntries))
	}
	dataAt := gpsAt
	if len(gpsEntries) > 0 {
		dataAt += ifdSize(len(gpsEntries))
	}
	var data []byte
	writeIFD := func(b []byte, es []entry) []byte {
		b = bo.AppendUint16(b, uint16(len(es)))
		for _, e := range es {
			b = bo.AppendUint16(b, e.tag)
			b = bo.AppendUint16(b, e.typ)
			b = bo.AppendUint32(b, e.count)
			if len(e.data) <= 4 {
				v := make([]byte, 4)
				copy(v, e.data)
				b = append(b, v...)
			} else {
				b = bo.AppendUint32(b, uint32(dataAt+len(data)))
				data = append(data, e.data...)
			}
		}
		return bo.AppendUint32(b, 0)
	}
	var ifd0 []entry
	if len(exifEntries) > 0 {
		ifd0 = append(ifd0, entry{0x8769, 4, 1, bo.AppendUint32(nil, uint32(exifAt))})
	}
	if len(gpsEntries) > 0 {
		ifd0 = append(ifd0, entry{0x8825, 4, 1, bo.AppendUint32(nil, uint32(gpsAt))})
	}
	b := writeIFD(tiff, ifd0)
	if len(exifEntries) > 0 {
		b = writeIFD(b, exifEntries)
	}
	if len(gpsEntries) > 0 {
		b = writeIFD(b, gpsEntries)
	}
	b = append(b, data...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	seg = append(seg, "Exif\x00\x00"...)
	seg = append(seg, b...)
	binary.BigEndian.PutUint16(seg[2:], uint16(len(seg)-2))
	return seg
}

// Time formats t as EXIF does.
func Time(t time.Time) string { return t.Format("2006:01:02 15:04:05") }

// PhotoReader streams a valid JPEG of exactly size bytes (at least MinSize()+65541), unique by
// seed, without holding it in memory: the same seed gives the same bytes, so a caller can hash it in
// one pass and send it in another. For memory measurements of large uploads.
func PhotoReader(seed uint64, size int) io.Reader {
	img := baseJPEG()
	sos := startOfScan(img)
	head, tail := img[:sos], img[sos:]
	fill := size - len(head) - len(tail)
	if fill < 4 {
		panic("evidencetest.PhotoReader: size too small")
	}
	var parts []io.Reader
	parts = append(parts, bytes.NewReader(head))
	src := &randReader{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for fill > 0 {
		n := min(fill, 65535+2)
		if fill-n > 0 && fill-n < 4 {
			n -= 4
		}
		parts = append(parts, bytes.NewReader([]byte{0xFF, 0xFE, byte((n - 2) >> 8), byte(n - 2)}),
			io.LimitReader(src, int64(n-4)))
		fill -= n
	}
	parts = append(parts, bytes.NewReader(tail))
	return io.MultiReader(parts...)
}

// randReader reads pseudo-random bytes from a generator, the same bytes however the reads are cut.
type randReader struct {
	rng  *rand.Rand
	w    [8]byte
	left int // unread bytes at the end of w
}

func (r *randReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if r.left == 0 {
			binary.LittleEndian.PutUint64(r.w[:], r.rng.Uint64())
			r.left = 8
		}
		c := copy(p[n:], r.w[8-r.left:])
		r.left -= c
		n += c
	}
	return n, nil
}
