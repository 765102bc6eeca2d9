// parleyctl's report command against the reporting service (Ctl::Report, declared in commands.h).
//
// The report is asked for once with every breakdown, then printed as text or JSON and/or written
// as the HTML page; the CSV is the service's own export, streamed to the file byte for byte (it is
// what a spreadsheet imports, so it is never re-made here). With --input nothing is called: a
// report saved with --json is rendered as it is, which is how a report is re-drawn offline and how
// tests/browser checks the page.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/ctl_impl.h"
#include "tools/parleyctl/report_args.h"
#include "tools/parleyctl/report_format.h"
#include "tools/parleyctl/report_html.h"

namespace parley::ctl {
namespace {

// A closed term's report is computed once and kept, but the first ask of it reads every school's
// sources: give it longer than an ordinary call.
constexpr absl::Duration kReportTimeout = absl::Minutes(1);
constexpr absl::Duration kExportTimeout = absl::Minutes(2);

absl::Status NeedReporting(const Ctl::Impl& impl) {
  if (impl.reporting == nullptr) {
    return UsageError("no reporting service address (--reporting-addr, PARLEY_REPORTING_ADDR)");
  }
  return absl::OkStatus();
}

// Written to a ".part" file and renamed: a half-written report must not pass for a whole one.
absl::Status Publish(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("could not write ", path));
  }
  return absl::OkStatus();
}

absl::Status WriteWhole(const std::string& path, const std::string& content) {
  const std::string tmp = absl::StrCat(path, ".part");
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f.good()) return absl::UnavailableError(absl::StrCat("could not write ", tmp));
  }
  return Publish(tmp, path);
}

}  // namespace

absl::Status Ctl::Report(const ReportOptions& opts) {
  PARLEY_RETURN_IF_ERROR(CheckReportOptions(opts));
  const bool from_file = !opts.input.empty();
  // --csv alone asks only for the export; everything else needs the report itself.
  const bool want_report = from_file || !opts.html.empty() || impl_->opts.json || opts.csv.empty();
  if (!from_file) PARLEY_RETURN_IF_ERROR(NeedReporting(*impl_));

  rv1::TrustReport report;
  if (from_file) {
    PARLEY_ASSIGN_OR_RETURN(std::string json, ReadWholeFile(opts.input));
    PARLEY_ASSIGN_OR_RETURN(report, ParseTrustReportJson(json, opts.input));
  } else if (want_report) {
    PARLEY_ASSIGN_OR_RETURN(rv1::GetTrustReportRequest req, TrustReportRequest(opts));
    PARLEY_RETURN_IF_ERROR(impl_->Call(kReportTimeout, true, [&](grpc::ClientContext& ctx) {
      report.Clear();
      return impl_->reporting->GetTrustReport(&ctx, req, &report);
    }));
  }

  // Without --json, stdout says what was written; with it, stdout is the JSON alone.
  std::ostream& said = impl_->opts.json ? impl_->err : impl_->out;
  if (!opts.csv.empty()) {
    PARLEY_ASSIGN_OR_RETURN(rv1::ExportReportRequest req, ExportReportRequest(opts));
    const std::string tmp = absl::StrCat(opts.csv, ".part");
    size_t bytes = 0;
    // A retry starts the stream, and the file, again from the first chunk.
    absl::Status status = impl_->Call(kExportTimeout, true, [&](grpc::ClientContext& ctx) {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, absl::StrCat("cannot write ", tmp));
      bytes = 0;
      std::unique_ptr<grpc::ClientReader<rv1::ExportReportChunk>> reader = impl_->reporting->ExportReport(&ctx, req);
      rv1::ExportReportChunk chunk;
      while (reader->Read(&chunk)) {
        f.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
        bytes += chunk.data().size();
      }
      grpc::Status finished = reader->Finish();
      f.close();
      if (finished.ok() && !f.good()) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, absl::StrCat("could not write ", tmp));
      }
      return finished;
    });
    if (!status.ok()) {
      std::remove(tmp.c_str());
      return status;
    }
    PARLEY_RETURN_IF_ERROR(Publish(tmp, opts.csv));
    said << "wrote " << opts.csv << " (" << bytes << " bytes of CSV)\n";
  }
  if (!opts.html.empty()) {
    const std::string html = RenderReportHtml(report);
    PARLEY_RETURN_IF_ERROR(WriteWhole(opts.html, html));
    said << "wrote " << opts.html << " (" << html.size() << " bytes of HTML, " << report.schools_size() << " schools"
         << (report.partial() ? ", PARTIAL" : "") << ")\n";
  }
  if (impl_->opts.json) return impl_->PrintJson(report);
  if (opts.html.empty() && opts.csv.empty()) impl_->out << FormatTrustReport(report);
  return absl::OkStatus();
}

absl::Status Ctl::ReportBreaches(const BreachesOptions& opts) {
  PARLEY_ASSIGN_OR_RETURN(rv1::ListBreachesRequest first, BreachesRequest(opts));
  PARLEY_RETURN_IF_ERROR(NeedReporting(*impl_));
  rv1::ListBreachesResponse all;
  PARLEY_RETURN_IF_ERROR(impl_->Pages<rv1::ListBreachesResponse>(
      true, "",
      [&](grpc::ClientContext& ctx, const std::string& token, rv1::ListBreachesResponse* page) {
        rv1::ListBreachesRequest req = first;
        req.set_page_size(kFollowPageSize);
        req.set_page_token(token);
        return impl_->reporting->ListBreaches(&ctx, req, page);
      },
      &all));
  if (impl_->opts.json) return impl_->PrintJson(all);
  impl_->out << FormatBreaches(all);
  return absl::OkStatus();
}

}  // namespace parley::ctl
