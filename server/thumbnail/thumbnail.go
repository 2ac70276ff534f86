// Package thumbnail makes the small previews of evidence images (photos and signature images) that
// the console and the phone show in lists, and runs that work as background jobs (job.go).
//
// Make decodes only JPEG and PNG, and only after reading the image's header: an image whose
// dimensions promise more pixels than Options.MaxPixels is refused before any pixel memory is
// allocated, so a small file that claims to be enormous (a decompression bomb) cannot exhaust the
// server. Scaling is an area average (a box filter), which is what a large reduction needs, with
// transparency flattened onto white (signatures are dark strokes on a transparent background); the
// EXIF orientation of a JPEG is applied, so that a photo taken with the phone held upright shows
// upright.
//
// This package imports neither gorm, echo nor minio-go.
package thumbnail

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Defaults of Options.
const (
	DefaultMaxSide   = 320        // pixels on the long side
	DefaultQuality   = 75         // JPEG quality
	DefaultMaxPixels = 50_000_000 // a 48-megapixel phone camera fits; its decoded JPEG takes ~75 MB
	// maxSide bounds either dimension whatever MaxPixels allows (a 1 × 50 000 000 strip is no photo).
	maxSide = 30_000
	// maxHeaderBytes bounds what is read to find the dimensions (JPEG metadata segments come first,
	// 64 KiB each; a few are normal, megabytes of them are not).
	maxHeaderBytes = 4 << 20
)

// Options tune Make; zero values take the defaults.
type Options struct {
	MaxSide   int   // longest side of the thumbnail
	Quality   int   // JPEG quality, 1–100
	MaxPixels int64 // largest width × height decoded
}

func (o Options) withDefaults() Options {
	if o.MaxSide <= 0 {
		o.MaxSide = DefaultMaxSide
	}
	if o.Quality <= 0 || o.Quality > 100 {
		o.Quality = DefaultQuality
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	return o
}

// Result describes a thumbnail made by Make.
type Result struct {
	Format        string // of the source: "jpeg" or "png"
	Width, Height int    // of the source as stored (before orientation)
	Orientation   int    // EXIF orientation applied, 1–8 (1 = none)
	ThumbWidth    int
	ThumbHeight   int
}

// Make reads a JPEG or PNG image from r and writes a JPEG thumbnail of it to w, no larger than
// MaxSide on its long side (a smaller image keeps its size).
//
// Errors: content that is not a JPEG or PNG, cannot be decoded, or is larger than MaxPixels is
// errs.Invalid with code errs.CodeThumbnailUnavailable, which no retry will change; an error of r or
// w is returned as it came (wrapped), so that its kind says whether to retry.
func Make(w io.Writer, r io.Reader, o Options) (Result, error) {
	const op = errs.Op("thumbnail.Make")
	o = o.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	// Everything DecodeConfig reads is recorded, so that the decoder can start again from the first
	// byte without the source being read twice.
	rec := &recorder{r: br, limit: maxHeaderBytes}
	var (
		cfg    image.Config
		format string
		err    error
	)
	magic, perr := br.Peek(8)
	if perr != nil && perr != io.EOF {
		return Result{}, errs.E(op, perr) // the source failed
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0xff, 0xd8, 0xff}):
		format = "jpeg"
		cfg, err = jpeg.DecodeConfig(rec)
	case bytes.HasPrefix(magic, []byte("\x89PNG\r\n\x1a\n")):
		format = "png"
		cfg, err = png.DecodeConfig(rec)
	default:
		return Result{}, unavailable(op, "neither a JPEG nor a PNG")
	}
	if rec.err != nil {
		return Result{}, errs.E(op, rec.err) // the source failed, not the image
	}
	if err != nil {
		return Result{}, unavailable(op, fmt.Sprintf("%s header: %v", format, err))
	}
	res := Result{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSide || cfg.Height > maxSide ||
		int64(cfg.Width)*int64(cfg.Height) > o.MaxPixels {
		return res, unavailable(op, fmt.Sprintf("%d × %d pixels: more than %d, or a side over %d", cfg.Width, cfg.Height, o.MaxPixels, maxSide))
	}
	if format == "jpeg" {
		res.Orientation = exifOrientation(rec.buf.Bytes())
	}
	src := io.MultiReader(bytes.NewReader(rec.buf.Bytes()), br)
	var img image.Image
	if format == "jpeg" {
		img, err = jpeg.Decode(src)
	} else {
		img, err = png.Decode(src)
	}
	if err != nil {
		if _, ok := err.(jpeg.FormatError); ok {
			return res, unavailable(op, "jpeg: "+err.Error())
		}
		if _, ok := err.(jpeg.UnsupportedError); ok {
			return res, unavailable(op, "jpeg: "+err.Error())
		}
		if _, ok := err.(png.FormatError); ok {
			return res, unavailable(op, "png: "+err.Error())
		}
		if _, ok := err.(png.UnsupportedError); ok {
			return res, unavailable(op, "png: "+err.Error())
		}
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return res, unavailable(op, format+": truncated")
		}
		return res, errs.E(op, err)
	}
	b := img.Bounds()
	tw, th := fit(b.Dx(), b.Dy(), o.MaxSide)
	thumb := orient(boxScale(img, tw, th), res.Orientation)
	res.ThumbWidth, res.ThumbHeight = thumb.Bounds().Dx(), thumb.Bounds().Dy()
	if err := jpeg.Encode(w, thumb, &jpeg.Options{Quality: o.Quality}); err != nil {
		return res, errs.E(op, err)
	}
	return res, nil
}

func unavailable(op errs.Op, detail string) error {
	return errs.E(op, errs.Invalid, errs.CodeThumbnailUnavailable, detail)
}

// recorder keeps a copy of what is read through it, up to limit bytes, and remembers the source's
// own errors (as opposed to the decoder's verdict on the bytes).
type recorder struct {
	r     io.Reader
	buf   bytes.Buffer
	limit int
	err   error
}

func (rc *recorder) Read(p []byte) (int, error) {
	if rc.buf.Len() >= rc.limit {
		return 0, fmt.Errorf("image header longer than %d bytes", rc.limit)
	}
	if len(p) > rc.limit-rc.buf.Len() {
		p = p[:rc.limit-rc.buf.Len()]
	}
	n, err := rc.r.Read(p)
	rc.buf.Write(p[:n])
	if err != nil && err != io.EOF {
		rc.err = err
	}
	return n, err
}

// fit returns the size of a w × h image scaled to at most side on its long side, never enlarged.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, int((int64(h)*int64(side)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(side)+int64(h)/2)/int64(h))), side
}

// boxScale reduces img to tw × th by averaging each output pixel's rectangle of source pixels, and
// flattens transparency onto white. Each source pixel is read once; the common decoder outputs are
// read directly rather than through the image.Image interface.
func boxScale(img image.Image, tw, th int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	xmap := make([]int, w)
	xcount := make([]uint64, tw)
	for x := range w {
		xmap[x] = x * tw / w
		xcount[xmap[x]]++
	}
	// One output row of sums at a time: source rows arrive in order, and each belongs to one output row.
	acc := make([]uint64, tw*4)
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	rowsIn := uint64(0)
	oy := 0
	flush := func() {
		for ox := range tw {
			n := xcount[ox] * rowsIn
			if n == 0 {
				continue
			}
			r, g, bl, a := acc[ox*4], acc[ox*4+1], acc[ox*4+2], acc[ox*4+3]
			white := 255*n - a // premultiplied colour over white: c + (255 - alpha)
			i := out.PixOffset(ox, oy)
			out.Pix[i] = uint8((r + white + n/2) / n)
			out.Pix[i+1] = uint8((g + white + n/2) / n)
			out.Pix[i+2] = uint8((bl + white + n/2) / n)
			out.Pix[i+3] = 255
		}
		clear(acc)
		rowsIn = 0
	}
	for y := range h {
		if ny := y * th / h; ny != oy {
			flush()
			oy = ny
		}
		addRow(acc, img, b.Min.X, b.Min.Y+y, w, xmap)
		rowsIn++
	}
	flush()
	return out
}

// addRow adds source row y (premultiplied 8-bit r, g, b, a) to the sums of the output pixels.
func addRow(acc []uint64, img image.Image, x0, y, w int, xmap []int) {
	switch m := img.(type) {
	case *image.YCbCr:
		yi := m.YOffset(x0, y)
		for x := range w {
			ci := m.COffset(x0+x, y)
			r, g, b := color.YCbCrToRGB(m.Y[yi+x], m.Cb[ci], m.Cr[ci])
			o := xmap[x] * 4
			acc[o] += uint64(r)
			acc[o+1] += uint64(g)
			acc[o+2] += uint64(b)
			acc[o+3] += 255
		}
	case *image.Gray:
		p := m.Pix[m.PixOffset(x0, y):]
		for x := range w {
			v := uint64(p[x])
			o := xmap[x] * 4
			acc[o] += v
			acc[o+1] += v
			acc[o+2] += v
			acc[o+3] += 255
		}
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for x := range w {
			a := uint64(p[x*4+3])
			o := xmap[x] * 4
			acc[o] += (uint64(p[x*4])*a + 127) / 255
			acc[o+1] += (uint64(p[x*4+1])*a + 127) / 255
			acc[o+2] += (uint64(p[x*4+2])*a + 127) / 255
			acc[o+3] += a
		}
	case *image.RGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for x := range w {
			o := xmap[x] * 4
			acc[o] += uint64(p[x*4])
			acc[o+1] += uint64(p[x*4+1])
			acc[o+2] += uint64(p[x*4+2])
			acc[o+3] += uint64(p[x*4+3])
		}
	default: // paletted, 16-bit, CMYK …: slower, through the interface
		for x := range w {
			r, g, b, a := img.At(x0+x, y).RGBA()
			o := xmap[x] * 4
			acc[o] += uint64(r >> 8)
			acc[o+1] += uint64(g >> 8)
			acc[o+2] += uint64(b >> 8)
			acc[o+3] += uint64(a >> 8)
		}
	}
}

// orient applies EXIF orientation o (2–8) to m; 1 and unknown values leave it as it is.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored upside down
				dx, dy = x, h-1-y
			case 5: // mirrored, rotated
				dx, dy = y, x
			case 6: // rotated: turn 90° clockwise
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8: // turn 90° anticlockwise
				dx, dy = y, w-1-x
			}
			copy(out.Pix[out.PixOffset(dx, dy):][:4], m.Pix[m.PixOffset(x, y):][:4])
		}
	}
	return out
}

// exifOrientation finds the orientation tag (0x0112) of IFD0 in a JPEG's Exif segment among the
// bytes before its image data; 1 when there is none or it cannot be read.
func exifOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return 1
		}
		marker := b[i+1]
		if marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 || marker == 0xff {
			i++ // a marker without a length, or fill bytes
			continue
		}
		if marker == 0xda || (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
			return 1 // image data or frame header: no Exif before it
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
