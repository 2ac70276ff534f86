// Package paging is how every list that can grow is cut into pages: a limit with a default and a
// maximum, an offset, and the total count so that the console can show "1–50 of 1,234".
package paging

// Default and Max bound a page.
const (
	Default = 50
	Max     = 500
)

// Page asks for Limit items after skipping Offset.
type Page struct {
	Limit  int
	Offset int
}

// Normal returns the page with its limit defaulted and capped and a negative offset made zero.
func (p Page) Normal() Page {
	switch {
	case p.Limit <= 0:
		p.Limit = Default
	case p.Limit > Max:
		p.Limit = Max
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}
