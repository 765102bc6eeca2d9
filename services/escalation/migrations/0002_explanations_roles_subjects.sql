-- How contacts reached each clock's due instant (DESIGN §3 rule 9), kept with the event that set the
-- clock so GetEnquiry and the history can show it without asking contacts again. English text about
-- the calendar only: no personal data.
ALTER TABLE enquiry_events
  ADD COLUMN ack_explanation  TEXT,
  ADD COLUMN resp_explanation TEXT;

-- The owner's role at their rung ("Class teacher", "SENCo", "Head of year"), as routing or the
-- ladder named it: on the event that gave the enquiry its owner, and in the projection for lists.
ALTER TABLE enquiry_events ADD COLUMN owner_role TEXT NOT NULL DEFAULT '';
ALTER TABLE enquiries ADD COLUMN owner_role TEXT NOT NULL DEFAULT '';

-- The subject a learning matter is about ("maths"), for schools that route it to the subject teacher.
ALTER TABLE enquiries ADD COLUMN teaching_subject TEXT NOT NULL DEFAULT '';
