#!/usr/bin/env bash
# Loads the demo trust's conduct records through the conduct API (parleyctl): at Kenilworth, whose
# policy provides for special communication arrangements (policy 003, Kenilworth: see deploy/demo/README.md, "The five policies"), three incidents
# under the code of conduct and one active arrangement — email only, Tuesdays 15:30-16:30, the head
# as single point of contact, a colleague present and the head informed for meetings.
#
#   deploy/demo/load_conduct_demo.sh <path to parleyctl>
#
# Safe to run again: it does nothing when Kenilworth already has an arrangement.
set -euo pipefail
CTL=${1:?usage: load_conduct_demo.sh PARLEYCTL}
SCHOOL=kenilworth

existing=$("$CTL" --json conduct arrangements --school "$SCHOOL" |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("arrangements", [])))')
if [[ $existing != 0 ]]; then
  echo "Kenilworth already has $existing arrangement(s); leaving the conduct records as they are"
  exit 0
fi

# Two guardians whose children are only at Kenilworth, and the head.
read -r FIRST SECOND < <("$CTL" --json guardians list --school "$SCHOOL" | python3 -c '
import json, sys
ids = [g["name"].split("/")[1] for g in json.load(sys.stdin).get("guardians", [])
       if all(p["pupil"].startswith("schools/kenilworth/") for p in g.get("pupils", []))]
print(ids[0], ids[1])')
HEAD=$("$CTL" --json staff list --school "$SCHOOL" --role headteacher |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["staff"][0]["name"].split("/")[-1])')

# Dates relative to today, so the demo looks the same whenever it is loaded: two incidents on
# Tuesdays about eleven and ten weeks ago, the arrangement from the Thursday after the second, a
# third incident a fortnight after that, and a review about fifteen weeks after the start.
read -r I1 I2 I3 START REVIEW I1_WORDS I2_WORDS START_WORDS REVIEW_WORDS < <(python3 -c '
import datetime as dt
today = dt.date.today()
back = today - dt.timedelta(days=77)
i1 = back - dt.timedelta(days=(back.weekday() - 1) % 7)  # a Tuesday
i2, start = i1 + dt.timedelta(days=7), i1 + dt.timedelta(days=16)
i3, review = i1 + dt.timedelta(days=21), start + dt.timedelta(days=106)
words = lambda d: d.strftime("%-d_%B_%Y")
print(i1, i2, i3, start, review, words(i1), words(i2), words(start), words(review))')

"$CTL" conduct incident record --school "$SCHOOL" --guardian "$FIRST" --kind abusive-message --channel email \
  --at "$I1 09:30" --ref "kenilworth/conduct/${I1:0:4}-014" >/dev/null
"$CTL" conduct incident record --school "$SCHOOL" --guardian "$FIRST" --kind shouting --channel in-person \
  --at "$I2 15:20" --staff "$HEAD" --ref "kenilworth/conduct/${I2:0:4}-017" >/dev/null
"$CTL" conduct incident record --school "$SCHOOL" --guardian "$SECOND" --kind threatening --channel phone \
  --at "$I3 11:05" --ref "kenilworth/conduct/${I3:0:4}-021" >/dev/null

reasons=$(mktemp)
trap 'rm -f "$reasons"' EXIT
cat >"$reasons" <<TXT
On ${I1_WORDS//_/ } you sent an email to staff that was abusive, and on ${I2_WORDS//_/ } you shouted
at the headteacher at the school gate. Both breach our Parent Code of Conduct. From ${START_WORDS//_/ } the
school will communicate with you by email only, and will read and answer your emails on Tuesdays
between 15:30 and 16:30. Please address them to the headteacher. Any meeting will be held with a
second member of staff present. We will review this arrangement on ${REVIEW_WORDS//_/ }.
TXT
draft=$("$CTL" --json conduct arrangement create --school "$SCHOOL" --guardian "$FIRST" --scope school \
  --channels email --window tue:15:30-16:30 --contact "$HEAD" --second-staff --head-informed \
  --reasons-file "$reasons" --start "$START 08:00" --review "$REVIEW" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')
"$CTL" conduct arrangement issue "$draft" >/dev/null
echo "Kenilworth: 3 incidents, arrangement $draft issued for guardians/$FIRST"
