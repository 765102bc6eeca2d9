-- appointments: bookings and the occupancy rows that make double booking impossible
-- (docs/architecture.md#bookings-and-holds: "No double booking, ever", enforced by the database).

-- GiST operator classes for plain equality on text, so that one exclusion constraint can say
-- "same school, same kind, same occupant AND overlapping time". Part of PostgreSQL's contrib
-- (Debian: the postgresql-15 package). It is a trusted extension: the database's owner (the
-- service's role) may create it without being a superuser (docs/deploy.md).
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- One row per booking: a meeting, a parents' evening slot or a call, its people and its state.
-- The record the service reads and returns; who it occupies is copied to `occupancy`, which is what
-- the no-double-booking rule is enforced on. Held bookings carry the lease of their hold
-- (hold_id groups the bookings of one Hold, confirmed all or none).
CREATE TABLE bookings (
  school_id            text        NOT NULL,
  id                   text        NOT NULL,
  evening_id           text,
  kind                 text        NOT NULL CHECK (kind IN ('meeting', 'evening', 'call')),
  state                text        NOT NULL CHECK (state IN ('held', 'confirmed', 'cancelled', 'no_show', 'lapsed')),
  starts_at            timestamptz NOT NULL,
  ends_at              timestamptz NOT NULL,
  mode                 text        NOT NULL CHECK (mode IN ('in_person', 'phone', 'video')),
  video_link           text        NOT NULL DEFAULT '',
  staff_ids            text[]      NOT NULL,
  guardian_ids         text[]      NOT NULL,
  pupil_ids            text[]      NOT NULL,
  interpreter_id       text,
  interpreter_language text,
  room                 text,
  hold_id              text        NOT NULL,
  hold_expires         timestamptz,
  created_by           text        NOT NULL,
  cancel_reason        text        NOT NULL DEFAULT '',
  row_version          bigint      NOT NULL DEFAULT 1,
  create_time          timestamptz NOT NULL,
  update_time          timestamptz NOT NULL,
  PRIMARY KEY (school_id, id),
  CHECK (ends_at > starts_at),
  CHECK ((interpreter_id IS NULL) = (interpreter_language IS NULL)),
  -- a held booking always has a lease; others keep the lease they had, as history
  CHECK (state <> 'held' OR hold_expires IS NOT NULL)
);

-- Confirm finds a hold's bookings.
CREATE INDEX bookings_by_hold ON bookings (school_id, hold_id);
-- ListEveningBookings.
CREATE INDEX bookings_by_evening ON bookings (school_id, evening_id, starts_at) WHERE evening_id IS NOT NULL;
-- SweepExpiredHolds: the live holds by expiry.
CREATE INDEX bookings_held_by_expiry ON bookings (hold_expires) WHERE state = 'held';

-- One row per booking and occupant (each member of staff, guardian, the interpreter, the room):
-- whose time the booking takes, and when. `active` is true while the booking is held or
-- confirmed (or a no-show: its time passed occupied) and false once cancelled or expired.
--
-- The rule "no double booking, ever" is the exclusion constraint below: two active rows of one
-- school for the same occupant never overlap ('[)' ranges: 9:00-9:10 and 9:10-9:20 do not). Two
-- transactions racing for one slot are serialised by the constraint itself (the second waits for
-- the first to commit, then fails with SQLSTATE 23P01, which the store reports as ABORTED,
-- SLOT_TAKEN), whatever the application checked before.
--
-- A hold whose lease ran out must not block a new booking, but a constraint cannot refer to
-- now() (it must give the same answer whenever it is checked). So an expired hold stays active
-- here until it is released: every write releases the expired holds that overlap the time it is
-- about to take, in its own transaction and before it inserts (bookings.state 'lapsed', active
-- false), and a sweep releases the rest. Reads (ListBusy) ignore expired holds not yet released.
CREATE TABLE occupancy (
  school_id     text      NOT NULL,
  booking_id    text      NOT NULL,
  occupant_kind text      NOT NULL CHECK (occupant_kind IN ('staff', 'guardian', 'interpreter', 'room')),
  occupant_id   text      NOT NULL,
  during        tstzrange NOT NULL,
  active        boolean   NOT NULL,
  PRIMARY KEY (school_id, booking_id, occupant_kind, occupant_id),
  FOREIGN KEY (school_id, booking_id) REFERENCES bookings (school_id, id) ON DELETE CASCADE,
  CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)
         AND NOT lower_inf(during) AND NOT upper_inf(during)),
  CONSTRAINT occupancy_no_double_booking
    EXCLUDE USING gist (school_id WITH =, occupant_kind WITH =, occupant_id WITH =, during WITH &&) WHERE (active)
);
