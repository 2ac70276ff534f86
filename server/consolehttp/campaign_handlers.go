package consolehttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
)

func (a *API) listCampaigns(c echo.Context) error {
	q := queryParamsOf(c)
	year, _ := q.integer("year", 2000, 2100)
	f := campaign.Filter{Year: year, Kind: campaign.Kind(q.text("kind")), Origin: campaign.Origin(q.text("origin")),
		Sector: campaign.Sector(q.text("sector")), PersonID: q.text("person_id"), Open: q.boolean("open"), Sort: q.text("sort")}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	cs, total, err := a.Campaigns.Campaigns(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), f, page)
	if err != nil {
		return err
	}
	out := campaignList{Items: make([]campaignResponse, len(cs)), Total: total, Limit: page.Limit, Offset: page.Offset}
	for i, x := range cs {
		out.Items[i] = toCampaign(x)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getCampaign(c echo.Context) error {
	x, err := a.Campaigns.Campaign(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCampaign(x))
}

func (a *API) createCampaign(c echo.Context) error { return a.saveCampaign(c, "", http.StatusCreated) }

func (a *API) updateCampaign(c echo.Context) error {
	return a.saveCampaign(c, c.Param("id"), http.StatusOK)
}

// saveCampaign creates a campaign (id "") or replaces the whole of an open one.
func (a *API) saveCampaign(c echo.Context, id string, status int) error {
	var in campaignRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	x, err := in.domain(orgParam(c), id)
	if err != nil {
		return err
	}
	if x, err = a.Campaigns.SaveCampaign(c.Request().Context(), httpcore.PrincipalOf(c), x); err != nil {
		return err
	}
	return c.JSON(status, toCampaign(x))
}

func (a *API) concludeCampaign(c echo.Context) error {
	var in conclusionRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	k, err := in.domain()
	if err != nil {
		return err
	}
	x, err := a.Campaigns.Conclude(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"), k)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCampaign(x))
}

func (a *API) createVisit(c echo.Context) error {
	var in visitRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	v, err := in.domain(orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	if v, err = a.Campaigns.CreateVisit(c.Request().Context(), httpcore.PrincipalOf(c), v); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toVisit(v))
}

func (a *API) listVisits(c echo.Context) error {
	q := queryParamsOf(c)
	f := campaign.VisitFilter{CampaignID: q.text("campaign_id"), SiteID: q.text("site_id"),
		Status: campaign.VisitStatus(q.text("status")), From: q.day("from"), To: q.day("to"), Sort: q.text("sort")}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	vs, total, err := a.Campaigns.Visits(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), f, page)
	if err != nil {
		return err
	}
	out := visitList{Items: make([]visitResponse, len(vs)), Total: total, Limit: page.Limit, Offset: page.Offset}
	for i, v := range vs {
		out.Items[i] = toVisit(v)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getVisit(c echo.Context) error {
	v, err := a.Campaigns.Visit(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toVisit(v))
}

// moveVisit changes a visit's status; a status the domain does not know is refused here, a move it
// does not allow is a conflict there.
func (a *API) moveVisit(c echo.Context) error {
	var in visitStatusRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	to := campaign.VisitStatus(in.Status)
	if err := new(httpcore.Check).Required("status", in.Status).Err(); err != nil {
		return err
	}
	if !to.Valid() {
		return invalidFields([]errs.FieldError{{Field: "status", Code: errs.CodeInvalidValue}})
	}
	v, err := a.Campaigns.MoveVisit(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"), to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toVisit(v))
}

func (a *API) listTargets(c echo.Context) error {
	q := queryParamsOf(c)
	year, ok := q.integer("year", 2000, 2100)
	if !ok && len(q.fields) == 0 {
		q.bad("year", errs.CodeRequired)
	}
	if err := q.err(); err != nil {
		return err
	}
	ts, err := a.Campaigns.Targets(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTargetList(year, ts))
}

// setTarget sets one figure of a year's plan and answers with the whole plan of that year.
func (a *API) setTarget(c echo.Context) error {
	var in targetRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	ctx, p, org := c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c)
	t := campaign.Target{OrgID: org, Year: in.Year, Sector: campaign.Sector(in.Sector), Metric: campaign.Metric(in.Metric), Value: in.Value}
	if err := a.Campaigns.SetTarget(ctx, p, t); err != nil {
		return err
	}
	ts, err := a.Campaigns.Targets(ctx, p, org, in.Year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTargetList(in.Year, ts))
}

func (a *API) listTitles(c echo.Context) error {
	ctx, org := c.Request().Context(), orgParam(c)
	if _, err := a.Identity.Store.Person(ctx, org, c.Param("id")); err != nil {
		return err
	}
	ts, err := a.Titles.PersonTitles(ctx, org, c.Param("id"))
	if err != nil {
		return err
	}
	out := personTitleList{Items: make([]personTitle, len(ts))}
	for i, t := range ts {
		out.Items[i] = toPersonTitle(t)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) addTitle(c echo.Context) error {
	var in titleRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	t, err := in.domain(orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	if t, err = a.Identity.AddTitle(c.Request().Context(), httpcore.PrincipalOf(c), a.Titles, t); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toPersonTitle(t))
}

// visitAnswers answers a visit's recorded answers and their findings.
func (a *API) visitAnswers(c echo.Context) error {
	answers, findings, err := a.Campaigns.Answers(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := visitAnswersResponse{Answers: make(map[string]answer, len(answers)), Findings: make([]finding, len(findings))}
	for k, x := range answers {
		out.Answers[k] = answer{Value: x.Value, None: x.None, Evidence: x.Evidence}
	}
	for i, f := range findings {
		out.Findings[i] = toFinding(f)
	}
	return c.JSON(http.StatusOK, out)
}

// recordAnswers records answers of a visit (merged with those already recorded) and answers the
// visit's findings.
func (a *API) recordAnswers(c echo.Context) error {
	var in visitAnswersRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	answers := make(map[string]checklist.Answer, len(in.Answers))
	for k, x := range in.Answers {
		answers[k] = checklist.Answer{Value: x.Value, None: x.None, Evidence: x.Evidence}
	}
	findings, err := a.Campaigns.RecordAnswers(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"), answers)
	if err != nil {
		return err
	}
	out := findingList{Findings: make([]finding, len(findings))}
	for i, f := range findings {
		out.Findings[i] = toFinding(f)
	}
	return c.JSON(http.StatusOK, out)
}
