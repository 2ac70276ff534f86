package thumbnail_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

// halves is a w × h image whose left half is left and right half is right.
func halves(w, h int, left, right color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if x < w/2 {
				m.SetRGBA(x, y, left)
			} else {
				m.SetRGBA(x, y, right)
			}
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func make_(t testing.TB, src []byte, o thumbnail.Options) (image.Image, thumbnail.Result) {
	t.Helper()
	var out bytes.Buffer
	res, err := thumbnail.Make(&out, bytes.NewReader(src), o)
	if err != nil {
		t.Fatalf("Make: %v", err)
	}
	img, err := jpeg.Decode(&out)
	if err != nil {
		t.Fatalf("the thumbnail is not a JPEG: %v", err)
	}
	return img, res
}

// near reports whether c is within tol of want in each channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { x := int(a>>8) - int(b); return x <= tol && x >= -tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

var (
	red   = color.RGBA{220, 20, 30, 255}
	blue  = color.RGBA{20, 40, 210, 255}
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
)

func TestScalesJPEGToLongSide(t *testing.T) {
	src := encodeJPEG(t, halves(1600, 1200, red, blue))
	img, res := make_(t, src, thumbnail.Options{})
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 240 {
		t.Fatalf("thumbnail %v, want 320 × 240", b)
	}
	if res.Width != 1600 || res.Height != 1200 || res.Format != "jpeg" || res.ThumbWidth != 320 {
		t.Errorf("result %+v", res)
	}
	if c := img.At(40, 120); !near(c, red, 25) {
		t.Errorf("left of the thumbnail %v, want red %v", c, red)
	}
	if c := img.At(280, 120); !near(c, blue, 25) {
		t.Errorf("right of the thumbnail %v, want blue %v", c, blue)
	}
	// The edge between the halves is averaged, not sampled: the pixel on it mixes both.
	tall, _ := make_(t, encodeJPEG(t, halves(90, 1200, red, blue)), thumbnail.Options{})
	if b := tall.Bounds(); b.Dx() != 24 || b.Dy() != 320 {
		t.Errorf("portrait thumbnail %v, want 24 × 320", b)
	}
}

func TestSmallImageKeepsItsSize(t *testing.T) {
	img, _ := make_(t, encodePNG(t, halves(100, 40, red, blue)), thumbnail.Options{})
	if b := img.Bounds(); b.Dx() != 100 || b.Dy() != 40 {
		t.Errorf("thumbnail of a 100 × 40 image is %v", b)
	}
}

// A signature: dark strokes on a transparent background. Flattened onto black it would vanish.
func TestTransparentPNGOnWhite(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 800, 400))
	for x := 100; x < 700; x++ {
		for y := 195; y < 205; y++ {
			m.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 255})
		}
	}
	img, res := make_(t, encodePNG(t, m), thumbnail.Options{})
	if res.Format != "png" {
		t.Errorf("format %q", res.Format)
	}
	if c := img.At(5, 5); !near(c, white, 8) {
		t.Errorf("transparent background became %v, want white", c)
	}
	if c := img.At(160, 80); near(c, white, 60) {
		t.Errorf("the stroke vanished: %v", c)
	}
}

// withOrientation inserts an Exif segment with orientation o after the JPEG's SOI marker.
func withOrientation(jpg []byte, o uint16, order binary.ByteOrder) []byte {
	var tiff bytes.Buffer
	if order == binary.LittleEndian {
		tiff.WriteString("II")
	} else {
		tiff.WriteString("MM")
	}
	binary.Write(&tiff, order, uint16(42))
	binary.Write(&tiff, order, uint32(8))
	binary.Write(&tiff, order, uint16(2)) // two entries: another tag first
	for _, e := range [][3]uint32{{0x010f, 2, 0}, {0x0112, 3, uint32(o)}} {
		binary.Write(&tiff, order, uint16(e[0]))
		binary.Write(&tiff, order, uint16(e[1]))
		binary.Write(&tiff, order, uint32(1))
		if e[1] == 3 {
			binary.Write(&tiff, order, uint16(e[2]))
			binary.Write(&tiff, order, uint16(0))
		} else {
			binary.Write(&tiff, order, uint32(0))
		}
	}
	binary.Write(&tiff, order, uint32(0))
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xff, 0xe1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

// quadrant is a w × h image, red in its top-left quarter and blue elsewhere.
func quadrant(w, h int) *image.RGBA {
	m := halves(w, h, blue, blue)
	for y := range h / 2 {
		for x := range w / 2 {
			m.SetRGBA(x, y, red)
		}
	}
	return m
}

func TestEXIFOrientation(t *testing.T) {
	src := encodeJPEG(t, quadrant(400, 200))
	// Where the red quarter ends up, for each orientation, in a thumbnail of 320 × 160 (or 160 × 320).
	tl, tr, bl, br := image.Pt(0, 0), image.Pt(1, 0), image.Pt(0, 1), image.Pt(1, 1)
	cases := []struct {
		o          uint16
		order      binary.ByteOrder
		portrait   bool
		red        image.Point // quarter: 0 or 1 in each axis
		wantResult int
	}{
		{1, binary.BigEndian, false, tl, 1},
		{2, binary.LittleEndian, false, tr, 2}, // mirrored
		{3, binary.BigEndian, false, br, 3},    // upside down
		{4, binary.LittleEndian, false, bl, 4}, // mirrored upside down
		{5, binary.BigEndian, true, tl, 5},     // transposed
		{6, binary.LittleEndian, true, tr, 6},  // turned clockwise
		{7, binary.BigEndian, true, br, 7},     // transversed
		{8, binary.LittleEndian, true, bl, 8},  // turned anticlockwise
		{9, binary.BigEndian, false, tl, 1},    // not a valid value: ignored
	}
	for _, tc := range cases {
		img, res := make_(t, withOrientation(src, tc.o, tc.order), thumbnail.Options{})
		w, h := 320, 160
		if tc.portrait {
			w, h = h, w
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("orientation %d: %v, want %d × %d", tc.o, b, w, h)
			continue
		}
		if res.Orientation != tc.wantResult {
			t.Errorf("orientation %d: result says %d", tc.o, res.Orientation)
		}
		for _, q := range []image.Point{tl, tr, bl, br} {
			at := image.Pt(w/4+q.X*w/2, h/4+q.Y*h/2)
			want := blue
			if q == tc.red {
				want = red
			}
			if c := img.At(at.X, at.Y); !near(c, want, 30) {
				t.Errorf("orientation %d: %v at %v, want %v", tc.o, c, at, want)
			}
		}
	}
}

// pngHeader is a PNG signature and an IHDR chunk claiming w × h pixels, and nothing else.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	binary.Write(&b, binary.BigEndian, uint32(13))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestRefusals(t *testing.T) {
	normal := encodeJPEG(t, halves(400, 300, red, blue))
	// A JPEG's frame header with 30 000 × 30 000 pixels: patch the SOF0 of a real file.
	bomb := bytes.Clone(normal)
	if i := bytes.Index(bomb, []byte{0xff, 0xc0}); i > 0 {
		binary.BigEndian.PutUint16(bomb[i+5:], 30000)
		binary.BigEndian.PutUint16(bomb[i+7:], 30000)
	} else {
		t.Fatal("no SOF0 in the test JPEG")
	}
	cases := []struct {
		name string
		src  []byte
		o    thumbnail.Options
	}{
		{"not an image", []byte("%PDF-1.7 biên bản"), thumbnail.Options{}},
		{"empty", nil, thumbnail.Options{}},
		{"PNG bomb", pngHeader(100000, 100000), thumbnail.Options{}},
		{"PNG strip", pngHeader(40000, 1), thumbnail.Options{}},
		{"JPEG bomb", bomb, thumbnail.Options{}},
		{"over the pixel limit", normal, thumbnail.Options{MaxPixels: 400*300 - 1}},
		{"truncated JPEG", normal[:len(normal)/2], thumbnail.Options{}},
		{"PNG without data", pngHeader(100, 100), thumbnail.Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := thumbnail.Make(&out, bytes.NewReader(tc.src), tc.o)
			if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeThumbnailUnavailable {
				t.Fatalf("Make: %v, want invalid %s", err, errs.CodeThumbnailUnavailable)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes", out.Len())
			}
		})
	}
	// Exactly at the limit is fine.
	if _, err := thumbnail.Make(io.Discard, bytes.NewReader(normal), thumbnail.Options{MaxPixels: 400 * 300}); err != nil {
		t.Errorf("at the pixel limit: %v", err)
	}
}

// failAfter is a source that breaks after n bytes, like a store that drops the connection.
type failAfter struct {
	r io.Reader
	n int
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errs.E(errs.Unavailable, "connection reset")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// A failing source is not a bad image: its error keeps its kind, so that the job retries.
func TestSourceErrorsAreNotVerdicts(t *testing.T) {
	src := encodeJPEG(t, halves(800, 600, red, blue))
	for _, n := range []int{0, 4, 300, len(src) / 2} {
		_, err := thumbnail.Make(io.Discard, &failAfter{r: bytes.NewReader(src), n: n}, thumbnail.Options{})
		if errs.KindOf(err) != errs.Unavailable {
			t.Errorf("source failing after %d bytes: %v, want unavailable", n, err)
		}
	}
	_, err := thumbnail.Make(failingWriter{}, bytes.NewReader(src), thumbnail.Options{})
	if err == nil || errs.CodeOf(err) == errs.CodeThumbnailUnavailable || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// BenchmarkPhoto12MP makes the thumbnail of a 4000 × 3000 JPEG (a 12-megapixel phone photo).
func BenchmarkPhoto12MP(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = uint8(i * 7)
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(i*3), uint8(i*5)
	}
	src := encodeJPEG(b, m)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := thumbnail.Make(io.Discard, bytes.NewReader(src), thumbnail.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
