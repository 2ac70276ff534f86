package gormstore

func init() { rowStructs = append(rowStructs, numberCounterRow{}, numberBlockRow{}, numberMarkRow{}) }
