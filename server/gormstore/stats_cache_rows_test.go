package gormstore

func init() { rowStructs = append(rowStructs, statsCacheRow{}) }
