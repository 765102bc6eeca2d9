// The catalogue of error reasons: every machine-readable reason a Parley service or library puts on
// an error (reason.h) is one of these, so integrators have one list to branch on. docs/errors.md
// explains each for API users; scripts/lint.sh refuses a reason literal that is not listed here.
// Add a reason here (and to docs/errors.md) before using it; never reuse one for a new meaning.
#pragma once

namespace parley::reason {

// ---- request shape (INVALID_ARGUMENT) ---------------------------------------------------------
inline constexpr char kInvalidPeriod[] = "INVALID_PERIOD";
inline constexpr char kInvalidField[] = "INVALID_FIELD";          // a field is missing, too long or malformed
inline constexpr char kMalformedRequest[] = "MALFORMED_REQUEST";  // the request bytes could not be decoded
inline constexpr char kInvalidName[] = "INVALID_NAME";            // a resource name or id has the wrong shape
// notifications: a template or written content that breaks the placeholder rules.
inline constexpr char kTemplateInvalid[] = "TEMPLATE_INVALID";
// notifications: a notice that does not give every variable its template declares.
inline constexpr char kTemplateVariableMissing[] = "TEMPLATE_VARIABLE_MISSING";
// notifications: an audience naming pupils, guardians, staff, classes or schools that are not there.
inline constexpr char kAudienceInvalid[] = "AUDIENCE_INVALID";
// notifications: a scheduled send time already past.
inline constexpr char kSendTimeInPast[] = "SEND_TIME_IN_PAST";
inline constexpr char kInvalidPageToken[] = "INVALID_PAGE_TOKEN";      // not a token this list issued for these filters
inline constexpr char kUpdateMaskRequired[] = "UPDATE_MASK_REQUIRED";  // an update named no fields
inline constexpr char kInvalidUpdateMask[] = "INVALID_UPDATE_MASK";    // a mask path is unknown or not updatable
inline constexpr char kRequestIdInvalid[] = "REQUEST_ID_INVALID";      // request_id is not a UUID
inline constexpr char kRequestIdReused[] = "REQUEST_ID_REUSED";        // the same request_id came with another request
inline constexpr char kTimeInFuture[] = "TIME_IN_FUTURE";              // an instant that cannot be in the future is
inline constexpr char kInvalidReceivedTime[] = "INVALID_RECEIVED_TIME";
inline constexpr char kReasonRequired[] = "REASON_REQUIRED";  // a change that must say why did not
inline constexpr char kSubjectRequired[] = "SUBJECT_REQUIRED";
inline constexpr char kPupilRequired[] = "PUPIL_REQUIRED";
inline constexpr char kOwnerRequired[] = "OWNER_REQUIRED";
inline constexpr char kTooManySchools[] = "TOO_MANY_SCHOOLS";
inline constexpr char kCrossSchoolReference[] = "CROSS_SCHOOL_REFERENCE";  // a reference to another school's record
inline constexpr char kPupilOfAnotherSchool[] = "PUPIL_OF_ANOTHER_SCHOOL";
inline constexpr char kUnknownCategory[] = "UNKNOWN_CATEGORY";  // not a category of the school's routing matrix
inline constexpr char kUnknownStaff[] = "UNKNOWN_STAFF";        // not a member of staff of the school
inline constexpr char kUnknownBankHolidayDivision[] = "UNKNOWN_BANK_HOLIDAY_DIVISION";
inline constexpr char kInvalidBudget[] = "INVALID_BUDGET";
inline constexpr char kInvalidCalendar[] = "INVALID_CALENDAR";
inline constexpr char kInvalidBankHolidays[] = "INVALID_BANK_HOLIDAYS";
inline constexpr char kInvalidDirectory[] = "INVALID_DIRECTORY";
inline constexpr char kInvalidRoute[] = "INVALID_ROUTE";
inline constexpr char kInvalidWorkingPattern[] = "INVALID_WORKING_PATTERN";
inline constexpr char kInvalidPause[] = "INVALID_PAUSE";
inline constexpr char kInvalidArrangement[] = "INVALID_ARRANGEMENT";
inline constexpr char kInvalidIncident[] = "INVALID_INCIDENT";
inline constexpr char kInvalidPremisesBan[] = "INVALID_PREMISES_BAN";
// appointments: a slot that ends at or before its start, names no member of staff, or is given twice.
inline constexpr char kInvalidSlot[] = "INVALID_SLOT";
inline constexpr char kSlotInPast[] = "SLOT_IN_PAST";  // appointments: a slot or proposed time already started
// appointments: a slot with someone the request does not ask for, in a mode or at a time the guardian did not give.
inline constexpr char kSlotOutsideRequest[] = "SLOT_OUTSIDE_REQUEST";
// appointments: accepting a slot that is not on offer.
inline constexpr char kSlotNotOffered[] = "SLOT_NOT_OFFERED";
// appointments: the member of staff is not free for the whole of an offered slot.
inline constexpr char kSlotNotAvailable[] = "SLOT_NOT_AVAILABLE";
inline constexpr char kNotTighter[] = "NOT_TIGHTER";  // a tightening that loosens a term
inline constexpr char kDeferWithoutWindow[] = "DEFER_WITHOUT_WINDOW";
inline constexpr char kSchoolTimeZone[] = "SCHOOL_TIME_ZONE";  // not an IANA time zone
inline constexpr char kSameOwner[] = "SAME_OWNER";
inline constexpr char kWrongGuardian[] = "WRONG_GUARDIAN";
inline constexpr char kWrongSchool[] = "WRONG_SCHOOL";
inline constexpr char kPromiseInPast[] = "PROMISE_IN_PAST";                // a promised time not in the future
inline constexpr char kPromiseAfterDeadline[] = "PROMISE_AFTER_DEADLINE";  // after the respond deadline, no reason
// appointments: a booking that is incomplete or clashes with another of the same request.
inline constexpr char kInvalidBooking[] = "INVALID_BOOKING";

// ---- who is asking (UNAUTHENTICATED, PERMISSION_DENIED) ---------------------------------------
inline constexpr char kTokenMissing[] = "TOKEN_MISSING";
inline constexpr char kTokenInvalid[] = "TOKEN_INVALID";
inline constexpr char kTokenExpired[] = "TOKEN_EXPIRED";
inline constexpr char kRoleRequired[] = "ROLE_REQUIRED";

// ---- what is not there (NOT_FOUND) ------------------------------------------------------------
inline constexpr char kSchoolNotFound[] = "SCHOOL_NOT_FOUND";
inline constexpr char kStaffNotFound[] = "STAFF_NOT_FOUND";
inline constexpr char kPupilNotFound[] = "PUPIL_NOT_FOUND";
inline constexpr char kGuardianNotFound[] = "GUARDIAN_NOT_FOUND";
inline constexpr char kLadderNotFound[] = "LADDER_NOT_FOUND";
inline constexpr char kEnquiryNotFound[] = "ENQUIRY_NOT_FOUND";
inline constexpr char kIncidentNotFound[] = "INCIDENT_NOT_FOUND";
inline constexpr char kArrangementNotFound[] = "ARRANGEMENT_NOT_FOUND";
inline constexpr char kPremisesBanNotFound[] = "PREMISES_BAN_NOT_FOUND";
inline constexpr char kLetterNotFound[] = "LETTER_NOT_FOUND";
inline constexpr char kDecisionNotFound[] = "DECISION_NOT_FOUND";
inline constexpr char kNoticeNotFound[] = "NOTICE_NOT_FOUND";
inline constexpr char kMessageNotFound[] = "MESSAGE_NOT_FOUND";
inline constexpr char kTemplateNotFound[] = "TEMPLATE_NOT_FOUND";
inline constexpr char kDeliveryNotFound[] = "DELIVERY_NOT_FOUND";
inline constexpr char kLetterBatchNotFound[] = "LETTER_BATCH_NOT_FOUND";
// appointments: no such meeting request, or not one the caller may see.
inline constexpr char kMeetingRequestNotFound[] = "MEETING_REQUEST_NOT_FOUND";
inline constexpr char kBookingNotFound[] = "BOOKING_NOT_FOUND";  // appointments
// appointments: no such meeting note on that booking.
inline constexpr char kNoteNotFound[] = "NOTE_NOT_FOUND";
// appointments: no such interpreter at that school.
inline constexpr char kInterpreterNotFound[] = "INTERPRETER_NOT_FOUND";
// appointments: the member of staff has no exception for that date.
inline constexpr char kAvailabilityExceptionNotFound[] = "AVAILABILITY_EXCEPTION_NOT_FOUND";
inline constexpr char kEveningNotFound[] = "EVENING_NOT_FOUND";             // appointments: no such parents' evening
inline constexpr char kWaitingEntryNotFound[] = "WAITING_ENTRY_NOT_FOUND";  // appointments

// ---- what is there already (ALREADY_EXISTS) --------------------------------------------------
inline constexpr char kSchoolExists[] = "SCHOOL_EXISTS";
inline constexpr char kStaffExists[] = "STAFF_EXISTS";
inline constexpr char kPupilExists[] = "PUPIL_EXISTS";
inline constexpr char kGuardianExists[] = "GUARDIAN_EXISTS";
inline constexpr char kLadderExists[] = "LADDER_EXISTS";
inline constexpr char kEnquiryExists[] = "ENQUIRY_EXISTS";
inline constexpr char kTemplateExists[] = "TEMPLATE_EXISTS";
// appointments: the meeting request id is taken.
inline constexpr char kMeetingRequestExists[] = "MEETING_REQUEST_EXISTS";
inline constexpr char kBookingExists[] = "BOOKING_EXISTS";  // appointments: the booking id is taken
// appointments: the guardian already waits for that teacher about that pupil.
inline constexpr char kWaitingEntryExists[] = "WAITING_ENTRY_EXISTS";
inline constexpr char kEveningExists[] = "EVENING_EXISTS";  // appointments: the evening id is taken
inline constexpr char kDuplicate[] = "DUPLICATE";           // a unique key is taken
// appointments: the member of staff already has an exception for that date.
inline constexpr char kAvailabilityExceptionExists[] = "AVAILABILITY_EXCEPTION_EXISTS";

// ---- state (FAILED_PRECONDITION) --------------------------------------------------------------
inline constexpr char kPeriodNotInCalendar[] = "PERIOD_NOT_IN_CALENDAR";
inline constexpr char kWrongState[] = "WRONG_STATE";                // not allowed in the record's current state
inline constexpr char kCalendarExhausted[] = "CALENDAR_EXHAUSTED";  // no working period after the clock start
inline constexpr char kNoPolicyRule[] = "NO_POLICY_RULE";
inline constexpr char kNoLadder[] = "NO_LADDER";
inline constexpr char kNoHead[] = "NO_HEAD";
inline constexpr char kNoStaffForRole[] = "NO_STAFF_FOR_ROLE";
inline constexpr char kNoExternalContact[] = "NO_EXTERNAL_CONTACT";
inline constexpr char kTopOfLadder[] = "TOP_OF_LADDER";
inline constexpr char kStillReferenced[] = "STILL_REFERENCED";  // other records still name it
inline constexpr char kEnquiryResolved[] = "ENQUIRY_RESOLVED";
inline constexpr char kAlreadyOpened[] = "ALREADY_OPENED";
inline constexpr char kNotLinkedToPupil[] = "NOT_LINKED_TO_PUPIL";  // an enquiry's guardian is not linked to its pupil
// appointments: no set of free slots fits the times the guardian gave.
inline constexpr char kNoSchedule[] = "NO_SCHEDULE";
// appointments: a held, no-show or missed call recorded before the booked slot starts.
inline constexpr char kMeetingNotStarted[] = "MEETING_NOT_STARTED";
inline constexpr char kNotACall[] = "NOT_A_CALL";  // appointments: a call-only action on a meeting request
// appointments: booking for the parents' evening opens at a set instant that has not come.
inline constexpr char kWindowNotOpen[] = "WINDOW_NOT_OPEN";
inline constexpr char kBookingClosed[] = "BOOKING_CLOSED";  // appointments: the evening's booking window closed
// appointments: past the evening's per-guardian limit, or a second meeting about one pupil with one teacher.
inline constexpr char kBookingLimitReached[] = "BOOKING_LIMIT_REACHED";
// appointments: the parents' evening is for other year groups than the pupil's.
inline constexpr char kYearGroupNotInvited[] = "YEAR_GROUP_NOT_INVITED";
// appointments: one booking per household, and the pupil's other guardian booked that teacher.
inline constexpr char kHouseholdBooked[] = "HOUSEHOLD_BOOKED";
// appointments: no interpreter of the language is free at the times asked.
inline constexpr char kNoInterpreter[] = "NO_INTERPRETER";
inline constexpr char kCourtOrderExcludes[] = "COURT_ORDER_EXCLUDES";  // a court order removes the guardian's contact
inline constexpr char kConstraintViolation[] = "CONSTRAINT_VIOLATION";
inline constexpr char kReferenceViolation[] = "REFERENCE_VIOLATION";
// An import would delete records and allow_deletions is not set.
inline constexpr char kImportWouldDelete[] = "IMPORT_WOULD_DELETE";
// notifications: cancelling a notice whose copies began to go.
inline constexpr char kNoticeAlreadySent[] = "NOTICE_ALREADY_SENT";
// notifications: a pupil's consent was answered already; the school must reopen it.
inline constexpr char kConsentLocked[] = "CONSENT_LOCKED";
// notifications: a consent reply to a notice that asks for none.
inline constexpr char kNotConsentNotice[] = "NOT_CONSENT_NOTICE";
// appointments: a hold whose lease ran out cannot be confirmed; hold the slot again.
inline constexpr char kHoldExpired[] = "HOLD_EXPIRED";
// appointments: a confirmation that names bookings of another hold, or not all of its hold's.
inline constexpr char kHoldMismatch[] = "HOLD_MISMATCH";
inline constexpr char kBookingIncomplete[] = "BOOKING_INCOMPLETE";  // appointments: waits for staff or interpreter
inline constexpr char kOffSiteOnly[] = "OFF_SITE_ONLY";             // appointments: the gate allows phone or video only
inline constexpr char kMeetingRedirected[] = "MEETING_REDIRECTED";  // appointments: the gate names another contact
inline constexpr char kMeetingDeferred[] = "MEETING_DEFERRED";  // appointments: the gate defers meetings until a time
inline constexpr char kInterpreterLanguageMismatch[] = "INTERPRETER_LANGUAGE_MISMATCH";  // appointments
// appointments: a meeting note of a record type the school's records-disposal schedule has no rule for.
inline constexpr char kNoRetentionRule[] = "NO_RETENTION_RULE";
// appointments: deleting an interpreter who is in a booking still to come.
inline constexpr char kInterpreterBooked[] = "INTERPRETER_BOOKED";

// ---- races (ABORTED): retry the whole call -----------------------------------------------------
inline constexpr char kStaleEtag[] = "STALE_ETAG";
inline constexpr char kEtagMismatch[] = "ETAG_MISMATCH";
inline constexpr char kStaleSnapshot[] = "STALE_SNAPSHOT";
inline constexpr char kTransactionConflict[] = "TRANSACTION_CONFLICT";
inline constexpr char kConflictingRecord[] = "CONFLICTING_RECORD";
inline constexpr char kRecordChanged[] = "RECORD_CHANGED";  // the record changed while the change was planned
// appointments: someone's time in the booking overlaps a booking made at the same time.
inline constexpr char kSlotTaken[] = "SLOT_TAKEN";

// ---- dependencies (UNAVAILABLE, DEADLINE_EXCEEDED) ---------------------------------------------
inline constexpr char kPgUnavailable[] = "PG_UNAVAILABLE";
inline constexpr char kPgBusy[] = "PG_BUSY";
inline constexpr char kPgPoolExhausted[] = "PG_POOL_EXHAUSTED";
inline constexpr char kPgStatementTimeout[] = "PG_STATEMENT_TIMEOUT";
inline constexpr char kPgCommitUnknown[] = "PG_COMMIT_UNKNOWN";
inline constexpr char kRedisUnavailable[] = "REDIS_UNAVAILABLE";
inline constexpr char kRedisCommandFailed[] = "REDIS_COMMAND_FAILED";
inline constexpr char kPeerUnavailable[] = "PEER_UNAVAILABLE";
// the directory replica has not heard from contacts within its staleness bound
inline constexpr char kDirectoryReplicaStale[] = "DIRECTORY_REPLICA_STALE";

// ---- start-up and configuration (the process refuses to start) ---------------------------------
inline constexpr char kPgOptionsInvalid[] = "PG_OPTIONS_INVALID";
inline constexpr char kMigrationsInvalid[] = "MIGRATIONS_INVALID";
inline constexpr char kMigrationChanged[] = "MIGRATION_CHANGED";
inline constexpr char kRetentionInvalid[] = "RETENTION_INVALID";
inline constexpr char kRedisAddressInvalid[] = "REDIS_ADDRESS_INVALID";
inline constexpr char kRedisOptionsInvalid[] = "REDIS_OPTIONS_INVALID";
inline constexpr char kRedisLimitInvalid[] = "REDIS_LIMIT_INVALID";
inline constexpr char kRedisConfigUnknown[] = "REDIS_CONFIG_UNKNOWN";
inline constexpr char kRedisConfigUnavailable[] = "REDIS_CONFIG_UNAVAILABLE";
inline constexpr char kRedisEvictionPolicy[] = "REDIS_EVICTION_POLICY";
inline constexpr char kRedisCommandInvalid[] = "REDIS_COMMAND_INVALID";
inline constexpr char kRedisScoreInvalid[] = "REDIS_SCORE_INVALID";
inline constexpr char kTimerOptionsInvalid[] = "TIMER_OPTIONS_INVALID";
inline constexpr char kTimerWorkerState[] = "TIMER_WORKER_STATE";
inline constexpr char kTimerHandlerExists[] = "TIMER_HANDLER_EXISTS";
inline constexpr char kTimerKindInvalid[] = "TIMER_KIND_INVALID";
inline constexpr char kTimerKeyInvalid[] = "TIMER_KEY_INVALID";
inline constexpr char kTimerPayloadInvalid[] = "TIMER_PAYLOAD_INVALID";
inline constexpr char kTimerDueInvalid[] = "TIMER_DUE_INVALID";

// ---- bugs (INTERNAL): never expected; reported, never retried blindly --------------------------
inline constexpr char kInternal[] = "INTERNAL";
inline constexpr char kIdempotencyMisuse[] = "IDEMPOTENCY_MISUSE";
inline constexpr char kTimerHandlerThrew[] = "TIMER_HANDLER_THREW";
inline constexpr char kDryRunRollback[] = "DRY_RUN_ROLLBACK";  // internal marker of a validate-only import
inline constexpr char kOutboxKeyDuplicate[] = "OUTBOX_KEY_DUPLICATE";
inline constexpr char kEnquirySeqMismatch[] = "ENQUIRY_SEQ_MISMATCH";
// appointments: events that do not continue a meeting request's history.
inline constexpr char kRequestSeqMismatch[] = "REQUEST_SEQ_MISMATCH";
inline constexpr char kEnquiryClockStageMismatch[] = "ENQUIRY_CLOCK_STAGE_MISMATCH";
inline constexpr char kEnquiryCreateMisuse[] = "ENQUIRY_CREATE_MISUSE";
inline constexpr char kStoredResponseUnreadable[] = "STORED_RESPONSE_UNREADABLE";
inline constexpr char kCacheCorrupt[] = "CACHE_CORRUPT";

}  // namespace parley::reason
