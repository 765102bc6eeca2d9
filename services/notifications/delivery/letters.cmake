# Letters: a school's daily batch as a printable PDF (delivery/letter_pdf.h), with libharu (Debian
# libhpdf-dev, which ships no pkg-config or CMake file) and the DejaVu fonts (fonts-dejavu-core).
# Included by services/notifications/CMakeLists.txt.
#   parley::notifications_letters   RenderLetterBatch
set(_letters ${CMAKE_CURRENT_LIST_DIR})

find_path(HPDF_INCLUDE_DIR hpdf.h REQUIRED)
find_library(HPDF_LIBRARY NAMES hpdf REQUIRED)

parley_library(parley_notifications_letters
  SOURCES ${_letters}/letter_pdf.cc
  DEPS ${HPDF_LIBRARY} parley::status absl::statusor absl::strings absl::time)
target_include_directories(parley_notifications_letters SYSTEM PRIVATE ${HPDF_INCLUDE_DIR})
add_library(parley::notifications_letters ALIAS parley_notifications_letters)

# Reads the PDFs back with poppler-utils (pdfinfo, pdftotext); skips without them.
parley_test(letter_pdf_test LABEL unit
  SOURCES ${_letters}/letter_pdf_test.cc
  DEPS parley::notifications_letters)
unset(_letters)
