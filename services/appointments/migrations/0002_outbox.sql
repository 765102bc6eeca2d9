-- Notices for guardians and staff (a booking confirmed, a breached promise told to the owner and
-- their line manager, the head told before a meeting the gate marked HEAD_INFORMED), written in the
-- same transaction as the change that causes them and handed to the notifications service by the
-- outbox relay (docs/architecture.md#the-outbox). `key` is unique and stable: the receiver's
-- request id is derived from it, so a resend is applied once. `subject` is what the notice is about
-- ("meetingRequests/{id}", "bookings/{id}", "parentsEvenings/{id}"), for finding a record's notices.
-- The relay's bookkeeping columns (attempts, next_attempt_at, last_error) are as in every service.
CREATE TABLE outbox (
  id              BIGSERIAL   PRIMARY KEY,
  key             TEXT        NOT NULL UNIQUE,
  kind            TEXT        NOT NULL,
  school_id       TEXT        NOT NULL,
  subject         TEXT        NOT NULL,
  notice          JSONB       NOT NULL,
  not_before      TIMESTAMPTZ NOT NULL,
  create_time     TIMESTAMPTZ NOT NULL DEFAULT now(),
  handed_over_at  TIMESTAMPTZ,
  attempts        INT         NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ,
  last_error      TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (id) WHERE handed_over_at IS NULL;
CREATE INDEX outbox_by_subject ON outbox (school_id, subject);
