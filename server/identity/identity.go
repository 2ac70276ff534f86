// Package identity holds who uses the system: organisations (tenants, D1), people (officials, D2),
// the accounts they log in with and the roles those carry (D28), and the devices accounts use.
//
// A person is not an account: legal titles and authority caps attach to people, app permissions to
// accounts, and maker-checker compares people. Every organisation's rows are isolated by its ID in
// every query; national reference data is shared and edited only by a system administrator (D24).
package identity

import (
	"slices"
	"time"
)

// Role is an app permission carried by an account (DECISIONS D28).
type Role string

// The roles.
const (
	RoleInspector   Role = "inspector"    // works in the field with the phone
	RoleChief       Role = "chief"        // decides penalties (chánh thanh tra, trưởng đoàn with sanctioning power)
	RoleDirector    Role = "director"     // reads everything in the organisation
	RoleClerk       Role = "clerk"        // records deliveries and payments
	RoleOrgAdmin    Role = "org_admin"    // manages the organisation's users, devices and data
	RoleSystemAdmin Role = "system_admin" // creates organisations and edits national reference data
)

// AllRoles lists every role, in a stable order.
var AllRoles = []Role{RoleInspector, RoleChief, RoleDirector, RoleClerk, RoleOrgAdmin, RoleSystemAdmin}

// Valid reports whether r is one of AllRoles.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Organisation is a tenant: a provincial department (Sở Khoa học và Công nghệ).
type Organisation struct {
	ID        string
	Code      string // short, unique, lower-case, e.g. "caobang"
	Name      string // e.g. "Sở Khoa học và Công nghệ tỉnh Cao Bằng"
	CreatedAt time.Time
}

// Person is an official of an organisation. Legal titles and authority caps (domain issue) attach here.
type Person struct {
	ID        string
	OrgID     string
	FullName  string
	CreatedAt time.Time
}

// Account is how a person logs in. Login names are unique across all organisations so that the login
// form needs no organisation field.
type Account struct {
	ID                string
	OrgID             string
	PersonID          string
	Login             string
	Roles             []Role
	PasswordHash      string
	PasswordChangedAt time.Time
	DisabledAt        *time.Time
	CreatedAt         time.Time
}

// Disabled reports whether an administrator disabled the account.
func (a Account) Disabled() bool { return a.DisabledAt != nil }

// Device is a phone or browser an account has logged in from. ClientID is what the device calls
// itself (a phone makes it once and keeps it); ID is the server's.
type Device struct {
	ID         string
	OrgID      string
	AccountID  string
	ClientID   string
	Name       string
	Platform   string // "android", "web", …
	CreatedAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
}

// Revoked reports whether an administrator revoked the device.
func (d Device) Revoked() bool { return d.RevokedAt != nil }

// Principal is the authenticated caller of a request.
type Principal struct {
	AccountID string
	PersonID  string
	OrgID     string
	DeviceID  string
	Roles     []Role
}

// Has reports whether the principal carries any of the roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// CanAdminister reports whether the principal may manage the organisation orgID's users and devices:
// its own organisation's administrator, or a system administrator.
func (p Principal) CanAdminister(orgID string) bool {
	return p.Has(RoleSystemAdmin) || (p.Has(RoleOrgAdmin) && p.OrgID == orgID)
}
