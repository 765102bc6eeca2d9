-- Whom each incident was referred to when it was recorded (the school's incident notice rules in
-- contacts' policy): [{"recipient", "basis", "role", "immediate"}], basis as ReferralBasis's
-- number. Staff and external contacts' resource names only, no contact details. Each referral's
-- notice went into the outbox in the incident's transaction.
ALTER TABLE incidents ADD COLUMN referrals JSONB NOT NULL DEFAULT '[]';
