-- appointments: parents' evenings, their waiting lists and the families' household choices
-- (docs/architecture.md#parents-evenings). The slots guardians take are bookings (0001: kind
-- 'evening', evening_id set), where the exclusion constraint forbids double booking; these tables
-- hold the evening's rules.

-- One row per evening: the grid (span, slot length, walk, interpreted length, each teacher's
-- window, breaks and room), the booking window, the limits and the school's household rule.
-- Whether it is open or closed follows from opens_at / closes_at and the clock; only cancellation
-- is stored. `teachers` is [{"staff": id, "start": µs, "end": µs, "breaks": [[µs, µs], ...],
-- "room": text}] in the order given: read and written whole with the evening.
CREATE TABLE parents_evenings (
  school_id                  text        NOT NULL,
  id                         text        NOT NULL,
  title                      text        NOT NULL,
  starts_at                  timestamptz NOT NULL,
  ends_at                    timestamptz NOT NULL,
  slot_length_seconds        integer     NOT NULL CHECK (slot_length_seconds BETWEEN 60 AND 7200),
  walk_seconds               integer     NOT NULL DEFAULT 0 CHECK (walk_seconds >= 0),
  interpreted_length_seconds integer     NOT NULL CHECK (interpreted_length_seconds >= slot_length_seconds),
  teachers                   jsonb       NOT NULL,
  year_groups                integer[]   NOT NULL DEFAULT '{}',
  opens_at                   timestamptz NOT NULL,
  closes_at                  timestamptz NOT NULL,
  hold_length_seconds        integer     NOT NULL DEFAULT 0 CHECK (hold_length_seconds >= 0),
  max_per_guardian           integer     NOT NULL DEFAULT 0 CHECK (max_per_guardian >= 0),
  household_rule             text        NOT NULL CHECK (household_rule IN ('one_per_household', 'one_each')),
  state                      text        NOT NULL CHECK (state IN ('scheduled', 'cancelled')),
  cancel_reason              text        NOT NULL DEFAULT '',
  created_by                 text        NOT NULL,
  row_version                bigint      NOT NULL DEFAULT 1,
  create_time                timestamptz NOT NULL,
  update_time                timestamptz NOT NULL,
  PRIMARY KEY (school_id, id),
  CHECK (ends_at > starts_at),
  CHECK (opens_at < closes_at AND closes_at <= starts_at)
);
-- The waiting-list sweep looks at evenings whose booking is open.
CREATE INDEX parents_evenings_open ON parents_evenings (closes_at) WHERE state = 'scheduled';

-- A guardian waiting for a teacher about a pupil, in the order they joined (seq). The first
-- without an offer gets the next freed slot held for them (offered_booking_id, written with the
-- notice in one transaction; an entry is offered once).
CREATE TABLE waiting_list (
  school_id          text        NOT NULL,
  evening_id         text        NOT NULL,
  id                 text        NOT NULL,
  seq                bigserial   NOT NULL,
  staff_id           text        NOT NULL,
  guardian_id        text        NOT NULL,
  pupil_id           text        NOT NULL,
  offered_booking_id text,
  create_time        timestamptz NOT NULL,
  PRIMARY KEY (school_id, evening_id, id),
  UNIQUE (school_id, evening_id, staff_id, guardian_id, pupil_id),
  FOREIGN KEY (school_id, evening_id) REFERENCES parents_evenings (school_id, id) ON DELETE CASCADE
);
CREATE INDEX waiting_list_line ON waiting_list (school_id, evening_id, staff_id, seq);
CREATE INDEX waiting_list_unoffered ON waiting_list (school_id, evening_id) WHERE offered_booking_id IS NULL;

-- A family's choice for one pupil against the evening's household rule: the pupil's guardians
-- book once between them, or one each. Replaced whenever they choose again.
CREATE TABLE household_choices (
  school_id   text        NOT NULL,
  evening_id  text        NOT NULL,
  pupil_id    text        NOT NULL,
  rule        text        NOT NULL CHECK (rule IN ('one_per_household', 'one_each')),
  chosen_by   text        NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (school_id, evening_id, pupil_id),
  FOREIGN KEY (school_id, evening_id) REFERENCES parents_evenings (school_id, id) ON DELETE CASCADE
);
