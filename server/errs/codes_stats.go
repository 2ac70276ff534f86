package errs

// The codes of the enforcement statistics (server/stats). Append only, like codes.go; each has its
// entry in schemas/error-codes-stats.json.
const (
	CodeStatsPeriodInvalid Code = "stats_period_invalid" // not a period the statistics know (2024-03, 2024-Q1, 2024), or not a month where one is needed
	CodeStatsMonthOpen     Code = "stats_month_open"     // the month has not ended yet: it cannot be frozen
	CodeStatsMonthFrozen   Code = "stats_month_frozen"   // the month is already frozen: its figures never change
	CodeStatsFormatInvalid Code = "stats_format_invalid" // not an output format of the statistics (json, csv, xlsx)
)
