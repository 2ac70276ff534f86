package errs

// Campaigns, visits and plan targets.
const (
	CodePeriodReversed        Code = "period_reversed"         // the period ends before it starts
	CodeOneLeader             Code = "one_leader_required"     // a team has exactly one leader
	CodeNoSubjects            Code = "no_subjects"             // a campaign covers at least one subject
	CodeUnknownSite           Code = "unknown_site"            // no such site in the organisation
	CodeSiteNotOfSubject      Code = "site_not_of_subject"     // the site belongs to a subject the campaign does not cover
	CodeSiteNotInCampaign     Code = "site_not_in_campaign"    // the site is not covered by the campaign
	CodeNotInTeam             Code = "not_in_team"             // the person is not in the campaign's team
	CodeConclusionBeforeStart Code = "conclusion_before_start" // the conclusion is dated before the campaign began
	CodeCampaignNotFound      Code = "campaign_not_found"
	CodeCampaignConcluded     Code = "campaign_concluded" // a concluded campaign takes no new visits or changes
	CodeVisitNotFound         Code = "visit_not_found"
	CodeVisitOutsidePeriod    Code = "visit_outside_period" // the visit date is outside the campaign's period
	CodeVisitStatus           Code = "visit_status_invalid" // this status change is not allowed
	CodeDuplicateTarget       Code = "duplicate_target"     // one target per year, sector and measure
)
