-- The follow-up clock (docs/architecture.md#policy-clock-rules, "the follow-up clock"): a third clock where a
-- school's policy promises follow-up action after the answer. On the event that sets it, the same
-- columns as the acknowledge and respond clocks (prefix fup_); on the enquiry, its projected due and
-- state beside theirs. next_due covers it, so the "due before" and "overdue" filters see it.
ALTER TABLE enquiry_events
  ADD COLUMN fup_clock_from       TIMESTAMPTZ,
  ADD COLUMN fup_clock_start      TIMESTAMPTZ,
  ADD COLUMN fup_due              TIMESTAMPTZ,
  ADD COLUMN fup_owner            TEXT,
  ADD COLUMN fup_calendar_version TEXT,
  ADD COLUMN fup_policy_version   TEXT,
  ADD COLUMN fup_explanation      TEXT;
ALTER TABLE enquiries
  ADD COLUMN follow_up_due    TIMESTAMPTZ,
  ADD COLUMN follow_up_status SMALLINT;
