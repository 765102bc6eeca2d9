-- Intake's own rules (issue 13): the member of staff an enquiry was addressed to; whether the
-- guardian is told nothing about it (not linked to the pupil, or a court order excludes them: a
-- safeguarding concern from them is still taken); and, on the routed event, what became of the
-- addressing (taken, fallen back to routing and why, not honoured by the school's policy).
ALTER TABLE enquiries
  ADD COLUMN addressed_to      TEXT    NOT NULL DEFAULT '',
  ADD COLUMN guardian_not_told BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE enquiry_events
  ADD COLUMN addressing SMALLINT;
