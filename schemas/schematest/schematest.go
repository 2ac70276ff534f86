// Package schematest checks JSON bodies against the schemas in schemas/ and HTTP answers against the
// OpenAPI documents that reference them. It is for tests only: the server binary never imports it
// (schemas_test.go enforces that).
package schematest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skhcn-caobang/thanhtra/schemas"
)

// base is where the schema files live for the compiler. It mirrors the server, which serves them
// under /schemas/, so that messages name a file a reader can open.
const base = "https://thanhtra.invalid/schemas/"

// registry compiles each schema file once and keeps it: compiled schemas are immutable and safe to
// share between tests running in parallel, the compiler is not, hence the lock.
var registry = struct {
	sync.Mutex
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}{compiled: map[string]*jsonschema.Schema{}}

// embedLoader serves the schema files from schemas.FS, so that tests read exactly what the server
// embeds and serves.
type embedLoader struct{}

func (embedLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, base)
	if !ok || strings.Contains(name, "/") {
		return nil, fmt.Errorf("schematest: %s is not a file of schemas/", url)
	}
	b, err := fs.ReadFile(schemas.FS, name)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func compile(schemaFile string) (*jsonschema.Schema, error) {
	registry.Lock()
	defer registry.Unlock()
	if s, ok := registry.compiled[schemaFile]; ok {
		return s, nil
	}
	if registry.compiler == nil {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		c.UseLoader(embedLoader{})
		registry.compiler = c
	}
	if _, err := fs.Stat(schemas.FS, schemaFile); err != nil {
		return nil, fmt.Errorf("no schema file %q in schemas/", schemaFile)
	}
	s, err := registry.compiler.Compile(base + schemaFile)
	if err != nil {
		return nil, err
	}
	registry.compiled[schemaFile] = s
	return s, nil
}

// Compile fails the test unless schemaFile (a name such as "account.schema.json") and every schema
// it references compile.
func Compile(t testing.TB, schemaFile string) {
	t.Helper()
	if _, err := compile(schemaFile); err != nil {
		t.Errorf("schema %s does not compile: %v", schemaFile, err)
	}
}

// Validate fails the test unless body is JSON that schemaFile (a name such as
// "account.schema.json") accepts. The message names each violation with its place in the body.
func Validate(t testing.TB, schemaFile string, body []byte) {
	t.Helper()
	if err := validate(schemaFile, body); err != nil {
		t.Errorf("%v\nbody: %s", err, shorten(body))
	}
}

func validate(schemaFile string, body []byte) error {
	s, err := compile(schemaFile)
	if err != nil {
		return fmt.Errorf("schema %s: %w", schemaFile, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON (checking against %s): %w", schemaFile, err)
	}
	err = s.Validate(v)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("body does not match %s:\n%s", schemaFile, strings.ReplaceAll(ve.Error(), base, ""))
	}
	return err
}

// fileOf turns a reference to a schema file, as the OpenAPI documents write it
// ("../../schemas/account.schema.json"), into the file's name in schemas/.
func fileOf(ref string) string {
	return path.Base(ref)
}

func shorten(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
