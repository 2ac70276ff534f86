package document

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// The fonts: Liberation Serif (SIL Open Font License 1.1, fonts/OFL.txt), which has every
// Vietnamese letter and the metrics of Times New Roman, the typeface of Vietnamese official
// documents. They are embedded so that the phone and the server render with the same bytes.
var (
	//go:embed fonts/LiberationSerif-Regular.ttf
	serifRegular []byte
	//go:embed fonts/LiberationSerif-Bold.ttf
	serifBold []byte
	//go:embed fonts/LiberationSerif-Italic.ttf
	serifItalic []byte
)

const family = "LiberationSerif"

// um is a length in micrometres. The layout computes in integers so that a phone (arm64, where Go
// may fuse a multiplication and an addition into one instruction) and the server (amd64) place every
// line and word at the same position and so write the same bytes; floating point appears only in
// the conversion to fpdf's millimetres, a single division.
type um int64

const mm um = 1000

func (u um) mm() float64 { return float64(u) / 1000 }

// pt is a font size in tenths of a point.
type pt int64

// Page geometry: A4 with the margins of official documents (Decree 30/2020/NĐ-CP: top and bottom
// 20–25 mm, left 30–35, right 15–20).
const (
	pageW      = 210 * mm
	pageH      = 297 * mm
	marginL    = 30 * mm
	marginR    = 20 * mm
	marginT    = 20 * mm
	marginB    = 22 * mm
	textW      = pageW - marginL - marginR
	bodySize   = pt(130)
	lineH      = um(6200) // for the body size
	paraGap    = 1 * mm
	footerSize = pt(90)
)

// metrics holds the fonts' advance widths, in thousandths of an em, per style and letter, read
// once from fpdf's parse of the fonts (loading a font parses the whole file, the most expensive
// step of a rendering) and shared by every rendering.
var metrics struct {
	once   sync.Once
	mu     sync.Mutex
	f      *fpdf.Fpdf
	widths map[string]map[rune]int64
}

// symbolWidth is the advance width of s in thousandths of an em, in the style's font.
func symbolWidth(style, s string) int64 {
	metrics.once.Do(func() {
		metrics.f = newPDF()
		metrics.widths = map[string]map[rune]int64{"": {}, "B": {}, "I": {}}
	})
	metrics.mu.Lock()
	defer metrics.mu.Unlock()
	table := metrics.widths[style]
	var sum int64
	for _, r := range s {
		w, ok := table[r]
		if !ok {
			metrics.f.SetFont(family, style, 10)
			w = int64(metrics.f.GetStringSymbolWidth(string(r)))
			table[r] = w
		}
		sum += w
	}
	return sum
}

// textWidth is the width of s in the given style and size.
func textWidth(style string, size pt, s string) um {
	// width = symbols/1000 em × size/10 pt × 25.4/72 mm/pt × 1000 µm/mm
	return um(symbolWidth(style, s) * int64(size) * 254 / 7200)
}

// newPDF is an empty A4 document with the fonts loaded and every setting that affects its bytes
// fixed: resources written in sorted order, compression on, no automatic page breaks.
func newPDF() *fpdf.Fpdf {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetMargins(marginL.mm(), marginT.mm(), marginR.mm())
	f.SetAutoPageBreak(false, marginB.mm()) // page breaks are decided line by line in ensure
	f.SetCellMargin(0)
	f.AddUTF8FontFromBytes(family, "", serifRegular)
	f.AddUTF8FontFromBytes(family, "B", serifBold)
	f.AddUTF8FontFromBytes(family, "I", serifItalic)
	return f
}

// page lays out a document with the few text operations the forms need, and draws it into a PDF —
// or, without one, only counts its pages. Text is laid out here rather than with fpdf's MultiCell,
// whose justification rounds the word spacing to whole multiples of the font size; each line is
// placed at an explicit position, so the output depends on nothing but the content.
type page struct {
	f      *fpdf.Fpdf // nil while counting pages
	n      int        // current page number
	yPos   um         // current position from the top of the page
	style  string     // current font style: "", "B" or "I"
	size   pt         // current font size
	footer func(p *page, n int)
}

// newPage starts a layout on its first page: drawn into a new PDF when draw is set, counted only
// otherwise. footer draws a page's footer when the page is done.
func newPage(draw bool, footer func(p *page, n int)) *page {
	p := &page{footer: footer}
	if draw {
		p.f = newPDF()
		p.f.SetFooterFunc(func() { p.footer(p, p.f.PageNo()) })
	}
	p.addPage()
	p.font("", bodySize)
	return p
}

func (p *page) addPage() {
	if p.f != nil {
		p.f.AddPage()
	}
	p.n++
	p.yPos = marginT
	if p.size > 0 {
		p.font(p.style, p.size)
	}
}

func (p *page) font(style string, size pt) {
	if p.f != nil {
		p.f.SetFont(family, style, float64(size)/10)
	}
	p.style, p.size = style, size
}

func (p *page) y() um { return p.yPos }

func (p *page) setY(y um) { p.yPos = y }

// ensure starts a new page unless h fits above the bottom margin.
func (p *page) ensure(h um) {
	if p.yPos+h > pageH-marginB {
		p.addPage()
	}
}

func (p *page) width(s string) um { return textWidth(p.style, p.size, s) }

// baseline is where text sits in a line of height h that starts at top: 0.3 of the font size
// below the line's middle.
func (p *page) baseline(top, h um) um {
	return top + h/2 + um(int64(p.size)*762/72)
}

// text draws s on one line from x, in a line of height h at the current y; it does not move y.
func (p *page) text(x, h um, s string) {
	if s != "" && p.f != nil {
		p.f.Text(x.mm(), p.baseline(p.yPos, h).mm(), s)
	}
}

// rule draws a horizontal line of width w centred on cx at y.
func (p *page) rule(cx, y, w um) {
	if p.f != nil {
		p.f.SetLineWidth(0.3)
		p.f.Line((cx - w/2).mm(), y.mm(), (cx + w/2).mm(), y.mm())
	}
}

// Alignments for block.
const (
	alignLeft = iota
	alignCenter
	alignJustify
)

// line is one laid-out line: its words, and whether it ends a paragraph (it is not justified).
type line struct {
	words []string
	last  bool
}

// wrap breaks text into lines no wider than w in the current font. A newline in text ends a line
// (and a paragraph for justification); a word wider than w is broken between letters.
func (p *page) wrap(text string, w um) []line {
	var out []line
	space := p.width(" ")
	for _, hard := range strings.Split(text, "\n") {
		words := strings.Fields(hard)
		if len(words) == 0 {
			out = append(out, line{last: true})
			continue
		}
		var cur []string
		var curW um
		for _, word := range words {
			for _, piece := range p.breakWord(word, w) {
				ww := p.width(piece)
				if len(cur) > 0 && curW+space+ww > w {
					out = append(out, line{words: cur})
					cur, curW = nil, 0
				}
				if len(cur) > 0 {
					curW += space
				}
				cur = append(cur, piece)
				curW += ww
			}
		}
		out = append(out, line{words: cur, last: true})
	}
	return out
}

// breakWord splits a word wider than w into pieces that fit.
func (p *page) breakWord(word string, w um) []string {
	if p.width(word) <= w {
		return []string{word}
	}
	var pieces []string
	start := 0
	for i := range word {
		if i > start && p.width(word[start:i+runeLen(word[i:])]) > w {
			pieces = append(pieces, word[start:i])
			start = i
		}
	}
	return append(pieces, word[start:])
}

func runeLen(s string) int {
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// block lays out text from x in width w with line height h, moving down and starting new pages as
// it goes, and leaves y below the last line.
func (p *page) block(x, w, h um, text string, align int) {
	for _, l := range p.wrap(text, w) {
		p.ensure(h)
		p.drawLine(x, w, h, l, align)
		p.setY(p.y() + h)
	}
}

func (p *page) drawLine(x, w, h um, l line, align int) {
	if len(l.words) == 0 {
		return
	}
	joined := strings.Join(l.words, " ")
	switch {
	case align == alignCenter:
		p.text(x+(w-p.width(joined))/2, h, joined)
	case align == alignJustify && !l.last && len(l.words) > 1:
		var total um
		for _, word := range l.words {
			total += p.width(word)
		}
		// The slack is shared out between the gaps, the remainder one micrometre at a time from the
		// left, so that the line ends exactly at the margin.
		gaps := um(len(l.words) - 1)
		gap, extra := (w-total)/gaps, (w-total)%gaps
		at := x
		for i, word := range l.words {
			p.text(at, h, word)
			at += p.width(word) + gap
			if um(i) < extra {
				at++
			}
		}
	default:
		p.text(x, h, joined)
	}
}

// height is how tall block would make text.
func (p *page) height(text string, w, h um) um {
	return um(len(p.wrap(text, w))) * h
}

// para is a body paragraph: justified over the text width, with a small gap after it.
func (p *page) para(text string) {
	p.block(marginL, textW, lineH, text, alignJustify)
	p.setY(p.y() + paraGap)
}

// item is a paragraph with a marker ("1.", "-") hanging at indent, the text aligned after it.
func (p *page) item(indent um, marker, text string) {
	const markerW = 6 * mm
	lines := p.wrap(text, textW-indent-markerW)
	for i, l := range lines {
		p.ensure(lineH)
		if i == 0 {
			p.text(marginL+indent, lineH, marker)
		}
		p.drawLine(marginL+indent+markerW, textW-indent-markerW, lineH, l, alignJustify)
		p.setY(p.y() + lineH)
	}
	p.setY(p.y() + paraGap/2)
}
