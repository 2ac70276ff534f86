-- Viewing evidence (issue 5): why an evidence object has no thumbnail. The thumbnail job
-- (server/thumbnail) sets thumb_key when it made one, or thumb_error when none can be made (not an
-- image it decodes, too many pixels, or it gave up after its last attempt); the periodic sweep looks
-- for image objects with both empty, so that an object the job refused is not tried again for ever.
-- An administrator's retry of the dead job clears it on success.

ALTER TABLE evidence_objects ADD COLUMN thumb_error TEXT NOT NULL DEFAULT '';
