package consolehttp

import "github.com/skhcn-caobang/thanhtra/server/httpcore"

// campaignRoutes: campaigns with their teams and assignments, visits, plan targets and people's legal
// titles.
func (a *API) campaignRoutes() []httpcore.Route {
	return nil
}
