package syncfeed

// The datasets a phone pulls, each with its own cursor, checksum and reset (D7). The entity types and
// the shape of each entity's data are in mobile-api/openapi.yaml (schemas/sync-*.schema.json).
const (
	// Assignments holds the campaigns whose team the phone's person belongs to: the campaign with its
	// team, subjects, sites and who is assigned to each. Scope CampaignScope.
	Assignments = "assignments"
	// Sites holds the sites of those campaigns with their instruments and licences, each site's
	// history, and the subjects that own them. Scopes SiteScope and SubjectScope.
	Sites = "sites"
	// Checklists holds the published checklist versions (national data, ScopeAll).
	Checklists = "checklists"
	// Catalogue holds the legal catalogue of violations with their fine ranges, and the decrees they
	// cite (national, ScopeAll).
	Catalogue = "catalogue"
	// Visits holds the visits and violation records of the campaigns' teams as the server holds them,
	// including states set on the server such as a chief's return. Scope CampaignScope.
	Visits = "visits"
	// Numbers holds the device's blocks of record numbers with what became of each (D9), and the
	// names of their issuing body. Scope DeviceScope.
	Numbers = "numbers"
)

// Datasets lists every dataset in the order a phone should apply them.
var Datasets = []string{Catalogue, Checklists, Assignments, Sites, Visits, Numbers}

// schemaVersions are the versions of each dataset's entity shapes. Raising one makes every cursor of
// that dataset a reset, so that phones fetch the dataset again in its new shape; the log's rows of
// the dataset must then be recorded again in that shape (a back-fill, gormstore.RunSyncBackfillOnce).
// A new entity type in a dataset needs no reset: its entities are new changes.
//
// Numbers 2: number_block gained issuing_unit_name and organisation_name (the record's issuing body).
var schemaVersions = map[string]int{
	Assignments: 1, Sites: 1, Checklists: 1, Catalogue: 1, Visits: 1, Numbers: 2,
}

// SchemaVersion returns the version of a dataset's shape (0 for an unknown dataset).
func SchemaVersion(dataset string) int { return schemaVersions[dataset] }

// KnownDataset tells whether a dataset exists.
func KnownDataset(dataset string) bool { _, ok := schemaVersions[dataset]; return ok }

// OrgShared is the organisation of national reference data (checklists, the legal catalogue) in the
// log: every organisation's pulls read it.
const OrgShared = "*"

// ScopeAll is the scope of national reference data: every phone has it.
const ScopeAll = "all"

// Scope keys of an organisation's own data.
func CampaignScope(id string) string { return "campaign/" + id }

// SiteScope is the scope of a site and its history.
func SiteScope(id string) string { return "site/" + id }

// SubjectScope is the scope of a subject.
func SubjectScope(id string) string { return "subject/" + id }

// DeviceScope is the scope of a device's own data (its number blocks).
func DeviceScope(id string) string { return "device/" + id }

// Entity types in the log.
const (
	EntityCampaign    = "campaign"
	EntitySite        = "site"
	EntitySiteHistory = "site_history"
	EntitySubject     = "subject"
	EntityChecklist   = "checklist"
	EntityViolation   = "violation"
	EntityDecree      = "decree"
	EntityVisit       = "visit"
	EntityRecord      = "record"
	EntityNumberBlock = "number_block"
)
