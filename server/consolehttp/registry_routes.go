package consolehttp

import "github.com/skhcn-caobang/thanhtra/server/httpcore"

// registryRoutes: administrative units, subjects, sites, instruments, licences, issuing units and the
// registry import.
func (a *API) registryRoutes() []httpcore.Route {
	return nil
}
