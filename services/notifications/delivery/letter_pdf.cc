#include "services/notifications/delivery/letter_pdf.h"

#include <hpdf.h>

#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/reason.h"

namespace parley::notifications {
namespace {

// A4 in points, and the layout: 25 mm side margins, the address where a DL window envelope shows it.
constexpr float kPageWidth = 595.276f;
constexpr float kPageHeight = 841.89f;
constexpr float kMarginX = 70.0f;
constexpr float kMarginTop = 60.0f;
constexpr float kMarginBottom = 60.0f;
constexpr float kAddressTop = kPageHeight - 150.0f;
constexpr float kTextWidth = kPageWidth - 2 * kMarginX;
constexpr float kBodySize = 11.0f;
constexpr float kBodyLeading = 15.0f;

// libharu reports errors through a callback; the first one is kept and the render gives up.
struct Errors {
  HPDF_STATUS code = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void OnError(HPDF_STATUS error_no, HPDF_STATUS detail_no, void* user_data) {
  auto* errors = static_cast<Errors*>(user_data);
  if (errors->code == HPDF_OK) {
    errors->code = error_no;
    errors->detail = detail_no;
  }
}

absl::Status HpdfError(absl::string_view step, const Errors& errors) {
  return Internal(reason::kInternal, absl::StrCat("rendering the letter batch failed at ", step, ": libharu error 0x",
                                                  absl::Hex(errors.code), " (detail ", errors.detail, ")"));
}

// Valid UTF-8 that libharu can draw: invalid sequences become U+FFFD, tabs and other control
// characters a space (newlines are handled by the caller).
std::string CleanText(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= in.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    ok = ok && !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
         !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
    if (ok) {
      out.append(in.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  return 4;
}

std::string FormatDate(absl::CivilDay day) {
  static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  return absl::StrCat(day.day(), " ", kMonths[day.month() - 1], " ", day.year());
}

class Renderer {
 public:
  Renderer(HPDF_Doc pdf, HPDF_Font regular, HPDF_Font bold) : pdf_(pdf), regular_(regular), bold_(bold) {}

  float Width(HPDF_Font font, float size, const std::string& text) const {
    HPDF_TextWidth w =
        HPDF_Font_TextWidth(font, reinterpret_cast<const HPDF_BYTE*>(text.data()), static_cast<HPDF_UINT>(text.size()));
    return static_cast<float>(w.width) * size / 1000.0f;
  }

  void NewPage() {
    page_ = HPDF_AddPage(pdf_);
    if (page_ == nullptr) return;
    HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    y_ = kPageHeight - kMarginTop;
  }

  void Line(HPDF_Font font, float size, float x, float y, const std::string& text) {
    if (page_ == nullptr || text.empty()) return;
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, font, size);
    HPDF_Page_TextOut(page_, x, y, text.c_str());
    HPDF_Page_EndText(page_);
  }

  // Greedy word wrap to the text width; a word wider than a line is cut between characters.
  std::vector<std::string> Wrap(HPDF_Font font, float size, const std::string& paragraph) const {
    std::vector<std::string> lines;
    std::string line;
    for (absl::string_view word : absl::StrSplit(paragraph, ' ', absl::SkipEmpty())) {
      std::string candidate = line.empty() ? std::string(word) : absl::StrCat(line, " ", word);
      if (Width(font, size, candidate) <= kTextWidth) {
        line = std::move(candidate);
        continue;
      }
      if (!line.empty()) lines.push_back(std::move(line));
      line.clear();
      std::string piece;
      for (size_t i = 0; i < word.size();) {
        const size_t n = std::min(Utf8Length(static_cast<unsigned char>(word[i])), word.size() - i);
        std::string next = absl::StrCat(piece, word.substr(i, n));
        if (!piece.empty() && Width(font, size, next) > kTextWidth) {
          lines.push_back(std::move(piece));
          next = std::string(word.substr(i, n));
        }
        piece = std::move(next);
        i += n;
      }
      line = std::move(piece);
    }
    if (!line.empty()) lines.push_back(std::move(line));
    return lines;
  }

  // Body text from y_ down, continuing on new pages.
  void Flow(HPDF_Font font, float size, float leading, const std::string& text) {
    if (y_ - leading < kMarginBottom) NewPage();
    for (const std::string& line : Wrap(font, size, text)) {
      if (y_ - leading < kMarginBottom) NewPage();
      y_ -= leading;
      Line(font, size, kMarginX, y_, line);
    }
  }

  void Letter(const std::string& school_name, absl::CivilDay date, const notifications::Letter& letter) {
    NewPage();
    const std::string school = CleanText(school_name);
    Line(bold_, 16, kMarginX, y_ - 16, school);
    const std::string when = FormatDate(date);
    Line(regular_, kBodySize, kPageWidth - kMarginX - Width(regular_, kBodySize, when), y_ - 40, when);

    y_ = kAddressTop;
    Line(regular_, kBodySize, kMarginX, y_, CleanText(letter.recipient_name));
    for (const std::string& address_line : letter.address_lines) {
      y_ -= 14;
      Line(regular_, kBodySize, kMarginX, y_, CleanText(address_line));
    }
    y_ -= 30;
    Flow(regular_, kBodySize, kBodyLeading, CleanText(letter.pupils_line));
    y_ -= 8;
    Flow(bold_, 12, 17, CleanText(letter.subject));
    y_ -= 8;
    // Paragraphs are separated by blank lines; a single newline is a line break.
    std::string body = letter.body;
    body.erase(std::remove(body.begin(), body.end(), '\r'), body.end());
    bool first = true;
    for (absl::string_view paragraph : absl::StrSplit(body, "\n\n", absl::SkipWhitespace())) {
      if (!first) y_ -= kBodyLeading * 0.6f;
      first = false;
      for (absl::string_view line : absl::StrSplit(paragraph, '\n')) {
        Flow(regular_, kBodySize, kBodyLeading, CleanText(line));
      }
    }
  }

 private:
  HPDF_Doc pdf_;
  HPDF_Font regular_;
  HPDF_Font bold_;
  HPDF_Page page_ = nullptr;
  float y_ = 0;
};

struct DocDeleter {
  void operator()(HPDF_Doc pdf) const { HPDF_Free(pdf); }
};

}  // namespace

absl::StatusOr<std::string> RenderLetterBatch(const LetterBatch& batch) {
  return RenderLetterBatch(batch, LetterPdfOptions{});
}

absl::StatusOr<std::string> RenderLetterBatch(const LetterBatch& batch, const LetterPdfOptions& options) {
  if (batch.letters.empty()) {
    return InvalidArgument(reason::kInvalidField, "letters: a letter batch needs at least one letter");
  }
  Errors errors;
  std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocDeleter> pdf(HPDF_New(OnError, &errors));
  if (pdf == nullptr) return HpdfError("creating the document", errors);
  HPDF_SetCompressionMode(pdf.get(), HPDF_COMP_ALL);
  HPDF_UseUTFEncodings(pdf.get());
  HPDF_SetCurrentEncoder(pdf.get(), "UTF-8");
  // The info dictionary carries no personal data: the school's id and the date only.
  HPDF_SetInfoAttr(pdf.get(), HPDF_INFO_CREATOR, "Parley notifications");
  HPDF_SetInfoAttr(
      pdf.get(), HPDF_INFO_TITLE,
      absl::StrCat("Letters ", CleanText(batch.school_id), " ", absl::FormatCivilTime(batch.date)).c_str());
  if (errors.code != HPDF_OK) return HpdfError("setting up the document", errors);

  const char* regular_name = HPDF_LoadTTFontFromFile(pdf.get(), options.font_file.c_str(), HPDF_TRUE);
  const char* bold_name =
      regular_name == nullptr ? nullptr : HPDF_LoadTTFontFromFile(pdf.get(), options.bold_font_file.c_str(), HPDF_TRUE);
  if (regular_name == nullptr || bold_name == nullptr) return HpdfError("loading the fonts", errors);
  HPDF_Font regular = HPDF_GetFont(pdf.get(), regular_name, "UTF-8");
  HPDF_Font bold = HPDF_GetFont(pdf.get(), bold_name, "UTF-8");
  if (regular == nullptr || bold == nullptr) return HpdfError("loading the fonts", errors);

  Renderer renderer(pdf.get(), regular, bold);
  for (const Letter& letter : batch.letters) {
    const std::string& school = letter.school_name.empty() ? batch.school_name : letter.school_name;
    renderer.Letter(school, letter.date == absl::CivilDay() ? batch.date : letter.date, letter);
    if (errors.code != HPDF_OK) return HpdfError("drawing a letter", errors);
  }

  if (HPDF_SaveToStream(pdf.get()) != HPDF_OK || errors.code != HPDF_OK) return HpdfError("saving", errors);
  std::string out(HPDF_GetStreamSize(pdf.get()), '\0');
  HPDF_UINT32 read = static_cast<HPDF_UINT32>(out.size());
  HPDF_STATUS status = HPDF_ReadFromStream(pdf.get(), reinterpret_cast<HPDF_BYTE*>(out.data()), &read);
  // A complete read answers HPDF_STREAM_EOF.
  if ((status != HPDF_OK && status != HPDF_STREAM_EOF) || read != out.size()) {
    return HpdfError("reading the document", errors);
  }
  return out;
}

}  // namespace parley::notifications
