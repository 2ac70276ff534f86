package gormstore

func init() {
	rowStructs = append(rowStructs, visitSyncRow{}, visitAnswerSyncRow{}, visitAnswerHistoryRow{}, violationRecordRow{},
		manualFindingRow{}, evidenceRefRow{})
}
