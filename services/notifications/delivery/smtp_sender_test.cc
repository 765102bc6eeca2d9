// SmtpSender against a real SMTP server: the mail catcher (scripts/mail_catcher.py) that
// scripts/test.sh starts (PARLEY_TEST_SMTP_URL, PARLEY_TEST_MAIL_API), read back through its HTTP API.
// Tests that switch the server into refusing start a private catcher on free ports, so they never
// disturb the tests sharing the other one. Each test sends from and to addresses of its own.
#include "services/notifications/delivery/smtp_sender.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace parley::notifications {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Kind = SendOutcome::Kind;
using json = nlohmann::json;

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string RandomTag() {
  std::random_device rd;
  return absl::StrCat(absl::Hex((static_cast<uint64_t>(rd()) << 32) | rd()));
}

size_t Collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One HTTP request to the catcher's API; the parsed JSON body, or null on any failure.
json Http(const std::string& method, const std::string& url, const std::string& body = "") {
  CURL* curl = curl_easy_init();
  std::string out;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!body.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK || status != 200) return json();
  return json::parse(out, nullptr, /*allow_exceptions=*/false);
}

std::string Escape(const std::string& s) {
  CURL* curl = curl_easy_init();
  char* e = curl_easy_escape(curl, s.data(), static_cast<int>(s.size()));
  std::string out(e);
  curl_free(e);
  curl_easy_cleanup(curl);
  return out;
}

// The catcher's index entries for one Message-ID.
json ByMessageId(const std::string& api, const std::string& message_id) {
  json r = Http("GET", absl::StrCat(api, "/messages?message_id=", Escape(message_id)));
  return r.is_object() ? r["messages"] : json::array();
}

std::string HeaderValue(const json& message, const std::string& name) {
  for (const json& h : message["headers"]) {
    if (absl::EqualsIgnoreCase(h[0].get<std::string>(), name)) return h[1].get<std::string>();
  }
  return "";
}

bool HasHeader(const json& message, const std::string& name) {
  for (const json& h : message["headers"]) {
    if (absl::EqualsIgnoreCase(h[0].get<std::string>(), name)) return true;
  }
  return false;
}

// A port nothing listens on: bound, read and released.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A private mail catcher on free ports, stopped with the test.
class OwnedCatcher {
 public:
  OwnedCatcher() {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("parley-catcher-", RandomTag());
    std::filesystem::create_directories(dir_);
    const std::string ports = (dir_ / "ports").string();
    const std::string mail = (dir_ / "mail").string();
    const char* python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    pid_ = fork();
    if (pid_ == 0) {
      execlp(python, python, PARLEY_MAIL_CATCHER_SCRIPT, "--smtp-port", "0", "--http-port", "0", "--dir", mail.c_str(),
             "--ports-file", ports.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500 && !std::filesystem::exists(ports); ++i) absl::SleepFor(absl::Milliseconds(20));
    std::ifstream in(ports);
    json p = json::parse(in, nullptr, false);
    if (p.is_object()) {
      smtp_url_ = absl::StrCat("smtp://127.0.0.1:", p["smtp"].get<int>());
      api_ = absl::StrCat("http://127.0.0.1:", p["http"].get<int>());
    }
  }
  ~OwnedCatcher() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  bool ok() const { return !api_.empty(); }
  const std::string& smtp_url() const { return smtp_url_; }
  const std::string& api() const { return api_; }
  bool Refuse(bool refuse) {
    return Http("POST", api_ + "/control", refuse ? R"({"refuse": true})" : R"({"refuse": false})").is_object();
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::string smtp_url_, api_;
};

class SmtpSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> url = Env("PARLEY_TEST_SMTP_URL");
    std::optional<std::string> api = Env("PARLEY_TEST_MAIL_API");
    if (!url || !api) GTEST_SKIP() << "set PARLEY_TEST_SMTP_URL and PARLEY_TEST_MAIL_API (scripts/test.sh does)";
    url_ = *url;
    api_ = *api;
    tag_ = RandomTag();
  }

  SmtpSettings Settings(const std::string& url) const {
    SmtpSettings s;
    s.url = url;
    s.from_address = absl::StrCat("office-", tag_, "@parley.test");
    s.from_name = "St Mary's (Parley)";
    s.message_id_domain = "notifications.parley.test";
    s.timeout = absl::Seconds(10);
    s.max_connections = 4;
    return s;
  }

  Outgoing Message(const std::string& suffix) const {
    Outgoing m;
    m.idempotency_key = absl::StrCat("d-", tag_, "-", suffix);
    m.school_id = "st-marys";
    m.address = absl::StrCat("parent-", tag_, "@example.test");
    m.recipient_name = "Mrs K. Nowak";
    m.subject = "Trip consent";
    m.body = "Please reply by Friday.\n";
    return m;
  }

  std::string url_, api_, tag_;
};

TEST_F(SmtpSenderTest, DeliversHeadersAndBodyIntact) {
  SmtpSender sender(Settings(url_));
  Outgoing m = Message("intact");
  m.subject = "Zażółć gęślą jaźń";
  m.recipient_name = "Łucja Wróbel";
  m.urgent = true;
  m.body = absl::StrCat("Dzień dobry,\n\n", std::string(100, 'x'), " a long line = 100 x's\n",
                        ".a line starting with a dot\n", "trailing spaces   \n", "Ünïcödé — “quotes” 😀 end");

  const SendOutcome out = sender.Send(m);
  ASSERT_EQ(out.kind, Kind::kAccepted) << out.detail;
  EXPECT_EQ(out.provider, "smtp");
  const std::string id = absl::StrCat("<d-", tag_, "-intact@notifications.parley.test>");
  EXPECT_EQ(out.provider_reference, id);

  const json found = ByMessageId(api_, id);
  ASSERT_EQ(found.size(), 1u);
  const json msg = Http("GET", absl::StrCat(api_, "/messages/", found[0]["n"].get<int>()));
  ASSERT_TRUE(msg.is_object());
  EXPECT_EQ(HeaderValue(msg, "Message-ID"), id);
  EXPECT_EQ(HeaderValue(msg, "Subject"), "Zażółć gęślą jaźń");
  EXPECT_EQ(HeaderValue(msg, "To"), absl::StrCat("Łucja Wróbel <", m.address, ">"));
  // Quoted: the parentheses would otherwise be a comment.
  EXPECT_EQ(HeaderValue(msg, "From"), absl::StrCat("\"St Mary's (Parley)\" <office-", tag_, "@parley.test>"));
  EXPECT_EQ(HeaderValue(msg, "X-Parley-School"), "st-marys");
  EXPECT_EQ(HeaderValue(msg, "Importance"), "high");
  EXPECT_EQ(HeaderValue(msg, "MIME-Version"), "1.0");
  EXPECT_THAT(absl::AsciiStrToLower(HeaderValue(msg, "Content-Type")), HasSubstr("text/plain; charset=\"utf-8\""));
  EXPECT_FALSE(HeaderValue(msg, "Date").empty());
  EXPECT_EQ(msg["rcpt"], json::array({m.address}));
  // The decoded body is the text as given (the catcher reports it with \n line ends).
  EXPECT_EQ(msg["body"].get<std::string>(), m.body + "\n");
}

TEST_F(SmtpSenderTest, RoutineMessageHasNoImportanceHeader) {
  SmtpSender sender(Settings(url_));
  const Outgoing m = Message("routine");
  ASSERT_EQ(sender.Send(m).kind, Kind::kAccepted);
  const json found = ByMessageId(api_, sender.MessageId(m.idempotency_key));
  ASSERT_EQ(found.size(), 1u);
  const json msg = Http("GET", absl::StrCat(api_, "/messages/", found[0]["n"].get<int>()));
  EXPECT_FALSE(HasHeader(msg, "Importance"));
  EXPECT_EQ(HeaderValue(msg, "Subject"), "Trip consent");
}

TEST_F(SmtpSenderTest, LineBreaksInHeaderValuesCannotAddHeaders) {
  SmtpSender sender(Settings(url_));
  Outgoing m = Message("inject");
  m.subject = "Hello\r\nBcc: victim@example.test";
  m.recipient_name = "Mr X\nX-Injected: yes";
  m.school_id = "st-marys\r\nX-Injected: yes";
  ASSERT_EQ(sender.Send(m).kind, Kind::kAccepted);
  const json found = ByMessageId(api_, sender.MessageId(m.idempotency_key));
  ASSERT_EQ(found.size(), 1u);
  const json msg = Http("GET", absl::StrCat(api_, "/messages/", found[0]["n"].get<int>()));
  EXPECT_FALSE(HasHeader(msg, "Bcc"));
  EXPECT_FALSE(HasHeader(msg, "X-Injected"));
  EXPECT_EQ(HeaderValue(msg, "Subject"), "HelloBcc: victim@example.test");
  EXPECT_EQ(msg["rcpt"], json::array({m.address}));
}

TEST_F(SmtpSenderTest, UnknownMailboxIsPermanentAndDetailHidesTheAddress) {
  SmtpSender sender(Settings(url_));
  Outgoing m = Message("bounce");
  m.address = absl::StrCat("bounce-", tag_, "@example.test");
  const SendOutcome out = sender.Send(m);
  EXPECT_EQ(out.kind, Kind::kPermanent);
  EXPECT_THAT(out.detail, HasSubstr("550"));
  EXPECT_THAT(out.detail, HasSubstr("RCPT"));
  EXPECT_THAT(out.detail, Not(HasSubstr(tag_)));
  EXPECT_TRUE(out.provider_reference.empty());
  EXPECT_TRUE(ByMessageId(api_, sender.MessageId(m.idempotency_key)).empty());
  // The session survives the refusal: the next message goes through.
  EXPECT_EQ(sender.Send(Message("after-bounce")).kind, Kind::kAccepted);
}

TEST_F(SmtpSenderTest, InvalidAddressIsPermanentWithoutAConnection) {
  SmtpSender sender(Settings(absl::StrCat("smtp://127.0.0.1:", ClosedPort())));
  for (const std::string address : {"", "no-at-sign", "a@b>\r\nRCPT TO:<c@d", "two@at@signs", "@nolocal"}) {
    Outgoing m = Message("invalid");
    m.address = address;
    const SendOutcome out = sender.Send(m);
    EXPECT_EQ(out.kind, Kind::kPermanent) << address;
    EXPECT_THAT(out.detail, Not(HasSubstr("@"))) << address;
  }
}

TEST_F(SmtpSenderTest, UnreachableServerIsRetry) {
  SmtpSettings s = Settings(absl::StrCat("smtp://127.0.0.1:", ClosedPort()));
  SmtpSender sender(s);
  const SendOutcome out = sender.Send(Message("unreachable"));
  EXPECT_EQ(out.kind, Kind::kRetry);
  EXPECT_THAT(out.detail, HasSubstr("connection"));
  EXPECT_THAT(out.detail, Not(HasSubstr(tag_)));
}

TEST_F(SmtpSenderTest, RefusingServerIsRetryAndTheSameKeyGoesThroughOnceItRecovers) {
  OwnedCatcher catcher;
  ASSERT_TRUE(catcher.ok()) << "the private mail catcher did not start";
  SmtpSender sender(Settings(catcher.smtp_url()));

  // A session already open when the server starts refusing (421 to MAIL FROM) ...
  ASSERT_EQ(sender.Send(Message("before")).kind, Kind::kAccepted);
  ASSERT_TRUE(catcher.Refuse(true));
  const Outgoing m = Message("refused");
  SendOutcome out = sender.Send(m);
  EXPECT_EQ(out.kind, Kind::kRetry) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("421"));
  // ... and a new connection (421 greeting).
  SmtpSender fresh(Settings(catcher.smtp_url()));
  out = fresh.Send(m);
  EXPECT_EQ(out.kind, Kind::kRetry) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("421"));

  ASSERT_TRUE(catcher.Refuse(false));
  out = sender.Send(m);
  EXPECT_EQ(out.kind, Kind::kAccepted) << out.detail;
  EXPECT_EQ(ByMessageId(catcher.api(), sender.MessageId(m.idempotency_key)).size(), 1u);
}

TEST_F(SmtpSenderTest, ManyThreadsDeliverEveryMessageOverReusedSessions) {
  constexpr int kThreads = 8;
  constexpr int kMessages = 200;
  SmtpSettings s = Settings(url_);
  s.max_connections = kThreads;
  SmtpSender sender(s);
  const std::string to = absl::StrCat("class-", tag_, "@example.test");

  std::atomic<int> next{0}, accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < kMessages; i = next++) {
        Outgoing m = Message(absl::StrCat("bulk-", i));
        m.address = to;
        if (sender.Send(m).kind == Kind::kAccepted) ++accepted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted.load(), kMessages);

  const json r = Http("GET", absl::StrCat(api_, "/messages?to=", Escape(to)));
  ASSERT_TRUE(r.is_object());
  std::set<std::string> ids;
  for (const json& m : r["messages"]) ids.insert(m["message_id"].get<std::string>());
  EXPECT_EQ(r["count"].get<int>(), kMessages);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kMessages));

  const json stats = Http("GET", api_ + "/stats");
  ASSERT_TRUE(stats.is_object());
  const int sessions = stats["sessions_by_sender"].value(s.from_address, 0);
  EXPECT_GE(sessions, 1);
  EXPECT_LE(sessions, kThreads);
}

// Pure functions: no server needed.

TEST(SmtpMessageTest, QuotedPrintableKeepsLinesShortAndRoundTrips) {
  const std::string text = absl::StrCat(std::string(200, 'a'), "\n", "żółw = turtle  \n", ".dot\n", "end");
  const std::string qp = QuotedPrintable(text);
  for (absl::string_view line : absl::StrSplit(qp, "\r\n")) EXPECT_LE(line.size(), 76u) << line;
  EXPECT_THAT(qp, HasSubstr("=C5=BC=C3=B3=C5=82w =3D turtle =20"));
  EXPECT_THAT(qp, HasSubstr("\r\n=2Edot\r\n"));
  EXPECT_THAT(qp, Not(HasSubstr("\n\n")));
}

TEST(SmtpMessageTest, HeaderTextIsEncodedOnlyWhenNeededAndNeverSplitsACharacter) {
  EXPECT_EQ(EncodeHeaderText("Trip consent"), "Trip consent");
  EXPECT_EQ(EncodeHeaderText("Zażółć"), "=?UTF-8?B?WmHFvMOzxYLEhw==?=");
  const std::string long_text(40, 'a');
  const std::string encoded = EncodeHeaderText(long_text + "ąąąąą");  // 50 bytes: two words
  const std::vector<std::string> words = absl::StrSplit(encoded, "\r\n ");
  ASSERT_EQ(words.size(), 2u);
  for (const std::string& w : words) EXPECT_LE(w.size(), 75u);
  // 40 ASCII bytes + two 2-byte letters fit in 45; the third letter would straddle: it starts word 2.
  EXPECT_EQ(words[1], "=?UTF-8?B?xIXEhcSF?=");
}

TEST(SmtpMessageTest, MessageIdEscapesWhatAMessageIdCannotHold) {
  SmtpSettings s;
  s.message_id_domain = "parley.test";
  SmtpSender sender(s);
  EXPECT_EQ(sender.MessageId("d-123_x"), "<d-123_x@parley.test>");
  EXPECT_EQ(sender.MessageId("a/b c>"), "<a=2Fb=20c=3E@parley.test>");
  EXPECT_NE(sender.MessageId("a/b"), sender.MessageId("a=2Fb"));
}

TEST(SmtpMessageTest, ComposeDatesFromTheClockAndEndsHeadersOnce) {
  SmtpSettings s;
  s.from_address = "office@parley.test";
  s.from_name = "Office \"A\"";
  Outgoing m;
  m.address = "p@example.test";
  m.subject = "Hi";
  m.body = "x";
  const std::string msg =
      ComposeMessage(s, m, "<k@d>", absl::FromUnixSeconds(1761318600));  // Fri 24 Oct 2025 15:10 UTC
  EXPECT_THAT(msg, HasSubstr("Date: Fri, 24 Oct 2025 15:10:00 +0000\r\n"));
  EXPECT_THAT(msg, HasSubstr("From: \"Office \\\"A\\\"\" <office@parley.test>\r\n"));
  EXPECT_THAT(msg, HasSubstr("To: <p@example.test>\r\n"));
  EXPECT_THAT(msg, HasSubstr("\r\n\r\nx\r\n"));
}

std::optional<std::string> Lookup(const std::map<std::string, std::string>& vars, absl::string_view name) {
  auto it = vars.find(std::string(name));
  if (it == vars.end()) return std::nullopt;
  return it->second;
}

TEST(SmtpSettingsTest, ReadsTheEnvironmentAndThePasswordFile) {
  const std::string file = (std::filesystem::temp_directory_path() / absl::StrCat("smtp-pw-", RandomTag())).string();
  std::ofstream(file) << "s3cret\n";
  const std::map<std::string, std::string> vars = {{"PARLEY_SMTP_URL", "smtp://mail.example:587"},
                                                   {"PARLEY_SMTP_STARTTLS", "true"},
                                                   {"PARLEY_SMTP_USERNAME", "parley"},
                                                   {"PARLEY_SMTP_PASSWORD_FILE", file},
                                                   {"PARLEY_SMTP_FROM", "office@trust.example"},
                                                   {"PARLEY_SMTP_TIMEOUT", "5s"},
                                                   {"PARLEY_SMTP_CONNECTIONS", "16"}};
  EnvReader env([&](absl::string_view name) { return Lookup(vars, name); });
  absl::StatusOr<SmtpSettings> s = SmtpSettingsFromEnv(env);
  std::filesystem::remove(file);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->url, "smtp://mail.example:587");
  EXPECT_TRUE(s->starttls);
  EXPECT_EQ(s->password, "s3cret");
  EXPECT_EQ(s->message_id_domain, "trust.example");
  EXPECT_EQ(s->from_name, "Parley");
  EXPECT_EQ(s->timeout, absl::Seconds(5));
  EXPECT_EQ(s->max_connections, 16);
}

TEST(SmtpSettingsTest, NamesWhatIsWrongWithoutEchoingSecrets) {
  {
    EnvReader env([](absl::string_view) { return std::nullopt; });
    absl::StatusOr<SmtpSettings> s = SmtpSettingsFromEnv(env);
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.status().message(), HasSubstr("PARLEY_SMTP_URL"));
    EXPECT_THAT(s.status().message(), HasSubstr("PARLEY_SMTP_FROM"));
  }
  {
    const std::map<std::string, std::string> vars = {{"PARLEY_SMTP_URL", "http://user:hunter2@mail.example"},
                                                     {"PARLEY_SMTP_FROM", "office@trust.example"}};
    EnvReader env([&](absl::string_view name) { return Lookup(vars, name); });
    absl::StatusOr<SmtpSettings> s = SmtpSettingsFromEnv(env);
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.status().message(), HasSubstr("PARLEY_SMTP_URL"));
    EXPECT_THAT(s.status().message(), Not(HasSubstr("hunter2")));
  }
  {
    const std::map<std::string, std::string> vars = {{"PARLEY_SMTP_URL", "smtp://mail.example"},
                                                     {"PARLEY_SMTP_FROM", "office@trust.example"},
                                                     {"PARLEY_SMTP_USERNAME", "parley"},
                                                     {"PARLEY_SMTP_PASSWORD_FILE", "/nonexistent/secret"}};
    EnvReader env([&](absl::string_view name) { return Lookup(vars, name); });
    absl::StatusOr<SmtpSettings> s = SmtpSettingsFromEnv(env);
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.status().message(), HasSubstr("PARLEY_SMTP_PASSWORD_FILE"));
  }
}

}  // namespace
}  // namespace parley::notifications
