# Email delivery (included by services/notifications/CMakeLists.txt): SmtpSender over libcurl, and
# its test against the mail catcher (scripts/mail_catcher.py; scripts/test.sh starts one and sets
# PARLEY_TEST_SMTP_URL and PARLEY_TEST_MAIL_API; without them the test skips).
parley_library(parley_notifications_email
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/smtp_sender.cc
  DEPS parley::clock parley::config parley::status CURL::libcurl
       absl::status absl::statusor absl::strings absl::str_format absl::synchronization absl::time)
add_library(parley::notifications_email ALIAS parley_notifications_email)

parley_test(smtp_sender_test LABEL db
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/smtp_sender_test.cc
  DEPS parley::notifications_email CURL::libcurl nlohmann_json::nlohmann_json absl::strings absl::time)
# The test starts a private catcher for the faults it injects (refusal), so it must find the script.
target_compile_definitions(smtp_sender_test PRIVATE
  PARLEY_MAIL_CATCHER_SCRIPT="${PROJECT_SOURCE_DIR}/scripts/mail_catcher.py")
