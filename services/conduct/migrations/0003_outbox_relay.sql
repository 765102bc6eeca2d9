-- The outbox relay's bookkeeping (docs/architecture.md#the-outbox): a row the receiver did not
-- accept stays pending and is retried after a backoff kept on the row itself, so every replica's
-- relay sees it. next_attempt_at is null until the first failed attempt (due at once); last_error
-- holds a status code and reason only, never notice content.
ALTER TABLE outbox
  ADD COLUMN attempts        INT         NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at TIMESTAMPTZ,
  ADD COLUMN last_error      TEXT        NOT NULL DEFAULT '';
