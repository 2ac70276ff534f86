-- A visit drafted by mistake and deleted from a phone keeps its row, marked deleted (its ID is never
-- used again; phones receive a tombstone).
-- The field errors of a rejected push item, kept on its receipt so that a replay answers them again.
-- The chief's resolution of a quarantined push item (server/syncsvc.Quarantine): the note the chief
-- wrote and the person who resolved it, beside resolved_at (0011). Rows stay; only these are set.

ALTER TABLE push_quarantine ADD COLUMN resolution_note TEXT NOT NULL DEFAULT '';
ALTER TABLE push_quarantine ADD COLUMN resolved_by TEXT NOT NULL DEFAULT '';

ALTER TABLE push_receipts ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE visits ADD COLUMN deleted_at DATETIME;
