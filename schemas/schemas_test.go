package schemas_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
)

func schemaFiles(t testing.TB) []string {
	t.Helper()
	files, err := fs.Glob(schemas.FS, "*.schema.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files embedded: %v", err)
	}
	return files
}

func readJSON(t testing.TB, file string) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(schemas.FS, file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc
}

// TestSchemasCompile compiles every schema file with the formats asserted, and checks the house
// rules: draft 2020-12, $id equal to the file name, a title and description, every object closed
// with additionalProperties: false, and every required name defined.
func TestSchemasCompile(t *testing.T) {
	for _, file := range schemaFiles(t) {
		t.Run(file, func(t *testing.T) {
			schematest.Compile(t, file)
			doc := readJSON(t, file)
			if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("$schema is %v, want draft 2020-12", doc["$schema"])
			}
			if doc["$id"] != file {
				t.Errorf("$id is %v, want %q", doc["$id"], file)
			}
			for _, k := range []string{"title", "description"} {
				if s, _ := doc[k].(string); strings.TrimSpace(s) == "" {
					t.Errorf("no %s", k)
				}
			}
			defsOnly := doc["type"] == nil && doc["$defs"] != nil // common.schema.json
			if !defsOnly && doc["type"] != "object" {
				t.Errorf("a body schema must be an object, got type %v", doc["type"])
			}
			walkSchema(t, "#", doc)
		})
	}
}

// walkSchema checks every subschema that declares properties.
func walkSchema(t *testing.T, at string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if props, ok := v["properties"].(map[string]any); ok && v["type"] == "object" {
			if v["additionalProperties"] != false {
				t.Errorf("%s: an object without additionalProperties: false", at)
			}
			req, _ := v["required"].([]any)
			for _, r := range req {
				if _, ok := props[r.(string)]; !ok {
					t.Errorf("%s: requires %q, which is not a property", at, r)
				}
			}
		}
		for k, sub := range v {
			if k == "examples" || k == "const" || k == "enum" {
				continue
			}
			walkSchema(t, at+"/"+k, sub)
		}
	case []any:
		for i, sub := range v {
			walkSchema(t, at+"/"+strconv.Itoa(i), sub)
		}
	}
}

// TestSchemaExamples validates the examples each schema carries, so that they cannot rot.
func TestSchemaExamples(t *testing.T) {
	for _, file := range schemaFiles(t) {
		doc := readJSON(t, file)
		examples, _ := doc["examples"].([]any)
		for i, ex := range examples {
			b, err := json.Marshal(ex)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(fmt.Sprintf("%s/%d", file, i), func(t *testing.T) { schematest.Validate(t, file, b) })
		}
	}
}

// openAPIDocs are the two API documents, with the prefix by which each reaches schemas/ on disk and
// over HTTP (the console's is served at /api/v1/openapi.yaml, the phone's at /mobile/openapi.yaml).
var openAPIDocs = []struct {
	file      string // relative to this directory
	schemaDir string
}{
	{"../server/consolehttp/openapi.yaml", "../../schemas/"},
	{"../mobile-api/openapi.yaml", "../schemas/"},
}

// TestOpenAPIRefs checks that every $ref in the OpenAPI documents resolves: local ones within the
// document, the others to an existing schema file (and the JSON pointer after # within it), by the
// relative path that works both on disk and on the server. It also checks that every schema file is
// used by a document or by another schema.
func TestOpenAPIRefs(t *testing.T) {
	used := map[string]bool{}
	for _, d := range openAPIDocs {
		t.Run(path.Base(path.Dir(d.file)), func(t *testing.T) {
			b, err := os.ReadFile(d.file)
			if err != nil {
				t.Fatal(err)
			}
			var root yaml.Node
			if err := yaml.Unmarshal(b, &root); err != nil {
				t.Fatalf("%s: %v", d.file, err)
			}
			var generic any
			if err := yaml.Unmarshal(b, &generic); err != nil {
				t.Fatal(err)
			}
			refs := collectRefs(&root)
			if len(refs) == 0 {
				t.Fatalf("%s has no $ref at all", d.file)
			}
			for _, ref := range refs {
				target, pointer, _ := strings.Cut(ref.value, "#")
				switch {
				case target == "":
					if _, err := pointerIn(generic, pointer); err != nil {
						t.Errorf("%s:%d: $ref %q: %v", d.file, ref.line, ref.value, err)
					}
				case !strings.HasPrefix(target, d.schemaDir) || strings.Contains(strings.TrimPrefix(target, d.schemaDir), "/"):
					t.Errorf("%s:%d: $ref %q must be %sNAME.schema.json", d.file, ref.line, ref.value, d.schemaDir)
				default:
					name := path.Base(target)
					onDisk := filepath.Join(filepath.Dir(d.file), filepath.FromSlash(target))
					if _, err := os.Stat(onDisk); err != nil {
						t.Errorf("%s:%d: $ref %q: %v", d.file, ref.line, ref.value, err)
						continue
					}
					if _, err := pointerIn(any(readJSON(t, name)), pointer); err != nil {
						t.Errorf("%s:%d: $ref %q: %v", d.file, ref.line, ref.value, err)
						continue
					}
					used[name] = true
				}
			}
		})
	}
	for _, file := range schemaFiles(t) {
		var refs []string
		collectJSONRefs(readJSON(t, file), &refs)
		for _, ref := range refs {
			target, pointer, _ := strings.Cut(ref, "#")
			if target == "" {
				target = file
			}
			if target == file && pointer == "" {
				continue
			}
			if _, err := fs.Stat(schemas.FS, target); err != nil {
				t.Errorf("%s: $ref %q: no such schema file", file, ref)
				continue
			}
			if _, err := pointerIn(any(readJSON(t, target)), pointer); err != nil {
				t.Errorf("%s: $ref %q: %v", file, ref, err)
			}
			if target != file {
				used[target] = true
			}
		}
	}
	for _, file := range schemaFiles(t) {
		if !used[file] {
			t.Errorf("%s is referenced by neither OpenAPI document nor another schema", file)
		}
	}
}

type yamlRef struct {
	value string
	line  int
}

func collectRefs(n *yaml.Node) []yamlRef {
	var out []yamlRef
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, v := n.Content[i], n.Content[i+1]; k.Value == "$ref" && v.Kind == yaml.ScalarNode {
				out = append(out, yamlRef{v.Value, v.Line})
			}
		}
	}
	for _, c := range n.Content {
		out = append(out, collectRefs(c)...)
	}
	return out
}

func collectJSONRefs(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			if s, ok := sub.(string); ok && k == "$ref" {
				*out = append(*out, s)
			}
			collectJSONRefs(sub, out)
		}
	case []any:
		for _, sub := range v {
			collectJSONRefs(sub, out)
		}
	}
}

// pointerIn resolves a JSON pointer ("/components/responses/Invalid") in a decoded document.
func pointerIn(doc any, pointer string) (any, error) {
	cur := doc
	if pointer == "" {
		return cur, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q: not an object at %q", pointer, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("%q: no %q", pointer, tok)
		}
	}
	return cur, nil
}

// goStringConsts returns the string constants of type typeName declared in a Go file.
func goStringConsts(t *testing.T, file, typeName string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typeName {
				continue
			}
			for i, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s: %s is not a string literal", file, vs.Names[i].Name)
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s declares no %s constants", file, typeName)
	}
	return out
}

// TestCodesMatchCatalogue keeps server/errs and schemas/error-codes.json in step: every code constant
// and every kind (whose name is its generic code) is in the catalogue with its kind and non-empty
// Vietnamese and English messages; the catalogue has no duplicate, no code the server does not
// declare, and no kind the server does not know; error.schema.json lists exactly the kinds.
func TestCodesMatchCatalogue(t *testing.T) {
	var codes []string
	codeFiles, err := filepath.Glob("../server/errs/codes*.go")
	if err != nil || len(codeFiles) == 0 {
		t.Fatalf("no server/errs/codes*.go: %v", err)
	}
	for _, f := range codeFiles {
		codes = append(codes, goStringConsts(t, f, "Code")...)
	}
	kinds := goStringConsts(t, "../server/errs/errs.go", "Kind")
	catalogue, err := schemas.ErrorCodes()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]schemas.ErrorCode{}
	codePattern := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	for _, c := range catalogue {
		if _, dup := byCode[c.Code]; dup {
			t.Errorf("error-codes.json lists %q twice", c.Code)
		}
		byCode[c.Code] = c
		if !codePattern.MatchString(c.Code) {
			t.Errorf("code %q does not match %s", c.Code, codePattern)
		}
		if !slices.Contains(kinds, c.Kind) {
			t.Errorf("code %q has kind %q, which server/errs does not declare", c.Code, c.Kind)
		}
		if strings.TrimSpace(c.VI) == "" || strings.TrimSpace(c.EN) == "" {
			t.Errorf("code %q lacks its Vietnamese or English message", c.Code)
		}
		if !slices.Contains(codes, c.Code) && !slices.Contains(kinds, c.Code) {
			t.Errorf("error-codes.json lists %q, which server/errs declares neither as a code nor as a kind", c.Code)
		}
	}
	for _, code := range codes {
		if _, ok := byCode[code]; !ok {
			t.Errorf("code %q of server/errs/codes.go is missing from error-codes.json", code)
		}
		if slices.Contains(kinds, code) {
			t.Errorf("code %q has the name of a kind", code)
		}
	}
	seen := map[string]bool{}
	for _, code := range codes {
		if seen[code] {
			t.Errorf("server/errs/codes.go declares %q twice", code)
		}
		seen[code] = true
	}
	for _, kind := range kinds {
		c, ok := byCode[kind]
		switch {
		case !ok:
			t.Errorf("kind %q is missing from error-codes.json (its generic code)", kind)
		case c.Kind != kind:
			t.Errorf("the generic code %q has kind %q, want %q", kind, c.Kind, kind)
		}
	}
	errSchema := readJSON(t, "error.schema.json")
	enum, _ := errSchema["properties"].(map[string]any)["error"].(map[string]any)["properties"].(map[string]any)["kind"].(map[string]any)["enum"].([]any)
	var listed []string
	for _, k := range enum {
		listed = append(listed, k.(string))
	}
	if !slices.Equal(slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(kinds))) {
		t.Errorf("error.schema.json lists the kinds %v, server/errs declares %v", listed, kinds)
	}
}

// TestServerDoesNotImportSchematest keeps the test helper (and its JSON Schema and YAML libraries)
// out of the server binary.
func TestServerDoesNotImportSchematest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/skhcn-caobang/thanhtra/server").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/skhcn-caobang/thanhtra/schemas/schematest" {
			t.Errorf("the server binary imports %s", dep)
		}
	}
}
