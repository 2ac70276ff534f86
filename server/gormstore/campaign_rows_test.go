package gormstore

func init() {
	rowStructs = append(rowStructs, campaignRow{}, campaignMemberRow{}, campaignSubjectRow{}, campaignSiteRow{}, visitRow{},
		planTargetRow{}, personTitleRow{})
}

func init() { rowStructs = append(rowStructs, visitAnswerRow{}, visitFindingRow{}) }
