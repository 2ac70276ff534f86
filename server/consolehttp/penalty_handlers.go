package consolehttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// The handlers of penalty cases: each binds its body, checks what the wire can check (the version,
// days), calls penalty.Service, and answers the case as it now stands. Refusals are the domain's:
// each code names its rule and legal basis (schemas/error-codes-penalty.json).

func (a *API) penalties() (*penalty.Service, error) {
	if a.Penalties == nil {
		return nil, errs.E(errs.Unavailable, "penalty cases are not configured")
	}
	return a.Penalties, nil
}

func (a *API) penaltyQueue(c echo.Context) error {
	q := queryParamsOf(c)
	var states []penalty.State
	if s := q.text("state"); s != "" {
		states = []penalty.State{penalty.State(s)}
	}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	items, total, err := svc.Queue(c.Request().Context(), httpcore.PrincipalOf(c), states, page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.penaltyList(svc, items, total, page.Limit, page.Offset))
}

func (a *API) penaltyOverdue(c echo.Context) error {
	q := queryParamsOf(c)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	items, total, err := svc.Overdue(c.Request().Context(), httpcore.PrincipalOf(c), page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.penaltyList(svc, items, total, page.Limit, page.Offset))
}

func (a *API) penaltyList(svc *penalty.Service, items []penalty.Summary, total, limit, offset int) penaltyList {
	now := svc.Clock.Now()
	out := penaltyList{Items: make([]penaltySummary, len(items)), Total: total, Limit: limit, Offset: offset}
	for i, s := range items {
		out.Items[i] = toPenaltySummary(s, now)
	}
	return out
}

func (a *API) getPenalty(c echo.Context) error {
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	return a.answerPenalty(c, svc, c.Param("id"))
}

// answerPenalty answers the case as the caller now sees it.
func (a *API) answerPenalty(c echo.Context, svc *penalty.Service, id string) error {
	v, err := svc.View(c.Request().Context(), httpcore.PrincipalOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPenaltyCase(v))
}

// penaltyAct binds the body into in, checks its version and runs act.
func penaltyAct[T any](a *API, c echo.Context, in *T, version func(*T) int64, check func(*T, *[]errs.FieldError),
	act func(svc *penalty.Service, in *T) error) error {
	if err := httpcore.Bind(c, in); err != nil {
		return err
	}
	var fields []errs.FieldError
	if version(in) < 1 {
		fields = append(fields, errs.FieldError{Field: "version", Code: errs.CodeRequired})
	}
	if check != nil {
		check(in, &fields)
	}
	if err := invalidFields(fields); err != nil {
		return err
	}
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	if err := act(svc, in); err != nil {
		return err
	}
	return a.answerPenalty(c, svc, c.Param("id"))
}

func (a *API) approvePenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyApproveRequest{}, func(in *penaltyApproveRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyApproveRequest) error {
			var fines []penalty.FineChoice
			for _, f := range in.Fines {
				fines = append(fines, penalty.FineChoice{Charge: f.Charge, Amount: f.Amount, Repeats: f.Repeats})
			}
			_, err := svc.Approve(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, fines, in.Reason)
			return err
		})
}

func (a *API) returnPenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyReturnRequest{}, func(in *penaltyReturnRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyReturnRequest) error {
			_, err := svc.Return(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.Comments)
			return err
		})
}

func (a *API) rejectPenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyRejectRequest{}, func(in *penaltyRejectRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyRejectRequest) error {
			_, err := svc.Reject(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.Reason)
			return err
		})
}

func (a *API) forwardPenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyForwardRequest{}, func(in *penaltyForwardRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyForwardRequest) error {
			_, err := svc.Forward(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.Authority, in.Address, in.Reason)
			return err
		})
}

func (a *API) issuePenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyIssueRequest{}, func(in *penaltyIssueRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyIssueRequest) error {
			_, err := svc.IssueWith(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, penalty.IssueInput{
				PaymentDays: in.PaymentDays, PaymentPlace: in.PaymentPlace, AdditionalPenalties: in.AdditionalPenalties, RemedialMeasures: in.RemedialMeasures})
			return err
		})
}

func (a *API) trackPenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyTrackRequest{}, func(in *penaltyTrackRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyTrackRequest) error {
			_, err := svc.SetTrack(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, penalty.Track(in.Track), in.Reason)
			return err
		})
}

func (a *API) explainPenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyExplanationRequest{}, func(in *penaltyExplanationRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyExplanationRequest) error {
			x := penalty.ExplanationInput{Form: penalty.ExplanationForm(in.Form), Summary: in.Summary, Request: in.Request}
			if in.On != nil {
				x.On = *in.On
			}
			_, err := svc.RecordExplanation(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, x)
			return err
		})
}

func (a *API) enforcePenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyEnforceRequest{}, func(in *penaltyEnforceRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyEnforceRequest) error {
			_, err := svc.Enforce(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.Reference, in.Measure)
			return err
		})
}

func (a *API) deliverPenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyDeliveryRequest{}, func(in *penaltyDeliveryRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyDeliveryRequest) error {
			_, err := svc.Deliver(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.ReceivedAt, in.Method)
			return err
		})
}

func (a *API) payPenalty(c echo.Context) error {
	var paidOn legal.Date
	return penaltyAct(a, c, &penaltyPaymentRequest{}, func(in *penaltyPaymentRequest) int64 { return in.Version },
		func(in *penaltyPaymentRequest, f *[]errs.FieldError) { paidOn = legalDay(f, "paid_on", in.PaidOn) },
		func(svc *penalty.Service, in *penaltyPaymentRequest) error {
			_, err := svc.Pay(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version,
				penalty.PaymentInput{Receipt: in.Receipt, Amount: in.Amount, PaidOn: paidOn})
			return err
		})
}

func (a *API) transferPenalty(c echo.Context) error {
	var on legal.Date
	return penaltyAct(a, c, &penaltyTransferRequest{}, func(in *penaltyTransferRequest) int64 { return in.Version },
		func(in *penaltyTransferRequest, f *[]errs.FieldError) {
			on = legalDay(f, "transferred_on", in.TransferredOn)
		},
		func(svc *penalty.Service, in *penaltyTransferRequest) error {
			_, err := svc.Transfer(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.Receipt, on, in.Reference)
			return err
		})
}

func (a *API) reportPenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyReportRequest{}, func(in *penaltyReportRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyReportRequest) error {
			_, err := svc.ReportNational(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.Reference)
			return err
		})
}

func (a *API) closePenalty(c echo.Context) error {
	return penaltyAct(a, c, &penaltyCloseRequest{}, func(in *penaltyCloseRequest) int64 { return in.Version }, nil,
		func(svc *penalty.Service, in *penaltyCloseRequest) error {
			_, err := svc.Close(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"), in.Version, in.Reason)
			return err
		})
}

// orEmpty is s, or an empty slice for nil: lists go out as [], never null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
