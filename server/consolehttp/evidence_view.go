package consolehttp

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// evidenceViewRoutes: one piece of evidence — its description, its bytes, its thumbnail — for the
// organisation's chief, director and inspectors, checked on every request (evidenceview). Evidence
// of another organisation is not found.
func (a *API) evidenceViewRoutes() []httpcore.Route {
	readers := httpcore.Roles(identity.RoleChief, identity.RoleDirector, identity.RoleInspector)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/evidence/:id", Access: readers, Handler: a.getEvidence},
		{Method: http.MethodGet, Path: "/evidence/:id/content", Access: readers, Handler: a.evidenceContent},
		{Method: http.MethodGet, Path: "/evidence/:id/thumbnail", Access: readers, Handler: a.evidenceThumbnail},
	}
}

// evidenceViewWire is schemas/evidence-view.schema.json.
type evidenceViewWire struct {
	ID          string               `json:"id"`
	VisitID     string               `json:"visit_id"`
	RecordID    string               `json:"record_id,omitempty"`
	FindingID   string               `json:"finding_id,omitempty"`
	SHA256      string               `json:"sha256"`
	Size        int64                `json:"size"`
	ContentType string               `json:"content_type"`
	Purpose     string               `json:"purpose"`
	CapturedAt  time.Time            `json:"captured_at"`
	GPS         *evidenceViewGPS     `json:"gps,omitempty"`
	DeviceID    string               `json:"device_id"`
	State       string               `json:"state"`
	StoredAt    *time.Time           `json:"stored_at,omitempty"`
	DistanceM   *float64             `json:"distance_m,omitempty"`
	Object      *evidenceViewObject  `json:"object,omitempty"`
	Thumbnail   string               `json:"thumbnail"`
	RetainUntil *time.Time           `json:"retain_until,omitempty"`
	Links       evidenceViewLinkWire `json:"links"`
}

type evidenceViewGPS struct {
	Lat       float64  `json:"lat"`
	Lon       float64  `json:"lon"`
	AccuracyM *float64 `json:"accuracy_m,omitempty"`
}

type evidenceViewObject struct {
	ContentType string           `json:"content_type"`
	Size        int64            `json:"size"`
	ExifTakenAt *time.Time       `json:"exif_taken_at,omitempty"`
	ExifGPS     *evidenceViewGPS `json:"exif_gps,omitempty"`
	Width       *int             `json:"width,omitempty"`
	Height      *int             `json:"height,omitempty"`
}

type evidenceViewLinkWire struct {
	Content   string `json:"content"`
	Thumbnail string `json:"thumbnail"`
}

func toEvidenceViewWire(it evidenceview.Item) evidenceViewWire {
	r := it.Ref
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	w := evidenceViewWire{ID: r.ID, VisitID: r.VisitID, RecordID: r.RecordID, FindingID: r.FindingID, SHA256: r.SHA256, Size: r.Size,
		ContentType: r.ContentType, Purpose: r.Purpose, CapturedAt: r.CapturedAt.UTC(), DeviceID: r.DeviceID, State: r.State,
		StoredAt: utc(r.StoredAt), DistanceM: r.DistanceM, Thumbnail: it.ThumbnailState(), RetainUntil: utc(it.RetainUntil),
		Links: evidenceViewLinkWire{Content: Prefix + "/evidence/" + r.ID + "/content", Thumbnail: Prefix + "/evidence/" + r.ID + "/thumbnail"}}
	if r.GPSLat != nil && r.GPSLon != nil {
		w.GPS = &evidenceViewGPS{Lat: *r.GPSLat, Lon: *r.GPSLon, AccuracyM: r.GPSAccuracy}
	}
	if o := it.Object; o != nil && it.Stored() {
		w.Object = &evidenceViewObject{ContentType: o.ContentType, Size: o.Size, ExifTakenAt: utc(o.Meta.TakenAt), Width: o.Meta.Width, Height: o.Meta.Height}
		if o.Meta.Lat != nil && o.Meta.Lon != nil {
			w.Object.ExifGPS = &evidenceViewGPS{Lat: *o.Meta.Lat, Lon: *o.Meta.Lon}
		}
	}
	return w
}

func (a *API) getEvidence(c echo.Context) error {
	it, err := a.EvidenceView.ForConsole(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return c.JSON(http.StatusOK, toEvidenceViewWire(it))
}

func (a *API) evidenceContent(c echo.Context) error { return a.evidencePart(c, evidenceview.Content) }
func (a *API) evidenceThumbnail(c echo.Context) error {
	return a.evidencePart(c, evidenceview.Thumbnail)
}

func (a *API) evidencePart(c echo.Context, part evidenceview.Part) error {
	it, err := a.EvidenceView.ForConsole(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return httpcore.ServeEvidence(c, a.EvidenceView, it, part)
}
