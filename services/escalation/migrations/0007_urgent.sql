-- An enquiry marked urgent at intake (issue 13): immutable, like safeguarding. It decides the
-- route, the clock and whether its staff notices may interrupt teaching.
ALTER TABLE enquiries ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;
