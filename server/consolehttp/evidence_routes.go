package consolehttp

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// evidenceRoutes: what evidence of a visit has arrived, and which records still miss some. A record
// is complete only when every evidence it lists has arrived (docs/evidence.md).
func (a *API) evidenceRoutes() []httpcore.Route {
	readers := httpcore.Roles(identity.RoleChief, identity.RoleDirector, identity.RoleInspector)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/visits/:id/evidence", Access: readers, Handler: a.visitEvidence},
	}
}

// visitEvidenceWire is schemas/evidence-visit.schema.json.
type visitEvidenceWire struct {
	VisitID    string               `json:"visit_id"`
	Evidence   []evidenceItemWire   `json:"evidence"`
	Records    []recordEvidenceWire `json:"records"`
	MissingIDs []string             `json:"missing_evidence_ids"`
	Complete   bool                 `json:"complete"`
}

type evidenceItemWire struct {
	ID          string              `json:"id"`
	RecordID    string              `json:"record_id,omitempty"`
	FindingID   string              `json:"finding_id,omitempty"`
	SHA256      string              `json:"sha256"`
	Size        int64               `json:"size"`
	ContentType string              `json:"content_type"`
	Purpose     string              `json:"purpose"`
	CapturedAt  time.Time           `json:"captured_at"`
	GPS         *evidenceGPSWire    `json:"gps,omitempty"`
	DeviceID    string              `json:"device_id"`
	State       string              `json:"state"`
	StoredAt    *time.Time          `json:"stored_at,omitempty"`
	DistanceM   *float64            `json:"distance_m,omitempty"`
	Object      *evidenceObjectWire `json:"object,omitempty"`
}

type evidenceGPSWire struct {
	Lat       float64  `json:"lat"`
	Lon       float64  `json:"lon"`
	AccuracyM *float64 `json:"accuracy_m,omitempty"`
}

type evidenceObjectWire struct {
	ContentType string           `json:"content_type"`
	Size        int64            `json:"size"`
	ExifTakenAt *time.Time       `json:"exif_taken_at,omitempty"`
	ExifGPS     *evidenceGPSWire `json:"exif_gps,omitempty"`
	Width       *int             `json:"width,omitempty"`
	Height      *int             `json:"height,omitempty"`
}

type recordEvidenceWire struct {
	ID          string   `json:"id"`
	Year        int      `json:"year"`
	Number      int      `json:"number"`
	Status      string   `json:"status"`
	EvidenceIDs []string `json:"evidence_ids"`
	MissingIDs  []string `json:"missing_evidence_ids"`
	Complete    bool     `json:"complete"`
}

func toVisitEvidenceWire(v evidence.VisitEvidence) visitEvidenceWire {
	out := visitEvidenceWire{VisitID: v.VisitID, Evidence: []evidenceItemWire{}, Records: []recordEvidenceWire{},
		MissingIDs: append([]string{}, v.Missing...), Complete: len(v.Missing) == 0}
	for _, it := range v.Items {
		r := it.Ref
		w := evidenceItemWire{ID: r.ID, RecordID: r.RecordID, FindingID: r.FindingID, SHA256: r.SHA256, Size: r.Size,
			ContentType: r.ContentType, Purpose: r.Purpose, CapturedAt: r.CapturedAt.UTC(), DeviceID: r.DeviceID, State: r.State,
			StoredAt: evidenceUTC(r.StoredAt), DistanceM: r.DistanceM}
		if r.GPSLat != nil && r.GPSLon != nil {
			w.GPS = &evidenceGPSWire{Lat: *r.GPSLat, Lon: *r.GPSLon, AccuracyM: r.GPSAccuracy}
		}
		if o := it.Object; o != nil {
			w.Object = &evidenceObjectWire{ContentType: o.ContentType, Size: o.Size, ExifTakenAt: evidenceUTC(o.Meta.TakenAt),
				Width: o.Meta.Width, Height: o.Meta.Height}
			if o.Meta.Lat != nil && o.Meta.Lon != nil {
				w.Object.ExifGPS = &evidenceGPSWire{Lat: *o.Meta.Lat, Lon: *o.Meta.Lon}
			}
		}
		out.Evidence = append(out.Evidence, w)
	}
	for _, r := range v.Records {
		out.Records = append(out.Records, recordEvidenceWire{ID: r.ID, Year: r.Year, Number: r.Number, Status: r.Status,
			EvidenceIDs: append([]string{}, r.EvidenceIDs...), MissingIDs: append([]string{}, r.Missing...), Complete: r.Complete()})
	}
	return out
}

func evidenceUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (a *API) visitEvidence(c echo.Context) error {
	p := httpcore.PrincipalOf(c)
	v, err := a.Evidence.VisitEvidence(c.Request().Context(), p.OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toVisitEvidenceWire(v))
}
