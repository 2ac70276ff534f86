package checklist

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Version is a published checklist version, without its content.
type Version struct {
	Code          string
	Number        int
	FacilityTypes []FacilityType // sorted
	Title         Text
	Hash          string    // SHA-256 of the template's canonical JSON, in hex
	PublishedAt   time.Time // UTC
	PublishedBy   string    // the publishing account's ID; SeedActor for the embedded checklists
}

// Published is a published version with its template.
type Published struct {
	Version
	Template *Template
}

// NewPublication describes tpl as published by the account by at the time at.
func NewPublication(tpl *Template, by string, at time.Time) Published {
	return Published{Template: tpl, Version: Version{Code: tpl.Code, Number: tpl.Version,
		FacilityTypes: slices.Sorted(slices.Values(tpl.FacilityTypes)), Title: tpl.Title, Hash: tpl.Hash(),
		PublishedAt: at.UTC().Truncate(time.Microsecond), PublishedBy: by}}
}

// SeedActor is the PublishedBy of the checklists the server publishes from its embedded files.
const SeedActor = "system"

// Store keeps published checklist versions: national reference data, shared by every organisation
// (D24), so no method takes an organisation.
type Store interface {
	// PublishChecklist stores p, and the audit entry e in the same transaction. A published version
	// never changes: when p's code and version are already published with the same hash it changes
	// nothing (no audit entry either) and returns the stored version with created false; with another
	// hash it is errs.Conflict with code checklist_version_published.
	PublishChecklist(ctx context.Context, p Published, e audit.Entry) (v Version, created bool, err error)
	// ChecklistVersion returns one version with its template; errs.NotFound (checklist_not_found)
	// when there is none.
	ChecklistVersion(ctx context.Context, code string, number int) (Published, error)
	// ChecklistVersions lists every version of a code, oldest first: older versions stay valid for
	// the visits made with them. errs.NotFound (checklist_not_found) for a code never published.
	ChecklistVersions(ctx context.Context, code string) ([]Version, error)
	// LatestChecklist returns the version a new visit to a site of the facility type uses: the highest
	// version of the code that serves the type; when several codes serve it, the code whose highest
	// version was published last. errs.NotFound (checklist_not_found) when no checklist serves it.
	LatestChecklist(ctx context.Context, f FacilityType) (Published, error)
}

// Service publishes checklist versions. The HTTP handlers, the command line and the start-up seed
// all go through it.
type Service struct {
	Store  Store
	Lister Lister // the list of codes (reads.go)
	Clock  clock.Clock
}

// Publish parses doc and publishes it as a new version of its code. Only a system administrator may
// (D24). Publishing the same content again changes nothing (created false); the same code and
// version with other content is errs.Conflict: publish a new version instead.
func (s *Service) Publish(ctx context.Context, p identity.Principal, doc []byte) (Version, bool, error) {
	const op = errs.Op("checklist.Publish")
	if !p.Has(identity.RoleSystemAdmin) {
		return Version{}, false, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	tpl, err := Parse(doc)
	if err != nil {
		return Version{}, false, errs.E(op, err)
	}
	at := s.Clock.Now()
	v, created, err := s.Store.PublishChecklist(ctx, NewPublication(tpl, p.AccountID, at),
		publishEntry(tpl, p.AccountID, p.PersonID, at, "console"))
	if err != nil {
		return Version{}, false, errs.E(op, err)
	}
	return v, created, nil
}

// Seed publishes the checklists the binary embeds (schemas/checklists/<code>.v<version>.json) that
// the store does not have yet, and returns the versions it published. Running it again, or on
// several replicas at once, publishes nothing twice. An embedded file whose code and version are
// published with other content is errs.Conflict: a released file must never change — its change is
// a new file with the next version.
func (s *Service) Seed(ctx context.Context) ([]Version, error) {
	const op = errs.Op("checklist.Seed")
	tpls, err := Embedded()
	if err != nil {
		return nil, errs.E(op, err)
	}
	var published []Version
	for _, tpl := range tpls {
		at := s.Clock.Now()
		v, created, err := s.Store.PublishChecklist(ctx, NewPublication(tpl, SeedActor, at),
			publishEntry(tpl, "", "", at, "embedded"))
		if err != nil {
			return published, errs.E(op, fmt.Sprintf("%s version %d", tpl.Code, tpl.Version), err)
		}
		if created {
			published = append(published, v)
		}
	}
	return published, nil
}

// Embedded parses the checklist files the binary embeds, in file-name order. Each file's name must be
// <code>.v<version>.json, as its content says.
func Embedded() ([]*Template, error) {
	const op = errs.Op("checklist.Embedded")
	names, err := fs.Glob(schemas.Checklists, "checklists/*.json")
	if err != nil {
		return nil, errs.E(op, err)
	}
	var out []*Template
	for _, name := range names {
		b, err := fs.ReadFile(schemas.Checklists, name)
		if err != nil {
			return nil, errs.E(op, err)
		}
		tpl, err := Parse(b)
		if err != nil {
			return nil, errs.E(op, name, err)
		}
		if want := fmt.Sprintf("%s.v%d.json", tpl.Code, tpl.Version); path.Base(name) != want {
			return nil, errs.E(op, fmt.Sprintf("%s holds %s version %d: name it %s", name, tpl.Code, tpl.Version, want))
		}
		out = append(out, tpl)
	}
	return out, nil
}

// Chain is the audit chain of a checklist code (D13): one per code, shared by its versions.
func Chain(code string) string { return "checklist/" + code }

func publishEntry(tpl *Template, accountID, personID string, at time.Time, source string) audit.Entry {
	types := make([]string, len(tpl.FacilityTypes))
	for i, f := range tpl.FacilityTypes {
		types[i] = string(f)
	}
	return audit.Entry{Chain: Chain(tpl.Code), Action: "checklist.publish", ActorAccountID: accountID,
		ActorPersonID: personID, At: at, Data: map[string]any{"version": tpl.Version, "hash": tpl.Hash(),
			"facility_types": types, "source": source}}
}
