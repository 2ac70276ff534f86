package schematest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
)

// Direction says which way a wire struct crosses the wire.
type Direction int

// The directions.
const (
	// Request bodies: the schema requires what the server insists on, which may be less than every
	// field of the struct.
	Request Direction = iota
	// Response bodies: the schema requires exactly the fields that are always present, that is
	// every field without omitempty.
	Response
)

// CheckStruct fails the test unless the JSON fields of the struct v (a value or a pointer) are the
// properties of schemaFile: the same names, omitempty fields never required, and for a Response
// every other field required. Fields of type time.Time must be date-times; strings, booleans,
// integers and arrays must have that JSON type. Struct fields and slices of structs are checked
// against the nested schema, following $ref into other files.
func CheckStruct(t testing.TB, schemaFile string, v any, dir Direction) {
	t.Helper()
	root, err := loadRaw(schemaFile)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	typ := reflect.TypeOf(v)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	problems := checkStruct(typ, schemaFile, root, dir, "")
	slices.Sort(problems)
	for _, p := range problems {
		t.Errorf("%s does not match %s: %s", typ, schemaFile, p)
	}
}

// jsonField is one field of a struct as encoding/json sees it.
type jsonField struct {
	name      string
	omitempty bool
	typ       reflect.Type
}

func jsonFields(typ reflect.Type) []jsonField {
	var out []jsonField
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty"), typ: f.Type})
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

func checkStruct(typ reflect.Type, file string, sch map[string]any, dir Direction, where string) []string {
	var problems []string
	props, _ := sch["properties"].(map[string]any)
	required := map[string]bool{}
	if req, ok := sch["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	fields := map[string]bool{}
	for _, f := range jsonFields(typ) {
		fields[f.name] = true
		at := strings.TrimPrefix(where+"."+f.name, ".")
		prop, ok := props[f.name].(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("field %s is not a property of the schema", at))
			continue
		}
		switch {
		case f.omitempty && required[f.name]:
			problems = append(problems, fmt.Sprintf("field %s is omitempty but the schema requires it", at))
		case dir == Response && !f.omitempty && !required[f.name]:
			problems = append(problems, fmt.Sprintf("field %s is always sent but the schema does not require it", at))
		}
		pfile, resolved, err := resolveRaw(file, prop)
		if err != nil {
			problems = append(problems, fmt.Sprintf("field %s: %v", at, err))
			continue
		}
		problems = append(problems, checkType(f.typ, pfile, resolved, dir, at)...)
	}
	for name := range props {
		if !fields[name] {
			problems = append(problems, fmt.Sprintf("property %q of the schema is not a field", strings.TrimPrefix(where+"."+name, ".")))
		}
	}
	for name := range required {
		if _, ok := props[name]; !ok {
			problems = append(problems, fmt.Sprintf("the schema requires %q, which it does not define", strings.TrimPrefix(where+"."+name, ".")))
		}
	}
	return problems
}

// checkType compares a Go type with the (resolved) schema of the value.
func checkType(typ reflect.Type, file string, sch map[string]any, dir Direction, at string) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := ""
	switch {
	case typ == timeType:
		if sch["format"] != "date-time" {
			return []string{fmt.Sprintf("field %s is a time but its schema has no format: date-time", at)}
		}
		want = "string"
	case typ.Kind() == reflect.Struct:
		return checkStruct(typ, file, sch, dir, at)
	case typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array:
		want = "array"
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		want = "integer"
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		want = "number"
	}
	if got := schemaType(sch); want != "" && got != "" && got != want && !(want == "number" && got == "integer") {
		return []string{fmt.Sprintf("field %s is a Go %s but its schema says type %s", at, typ, got)}
	}
	if want == "array" {
		items, ok := sch["items"].(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("field %s is a slice but its schema has no items", at)}
		}
		ifile, resolved, err := resolveRaw(file, items)
		if err != nil {
			return []string{fmt.Sprintf("field %s items: %v", at, err)}
		}
		return checkType(typ.Elem(), ifile, resolved, dir, at+"[]")
	}
	return nil
}

// schemaType is the JSON type a schema names, from type, const or a one-typed enum.
func schemaType(sch map[string]any) string {
	if t, ok := sch["type"].(string); ok {
		return t
	}
	var vals []any
	if c, ok := sch["const"]; ok {
		vals = []any{c}
	} else if e, ok := sch["enum"].([]any); ok {
		vals = e
	}
	t := ""
	for _, v := range vals {
		var vt string
		switch v.(type) {
		case string:
			vt = "string"
		case bool:
			vt = "boolean"
		case float64:
			vt = "number"
		default:
			return ""
		}
		if t != "" && t != vt {
			return ""
		}
		t = vt
	}
	return t
}

// resolveRaw follows $ref (to another file, a fragment of one, or a fragment of the same file) until
// it reaches a schema without one, and returns it with the file it is in.
func resolveRaw(file string, sch map[string]any) (string, map[string]any, error) {
	for range 10 {
		ref, ok := sch["$ref"].(string)
		if !ok {
			return file, sch, nil
		}
		target, pointer, _ := strings.Cut(ref, "#")
		if target != "" {
			file = target
		}
		doc, err := loadRaw(file)
		if err != nil {
			return "", nil, err
		}
		next, err := walkPointer(doc, pointer)
		if err != nil {
			return "", nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
		sch = next
	}
	return "", nil, fmt.Errorf("$ref chain too long at %s", file)
}

func walkPointer(doc map[string]any, pointer string) (map[string]any, error) {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		next, ok := cur[tok].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no %q", tok)
		}
		cur = next
	}
	return cur, nil
}

func loadRaw(file string) (map[string]any, error) {
	b, err := fs.ReadFile(schemas.FS, file)
	if err != nil {
		return nil, fmt.Errorf("no schema file %q in schemas/", file)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc, nil
}
