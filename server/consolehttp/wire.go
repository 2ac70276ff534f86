package consolehttp

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Wire types: the JSON of this API, one struct per schema in schemas/ (named in each comment).

// loginRequest is schemas/console-login-request.schema.json.
type loginRequest struct {
	Login     string `json:"login"`
	Password  string `json:"password"`
	SessionID string `json:"session_id"` // made by the browser once per session; one device row per session
}

// refreshRequest is schemas/refresh-request.schema.json.
type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// tokenPair is schemas/token-pair.schema.json.
type tokenPair struct {
	AccessToken      string    `json:"access_token"`
	TokenType        string    `json:"token_type"`
	ExpiresIn        int       `json:"expires_in"`
	AccessExpiresAt  time.Time `json:"access_expires_at"`
	RefreshToken     string    `json:"refresh_token"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	AccountID        string    `json:"account_id"`
	OrganisationID   string    `json:"organisation_id"`
	DeviceID         string    `json:"device_id"`
	Roles            []string  `json:"roles"`
}

func toTokenPair(p auth.Pair) tokenPair {
	return tokenPair{AccessToken: p.AccessToken, TokenType: "Bearer", ExpiresIn: int(p.ExpiresIn.Seconds()),
		AccessExpiresAt: p.AccessExpiresAt.UTC(), RefreshToken: p.RefreshToken, RefreshExpiresAt: p.RefreshExpiresAt.UTC(),
		AccountID: p.Principal.AccountID, OrganisationID: p.Principal.OrgID, DeviceID: p.Principal.DeviceID, Roles: roleStrings(p.Principal.Roles)}
}

// organisation is schemas/organisation.schema.json.
type organisation struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

type organisationList struct {
	Items []organisation `json:"items"`
}

func toOrganisation(o identity.Organisation) organisation {
	return organisation{ID: o.ID, Code: o.Code, Name: o.Name, CreatedAt: o.CreatedAt}
}

type createOrganisationRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// person is schemas/person.schema.json.
type person struct {
	ID             string    `json:"id"`
	OrganisationID string    `json:"organisation_id"`
	FullName       string    `json:"full_name"`
	CreatedAt      time.Time `json:"created_at"`
}

type personList struct {
	Items []person `json:"items"`
}

func toPerson(p identity.Person) person {
	return person{ID: p.ID, OrganisationID: p.OrgID, FullName: p.FullName, CreatedAt: p.CreatedAt}
}

// account is schemas/account.schema.json. The password hash never leaves the server.
type account struct {
	ID                string     `json:"id"`
	OrganisationID    string     `json:"organisation_id"`
	PersonID          string     `json:"person_id"`
	Login             string     `json:"login"`
	Roles             []string   `json:"roles"`
	Disabled          bool       `json:"disabled"`
	DisabledAt        *time.Time `json:"disabled_at,omitempty"`
	PasswordChangedAt time.Time  `json:"password_changed_at"`
	CreatedAt         time.Time  `json:"created_at"`
}

type accountList struct {
	Items []account `json:"items"`
}

func toAccount(a identity.Account) account {
	return account{ID: a.ID, OrganisationID: a.OrgID, PersonID: a.PersonID, Login: a.Login, Roles: roleStrings(a.Roles),
		Disabled: a.Disabled(), DisabledAt: a.DisabledAt, PasswordChangedAt: a.PasswordChangedAt, CreatedAt: a.CreatedAt}
}

// createAccountRequest is schemas/create-account-request.schema.json.
type createAccountRequest struct {
	Login    string   `json:"login"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
	PersonID string   `json:"person_id,omitempty"`
	FullName string   `json:"full_name,omitempty"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type passwordRequest struct {
	Password string `json:"password"`
}

// device is schemas/device.schema.json.
type device struct {
	ID             string     `json:"id"`
	OrganisationID string     `json:"organisation_id"`
	AccountID      string     `json:"account_id"`
	ClientID       string     `json:"client_id"`
	Name           string     `json:"name"`
	Platform       string     `json:"platform"`
	CreatedAt      time.Time  `json:"created_at"`
	LastSeenAt     time.Time  `json:"last_seen_at"`
	Revoked        bool       `json:"revoked"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
}

type deviceList struct {
	Items []device `json:"items"`
}

func toDevice(d identity.Device) device {
	return device{ID: d.ID, OrganisationID: d.OrgID, AccountID: d.AccountID, ClientID: d.ClientID, Name: d.Name, Platform: d.Platform,
		CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt, Revoked: d.Revoked(), RevokedAt: d.RevokedAt}
}

// meResponse is schemas/me.schema.json.
type meResponse struct {
	Account      account      `json:"account"`
	Person       person       `json:"person"`
	Organisation organisation `json:"organisation"`
	DeviceID     string       `json:"device_id"`
}

// auditReport is schemas/audit-report.schema.json.
type auditReport struct {
	OK       bool     `json:"ok"`
	Chains   int      `json:"chains"`
	Events   int      `json:"events"`
	Anchors  int      `json:"anchors"`
	Problems []string `json:"problems"`
}

func roleStrings(rs []identity.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
