-- Job priority (docs/operations.md, "Jobs"): a worker claims the due job of the lowest priority
-- first, then the earliest. 0 is the work someone waits for (a record's or a decision's document, a
-- penalty case's intake, an export); work nobody waits for (thumbnails: jobs.Background) goes after
-- it. A phone fleet uploading photos faster than two cores make thumbnails had the violation records'
-- documents wait behind thousands of thumbnails.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_state_priority_run_at ON jobs (state, priority, run_at);
