-- The gate's decision an enquiry acted on, kept with its gated event in the intake's transaction:
-- the arrangement (and version) or premises ban (and revision) behind the outcome, and when conduct
-- decided. conduct writes its own log of queries behind the answer, so the decision that led to an
-- action is auditable here whatever that log holds (docs/architecture.md#the-conduct-gate).
ALTER TABLE enquiry_events
  ADD COLUMN gate_arrangement          TEXT   NOT NULL DEFAULT '',
  ADD COLUMN gate_arrangement_version  INT    NOT NULL DEFAULT 0,
  ADD COLUMN gate_premises_ban         TEXT   NOT NULL DEFAULT '',
  ADD COLUMN gate_premises_ban_version BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN gate_decided_at           TIMESTAMPTZ;
