-- Back-fills of the sync change log that run once per database (gormstore.RunSyncBackfillOnce).
-- Version 'v1' records, for data written before migration 0012, the rows that every write since
-- records as it goes, so that phones receive it without waiting for its next change.

CREATE TABLE sync_backfills (
    name    TEXT PRIMARY KEY,
    done_at DATETIME NOT NULL
);
