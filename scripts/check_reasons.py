#!/usr/bin/env python3
"""The error-reason catalogue stays the one list: every reason the code attaches is in
common/status/reasons.h, and docs/errors.md documents every catalogue entry for API users.

Checks, over the C++ sources of common/, services/ and tools/ (tests excluded):
  - a string literal given as the reason of InvalidArgument/NotFound/…/WithReason, or assigned to a
    constant whose name says it is a reason, must be a catalogue value;
  - every catalogue value appears in docs/errors.md, and docs/errors.md names no reason the
    catalogue lacks.
Exit status 1 with one line per problem."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "common/status/reasons.h"
DOC = ROOT / "docs/errors.md"

HELPER = re.compile(r'\b(?:InvalidArgument|NotFound|FailedPrecondition|PermissionDenied|AlreadyExists|Aborted|'
                    r'Unavailable|Unauthenticated|Internal)\(\s*"([^"]*)"')
WITH_REASON = re.compile(r'WithReason\([^;]*?,\s*"([A-Z0-9_]+)"\s*\)', re.S)
REASON_CONSTANT = re.compile(r'constexpr char (k\w*(?:Reason|Exists|Missing)\w*)\[\]\s*=\s*"([^"]*)"')


def catalogue():
    text = CATALOGUE.read_text()
    return set(re.findall(r'inline constexpr char k\w+\[\] = "([A-Z0-9_]+)";', text))


def sources():
    for top in ("common", "services", "tools"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in (".cc", ".h") or path.name == "reasons.h":
                continue
            if re.search(r"(_test|_pgtest|_redistest)\.cc$|/testing/|test_service\.h$|test_util\.h$", str(path)):
                continue
            yield path


def main():
    known = catalogue()
    problems = []
    for path in sources():
        text = path.read_text(errors="replace")
        used = HELPER.findall(text) + WITH_REASON.findall(text) + [v for _, v in REASON_CONSTANT.findall(text)]
        for value in used:
            if value not in known:
                problems.append(f"{path.relative_to(ROOT)}: reason \"{value}\" is not in common/status/reasons.h")
    # The first column of the reason tables (the table of status codes names codes, not reasons).
    doc = DOC.read_text() if DOC.exists() else ""
    reason_tables = doc[doc.find("\n## "):] if "\n## " in doc else ""
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", reason_tables, re.M))
    for value in sorted(known - documented):
        problems.append(f"docs/errors.md does not document {value}")
    for value in sorted(documented - known):
        problems.append(f"docs/errors.md documents {value}, which the catalogue lacks")
    for p in problems:
        print(p)
    print(f"reasons: {len(known)} in the catalogue, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
