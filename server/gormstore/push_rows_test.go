package gormstore

func init() { rowStructs = append(rowStructs, pushReceiptRow{}, pushQuarantineRow{}) }
