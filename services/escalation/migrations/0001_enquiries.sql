-- The escalation service's schema: enquiries with their append-only history, the outbox of notices
-- for the notifications service, and the staff-notice ledger behind DESIGN §3 rule 7. The clocks'
-- timers live in parley_timers (common/timer's own migrations).

-- One row per enquiry: what arrived (immutable) and a projection of its history (state, owner,
-- clocks) kept for lists and filters. The history is the truth; the projection is rewritten in the
-- same transaction as every append.
CREATE TABLE enquiries (
  school_id          TEXT        NOT NULL,
  id                 TEXT        NOT NULL,
  pupil              TEXT        NOT NULL DEFAULT '',
  guardian           TEXT        NOT NULL DEFAULT '',
  sender_description TEXT        NOT NULL DEFAULT '',
  channel            SMALLINT    NOT NULL,
  category           TEXT        NOT NULL,
  received_at        TIMESTAMPTZ NOT NULL,
  subject            TEXT        NOT NULL,
  subject_ref        TEXT        NOT NULL DEFAULT '',
  body_ref           TEXT        NOT NULL DEFAULT '',
  safeguarding       BOOLEAN     NOT NULL,
  state              SMALLINT    NOT NULL,
  owner              TEXT        NOT NULL DEFAULT '',
  rung               INT         NOT NULL DEFAULT 0,
  cycle              INT         NOT NULL DEFAULT 0,
  ack_due            TIMESTAMPTZ,
  ack_status         SMALLINT,
  respond_due        TIMESTAMPTZ,
  respond_status     SMALLINT,
  -- The earliest due instant of a running clock: "due before" and "overdue" filters.
  next_due           TIMESTAMPTZ,
  row_version        BIGINT      NOT NULL DEFAULT 1,
  seq                BIGSERIAL   NOT NULL,
  create_time        TIMESTAMPTZ NOT NULL DEFAULT now(),
  update_time        TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, id),
  CHECK (char_length(subject) <= 200)
);
CREATE INDEX enquiries_by_school ON enquiries (school_id, seq DESC);
CREATE INDEX enquiries_by_owner ON enquiries (school_id, owner, seq DESC);
CREATE INDEX enquiries_by_next_due ON enquiries (school_id, next_due) WHERE next_due IS NOT NULL;

-- The append-only history. A clock an event sets is stored in the ack_* / resp_* columns.
CREATE TABLE enquiry_events (
  school_id             TEXT        NOT NULL,
  enquiry_id            TEXT        NOT NULL,
  seq                   INT         NOT NULL,
  kind                  SMALLINT    NOT NULL,
  at                    TIMESTAMPTZ NOT NULL,
  actor                 TEXT        NOT NULL,
  owner                 TEXT        NOT NULL DEFAULT '',
  rung                  INT         NOT NULL DEFAULT 0,
  reason                TEXT        NOT NULL DEFAULT '',
  gate                  SMALLINT,
  gate_decision         TEXT        NOT NULL DEFAULT '',
  stage                 SMALLINT,
  breached_due          TIMESTAMPTZ,
  parent_requested      BOOLEAN     NOT NULL DEFAULT FALSE,
  ack_clock_from        TIMESTAMPTZ,
  ack_clock_start       TIMESTAMPTZ,
  ack_due               TIMESTAMPTZ,
  ack_owner             TEXT,
  ack_calendar_version  TEXT,
  ack_policy_version    TEXT,
  resp_clock_from       TIMESTAMPTZ,
  resp_clock_start      TIMESTAMPTZ,
  resp_due              TIMESTAMPTZ,
  resp_owner            TEXT,
  resp_calendar_version TEXT,
  resp_policy_version   TEXT,
  PRIMARY KEY (school_id, enquiry_id, seq),
  FOREIGN KEY (school_id, enquiry_id) REFERENCES enquiries (school_id, id)
);

-- The transactional outbox (DESIGN §2): notices written with the change that caused them, for a
-- relay to hand to the notifications service with `key` as its request id.
CREATE TABLE outbox (
  id             BIGSERIAL   PRIMARY KEY,
  key            TEXT        NOT NULL UNIQUE,
  kind           TEXT        NOT NULL,
  school_id      TEXT        NOT NULL,
  enquiry_id     TEXT        NOT NULL,
  notice         JSONB       NOT NULL,
  not_before     TIMESTAMPTZ NOT NULL,
  create_time    TIMESTAMPTZ NOT NULL DEFAULT now(),
  handed_over_at TIMESTAMPTZ
);
CREATE INDEX outbox_pending ON outbox (id) WHERE handed_over_at IS NULL;
CREATE INDEX outbox_by_enquiry ON outbox (school_id, enquiry_id);

-- DESIGN §3 rule 7: at most one reminder or escalation notice per matter per recipient per
-- working period. The primary key is the rule.
CREATE TABLE staff_notices (
  school_id    TEXT        NOT NULL,
  enquiry_id   TEXT        NOT NULL,
  recipient    TEXT        NOT NULL,
  period_start TIMESTAMPTZ NOT NULL,
  outbox_key   TEXT        NOT NULL,
  PRIMARY KEY (school_id, enquiry_id, recipient, period_start)
);
