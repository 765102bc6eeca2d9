-- appointments: what a booking carries beyond its time (docs/architecture.md#bookings-and-holds):
-- attendees and why they attend, outside guests, the interpreted language, the meeting request it
-- was booked for, what a held booking still waits for, the conduct gate's decisions, and the
-- outcomes of a meeting that took place.

-- A meeting that took place (attended) and an arranged call nobody answered (missed_call) keep their
-- time occupied, like a no-show: it passed.
ALTER TABLE bookings DROP CONSTRAINT bookings_state_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_state_check
  CHECK (state IN ('held', 'confirmed', 'cancelled', 'no_show', 'lapsed', 'attended', 'missed_call'));

ALTER TABLE bookings
  -- the meeting request this booking was made for (its outcome moves the request on)
  ADD COLUMN meeting_request_id text,
  -- staff id -> the role it was resolved from for the pupil ("senco"); absent: asked for by name
  ADD COLUMN staff_roles jsonb NOT NULL DEFAULT '{}',
  -- outside agencies, an education welfare officer: described only. Personal data, never logged.
  ADD COLUMN guests text[] NOT NULL DEFAULT '{}',
  -- an interpreted meeting's language; interpreter_language equals it once an interpreter is booked
  ADD COLUMN language text,
  -- what a held booking waits for before it can be confirmed: 'second_staff', 'interpreter'
  ADD COLUMN waiting_for text[] NOT NULL DEFAULT '{}',
  -- the conduct gate's decisions, one per guardian:
  -- [{"guardian", "decision", "outcomes": [...], "explanation", "decide_time" (unix micros)}]
  ADD COLUMN gate jsonb NOT NULL DEFAULT '[]';

-- Bookings written before this migration with an interpreter are interpreted in its language.
UPDATE bookings SET language = interpreter_language WHERE interpreter_language IS NOT NULL;

ALTER TABLE bookings
  ADD CONSTRAINT bookings_interpreter_speaks_language
    CHECK (interpreter_language IS NULL OR interpreter_language = language),
  -- only a held booking waits; a confirmed one has everything it needs
  ADD CONSTRAINT bookings_waiting_only_held
    CHECK (waiting_for = '{}' OR state IN ('held', 'cancelled', 'lapsed')),
  ADD CONSTRAINT bookings_waiting_for_known
    CHECK (waiting_for <@ ARRAY['second_staff', 'interpreter']::text[]);

-- ListBookings: a school's bookings in time order, page by page.
CREATE INDEX bookings_by_time ON bookings (school_id, starts_at, id);
-- The bookings of a meeting request.
CREATE INDEX bookings_by_request ON bookings (school_id, meeting_request_id) WHERE meeting_request_id IS NOT NULL;
