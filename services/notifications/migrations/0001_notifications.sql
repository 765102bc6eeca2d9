-- The notifications service's schema: notices with every copy (messages) and each copy's
-- deliveries per channel, written in one transaction when a notice is accepted; the deliveries are
-- the work queue the delivery workers claim (FOR UPDATE SKIP LOCKED, with a lease). Templates,
-- guardians' preferences, schools' settings and consent replies beside them.

-- A notice as accepted: the request (audience, template or content, variables, times) and the
-- template's text at that moment, so a later edit of the template does not change what it says.
-- scope: the school's id, or '' for the trust's notices.
CREATE TABLE notices (
  scope           TEXT        NOT NULL,
  id              TEXT        NOT NULL,
  category        TEXT        NOT NULL,
  priority        TEXT        NOT NULL,
  request         JSONB       NOT NULL,
  template        JSONB,
  send_time       TIMESTAMPTZ NOT NULL,
  short_notice    BOOLEAN     NOT NULL DEFAULT false,
  recipient_count INTEGER     NOT NULL,
  warnings        JSONB       NOT NULL DEFAULT '[]',
  created_by      TEXT        NOT NULL DEFAULT '',
  create_time     TIMESTAMPTZ NOT NULL,
  cancel_time     TIMESTAMPTZ,
  seq             BIGSERIAL   NOT NULL UNIQUE,  -- page order
  PRIMARY KEY (scope, id)
);
CREATE INDEX notices_by_scope ON notices (scope, seq DESC);

-- One recipient's copy (rule: one per entitled guardian naming all their pupils; one letter per
-- household; one per member of staff). subject/body hold the rendered text once a channel rendered
-- it (the app inbox, the letter batch).
CREATE TABLE messages (
  scope             TEXT        NOT NULL,
  notice_id         TEXT        NOT NULL,
  id                INTEGER     NOT NULL,
  school_id         TEXT        NOT NULL,
  recipient_kind    TEXT        NOT NULL CHECK (recipient_kind IN ('guardian', 'staff', 'external')),
  recipient_id      TEXT        NOT NULL,
  household_members TEXT[]      NOT NULL DEFAULT '{}',
  pupil_ids         TEXT[]      NOT NULL DEFAULT '{}',
  locale            TEXT        NOT NULL,
  fallbacks         TEXT[]      NOT NULL DEFAULT '{}',  -- channels still to try, in order
  subject           TEXT,
  body              TEXT,
  read_time         TIMESTAMPTZ,
  create_time       TIMESTAMPTZ NOT NULL,
  seq               BIGSERIAL   NOT NULL UNIQUE,
  PRIMARY KEY (scope, notice_id, id),
  FOREIGN KEY (scope, notice_id) REFERENCES notices ON DELETE CASCADE
);
CREATE INDEX messages_by_recipient ON messages (recipient_id, seq DESC);
CREATE INDEX messages_by_household ON messages USING gin (household_members);
CREATE INDEX messages_by_pupil ON messages USING gin (pupil_ids);

-- A copy on one channel: the delivery work queue. Pending rows due now are claimed with
-- FOR UPDATE SKIP LOCKED and leased; a worker that dies leaves them to the next after the lease.
-- idempotency_key is the email's Message-ID and the gateways' Idempotency-Key: the same for every
-- attempt, so a provider that saw it does not send again.
CREATE TABLE deliveries (
  id                 BIGSERIAL   PRIMARY KEY,
  scope              TEXT        NOT NULL,
  notice_id          TEXT        NOT NULL,
  message_id         INTEGER     NOT NULL,
  school_id          TEXT        NOT NULL,
  channel            TEXT        NOT NULL CHECK (channel IN ('app', 'email', 'sms', 'letter')),
  status             TEXT        NOT NULL CHECK (status IN ('pending', 'in_digest', 'sent', 'delivered', 'failed',
                                                            'skipped', 'cancelled')),
  due_at             TIMESTAMPTZ NOT NULL,
  unless_read        BOOLEAN     NOT NULL DEFAULT false,
  attempts           INTEGER     NOT NULL DEFAULT 0,
  lease_until        TIMESTAMPTZ,
  idempotency_key    TEXT        NOT NULL UNIQUE,
  provider           TEXT        NOT NULL DEFAULT '',
  provider_reference TEXT        NOT NULL DEFAULT '',
  reason             TEXT        NOT NULL DEFAULT '',
  fallback_from      TEXT        NOT NULL DEFAULT '',
  sent_at            TIMESTAMPTZ,
  delivered_at       TIMESTAMPTZ,
  create_time        TIMESTAMPTZ NOT NULL,
  -- One delivery per copy and channel: the key is made of (scope, notice, message, channel).
  FOREIGN KEY (scope, notice_id, message_id) REFERENCES messages ON DELETE CASCADE
);
-- The claim's two queries: pending rows due, and digest windows due (apart, so a claim that finds no
-- digest does not scan the pending rows for one).
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status = 'pending';
CREATE INDEX deliveries_digest_due ON deliveries (due_at) WHERE status = 'in_digest';
CREATE INDEX deliveries_by_message ON deliveries (scope, notice_id, message_id);
CREATE INDEX deliveries_by_reference ON deliveries (provider, provider_reference) WHERE provider_reference <> '';
CREATE INDEX deliveries_letters ON deliveries (school_id, sent_at) WHERE channel = 'letter' AND status = 'sent';

-- Templates: scope '' is the trust's (inherited by every school), else the school's override.
CREATE TABLE templates (
  scope       TEXT        NOT NULL,
  id          TEXT        NOT NULL,
  category    TEXT        NOT NULL,
  variables   TEXT[]      NOT NULL DEFAULT '{}',
  variants    JSONB       NOT NULL,
  etag        TEXT        NOT NULL,
  update_time TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (scope, id)
);

-- A guardian's per category and channel choices (instant, digest, off); no row: instant everywhere.
CREATE TABLE preferences (
  guardian_id TEXT        PRIMARY KEY,
  entries     JSONB       NOT NULL,
  etag        TEXT        NOT NULL,
  update_time TIMESTAMPTZ NOT NULL
);

-- A school's digest time (minutes after local midnight) and how long a routine email waits behind
-- an unread app copy. No row: 17:00 and 2 hours.
CREATE TABLE school_settings (
  school_id             TEXT        PRIMARY KEY,
  digest_minute         INTEGER     NOT NULL CHECK (digest_minute BETWEEN 0 AND 1439),
  app_read_wait_seconds INTEGER     NOT NULL CHECK (app_read_wait_seconds BETWEEN 0 AND 259200),
  etag                  TEXT        NOT NULL,
  update_time           TIMESTAMPTZ NOT NULL
);

-- Consent notices: one answer per pupil; the first locks it until the school reopens it.
CREATE TABLE consent_replies (
  scope       TEXT        NOT NULL,
  notice_id   TEXT        NOT NULL,
  pupil_id    TEXT        NOT NULL,  -- "{school}/{pupil}"
  guardian_id TEXT        NOT NULL,
  answer      TEXT        NOT NULL CHECK (answer IN ('yes', 'no')),
  answer_time TIMESTAMPTZ NOT NULL,
  locked      BOOLEAN     NOT NULL DEFAULT true,
  PRIMARY KEY (scope, notice_id, pupil_id),
  FOREIGN KEY (scope, notice_id) REFERENCES notices ON DELETE CASCADE
);
