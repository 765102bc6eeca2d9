-- What the school promised the guardian and the progress it reported (issue 13): the promised
-- instant on acknowledged and progress events (its reason, when later than the respond deadline,
-- in `reason`), and the update sent to the guardian. The update is personal data: stored, never
-- logged. A promise moves no clock, so nothing in the projection changes.
ALTER TABLE enquiry_events
  ADD COLUMN promised_at TIMESTAMPTZ,
  ADD COLUMN progress    TEXT NOT NULL DEFAULT '';
