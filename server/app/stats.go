package app

import "github.com/skhcn-caobang/thanhtra/server/stats"

// wireStats builds the statistics service over the store (docs/statistics.md). Its figures are
// computed on read from the period's rows; frozen months are read back from their stored bytes.
func (a *App) wireStats() {
	a.Stats = &stats.Service{Store: a.Store, Clock: a.clock}
}
