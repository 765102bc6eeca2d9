#include "services/reporting/api/csv_export.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace parley::reporting {
namespace {

namespace v1 = ::parley::reporting::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

struct RowContext {
  std::vector<std::string> school;  // school, school_name, period, start_date, end_date
  std::string section;
  std::string row;
};

std::string Number(double v) { return absl::StrCat(v); }

void Line(std::string& out, const RowContext& ctx, const std::string& figure, const std::string& value) {
  std::vector<std::string> cells;
  for (const std::string& c : ctx.school) cells.push_back(CsvCell(c));
  cells.push_back(CsvCell(ctx.section));
  cells.push_back(CsvCell(ctx.row));
  cells.push_back(CsvCell(figure));
  cells.push_back(CsvCell(value));
  absl::StrAppend(&out, absl::StrJoin(cells, ","), "\r\n");
}

// Writes every set scalar of `m` (and of its nested messages, as "outer.inner"), a Count as its
// value or "fewer than N".
void Figures(std::string& out, const RowContext& ctx, const Message& m, const std::string& prefix) {
  const Reflection* r = m.GetReflection();
  const auto* d = m.GetDescriptor();
  if (d == v1::Count::descriptor()) {
    const auto& count = static_cast<const v1::Count&>(m);
    Line(out, ctx, prefix,
         count.fewer_than() > 0 ? absl::StrCat("fewer than ", count.fewer_than()) : absl::StrCat(count.value()));
    return;
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    const std::string name = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    const bool present = f->has_presence() ? r->HasField(m, f) : true;
    if (!present) continue;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Figures(out, ctx, r->GetMessage(m, f), name);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        Line(out, ctx, name, absl::StrCat(r->GetInt64(m, f)));
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        Line(out, ctx, name, absl::StrCat(r->GetInt32(m, f)));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        Line(out, ctx, name, Number(r->GetDouble(m, f)));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        Line(out, ctx, name, r->GetBool(m, f) ? "true" : "false");
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        Line(out, ctx, name, r->GetString(m, f));
        break;
      default:
        break;
    }
  }
}

}  // namespace

std::string CsvCell(const std::string& text) {
  std::string cell = text;
  if (!cell.empty() &&
      (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' || cell[0] == '\t' || cell[0] == '\r')) {
    cell.insert(0, "'");
  }
  if (cell.find_first_of(",\"\r\n") != std::string::npos) {
    cell = absl::StrCat("\"", absl::StrReplaceAll(cell, {{"\"", "\"\""}}), "\"");
  }
  return cell;
}

std::string ReportCsv(const v1::TrustReport& report) {
  std::string out = "school,school_name,period,start_date,end_date,section,row,figure,value\r\n";
  for (const v1::SchoolReport& s : report.schools()) {
    RowContext ctx;
    ctx.school = {s.school(), s.display_name(), report.period(), s.period().start_date(), s.period().end_date()};
    ctx.section = "school";
    Line(out, ctx, "pupils", absl::StrCat(s.pupils()));
    Line(out, ctx, "period.display_name", s.period().display_name());
    Line(out, ctx, "period.closed", s.period().closed() ? "true" : "false");
    for (const v1::Promise& p : s.promises()) {
      ctx.section = "promise";
      ctx.row = absl::StrCat(p.channel(), ".", p.stage());
      Line(out, ctx, "budget", p.budget());
    }
    ctx.row.clear();
    if (s.has_enquiries()) (ctx.section = "enquiries", Figures(out, ctx, s.enquiries(), ""));
    if (s.has_conduct()) (ctx.section = "conduct", Figures(out, ctx, s.conduct(), ""));
    if (s.has_meetings()) (ctx.section = "meetings", Figures(out, ctx, s.meetings(), ""));
    if (s.has_notifications()) (ctx.section = "notifications", Figures(out, ctx, s.notifications(), ""));
    ctx.section = "by_channel";
    for (const v1::ChannelRow& row : s.by_channel())
      (ctx.row = row.channel(), Figures(out, ctx, row.promise(), "promise"));
    ctx.section = "by_category";
    for (const v1::CategoryRow& row : s.by_category()) {
      (ctx.row = row.category(), Figures(out, ctx, row.promise(), "promise"));
    }
    ctx.section = "by_rung";
    for (const v1::RungRow& row : s.by_rung()) {
      ctx.row = absl::StrCat(row.rung(), row.role().empty() ? "" : " ", row.role());
      Figures(out, ctx, row.escalations(), "escalations");
    }
    ctx.section = "by_week";
    for (const v1::WeekRow& row : s.by_week())
      (ctx.row = row.week_start(), Figures(out, ctx, row.promise(), "promise"));
    ctx.section = "by_delivery_channel";
    for (const v1::DeliveryChannelRow& row : s.by_delivery_channel()) {
      ctx.row = row.channel();
      Figures(out, ctx, row, "");
    }
    ctx.section = "missing";
    for (const v1::MissingFigures& m : s.missing()) {
      ctx.row = m.source();
      Line(out, ctx, m.figures(), m.reason());
    }
  }
  RowContext trust;
  trust.school = {"trust", "", report.period(), "", ""};
  trust.section = "totals";
  Figures(out, trust, report.totals(), "");
  return out;
}

}  // namespace parley::reporting
