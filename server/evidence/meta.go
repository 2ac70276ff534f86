package evidence

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
)

// MetaLen is how many leading bytes ReadMeta looks at. A JPEG's EXIF segment (APP1) is at most
// 64 KiB and comes before the image data, as does the frame header that gives the size (unless an
// ICC profile or a large thumbnail pushes it further: then the size is simply left unknown).
const MetaLen = 128 << 10

// ReadMeta reads what an image's leading bytes say about it: for a JPEG the EXIF capture time and
// GPS position and the frame's size, for a PNG its size. What is absent, damaged or implausible is
// left nil: the bytes of evidence are never refused for their metadata.
//
// A small reader of our own rather than a library: it reads five tags, bounds every offset by the
// slice, and keeps the dependency list short (the Go EXIF libraries pull in far more than this
// needs). EXIF times carry no zone unless OffsetTimeOriginal says one; phones here keep local time,
// so a time without an offset is taken as Asia/Ho_Chi_Minh.
func ReadMeta(contentType string, head []byte) Meta {
	switch contentType {
	case TypeJPEG:
		return readJPEG(head)
	case TypePNG:
		return readPNG(head)
	}
	return Meta{}
}

func readPNG(b []byte) Meta {
	var m Meta
	if len(b) < 24 || !bytes.HasPrefix(b, pngMagic) || string(b[12:16]) != "IHDR" {
		return m
	}
	w, h := binary.BigEndian.Uint32(b[16:]), binary.BigEndian.Uint32(b[20:])
	if w > 0 && h > 0 && w < 1<<31 && h < 1<<31 {
		wi, hi := int(w), int(h)
		m.Width, m.Height = &wi, &hi
	}
	return m
}

func readJPEG(b []byte) Meta {
	var m Meta
	if !bytes.HasPrefix(b, jpegMagic) {
		return m
	}
	exifRead := false
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return m
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8: // markers without a length
			i += 2
			continue
		case marker == 0xD9 || marker == 0xDA: // end of image, start of scan: no more headers
			return m
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if n < 2 {
			return m
		}
		end := i + 2 + n
		data := b[i+4 : min(end, len(b))]
		switch {
		case marker == 0xE1 && !exifRead && bytes.HasPrefix(data, []byte("Exif\x00\x00")) && end <= len(b):
			exifRead = true
			readEXIF(data[6:], &m)
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			// A start of frame: precision, height, width.
			if len(data) >= 5 {
				h, w := int(data[1])<<8|int(data[2]), int(data[3])<<8|int(data[4])
				if w > 0 && h > 0 {
					m.Width, m.Height = &w, &h
				}
			}
			return m
		}
		i = end
	}
	return m
}

// The EXIF tags read.
const (
	tagDateTime         = 0x0132
	tagExifIFD          = 0x8769
	tagGPSIFD           = 0x8825
	tagDateTimeOriginal = 0x9003
	tagOffsetOriginal   = 0x9011
	tagGPSLatRef        = 0x0001
	tagGPSLat           = 0x0002
	tagGPSLonRef        = 0x0003
	tagGPSLon           = 0x0004
)

// tiff is an EXIF block: a TIFF header and its IFDs.
type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

// field is one IFD entry with its value's bytes.
type field struct {
	typ   uint16
	count uint32
	val   []byte
}

func readEXIF(b []byte, m *Meta) {
	if len(b) < 8 {
		return
	}
	t := tiff{b: b}
	switch string(b[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return
	}
	if t.bo.Uint16(b[2:]) != 42 {
		return
	}
	ifd0 := t.ifd(t.bo.Uint32(b[4:]))
	taken, offset := "", ""
	if f, ok := ifd0[tagDateTime]; ok {
		taken = f.ascii()
	}
	if f, ok := ifd0[tagExifIFD]; ok {
		if off, ok := t.uint(f); ok {
			sub := t.ifd(off)
			if f, ok := sub[tagDateTimeOriginal]; ok && f.ascii() != "" {
				taken = f.ascii()
			}
			if f, ok := sub[tagOffsetOriginal]; ok {
				offset = f.ascii()
			}
		}
	}
	if at, ok := exifTime(taken, offset); ok {
		m.TakenAt = &at
	}
	if f, ok := ifd0[tagGPSIFD]; ok {
		if off, ok := t.uint(f); ok {
			gps := t.ifd(off)
			lat, okLat := t.degrees(gps[tagGPSLat], gps[tagGPSLatRef], "S")
			lon, okLon := t.degrees(gps[tagGPSLon], gps[tagGPSLonRef], "W")
			if okLat && okLon && math.Abs(lat) <= 90 && math.Abs(lon) <= 180 && (lat != 0 || lon != 0) {
				m.Lat, m.Lon = &lat, &lon
			}
		}
	}
}

// typeSize is the size in bytes of one value of an IFD entry's type (0 for unknown types).
func typeSize(typ uint16) uint64 {
	switch typ {
	case 1, 2, 6, 7: // BYTE, ASCII, SBYTE, UNDEFINED
		return 1
	case 3, 8: // SHORT, SSHORT
		return 2
	case 4, 9, 11: // LONG, SLONG, FLOAT
		return 4
	case 5, 10, 12: // RATIONAL, SRATIONAL, DOUBLE
		return 8
	}
	return 0
}

// ifd reads the IFD at off: its entries by tag, each with its value's bytes (in the entry when they
// fit in four bytes, else at the offset it gives). Entries pointing outside the block are dropped.
func (t tiff) ifd(off uint32) map[uint16]field {
	out := map[uint16]field{}
	b := t.b
	if uint64(off)+2 > uint64(len(b)) {
		return out
	}
	n := int(t.bo.Uint16(b[off:]))
	p := int(off) + 2
	for range min(n, 512) {
		if p+12 > len(b) {
			break
		}
		tag, typ, count := t.bo.Uint16(b[p:]), t.bo.Uint16(b[p+2:]), t.bo.Uint32(b[p+4:])
		size := typeSize(typ) * uint64(count)
		switch {
		case size == 0:
		case size <= 4:
			out[tag] = field{typ: typ, count: count, val: b[p+8 : p+8+int(size)]}
		default:
			at := uint64(t.bo.Uint32(b[p+8:]))
			if at+size <= uint64(len(b)) {
				out[tag] = field{typ: typ, count: count, val: b[at : at+size]}
			}
		}
		p += 12
	}
	return out
}

// uint reads a SHORT or LONG entry's first value.
func (t tiff) uint(f field) (uint32, bool) {
	switch {
	case f.typ == 3 && len(f.val) >= 2:
		return uint32(t.bo.Uint16(f.val)), true
	case f.typ == 4 && len(f.val) >= 4:
		return t.bo.Uint32(f.val), true
	}
	return 0, false
}

func (f field) ascii() string {
	if f.typ != 2 {
		return ""
	}
	s, _, _ := strings.Cut(string(f.val), "\x00")
	return strings.TrimSpace(s)
}

// degrees reads a GPS coordinate (three RATIONALs: degrees, minutes, seconds) and its reference,
// negative when the reference is neg ("S" or "W").
func (t tiff) degrees(v, ref field, neg string) (float64, bool) {
	if v.typ != 5 || v.count != 3 || len(v.val) < 24 {
		return 0, false
	}
	var parts [3]float64
	for i := range parts {
		num, den := t.bo.Uint32(v.val[8*i:]), t.bo.Uint32(v.val[8*i+4:])
		if den == 0 {
			return 0, false
		}
		parts[i] = float64(num) / float64(den)
	}
	d := parts[0] + parts[1]/60 + parts[2]/3600
	switch ref.ascii() {
	case neg:
		d = -d
	case "N", "E":
	default:
		return 0, false
	}
	return d, true
}

// exifTime parses an EXIF time ("2006:01:02 15:04:05") with an optional offset ("+07:00").
func exifTime(s, offset string) (time.Time, bool) {
	if s == "" || strings.HasPrefix(s, "0000") {
		return time.Time{}, false
	}
	loc := adminunit.Vietnam
	if offset != "" {
		if o, err := time.Parse("-07:00", offset); err == nil {
			_, secs := o.Zone()
			loc = time.FixedZone(offset, secs)
		}
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", s, loc)
	if err != nil || t.Year() < 1990 {
		return time.Time{}, false
	}
	return t.UTC(), true
}
