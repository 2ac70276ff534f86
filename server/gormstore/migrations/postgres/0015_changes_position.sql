-- The end of the change log by position (xid, id): a pull that finds nothing in the phone's scopes
-- moves the cursor there, so that the phone's next pull is an incremental one (server/gormstore
-- changes.go, logTop).

CREATE INDEX changes_position ON changes (xid, id);
