package errs

// The codes of penalty cases (server/penalty): the case's state machine, maker-checker, fine ranges,
// competence, limitation, explanation, payment and enforcement. Append only, like codes.go; each has
// its entry in schemas/error-codes-penalty.json. The legal data's own refusals (fine_range_missing,
// authority_cap_missing …) keep their codes in codes_legal.go.
const (
	CodePenaltyCaseNotFound       Code = "penalty_case_not_found"      // no such case in the organisation
	CodePenaltyCaseExists         Code = "penalty_case_exists"         // the record already has a case
	CodeCaseVersionConflict       Code = "penalty_version_conflict"    // the case changed since the caller saw it (another approval won)
	CodeCaseStateInvalid          Code = "penalty_state_invalid"       // the act is not allowed in the case's state
	CodeDecisionImmutable         Code = "decision_immutable"          // the decision is issued: only delivery, payment, enforcement and reporting may follow
	CodeMakerCannotDecide         Code = "maker_cannot_decide"         // the person who drew up the record cannot decide it (D2)
	CodeAuthorityExceeded         Code = "authority_exceeded"          // the range's maximum is beyond the approver's cap: forward the case
	CodeNoSanctioningTitle        Code = "no_sanctioning_title"        // the person holds no title with sanctioning power on that day
	CodeAuthorityLapsed           Code = "authority_lapsed"            // the approver no longer holds the title that covered the case
	CodeFineOutsideRange          Code = "fine_outside_range"          // the amount is outside the legal range for the subject's kind
	CodeFineNotJustified          Code = "fine_not_justified"          // below the middle without mitigating, or above it without aggravating circumstances
	CodeLimitationExpired         Code = "limitation_expired"          // the statute of limitations for sanctioning has run out
	CodeExplanationPeriodOpen     Code = "explanation_period_open"     // the subject may still explain: the decision must wait
	CodeReasonRequired            Code = "reason_required"             // this act needs a reason
	CodeRepeatNotApplicable       Code = "repeat_not_applicable"       // the earlier decision is not a repeat offence of this charge
	CodeRecordVersionInvalid      Code = "record_version_invalid"      // a resubmitted record must be the current one or a version that corrects it
	CodePaymentReceiptTaken       Code = "payment_receipt_taken"       // the receipt number is already recorded on the case
	CodePaymentExceedsOutstanding Code = "payment_exceeds_outstanding" // more than the fine and interest still owed
	CodePaymentNotFound           Code = "payment_not_found"           // no payment with that receipt on the case
	CodePaymentNotTransferred     Code = "payment_not_transferred"     // money is still held: transfer it to the state budget first
	CodePaymentNotOverdue         Code = "payment_not_overdue"         // the payment period has not ended, or nothing is owed
	CodeEnforcementTimeBarred     Code = "enforcement_time_barred"     // the decision can no longer be enforced (Art. 74)
	CodeCaseNotSettled            Code = "case_not_settled"            // neither paid and transferred nor time-barred: the case cannot close
	CodeInterestRuleNotFound      Code = "interest_rule_not_found"     // no late-payment interest rule in force on that day
	CodeExplanationRuleNotFound   Code = "explanation_rule_not_found"  // no rule on the right to explain in force on that day
	CodeDecisionDocumentNotFound  Code = "decision_document_not_found" // the case has no issued decision, or its document is still being made
	CodeCircumstanceUnknown       Code = "circumstance_unknown"        // the circumstance is not in the law's list (Luật XLVPHC Art. 9, 10)
	CodeNationalReportReported    Code = "national_report_reported"    // the decision was already reported to the national database
	CodeDecisionDocumentInvalid   Code = "decision_document_invalid"   // the decision's content cannot fill the form (the fields say what)
)
