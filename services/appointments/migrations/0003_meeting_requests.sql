-- Meeting requests and arranged calls (docs/architecture.md#meeting-requests). The history in
-- meeting_request_events is the truth: one row per event, appended, never changed; `payload` holds
-- the event as the store writes it (slots, proposed times, clocks, booking, enquiry) and may hold
-- personal data (reasons). meeting_requests keeps the fields given at creation and, as columns, the
-- fold of the history that lists filter on; `version` is the seq of the last event (the etag), and
-- every write appends guarded by it, so two writers planning on one version cannot both land.
CREATE TABLE meeting_requests (
  school_id    TEXT        NOT NULL,
  id           TEXT        NOT NULL,
  list_seq     BIGSERIAL   NOT NULL UNIQUE,  -- insertion order: lists page newest first on it
  kind         SMALLINT    NOT NULL,
  requester    TEXT        NOT NULL,
  guardian     TEXT        NOT NULL,
  pupils       TEXT[]      NOT NULL,
  topic        TEXT        NOT NULL,         -- personal data: stored, never logged
  category     TEXT        NOT NULL DEFAULT '',
  given        JSONB       NOT NULL,         -- wanted people, modes, windows
  received_at  TIMESTAMPTZ NOT NULL,
  channel      SMALLINT    NOT NULL,
  -- The fold of the history.
  state        SMALLINT    NOT NULL,
  owner        TEXT        NOT NULL,
  booking_id   TEXT        NOT NULL DEFAULT '',
  enquiry      TEXT        NOT NULL DEFAULT '',
  answer_due   TIMESTAMPTZ,
  hold_due     TIMESTAMPTZ,
  version      BIGINT      NOT NULL,
  create_time  TIMESTAMPTZ NOT NULL DEFAULT now(),
  update_time  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, id)
);
CREATE INDEX meeting_requests_by_guardian ON meeting_requests (school_id, guardian, list_seq);
CREATE INDEX meeting_requests_by_owner ON meeting_requests (school_id, owner, list_seq);
CREATE INDEX meeting_requests_by_pupil ON meeting_requests USING gin (pupils);

CREATE TABLE meeting_request_events (
  school_id  TEXT        NOT NULL,
  request_id TEXT        NOT NULL,
  seq        BIGINT      NOT NULL CHECK (seq > 0),
  kind       SMALLINT    NOT NULL,
  at         TIMESTAMPTZ NOT NULL,
  actor      TEXT        NOT NULL,
  payload    JSONB       NOT NULL,
  PRIMARY KEY (school_id, request_id, seq),
  FOREIGN KEY (school_id, request_id) REFERENCES meeting_requests (school_id, id)
);
