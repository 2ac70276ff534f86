package consolehttp

import (
	"net/http"

	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// campaignRoutes: campaigns with their teams and assignments, visits, plan targets and people's legal
// titles.
//
// Chiefs, inspectors, the director and administrators read them (campaign.CanRead). Chiefs and
// administrators plan and conclude campaigns; the team records visits (the service checks that an
// inspector is in the campaign's team); the director and administrators set the yearly plan;
// administrators give titles.
func (a *API) campaignRoutes() []httpcore.Route {
	readers := httpcore.Roles(identity.RoleInspector, identity.RoleChief, identity.RoleDirector, identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	planners := httpcore.Roles(identity.RoleChief, identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	visitors := httpcore.Roles(identity.RoleInspector, identity.RoleChief, identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	planSetters := httpcore.Roles(identity.RoleDirector, identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	admins := httpcore.Roles(identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/campaigns", Access: readers, Handler: a.listCampaigns},
		{Method: http.MethodPost, Path: "/campaigns", Access: planners, Handler: a.createCampaign},
		{Method: http.MethodGet, Path: "/campaigns/:id", Access: readers, Handler: a.getCampaign},
		{Method: http.MethodPut, Path: "/campaigns/:id", Access: planners, Handler: a.updateCampaign},
		{Method: http.MethodPost, Path: "/campaigns/:id/conclude", Access: planners, Handler: a.concludeCampaign},
		{Method: http.MethodPost, Path: "/campaigns/:id/visits", Access: visitors, Handler: a.createVisit},

		{Method: http.MethodGet, Path: "/visits", Access: readers, Handler: a.listVisits},
		{Method: http.MethodGet, Path: "/visits/:id", Access: readers, Handler: a.getVisit},
		{Method: http.MethodPost, Path: "/visits/:id/status", Access: visitors, Handler: a.moveVisit},
		{Method: http.MethodGet, Path: "/visits/:id/answers", Access: readers, Handler: a.visitAnswers},
		{Method: http.MethodPut, Path: "/visits/:id/answers", Access: visitors, Handler: a.recordAnswers},

		{Method: http.MethodGet, Path: "/plan-targets", Access: readers, Handler: a.listTargets},
		{Method: http.MethodPut, Path: "/plan-targets", Access: planSetters, Handler: a.setTarget},

		{Method: http.MethodGet, Path: "/persons/:id/titles", Access: readers, Handler: a.listTitles},
		{Method: http.MethodPost, Path: "/persons/:id/titles", Access: admins, Handler: a.addTitle},
	}
}
