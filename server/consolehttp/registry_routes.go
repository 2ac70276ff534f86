package consolehttp

import (
	"net/http"

	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// registryRoutes: administrative units, subjects, sites, instruments, licences, issuing units and the
// registry import.
//
// The registry is read by the roles registry.CanRead lets in and changed by those registry.CanChange
// lets in. Administrative units and issuing units are read by every member of the organisation, as
// their services allow: phones and clerks need them too.
func (a *API) registryRoutes() []httpcore.Route {
	readers := httpcore.Roles(identity.RoleInspector, identity.RoleChief, identity.RoleDirector, identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	writers := httpcore.Roles(identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/admin-units", Access: httpcore.Authenticated, Handler: a.listAdminUnits},

		{Method: http.MethodGet, Path: "/subjects", Access: readers, Handler: a.listSubjects},
		{Method: http.MethodGet, Path: "/subjects/:id", Access: readers, Handler: a.getSubject},
		{Method: http.MethodPost, Path: "/subjects", Access: writers, Handler: a.createSubject},
		{Method: http.MethodPut, Path: "/subjects/:id", Access: writers, Handler: a.updateSubject},

		{Method: http.MethodGet, Path: "/sites", Access: readers, Handler: a.listSites},
		{Method: http.MethodGet, Path: "/sites/:id", Access: readers, Handler: a.getSite},
		{Method: http.MethodPost, Path: "/sites", Access: writers, Handler: a.createSite},
		{Method: http.MethodPut, Path: "/sites/:id", Access: writers, Handler: a.updateSite},

		{Method: http.MethodGet, Path: "/instruments", Access: readers, Handler: a.listInstruments},
		{Method: http.MethodGet, Path: "/instruments/:id", Access: readers, Handler: a.getInstrument},
		{Method: http.MethodPost, Path: "/instruments", Access: writers, Handler: a.createInstrument},
		{Method: http.MethodPut, Path: "/instruments/:id", Access: writers, Handler: a.updateInstrument},

		{Method: http.MethodGet, Path: "/licences", Access: readers, Handler: a.listLicences},
		{Method: http.MethodGet, Path: "/licences/:id", Access: readers, Handler: a.getLicence},
		{Method: http.MethodPost, Path: "/licences", Access: writers, Handler: a.createLicence},
		{Method: http.MethodPut, Path: "/licences/:id", Access: writers, Handler: a.updateLicence},

		{Method: http.MethodGet, Path: "/issuing-units", Access: httpcore.Authenticated, Handler: a.listIssuingUnits},
		{Method: http.MethodGet, Path: "/issuing-units/:id", Access: httpcore.Authenticated, Handler: a.getIssuingUnit},
		{Method: http.MethodPost, Path: "/issuing-units", Access: writers, Handler: a.createIssuingUnit},
		{Method: http.MethodPut, Path: "/issuing-units/:id", Access: writers, Handler: a.updateIssuingUnit},

		{Method: http.MethodPost, Path: "/registry/import", Access: writers, Handler: a.importRegistry, MaxBody: importMaxBody},
	}
}
