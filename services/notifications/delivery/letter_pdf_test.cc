#include "services/notifications/delivery/letter_pdf.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::notifications {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

bool HavePoppler() {
  return std::system("command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1") == 0;
}

std::string Run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}

// The PDF in a temporary file, removed at the end of the test.
class PdfFile {
 public:
  explicit PdfFile(const std::string& bytes)
      : path_(std::filesystem::temp_directory_path() /
              absl::StrCat("parley-letters-", getpid(), "-", ++count_, ".pdf")) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~PdfFile() { std::filesystem::remove(path_); }
  int Pages() const {
    for (absl::string_view line : absl::StrSplit(Run("pdfinfo " + path_.string()), '\n')) {
      if (absl::ConsumePrefix(&line, "Pages:")) return std::stoi(std::string(line));
    }
    return -1;
  }
  // The text of pages first..last (1-based; 0: all).
  std::string Text(int first = 0, int last = 0) const {
    std::string range = first > 0 ? absl::StrCat(" -f ", first, " -l ", last) : "";
    return Run(absl::StrCat("pdftotext -enc UTF-8", range, " ", path_.string(), " -"));
  }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
};

Letter MakeLetter(const std::string& name, const std::string& pupil) {
  Letter l;
  l.recipient_name = name;
  l.address_lines = {"12 Romford Road", "London", "E7 9HZ"};
  l.school_name = "Woodgrange Infant School";
  l.date = absl::CivilDay(2026, 12, 7);
  l.subject = "School closure on Tuesday";
  l.pupils_line = "About: " + pupil;
  l.body =
      "Dear parent or carer,\n\nThe school will be closed on Tuesday because of the heating.\n\nZażółć gęślą "
      "jaźń.\n\nYours faithfully,\nThe Head Teacher";
  return l;
}

LetterBatch ThreeLetters() {
  LetterBatch batch;
  batch.school_id = "woodgrange";
  batch.school_name = "Woodgrange Infant School";
  batch.date = absl::CivilDay(2026, 12, 7);
  batch.letters = {MakeLetter("Mrs Katarzyna Wiśniewska", "Zofia Wiśniewska (Year 2)"),
                   MakeLetter("Mr Łukasz Żółkiewski", "Amelia Żółkiewska (Reception)"),
                   MakeLetter("Mrs Ayesha Qureshi", "Bilal Qureshi (Year 1)")};
  return batch;
}

TEST(RenderLetterBatch, OneLetterPerPageWithEveryRecipientAndPolishText) {
  if (!HavePoppler()) GTEST_SKIP() << "pdftotext/pdfinfo (poppler-utils) are not installed";
  absl::StatusOr<std::string> pdf = RenderLetterBatch(ThreeLetters());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_THAT(*pdf, StartsWith("%PDF-"));
  PdfFile file(*pdf);
  EXPECT_EQ(file.Pages(), 3);
  const std::string text = file.Text();
  EXPECT_THAT(text, HasSubstr("Zażółć"));
  EXPECT_THAT(text, HasSubstr("7 December 2026"));
  // Each letter on its own page, naming its recipient and pupil.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Mrs Katarzyna Wiśniewska", "Zofia Wiśniewska (Year 2)"},
      {"Mr Łukasz Żółkiewski", "Amelia Żółkiewska (Reception)"},
      {"Mrs Ayesha Qureshi", "Bilal Qureshi (Year 1)"}};
  for (int page = 1; page <= 3; ++page) {
    const std::string page_text = file.Text(page, page);
    EXPECT_THAT(page_text, HasSubstr(expected[page - 1].first)) << "page " << page;
    EXPECT_THAT(page_text, HasSubstr(expected[page - 1].second)) << "page " << page;
    EXPECT_THAT(page_text, HasSubstr("Woodgrange Infant School"));
    EXPECT_THAT(page_text, HasSubstr("12 Romford Road"));
    for (int other = 1; other <= 3; ++other) {
      if (other != page) {
        EXPECT_THAT(page_text, Not(HasSubstr(expected[other - 1].first))) << "page " << page;
      }
    }
  }
}

TEST(RenderLetterBatch, ALongBodyContinuesOnMorePagesAndTheNextLetterStartsAfresh) {
  if (!HavePoppler()) GTEST_SKIP() << "pdftotext/pdfinfo (poppler-utils) are not installed";
  LetterBatch batch = ThreeLetters();
  std::string body;
  for (int i = 0; i < 60; ++i) {
    absl::StrAppend(&body, "Paragraph ", i, ": the trip to the Science Museum leaves at nine and returns by three; ",
                    "children need a packed lunch, a coat and a named water bottle.\n\n");
  }
  absl::StrAppend(&body, "Supercalifragilisticexpialidocious", std::string(200, 'x'), " end.");
  batch.letters[0].body = body;
  absl::StatusOr<std::string> pdf = RenderLetterBatch(batch);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  PdfFile file(*pdf);
  const int pages = file.Pages();
  ASSERT_GT(pages, 3);
  const std::string all = file.Text();
  EXPECT_THAT(all, HasSubstr("Paragraph 59"));
  EXPECT_THAT(all, HasSubstr("end."));
  // The second and third letters are the last two pages, each alone on its page.
  EXPECT_THAT(file.Text(pages - 1, pages - 1), HasSubstr("Mr Łukasz Żółkiewski"));
  EXPECT_THAT(file.Text(pages - 1, pages - 1), Not(HasSubstr("Paragraph")));
  EXPECT_THAT(file.Text(pages, pages), HasSubstr("Mrs Ayesha Qureshi"));
  EXPECT_THAT(file.Text(pages - 2, pages - 2), HasSubstr("end."));
}

TEST(RenderLetterBatch, UrduAndInvalidUtf8DoNotFailTheBatch) {
  LetterBatch batch = ThreeLetters();
  batch.letters[2].recipient_name = "محترمہ عائشہ قریشی";
  batch.letters[1].body = "broken \xff\xfe text\tand a tab";
  absl::StatusOr<std::string> pdf = RenderLetterBatch(batch);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  if (!HavePoppler()) return;
  PdfFile file(*pdf);
  EXPECT_EQ(file.Pages(), 3);
  EXPECT_THAT(file.Text(2, 2), HasSubstr("text and a tab"));
}

TEST(RenderLetterBatch, AnEmptyBatchIsInvalid) {
  LetterBatch batch;
  batch.school_id = "woodgrange";
  EXPECT_EQ(RenderLetterBatch(batch).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RenderLetterBatch, LibharuErrorsAreInternal) {
  LetterPdfOptions options;
  options.font_file = "/nonexistent/font.ttf";
  absl::Status status = RenderLetterBatch(ThreeLetters(), options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("Wiśniewska")));
}

}  // namespace
}  // namespace parley::notifications
