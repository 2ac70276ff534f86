package simulator

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// jpegBytesPerPixel is about what random noise costs at quality 80 (measured: 0.5–0.6).
const jpegBytesPerPixel = 0.55

// noiseJPEG encodes a 4:3 photo of random noise of about kib KiB. Every photo is different (D22:
// deduplication would fake the figures), and noise compresses as badly as a real photo's detail.
func noiseJPEG(rng *rand.Rand, kib int) ([]byte, error) {
	px := float64(max(kib, 1)*1024) / jpegBytesPerPixel
	w := max(int(math.Sqrt(px*4/3)), 16)
	h := max(w*3/4, 12)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	pix := img.Pix
	for i := 0; i+8 <= len(pix); i += 8 {
		binary.LittleEndian.PutUint64(pix[i:], rng.Uint64())
	}
	var b bytes.Buffer
	b.Grow(kib * 1100)
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes(), err
}
