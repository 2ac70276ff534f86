package gormstore

func init() {
	rowStructs = append(rowStructs, penaltyCaseRow{}, penaltyCaseRecordRow{}, penaltyEventRow{}, penaltyCounterRow{}, penaltyDecisionDocumentRow{}, penaltyNationalReportRow{})
}
