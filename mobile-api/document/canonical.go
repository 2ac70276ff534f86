package document

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// CanonicalJSON returns the record's canonical encoding, the bytes that signatures are made over:
// the normalised record (Normalize) as JSON with object keys in sorted (byte) order, times in UTC as
// RFC 3339 to the second, strings escaped only where JSON requires it (no HTML escaping), and no
// insignificant whitespace. The record must pass Validate.
func (r Record) CanonicalJSON() ([]byte, error) {
	n := r.Normalize()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return canonicalize(n)
}

// SHA256 returns the lower-case hex SHA-256 of the record's canonical encoding.
func (r Record) SHA256() (string, error) {
	b, err := r.CanonicalJSON()
	if err != nil {
		return "", err
	}
	return SHA256Hex(b), nil
}

// SHA256Hex is the lower-case hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ParseRecord reads a record from JSON in any layout of keys and whitespace, refusing fields the
// format does not know (a field this version would drop would change what was signed). The result
// is normalised and validated.
func ParseRecord(b []byte) (Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Record{}, fmt.Errorf("document: reading record content: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Record{}, fmt.Errorf("document: reading record content: data after the JSON value")
	}
	r = r.Normalize()
	if err := r.Validate(); err != nil {
		return Record{}, err
	}
	return r, nil
}

// canonicalize encodes v with encoding/json, then writes the result again with sorted keys and
// minimal string escaping. Numbers are kept as encoding/json wrote them; the content has integers
// only (quantities are decimal text), so no float formatting is involved.
func canonicalize(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := writeCanonical(&out, tree); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func writeCanonical(w *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(x))
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err != nil {
			return fmt.Errorf("document: canonical JSON holds integers only, got %s", x)
		}
		w.WriteString(string(x))
	case string:
		writeString(w, x)
	case []any:
		w.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := writeCanonical(w, e); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				w.WriteByte(',')
			}
			writeString(w, k)
			w.WriteByte(':')
			if err := writeCanonical(w, x[k]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	default:
		return fmt.Errorf("document: unexpected JSON value %T", v)
	}
	return nil
}

// writeString writes s as a JSON string escaping only '"', '\\' and control characters, the way
// RFC 8785 does: the short escapes where JSON has them, \u00XX for the other control characters.
func writeString(w *bytes.Buffer, s string) {
	w.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			w.WriteString(`\"`)
		case '\\':
			w.WriteString(`\\`)
		case '\b':
			w.WriteString(`\b`)
		case '\f':
			w.WriteString(`\f`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(w, `\u%04x`, r)
			} else {
				w.WriteRune(r)
			}
		}
	}
	w.WriteByte('"')
}
