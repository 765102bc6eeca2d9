-- appointments, records: each school's appointment settings and records-disposal schedule,
-- per-date availability exceptions, interpreters, meeting notes under a retention date and the
-- audit of the notes the retention sweep deleted (services/appointments/README.md "Records").

-- What a school's policy leaves to the school. No row: the defaults (domain/settings.h). Lengths
-- in seconds; interpreted_meeting_length NULL means twice meeting_length.
CREATE TABLE appointment_settings (
  school_id                    text        PRIMARY KEY,
  meeting_length_s             integer     NOT NULL CHECK (meeting_length_s BETWEEN 300 AND 10800),
  interpreted_meeting_length_s integer     CHECK (interpreted_meeting_length_s BETWEEN 300 AND 21600),
  slot_step_s                  integer     NOT NULL CHECK (slot_step_s BETWEEN 60 AND 3600),
  hold_length_s                integer     NOT NULL CHECK (hold_length_s BETWEEN 30 AND 600),
  row_version                  bigint      NOT NULL DEFAULT 1,
  update_time                  timestamptz NOT NULL
);

-- The school's records-disposal schedule for meeting notes, one row per record type, replaced whole
-- when the settings' retention changes. Kept `years` after the meeting, or until the pupil reaches
-- `until_pupil_age` where the pupil's date of birth is known (the later of the two).
CREATE TABLE retention_rules (
  school_id       text    NOT NULL REFERENCES appointment_settings (school_id) ON DELETE CASCADE,
  record_type     text    NOT NULL,
  position        integer NOT NULL,
  years           integer NOT NULL CHECK (years BETWEEN 1 AND 100),
  until_pupil_age integer NOT NULL CHECK (until_pupil_age BETWEEN 0 AND 100),
  schedule_text   text    NOT NULL DEFAULT '',
  PRIMARY KEY (school_id, record_type)
);

-- A member of staff's hours on one date, replacing the day's working period (an empty array: not
-- available that day). Minutes after local midnight, '[open, close)'.
CREATE TABLE availability_exceptions (
  school_id     text        NOT NULL,
  staff_id      text        NOT NULL,
  day           date        NOT NULL,
  open_minutes  integer[]   NOT NULL,
  close_minutes integer[]   NOT NULL,
  row_version   bigint      NOT NULL DEFAULT 1,
  create_time   timestamptz NOT NULL,
  PRIMARY KEY (school_id, staff_id, day),
  CHECK (cardinality(open_minutes) = cardinality(close_minutes))
);

-- Interpreters the school books: a co-booked occupant of bookings (occupancy kind 'interpreter').
-- display_name is personal data: stored and returned to the school, never logged.
CREATE TABLE interpreters (
  school_id    text        NOT NULL,
  id           text        NOT NULL,
  display_name text        NOT NULL,
  languages    text[]      NOT NULL CHECK (cardinality(languages) BETWEEN 1 AND 10),
  row_version  bigint      NOT NULL DEFAULT 1,
  create_time  timestamptz NOT NULL,
  PRIMARY KEY (school_id, id)
);
CREATE INDEX interpreters_by_language ON interpreters USING gin (languages);

-- The school's note of a meeting (a booking), kept until retain_until and then deleted by the
-- retention sweep unless legal_hold is set. body_ref points into the school's records system:
-- personal data, never logged, never copied to note_disposals.
CREATE TABLE meeting_notes (
  school_id               text        NOT NULL,
  booking_id              text        NOT NULL,
  id                      text        NOT NULL,
  record_type             text        NOT NULL,
  body_ref                text        NOT NULL,
  recording_not_permitted boolean     NOT NULL,
  meeting_time            timestamptz NOT NULL,
  retain_until            timestamptz NOT NULL,
  retention_basis         text        NOT NULL,
  legal_hold              boolean     NOT NULL DEFAULT false,
  author                  text        NOT NULL,
  row_version             bigint      NOT NULL DEFAULT 1,
  create_time             timestamptz NOT NULL,
  update_time             timestamptz NOT NULL,
  PRIMARY KEY (school_id, booking_id, id)
);
-- The sweep: notes past their date and not held, oldest first.
CREATE INDEX meeting_notes_due ON meeting_notes (retain_until) WHERE NOT legal_hold;

-- One row per note the retention sweep deleted: what went and when, without its body.
CREATE TABLE note_disposals (
  school_id    text        NOT NULL,
  booking_id   text        NOT NULL,
  note_id      text        NOT NULL,
  record_type  text        NOT NULL,
  retain_until timestamptz NOT NULL,
  deleted_at   timestamptz NOT NULL,
  PRIMARY KEY (school_id, booking_id, note_id)
);
