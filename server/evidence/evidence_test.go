package evidence_test

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidence/evidencetest"
)

func TestSniff(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 1, 0, 0, 0, 0, 200}
	for _, tc := range []struct {
		name string
		head []byte
		want string
	}{
		{"jpeg", evidencetest.Photo(rng, 2000, nil), evidence.TypeJPEG},
		{"png", png, evidence.TypePNG},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ"), evidence.TypePDF},
		{"gif", []byte("GIF89a....."), ""},
		{"html claiming nothing", []byte("<html><body>"), ""},
		{"two bytes of a jpeg", []byte{0xFF, 0xD8}, ""},
		{"png signature broken", append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A}, 'x'), ""},
		{"pdf not at the start", []byte(" %PDF-1.4"), ""},
		{"empty", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := evidence.Sniff(tc.head); got != tc.want {
				t.Errorf("Sniff = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		purpose, ct string
		want        bool
	}{
		{"photo", "image/jpeg", true}, {"photo", "image/png", true}, {"photo", "application/pdf", false},
		{"signature", "image/png", true}, {"signature", "image/jpeg", true}, {"signature", "application/pdf", false},
		{"document", "application/pdf", true}, {"document", "image/jpeg", true}, {"document", "image/gif", false},
	} {
		if got := evidence.Allowed(tc.purpose, tc.ct); got != tc.want {
			t.Errorf("Allowed(%s, %s) = %v, want %v", tc.purpose, tc.ct, got, tc.want)
		}
	}
}

func TestReadMeta(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ict := time.FixedZone("ICT", 7*3600)
	for _, tc := range []struct {
		name     string
		ex       *evidencetest.Exif
		taken    time.Time
		lat, lon float64
		gps      bool
	}{
		{"no EXIF", nil, time.Time{}, 0, 0, false},
		{"time without offset is Vietnam's, little-endian",
			&evidencetest.Exif{TakenAt: "2026:03:02 09:15:30", Lat: 22.6657, Lon: 106.2522, HasGPS: true},
			time.Date(2026, 3, 2, 9, 15, 30, 0, ict), 22.6657, 106.2522, true},
		{"time with its offset, big-endian",
			&evidencetest.Exif{TakenAt: "2026:03:02 09:15:30", Offset: "+02:00", BigEndian: true},
			time.Date(2026, 3, 2, 9, 15, 30, 0, time.FixedZone("", 2*3600)), 0, 0, false},
		{"southern and western hemisphere",
			&evidencetest.Exif{Lat: -33.8688, Lon: -70.6693, HasGPS: true, BigEndian: true}, time.Time{}, -33.8688, -70.6693, true},
		{"zero time and null island are absent",
			&evidencetest.Exif{TakenAt: "0000:00:00 00:00:00", HasGPS: true}, time.Time{}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			photo := evidencetest.Photo(rng, 5000, tc.ex)
			m := evidence.ReadMeta(evidence.TypeJPEG, photo)
			if m.Width == nil || *m.Width != evidencetest.Width || m.Height == nil || *m.Height != evidencetest.Height {
				t.Errorf("size %v×%v, want %d×%d", m.Width, m.Height, evidencetest.Width, evidencetest.Height)
			}
			switch {
			case tc.taken.IsZero() && m.TakenAt != nil:
				t.Errorf("taken at %v, want none", *m.TakenAt)
			case !tc.taken.IsZero() && (m.TakenAt == nil || !m.TakenAt.Equal(tc.taken)):
				t.Errorf("taken at %v, want %v", m.TakenAt, tc.taken)
			}
			switch {
			case !tc.gps && m.Lat != nil:
				t.Errorf("GPS %v,%v, want none", *m.Lat, *m.Lon)
			case tc.gps && (m.Lat == nil || math.Abs(*m.Lat-tc.lat) > 1e-5 || math.Abs(*m.Lon-tc.lon) > 1e-5):
				t.Errorf("GPS %v,%v, want %v,%v", m.Lat, m.Lon, tc.lat, tc.lon)
			}
		})
	}
}

// TestReadMetaDamaged feeds truncated and corrupted EXIF blocks: ReadMeta must neither panic nor
// read outside them, and a damaged block gives no metadata rather than wrong metadata.
func TestReadMetaDamaged(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	photo := evidencetest.Photo(rng, 3000, &evidencetest.Exif{TakenAt: "2026:03:02 09:15:30", Lat: 22.6, Lon: 106.2, HasGPS: true})
	for n := range len(photo) {
		evidence.ReadMeta(evidence.TypeJPEG, photo[:n]) // every truncation
	}
	for range 2000 {
		b := bytes.Clone(photo[:400])
		for range 1 + rng.IntN(4) {
			b[2+rng.IntN(len(b)-2)] = byte(rng.Uint32())
		}
		evidence.ReadMeta(evidence.TypeJPEG, b)
	}
	// An IFD offset pointing far outside the block.
	b := bytes.Clone(photo)
	at := bytes.Index(b, []byte("Exif\x00\x00")) + 6 + 4
	binary.LittleEndian.PutUint32(b[at:], 0xFFFFFFF0)
	if m := evidence.ReadMeta(evidence.TypeJPEG, b); m.TakenAt != nil || m.Lat != nil {
		t.Errorf("metadata read through a broken IFD offset: %+v", m)
	}
}

func TestReadMetaPNG(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 1, 0x2C, 0, 0, 0, 200}
	m := evidence.ReadMeta(evidence.TypePNG, png)
	if m.Width == nil || *m.Width != 300 || m.Height == nil || *m.Height != 200 {
		t.Errorf("PNG size %v×%v, want 300×200", m.Width, m.Height)
	}
	if m := evidence.ReadMeta(evidence.TypePDF, []byte("%PDF-1.7")); m != (evidence.Meta{}) {
		t.Errorf("PDF metadata %+v, want none", m)
	}
}

func TestDistanceM(t *testing.T) {
	// Cao Bằng city centre to Trùng Khánh town: about 33.5 km as the crow flies.
	d := evidence.DistanceM(22.6657, 106.2522, 22.8364, 106.5237)
	if d < 33000 || d > 34000 {
		t.Errorf("distance %.0f m, want about 33.5 km", d)
	}
	if d := evidence.DistanceM(22.6657, 106.2522, 22.6657, 106.2522); d != 0 {
		t.Errorf("distance to itself %v", d)
	}
	// One thousandth of a degree of latitude is about 111 m.
	if d := evidence.DistanceM(22, 106, 22.001, 106); math.Abs(d-111.2) > 0.5 {
		t.Errorf("0.001° of latitude = %.1f m, want 111.2", d)
	}
}

func TestDay(t *testing.T) {
	// 23:30 UTC is 06:30 the next day in Vietnam.
	at := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	if got := evidence.Day(at); got != "2026-03-02" {
		t.Errorf("Day = %s, want 2026-03-02", got)
	}
	want := time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC) // midnight of 3 March in Vietnam
	if got := evidence.NextDay(at); !got.Equal(want) {
		t.Errorf("NextDay = %s, want %s", got, want)
	}
}

func TestPhotoIsExactAndUnique(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	seen := map[string]bool{}
	for _, size := range []int{evidencetest.MinSize(), evidencetest.MinSize() + 1, 70000, 200 << 10, 3 << 20} {
		p := evidencetest.Photo(rng, size, nil)
		if len(p) != size {
			t.Fatalf("Photo(%d) made %d bytes", size, len(p))
		}
		if sum := evidencetest.SHA256(p); seen[sum] {
			t.Fatalf("Photo(%d) repeated a photo", size)
		} else {
			seen[sum] = true
		}
		if evidence.Sniff(p) != evidence.TypeJPEG {
			t.Fatalf("Photo(%d) is not a JPEG by its signature", size)
		}
		if _, err := jpeg.Decode(bytes.NewReader(p)); err != nil {
			t.Fatalf("Photo(%d) does not decode: %v", size, err)
		}
	}
}

func TestPhotoReaderIsRepeatable(t *testing.T) {
	size := 300000
	a, err := io.ReadAll(evidencetest.PhotoReader(9, size))
	if err != nil || len(a) != size {
		t.Fatalf("%d bytes, %v", len(a), err)
	}
	var b bytes.Buffer
	r := evidencetest.PhotoReader(9, size)
	buf := make([]byte, 7777)
	for {
		n, err := r.Read(buf[:1+len(b.Bytes())%len(buf)])
		b.Write(buf[:n])
		if err == io.EOF {
			break
		}
	}
	if !bytes.Equal(a, b.Bytes()) {
		t.Fatal("the same seed read in other pieces gave other bytes")
	}
	if _, err := jpeg.Decode(bytes.NewReader(a)); err != nil {
		t.Fatalf("does not decode: %v", err)
	}
}
