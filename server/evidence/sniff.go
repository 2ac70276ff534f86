package evidence

import "bytes"

// SniffLen is the number of leading bytes Sniff needs.
const SniffLen = 8

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
	pdfMagic  = []byte("%PDF-")
)

// Sniff returns the content type the leading bytes of a file show — TypeJPEG, TypePNG or TypePDF —
// or "" for anything else (including too few bytes). Only the signatures count: a file's name or its
// claimed type never does.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, jpegMagic):
		return TypeJPEG
	case bytes.HasPrefix(head, pngMagic):
		return TypePNG
	case bytes.HasPrefix(head, pdfMagic):
		return TypePDF
	}
	return ""
}
