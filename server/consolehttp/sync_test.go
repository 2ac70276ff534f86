package consolehttp

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

// syncRequestBodies are the request bodies of the sync routes, for TestOpenAPIRequestBodies.
var syncRequestBodies = map[string]struct {
	schema string
	sample any
}{
	"POST /sync/quarantine/{id}/resolve": {"sync-quarantine-resolve-request.schema.json", resolveRequest{Note: "Đã nhập lại kết quả trên máy tính."}},
}

// TestQuarantineWire renders open and resolved items with the handler's mapping and checks them
// against the document: the payload goes out as the JSON the phone sent, a resolution only when
// there is one, and a payload that is not JSON (which the ledger never keeps) as a string rather
// than a broken body.
func TestQuarantineWire(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	received := time.Date(2026, 3, 2, 8, 15, 0, 0, time.FixedZone("ICT", 7*3600))
	resolvedAt := received.Add(2 * time.Hour)
	open := syncsvc.QuarantinedItem{Quarantined: syncpush.Quarantined{ID: 7, OrgID: "org", DeviceID: "01930c2e-7a4b-7c1d-9e2f-000000000004",
		ChangeID: "0f8e7c62-5d1a-4b3e-8c9d-2a1b3c4d5e6f", EntityType: "gadget", EntityID: "g1", Hash: "h",
		Payload: []byte(`{"caption":"Cột bơm số 1","n":1.50}`), Code: errs.CodeUnknownEntityType, Reason: `entity type "gadget"`, ReceivedAt: received}}
	resolved := open
	resolved.ID, resolved.ResolvedAt = 8, &resolvedAt
	resolved.Resolution = syncsvc.Resolution{Note: "Đã nhắc thanh tra viên cập nhật ứng dụng.", ByPersonID: "01930c2e-7a4b-7c1d-9e2f-000000000002"}
	broken := open
	broken.ID, broken.Payload = 9, []byte("not json")

	list := quarantineList{Items: []quarantineItem{toQuarantineItem(open), toQuarantineItem(resolved), toQuarantineItem(broken)}, Total: 3, Limit: 50}
	body, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	doc.CheckResponse(t, "GET", "/api/v1/sync/quarantine?state=all", 200, body)
	doc.CheckResponse(t, "GET", "/api/v1/sync/quarantine", 200, []byte(`{"items":[],"total":0,"limit":50,"offset":0}`))
	doc.CheckResponse(t, "POST", "/api/v1/sync/quarantine/7/resolve", 204, nil)

	if got := string(list.Items[0].Payload); got != `{"caption":"Cột bơm số 1","n":1.50}` {
		t.Errorf("payload %s, want it as sent", got)
	}
	if list.Items[0].ResolvedAt != nil || list.Items[0].ResolutionNote != "" {
		t.Errorf("an open item has a resolution: %+v", list.Items[0])
	}
	if r := list.Items[1]; r.ResolvedAt == nil || r.ResolvedAt.Location() != time.UTC || r.ResolutionNote == "" || r.ResolvedBy == "" {
		t.Errorf("resolved item rendered wrong: %+v", r)
	}
	if got := string(list.Items[2].Payload); got != `"not json"` {
		t.Errorf("a payload that is not JSON: %s", got)
	}
	if list.Items[0].ReceivedAt.Location() != time.UTC {
		t.Errorf("received_at not in UTC")
	}
}
