// A school's slice of the directory: what a peer service's replica holds to answer routing,
// ladders, deadlines, "whose child is this" and who a notice goes to without asking contacts. The
// school (calendar, policy, routing matrix, ladders, external contacts by name), its staff (roles,
// subjects, year groups, line manager, working pattern), its pupils (year, class and teachers)
// and the guardians linked to its pupils: those links only (relationship, parental
// responsibility, court order), and what an audience is resolved from — language, household,
// lives_apart, separate_copies, preferred channel, and which kinds of contact point the guardian
// has (contact_points with each kind once and every `value` empty). No personal detail a replica
// does not need travels: no names of pupils or guardians, no staff names or email addresses, no
// contact point values (addresses, numbers, app ids), no links to other schools' pupils: a
// service that delivers fetches those for the batch it sends (contacts' BatchGetContactDetails).
//
// Encoded as JSON with the directory's storage codec (json_codec.h), so contacts and replicas
// read one format; its fingerprint is a hash of the encoding, so equal fingerprints mean equal
// slices whichever contacts replica produced them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/directory/model.h"
#include "common/directory/snapshot.h"

namespace parley::directory {

inline constexpr char kSliceEncoding[] = "application/vnd.parley.directory-slice.v1+json";

struct EncodedSlice {
  std::string school_id;
  std::string fingerprint;  // 16 hex digits of SHA-256 over payload
  std::string payload;
  // Which records, at which etags, the payload was encoded from (empty when some record has no
  // etag): an equal key at a later version means the same payload, so it is not encoded again.
  std::string source_key;
};

// NOT_FOUND (SCHOOL_NOT_FOUND) when the snapshot has no such school.
absl::StatusOr<EncodedSlice> EncodeSlice(const Snapshot& snapshot, const std::string& school_id);

// A decoded slice: a directory holding the one school and its guardians (links to that school
// only). INTERNAL for a payload that is not a slice (contacts sent something this build cannot
// read; the replica keeps its view).
absl::StatusOr<Directory> DecodeSlice(const std::string& payload);

// Every school's slice of one snapshot, encoded once and shared by every caller that asks for
// that version (contacts encodes them when the directory changes, not per request).
class SliceSet {
 public:
  // Encodes the schools whose records changed since `previous` (by their ids and etags) and takes
  // the others' encodings from it; every school when `previous` is null.
  static absl::StatusOr<std::shared_ptr<const SliceSet>> Encode(std::shared_ptr<const Snapshot> snapshot,
                                                                const SliceSet* previous = nullptr);

  int64_t directory_version() const { return directory_version_; }
  const std::map<std::string, EncodedSlice>& slices() const { return slices_; }
  const EncodedSlice* Find(const std::string& school_id) const;

 private:
  int64_t directory_version_ = 0;
  std::map<std::string, EncodedSlice> slices_;  // by school id
};

// The SliceSet of the newest snapshot asked for, encoded once however many callers ask at once.
class SliceCache {
 public:
  absl::StatusOr<std::shared_ptr<const SliceSet>> For(std::shared_ptr<const Snapshot> snapshot);

 private:
  absl::Mutex encode_mu_;  // one encoding at a time; the others wait for its result
  absl::Mutex mu_;
  std::shared_ptr<const SliceSet> latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::directory
