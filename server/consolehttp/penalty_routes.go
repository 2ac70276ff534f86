package consolehttp

import (
	"net/http"

	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// penaltyRoutes: penalty cases (issue 7), from the violation record a phone submitted to the closed
// case. Roles as D28 gives them and penalty.Service checks them again: the chief decides (approve,
// return, reject, forward, issue, the decision period, the explanation, enforcement); a clerk (or the
// chief) records what follows the decision (delivery, payments, transfers to the state budget, the
// national database report, closure); the chief, the director and clerks read.
func (a *API) penaltyRoutes() []httpcore.Route {
	readers := httpcore.Roles(identity.RoleChief, identity.RoleDirector, identity.RoleClerk)
	deciders := httpcore.Roles(identity.RoleChief)
	clerks := httpcore.Roles(identity.RoleClerk, identity.RoleChief)
	makers := httpcore.Roles(identity.RoleInspector, identity.RoleChief)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/penalties/queue", Access: readers, Handler: a.penaltyQueue},
		{Method: http.MethodGet, Path: "/penalties/overdue", Access: readers, Handler: a.penaltyOverdue},
		{Method: http.MethodGet, Path: "/penalties/national-reports", Access: readers, Handler: a.penaltyNationalReports},
		{Method: http.MethodPost, Path: "/penalties/national-reports/reported", Access: clerks, Handler: a.penaltyNationalReported},
		{Method: http.MethodGet, Path: "/penalties/circumstances", Access: makers, Handler: a.penaltyCircumstanceList},
		{Method: http.MethodGet, Path: "/penalties/:id", Access: readers, Handler: a.getPenalty},
		{Method: http.MethodGet, Path: "/penalties/:id/decision.pdf", Access: readers, Handler: a.penaltyDecisionPDF},
		{Method: http.MethodGet, Path: "/penalties/:id/decision.json", Access: readers, Handler: a.penaltyDecisionJSON},
		{Method: http.MethodPost, Path: "/penalties/:id/circumstances", Access: makers, Handler: a.declarePenaltyCircumstances},

		{Method: http.MethodPost, Path: "/penalties/:id/approve", Access: deciders, Handler: a.approvePenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/return", Access: deciders, Handler: a.returnPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/reject", Access: deciders, Handler: a.rejectPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/forward", Access: deciders, Handler: a.forwardPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/issue", Access: deciders, Handler: a.issuePenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/track", Access: deciders, Handler: a.trackPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/explanation", Access: deciders, Handler: a.explainPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/enforce", Access: deciders, Handler: a.enforcePenalty},

		{Method: http.MethodPost, Path: "/penalties/:id/delivery", Access: clerks, Handler: a.deliverPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/payments", Access: clerks, Handler: a.payPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/transfers", Access: clerks, Handler: a.transferPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/national-report", Access: clerks, Handler: a.reportPenalty},
		{Method: http.MethodPost, Path: "/penalties/:id/close", Access: clerks, Handler: a.closePenalty},
	}
}
