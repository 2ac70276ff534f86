package consolehttp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

// syncRoutes: the quarantine of changes pushed by phones that can never be accepted (syncpush),
// which the chief, an organisation administrator or a system administrator looks through and marks
// resolved (syncsvc.Quarantine checks the organisation as well).
func (a *API) syncRoutes() []httpcore.Route {
	reviewers := httpcore.Roles(identity.RoleChief, identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/sync/quarantine", Access: reviewers, Handler: a.listQuarantine},
		{Method: http.MethodPost, Path: "/sync/quarantine/:id/resolve", Access: reviewers, Handler: a.resolveQuarantine},
	}
}

// quarantineList is schemas/sync-quarantine-list.schema.json.
type quarantineList struct {
	Items  []quarantineItem `json:"items"`
	Total  int              `json:"total"`
	Limit  int              `json:"limit"`
	Offset int              `json:"offset"`
}

type quarantineItem struct {
	ID         int64  `json:"id"`
	DeviceID   string `json:"device_id"`
	ChangeID   string `json:"change_id"`
	EntityType string `json:"entity_type"`
	EntityID   string `json:"entity_id"`
	Code       string `json:"code"`
	Reason     string `json:"reason"`
	// Payload is the item's payload as the phone sent it.
	Payload        json.RawMessage `json:"payload"`
	ReceivedAt     time.Time       `json:"received_at"`
	ResolvedAt     *time.Time      `json:"resolved_at,omitempty"`
	ResolutionNote string          `json:"resolution_note,omitempty"`
	ResolvedBy     string          `json:"resolved_by,omitempty"`
}

// resolveRequest is schemas/sync-quarantine-resolve-request.schema.json.
type resolveRequest struct {
	Note string `json:"note"`
}

func toQuarantineItem(q syncsvc.QuarantinedItem) quarantineItem {
	payload := json.RawMessage(q.Payload)
	if !json.Valid(payload) {
		// The ledger quarantines only items that passed validation, whose payload is JSON; should one
		// not be, it is shown as text rather than breaking the list.
		payload, _ = json.Marshal(string(q.Payload))
	}
	out := quarantineItem{ID: q.ID, DeviceID: q.DeviceID, ChangeID: q.ChangeID, EntityType: q.EntityType, EntityID: q.EntityID,
		Code: string(q.Code), Reason: q.Reason, Payload: payload, ReceivedAt: q.ReceivedAt.UTC(),
		ResolutionNote: q.Resolution.Note, ResolvedBy: q.Resolution.ByPersonID}
	if q.ResolvedAt != nil {
		t := q.ResolvedAt.UTC()
		out.ResolvedAt = &t
	}
	return out
}

// listQuarantine lists the organisation's quarantined items, oldest first: ?state=open (the default)
// those not resolved yet, ?state=all every one.
func (a *API) listQuarantine(c echo.Context) error {
	q := queryParamsOf(c)
	openOnly := true
	switch q.text("state") {
	case "", "open":
	case "all":
		openOnly = false
	default:
		q.bad("state", errs.CodeInvalidValue)
	}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := a.Quarantine.List(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), openOnly, page)
	if err != nil {
		return err
	}
	out := quarantineList{Items: make([]quarantineItem, len(items)), Total: total, Limit: page.Limit, Offset: page.Offset}
	for i, it := range items {
		out.Items[i] = toQuarantineItem(it)
	}
	return c.JSON(http.StatusOK, out)
}

// resolveQuarantine marks one item resolved with the chief's note; 204 on success.
func (a *API) resolveQuarantine(c echo.Context) error {
	var in resolveRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, errs.CodeQuarantineNotFound, "not an item ID")
	}
	if err := a.Quarantine.Resolve(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), id, in.Note); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
