// Package importer loads an organisation's facility registry from a CSV or XLSX file: one wide sheet
// where each row names a subject, one of its sites, and optionally one instrument and one licence at
// that site (docs/registry-import.md has the columns, in Vietnamese and English).
//
// A dry run reads the file and the registry and reports, per row and column, what is wrong and what
// would be created, updated or left unchanged, writing nothing. An import writes in transactions of a
// few hundred rows, each with the audit entries of its changes. Rows are matched to what is stored by
// natural keys — a subject by its tax code or personal ID number, a site by its subject and folded
// address, an instrument by its kind and serial, a licence by its kind and number — so importing the
// same file twice changes nothing the second time. A row with an error is skipped whole; the others
// are imported.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/vntext"
)

// Format is the kind of file.
type Format string

// The formats.
const (
	CSV  Format = "csv"  // UTF-8 (Excel: "CSV UTF-8"), comma- or semicolon-separated
	XLSX Format = "xlsx" // the first sheet
)

// FormatOf tells the format from a file name's extension.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv":
		return CSV, nil
	case ".xlsx":
		return XLSX, nil
	}
	return "", errs.E(errs.Op("importer.FormatOf"), errs.Invalid, errs.CodeUnsupportedFormat, "file "+name)
}

// DefaultChunkRows is how many rows one transaction writes: short enough that SQLite's one writer is
// not held for long, long enough that the per-transaction cost (fsync) is shared by many rows.
const DefaultChunkRows = 200

// DefaultMaxProblems caps the problems a report keeps; the errors are still counted.
const DefaultMaxProblems = 10000

// Options adjust an import.
type Options struct {
	DryRun      bool
	ChunkRows   int            // rows per transaction; 0: DefaultChunkRows
	MaxProblems int            // 0: DefaultMaxProblems
	Progress    func(Progress) // called after each chunk, from the importing goroutine
}

// Progress tells how far an import has come. Total is the number of data rows the file declares
// (an XLSX sheet's dimension), 0 when unknown (CSV); it can be off when the declaration is.
type Progress struct {
	Done  int
	Total int
}

// Problem is one thing wrong with the file, at a row and a column.
type Problem struct {
	Row       int       // the row as the spreadsheet numbers it: the header is row 1 (the record number in a CSV)
	Column    string    // the column's key (its English header), e.g. "tax_code"; empty for the whole row
	Header    string    // the column's header as written in the file; empty when the column is missing
	Code      errs.Code // e.g. invalid_tax_code
	Value     string    // the cell as written
	Message   string    // the code's message in Vietnamese (schemas/error-codes*.json)
	MessageEN string
}

// Counts counts the entities of one kind an import created, updated and found unchanged; each entity
// once, however many rows name it.
type Counts struct {
	Created, Updated, Unchanged int
}

// Summary is the report of an import.
type Summary struct {
	DryRun bool
	Rows   int // data rows read (empty rows are not counted)
	// Rows by outcome: created when the row created anything, updated when it changed something and
	// created nothing, unchanged when everything it names is stored as it says (or was named by an
	// earlier row of the file, the same way), an error when it was skipped for its problems.
	Created, Updated, Unchanged, Errors int
	Subjects, Sites                     Counts
	Instruments, Licences               Counts
	Problems                            []Problem
	ProblemsTruncated                   bool
	IgnoredColumns                      []string // headers that name no column of the layout
}

// Importer imports files into an organisation's registry through a registry.Service's store, clock
// and ID generator.
type Importer struct {
	Registry *registry.Service
}

// source yields the data rows of a file, after its header.
type source interface {
	header() ([]string, error) // the first row
	next() (row int, cells []string, err error)
	total() int // data rows declared, 0 when unknown
	close() error
}

// Import reads the file r in format f and imports it into the organisation orgID (or, with
// o.DryRun, reports what it would do). Only an administrator of the organisation may (registry.CanChange).
//
// Errors in rows are in the summary, not the error. The error is errs.Forbidden for another caller;
// errs.Invalid (unsupported_format, empty_file, missing_column, duplicate_column) for a file that
// cannot be read at all, with the summary holding the header's problems; or the store's error, when
// a transaction fails — the chunks before it are written and a second import resumes idempotently.
func (im *Importer) Import(ctx context.Context, p identity.Principal, orgID string, r io.Reader, f Format, o Options) (Summary, error) {
	const op = errs.Op("importer.Import")
	sum := Summary{DryRun: o.DryRun}
	if !registry.CanChange(p, orgID) {
		return sum, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if o.ChunkRows <= 0 {
		o.ChunkRows = DefaultChunkRows
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = DefaultMaxProblems
	}
	msgs, err := messages()
	if err != nil {
		return sum, errs.E(op, err)
	}
	var src source
	switch f {
	case CSV:
		src, err = openCSV(r)
	case XLSX:
		src, err = openXLSX(r)
	default:
		err = errs.E(errs.Invalid, errs.CodeUnsupportedFormat, "format "+string(f))
	}
	if err != nil {
		return sum, errs.E(op, err)
	}
	defer src.close()
	units, _, err := im.Registry.Store.AdminUnits(ctx, orgID)
	if err != nil {
		return sum, errs.E(op, err)
	}
	run := &run{im: im, p: p, orgID: orgID, opts: o, sum: &sum, msgs: msgs, units: units, importID: im.Registry.IDs.NewID(),
		now: im.Registry.Clock.Now().UTC(), seen: newSeen(), xlsx: f == XLSX}
	head, err := src.header()
	if err != nil {
		return sum, errs.E(op, err)
	}
	if err := run.readHeader(head); err != nil {
		return sum, errs.E(op, err)
	}
	total := src.total()
	chunk := make([]*row, 0, o.ChunkRows)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if err := run.importChunk(ctx, chunk); err != nil {
			return err
		}
		chunk = chunk[:0]
		if o.Progress != nil {
			o.Progress(Progress{Done: sum.Rows, Total: total})
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return sum, errs.E(op, errs.Unavailable, err)
		}
		num, cells, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, errs.E(op, err)
		}
		if blank(cells) {
			continue
		}
		sum.Rows++
		if r := run.parseRow(num, cells); r != nil {
			chunk = append(chunk, r)
		}
		if len(chunk) == o.ChunkRows {
			if err := flush(); err != nil {
				return sum, errs.E(op, err)
			}
		}
	}
	if err := flush(); err != nil {
		return sum, errs.E(op, err)
	}
	// A row's problems come either from reading it or, later, from planning its chunk: put them in
	// row order, each row's in the order of its columns.
	sort.SliceStable(sum.Problems, func(i, j int) bool { return sum.Problems[i].Row < sum.Problems[j].Row })
	return sum, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// messages reads the people-facing messages of the error codes from the catalogue.
func messages() (map[errs.Code]schemas.ErrorCode, error) {
	codes, err := schemas.ErrorCodes()
	if err != nil {
		return nil, err
	}
	m := make(map[errs.Code]schemas.ErrorCode, len(codes))
	for _, c := range codes {
		m[errs.Code(c.Code)] = c
	}
	return m, nil
}

// readHeader maps the file's columns to the layout's and reports missing and repeated columns.
func (run *run) readHeader(head []string) error {
	run.pos = make([]int, len(columns))
	for i := range run.pos {
		run.pos[i] = -1
	}
	run.headers = head
	var problems []Problem
	for i, h := range head {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // the byte-order mark Excel writes in "CSV UTF-8"
			run.headers[0] = h
		}
		if strings.TrimSpace(h) == "" {
			continue
		}
		c, ok := columnIndex[vntext.Key(h)]
		switch {
		case !ok:
			run.sum.IgnoredColumns = append(run.sum.IgnoredColumns, h)
		case run.pos[c] >= 0:
			problems = append(problems, run.problem(1, columns[c].key, errs.CodeDuplicateColumn, h))
		default:
			run.pos[c] = i
		}
	}
	for c, col := range columns {
		if col.required && run.pos[c] < 0 {
			problems = append(problems, run.problem(1, col.key, errs.CodeMissingColumn, ""))
		}
	}
	if !run.present(colTaxCode) && !run.present(colIDNumber) {
		problems = append(problems, run.problem(1, colTaxCode, errs.CodeMissingColumn, ""))
	}
	if len(problems) == 0 {
		return nil
	}
	run.sum.Problems = append(run.sum.Problems, problems...)
	return errs.E(errs.Invalid, problems[0].Code, fmt.Sprintf("%d problems in the header", len(problems)))
}

// --- CSV ---

type csvSource struct {
	r   *csv.Reader
	row int
}

// openCSV reads UTF-8 CSV, with commas or, when the header has more semicolons than commas (Excel
// in a Vietnamese locale), semicolons.
func openCSV(r io.Reader) (source, error) {
	br := bufio.NewReader(r)
	first, err := br.Peek(4096)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, errs.E(errs.Invalid, errs.CodeUnsupportedFormat, err)
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		cr.Comma = ';'
	}
	return &csvSource{r: cr}, nil
}

func (s *csvSource) header() ([]string, error) {
	_, cells, err := s.next()
	if err == io.EOF {
		return nil, errs.E(errs.Invalid, errs.CodeEmptyFile)
	}
	return append([]string(nil), cells...), err
}

func (s *csvSource) next() (int, []string, error) {
	cells, err := s.r.Read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	s.row++
	if err != nil {
		return s.row, nil, errs.E(errs.Invalid, errs.CodeUnsupportedFormat, fmt.Sprintf("record %d", s.row), err)
	}
	return s.row, cells, nil
}

func (s *csvSource) total() int   { return 0 }
func (s *csvSource) close() error { return nil }

// --- XLSX ---

type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	row   int
	count int
}

// openXLSX opens the first sheet and streams its rows (excelize.Rows), raw: dates come as Excel
// serial numbers rather than in the cell's display format.
func openXLSX(r io.Reader) (source, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, errs.E(errs.Invalid, errs.CodeUnsupportedFormat, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, errs.E(errs.Invalid, errs.CodeEmptyFile)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, errs.E(errs.Invalid, errs.CodeUnsupportedFormat, err)
	}
	s := &xlsxSource{f: f, rows: rows}
	if dim, err := f.GetSheetDimension(sheets[0]); err == nil {
		if _, last, ok := strings.Cut(dim, ":"); ok {
			if _, y, err := excelize.CellNameToCoordinates(last); err == nil && y > 1 {
				s.count = y - 1
			}
		}
	}
	return s, nil
}

func (s *xlsxSource) header() ([]string, error) {
	_, cells, err := s.next()
	if err == io.EOF {
		return nil, errs.E(errs.Invalid, errs.CodeEmptyFile)
	}
	return cells, err
}

func (s *xlsxSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, errs.E(errs.Invalid, errs.CodeUnsupportedFormat, err)
		}
		return 0, nil, io.EOF
	}
	s.row++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return s.row, nil, errs.E(errs.Invalid, errs.CodeUnsupportedFormat, fmt.Sprintf("row %d", s.row), err)
	}
	return s.row, cells, nil
}

func (s *xlsxSource) total() int { return s.count }

func (s *xlsxSource) close() error {
	return errors.Join(s.rows.Close(), s.f.Close())
}

// sortProblems orders one row's problems by the position of their columns in the file.
func (run *run) sortProblems(ps []Problem) {
	at := func(p Problem) int {
		for c, col := range columns {
			if col.key == p.Column {
				return run.pos[c]
			}
		}
		return -1
	}
	sort.SliceStable(ps, func(i, j int) bool { return at(ps[i]) < at(ps[j]) })
}
