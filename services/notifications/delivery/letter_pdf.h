// Letters: a school's daily batch (domain/senders.h LetterBatch) as one printable PDF, rendered with
// libharu (Debian libhpdf-dev).
//
// A4, one letter starting on each page: the school's name, the date, the recipient's name and
// address block (placed for a DL window envelope), the pupils line, the subject and the body
// wrapped to the page width. A body that does not fit continues on further pages; the next letter
// still starts on a page of its own. Text is UTF-8 in DejaVu Sans (fonts-dejavu-core, embedded):
// Latin Extended (Polish, Turkish, Romanian names) renders; scripts that need shaping (Urdu) show
// their glyphs unjoined. Invalid UTF-8 is replaced, never refused.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/notifications/domain/senders.h"

namespace parley::notifications {

struct LetterPdfOptions {
  std::string font_file = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  std::string bold_font_file = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
};

// The batch as PDF bytes. INVALID_ARGUMENT for an empty batch; INTERNAL when libharu fails (a
// missing font file included), with its error code and no letter content.
absl::StatusOr<std::string> RenderLetterBatch(const LetterBatch& batch);
absl::StatusOr<std::string> RenderLetterBatch(const LetterBatch& batch, const LetterPdfOptions& options);

}  // namespace parley::notifications
