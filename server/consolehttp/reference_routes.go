package consolehttp

import "github.com/skhcn-caobang/thanhtra/server/httpcore"

// referenceRoutes: the national reference data — the legal catalogue and the published checklists.
func (a *API) referenceRoutes() []httpcore.Route {
	return nil
}
