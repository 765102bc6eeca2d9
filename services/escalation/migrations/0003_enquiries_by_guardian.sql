-- A guardian lists only the enquiries about them (common/auth/access.h: a guardian's own): a keyset
-- page of one guardian's enquiries at a school, newest first, without reading the school's others.
-- Enquiries from an unidentified sender (guardian '') are never listed by guardian.
CREATE INDEX enquiries_by_guardian ON enquiries (school_id, guardian, seq DESC) WHERE guardian <> '';
