-- Durable timers (common/timer): one row per (kind, key). PostgreSQL is the source of truth; the
-- Redis sorted set only wakes workers and is rebuilt from this table.
--
-- version counts every change of due_at or state, so a holder of an older TimerRef can tell its
-- copy is stale. last_error holds a status code name and reason only, never a message.
CREATE TABLE parley_timers (
  id          BIGSERIAL PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind <> '' AND octet_length(kind) <= 64),
  key         TEXT NOT NULL CHECK (key <> '' AND octet_length(key) <= 256),
  due_at      TIMESTAMPTZ NOT NULL,
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'cancelled')),
  version     BIGINT NOT NULL DEFAULT 1 CHECK (version > 0),
  payload     TEXT NOT NULL DEFAULT '' CHECK (octet_length(payload) <= 65536),
  attempts    INT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error  TEXT CHECK (octet_length(last_error) <= 200),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  fired_at    TIMESTAMPTZ,
  CONSTRAINT parley_timers_kind_key UNIQUE (kind, key),
  CONSTRAINT parley_timers_fired_at CHECK ((state = 'fired') = (fired_at IS NOT NULL))
);

-- Due-ness scans (claim fallback, reconcile pages, next due) read pending rows in due order only;
-- id makes the order total for keyset pagination.
CREATE INDEX parley_timers_pending_due ON parley_timers (due_at, id) WHERE state = 'pending';
