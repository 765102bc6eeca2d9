#!/usr/bin/env python3
"""Loads the demo trust's appointments into the appointments service through its API (parleyctl).

  deploy/demo/load_appointments_demo.py <path to parleyctl>

At each of the five demo schools:
  - a parents' evening on the next school day after a week (in the current term), 16:00-19:00, with
    10-minute slots for the five or six teachers who teach the most pupils there (class teachers at the
    primaries, form tutors and subject teachers at Riverside, where each teacher has a room and a
    two-minute walk is kept between a family's meetings in different rooms). Booking opens at once
    (`evenings open`: the API cannot open an evening created earlier);
  - some of its slots booked by guardians of pupils those teachers teach (at Riverside one family sees
    two teachers in two rooms); at the first school with a pupil whose parents live apart, the evening
    lets each parent book their own meeting and both do;
  - open meeting requests: three not yet answered, two with times offered, one booked (the guardian
    took the first time offered); at Milton Road also an arranged call, booked;
  - two meetings held on the school's last two school days, recorded after the fact by the office
    (`meetings book --held`: attended);
  - a records-disposal rule for meeting notes (parent_meeting: six years) and, for every meeting held and
    every booked request whose meeting has started, a note with its retention date.

Guardians under a court order for the pupil are left out. The choice of pupils and teachers follows the
directory's order (the generator is seeded); dates are relative to today. Safe to run again: a school
that already has an evening keeps it, one that already has meeting requests keeps them, and a booking
that already has a note gets no second one.
"""
import datetime
import json
import subprocess
import sys

SCHOOLS = ["milton-road", "riverside-academy", "woodgrange-infant", "kenilworth", "st-marys"]
WEEKDAYS = ["WEEKDAY_MONDAY", "WEEKDAY_TUESDAY", "WEEKDAY_WEDNESDAY", "WEEKDAY_THURSDAY", "WEEKDAY_FRIDAY",
            "WEEKDAY_SATURDAY", "WEEKDAY_SUNDAY"]
# Riverside has rooms for its teachers and keeps a walk between them.
ROOMS = {"riverside-academy": ["S1", "S4", "H2", "M3", "E5", "L1"]}
WALK = {"riverside-academy": "2m"}
TOPICS = ["Progress in reading this term", "Friendship worries at break time", "Homework and how to help at home",
          "Support plan: how it is going", "Behaviour in class since half-term", "Settling in after the move",
          "Attendance and punctuality", "Maths set and next steps"]
RETENTION = ("parent_meeting", "6", "IRMS toolkit for schools: notes of meetings with parents, 6 years")


class CtlError(Exception):
    pass


def ctl(exe, *args):
    done = subprocess.run([exe, "--json", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise CtlError(f"parleyctl {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def rfc3339(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the directory -------------------------------------------------------------------------------

def school_day_test(calendar):
    """A function telling whether a date is a school day: a school day of the week, inside a term, not in
    a closure."""
    closures = [(datetime.date.fromisoformat(c["startDate"]),
                 datetime.date.fromisoformat(c.get("endDate", c["startDate"]))) for c in calendar.get("closures", [])]
    terms = [(datetime.date.fromisoformat(t["startDate"]), datetime.date.fromisoformat(t["endDate"]))
             for t in calendar.get("terms", [])]
    days = set(calendar.get("schoolDays", WEEKDAYS[:5]))

    def school_day(d):
        return (WEEKDAYS[d.weekday()] in days and any(a <= d <= b for a, b in terms)
                and not any(a <= d <= b for a, b in closures))
    return school_day, terms


def evening_date(calendar, today):
    """The next school day after a week, in the current term. When the current term has none left after
    a week, its next school day after today."""
    school_day, terms = school_day_test(calendar)
    term_end = next((b for a, b in terms if a <= today <= b), None)
    for start in (today + datetime.timedelta(days=8), today + datetime.timedelta(days=1)):
        d = start
        while term_end is not None and d <= term_end:
            if school_day(d):
                return d
            d += datetime.timedelta(days=1)
    # Between terms: the first school day ahead.
    d = today + datetime.timedelta(days=8)
    while not school_day(d):
        d += datetime.timedelta(days=1)
        if d > today + datetime.timedelta(days=400):
            raise SystemExit("no school day in the calendar within a year")
    return d


def past_school_days(calendar, today, count):
    """The last `count` school days before today, most recent first (fewer when the calendar has none in
    the last six weeks)."""
    school_day, _ = school_day_test(calendar)
    out, d = [], today - datetime.timedelta(days=1)
    while len(out) < count and d > today - datetime.timedelta(days=42):
        if school_day(d):
            out.append(d)
        d -= datetime.timedelta(days=1)
    return out


def teachers_of(pupil):
    """The staff who teach a pupil: class teacher (primary), form tutor and subject teachers (secondary)."""
    out = []
    for key in ("classTeacher", "formTutor"):
        if pupil.get(key):
            out.append(pupil[key])
    out += [s["teacher"] for s in pupil.get("subjectTeachers", []) if s.get("teacher")]
    return list(dict.fromkeys(out))


def short(name):
    return name.rsplit("/", 1)[-1]


class School:
    """What the loader needs of one school's directory, read once through contacts."""

    def __init__(self, exe, school):
        self.id = school
        self.calendar = ctl(exe, "schools", "show", school).get("calendar", {})
        pupils = []
        token = None
        while True:
            page = ctl(exe, "pupils", "list", "--school", school, *(["--page-token", token] if token else []))
            pupils += page.get("pupils", [])
            token = page.get("nextPageToken")
            if not token:
                break
        self.pupils = {p["name"]: p for p in pupils}
        # pupil -> guardians (no court order), in the directory's order; guardian -> household.
        self.guardians_of = {}
        self.household = {}
        for g in ctl(exe, "guardians", "list", "--school", school).get("guardians", []):
            self.household[g["name"]] = g.get("household", g["name"])
            for link in g.get("pupils", []):
                if link["pupil"] in self.pupils and "courtOrder" not in link:
                    self.guardians_of.setdefault(link["pupil"], []).append(g["name"])
        self.taught = {}
        for name, p in self.pupils.items():
            for t in teachers_of(p):
                self.taught.setdefault(t, []).append(name)

    def evening_teachers(self):
        """The five or six teachers with the most pupils (six where six teach any), by name on a tie."""
        ranked = sorted(self.taught, key=lambda t: (-len(self.taught[t]), t))
        return ranked[:6] if len(ranked) >= 6 else ranked[:5]

    def separated(self, teachers):
        """A pupil taught by one of `teachers` whose guardians live in two households: (pupil, teacher, [g1, g2])."""
        for t in teachers:
            for p in self.taught[t]:
                gs = self.guardians_of.get(p, [])
                homes = {}
                for g in gs:
                    homes.setdefault(self.household[g], g)
                if len(homes) >= 2:
                    return p, t, list(homes.values())[:2]
        return None


# ---- parents' evenings ---------------------------------------------------------------------------

def free_slots(exe, evening, teacher):
    slots = ctl(exe, "evenings", "slots", evening, "--staff", teacher, "--free").get("slots", [])
    return [s["time"]["startTime"] for s in slots]


def book(exe, evening, guardian, choices):
    """`choices`: (pupil, teacher, start) held and confirmed together. False when the service refuses
    (the conduct gate, a limit): said on stderr, the evening goes on."""
    args = ["evenings", "book", evening, "--guardian", guardian]
    for pupil, teacher, start in choices:
        args += ["--slot", f"{pupil},{teacher},{start}"]
    try:
        ctl(exe, *args)
        return True
    except CtlError as e:
        print(f"  {short(guardian)}: not booked ({e})", file=sys.stderr)
        return False


def load_evening(exe, s, today, separated_school):
    if ctl(exe, "evenings", "list", "--school", s.id).get("parentsEvenings"):
        print(f"{s.id}: already has a parents' evening")
        return
    teachers = s.evening_teachers()
    rooms = ROOMS.get(s.id)
    day = evening_date(s.calendar, today)
    args = ["evenings", "open", "--school", s.id, "--name", f"Parents' evening, {day.strftime('%A %-d %B')}",
            "--date", day.isoformat(), "--from", "16:00", "--to", "19:00", "--slot", "10m"]
    for i, t in enumerate(teachers):
        spec = short(t)
        if rooms:
            spec += f",room={rooms[i % len(rooms)]}"
        if i == 1:
            spec += ",break=17:30-17:40"  # one teacher takes a break
        args += ["--teacher", spec]
    if s.id in WALK:
        args += ["--walk", WALK[s.id]]
    separated = s.separated(teachers) if s.id == separated_school else None
    args += ["--household", "one-each" if separated else "one-per-household"]
    evening = ctl(exe, *args)["name"]

    booked, used = 0, set()
    if separated:
        pupil, teacher, (first, second) = separated
        free = free_slots(exe, evening, teacher)
        if len(free) >= 4:
            # Each parent their own meeting, at different times.
            booked += book(exe, evening, first, [(pupil, short(teacher), free[0])])
            booked += book(exe, evening, second, [(pupil, short(teacher), free[3])])
            used |= {first, second}
    for t in teachers:
        # Two families per teacher, spread through the evening.
        picks = [p for p in s.taught[t] if s.guardians_of.get(p) and s.guardians_of[p][0] not in used][:2]
        free = free_slots(exe, evening, t)
        if not free:
            continue
        for k, pupil in enumerate(picks):
            guardian = s.guardians_of[pupil][0]
            start = free[min(len(free) - 1, 2 + 5 * k)]
            choices = [(pupil, short(t), start)]
            # At Riverside the first family also sees another of the child's teachers, two slots later.
            if rooms and k == 0:
                other = next((o for o in teachers_of(s.pupils[pupil]) if o in teachers and o != t), None)
                if other:
                    later = instant(start) + datetime.timedelta(minutes=20)
                    other_free = [x for x in free_slots(exe, evening, other) if instant(x) >= later]
                    if other_free:
                        choices.append((pupil, short(other), other_free[0]))
            if book(exe, evening, guardian, choices):
                booked += len(choices)
                used.add(guardian)
    kind = "separated parents book one each" if separated else "one booking per household"
    print(f"{s.id}: {evening} on {day}, {len(teachers)} teachers, {booked} slots booked ({kind})")


# ---- meeting requests ----------------------------------------------------------------------------

def offer(exe, school, name, teacher, count, mode_length="30m"):
    slots = ctl(exe, "meetings", "slots", "--school", school, "--staff", short(teacher), "--length", mode_length,
                "--limit", str(count * 3)).get("slots", [])
    # Spread the times offered: every third free slot.
    chosen = slots[::3][:count]
    if not chosen:
        print(f"  {short(name)}: {short(teacher)} has no free time this week to offer", file=sys.stderr)
        return False
    args = ["meetings", "offer", name]
    for t in chosen:
        args += ["--time", f"{t['startTime']}/{t['endTime']}"]
    ctl(exe, *args)
    return True


def load_requests(exe, s, now):
    """Returns the meetings held earlier this term it recorded (none when the school already had requests:
    a second run adds neither)."""
    if ctl(exe, "meetings", "list", "--school", s.id).get("meetingRequests"):
        print(f"{s.id}: already has meeting requests")
        return []
    # Pupils with a teacher and a guardian, in the directory's order, one request each.
    pairs = [(p, s.guardians_of[p][0], teachers_of(s.pupils[p])[0]) for p in s.pupils
             if s.guardians_of.get(p) and teachers_of(s.pupils[p])]
    plans = ["open", "open", "open", "offered", "offered", "booked"]
    if s.id == "milton-road":
        plans.append("call")
    counts = {}
    for i, plan in enumerate(plans):
        pupil, guardian, teacher = pairs[(7 * i + 3) % len(pairs)]
        received = now - datetime.timedelta(hours=2 + 5 * i)
        args = ["meetings", "request", "--school", s.id, "--guardian", guardian, "--pupil", pupil,
                "--topic", TOPICS[i % len(TOPICS)], "--staff", short(teacher), "--received", rfc3339(received)]
        if plan == "call":
            args += ["--call", "--mode", "phone"]
        # A refusal (the conduct gate, no free time) is reported and the rest goes on.
        try:
            name = ctl(exe, *args)["name"]
            state = "open"
            if plan != "open" and offer(exe, s.id, name, teacher, 2, "15m" if plan == "call" else "30m"):
                state = "offered"
                if plan in ("booked", "call"):
                    ctl(exe, "meetings", "accept", name, "--offered", "1")
                    state = "booked call" if plan == "call" else "booked"
        except CtlError as e:
            print(f"  {s.id}: a {plan} request stopped short: {e}", file=sys.stderr)
            state = "refused"
        counts[state] = counts.get(state, 0) + 1
    print(f"{s.id}: meeting requests " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    held = load_held_meetings(exe, s, now.date())
    print(f"{s.id}: {len(held)} meetings held earlier this term recorded")
    return held


# ---- meetings held earlier this term ------------------------------------------------------------

def load_held_meetings(exe, s, today):
    """Two meetings the school held on its last school days, recorded after the fact by the office
    (ATTENDED) so the demo has notes of meetings that took place. Returns their bookings."""
    held = []
    pairs = [(p, s.guardians_of[p][0], teachers_of(s.pupils[p])[0]) for p in s.pupils
             if s.guardians_of.get(p) and teachers_of(s.pupils[p])]
    for k, day in enumerate(past_school_days(s.calendar, today, 2)):
        pupil, guardian, teacher = pairs[(11 * k + 5) % len(pairs)]
        try:
            b = ctl(exe, "meetings", "book", "--school", s.id, "--guardian", guardian, "--pupil", pupil,
                    "--staff", short(teacher), "--time", f"{day.isoformat()} 15:45", "--length", "30m", "--held")
            held.append(b["name"])
        except CtlError as e:
            print(f"  {s.id}: the meeting held on {day} was not recorded: {e}", file=sys.stderr)
    return held


# ---- notes of meetings held ----------------------------------------------------------------------

def load_retention(exe, school):
    record_type, years, text = RETENTION
    have = ctl(exe, "meetings", "settings", "show", school).get("retention", [])
    if any(r.get("recordType") == record_type and str(r.get("years")) == years for r in have):
        return
    ctl(exe, "meetings", "settings", "retention", school, "--record-type", record_type, "--years", years,
        "--text", text)


def load_notes(exe, school, now, held):
    """A note for every meeting held (`held`) or booked from a request that has started, and has none
    yet; the first start still ahead."""
    added, next_start = 0, None
    booked = [r["booking"] for r in ctl(exe, "meetings", "list", "--school", school, "--state", "booked")
              .get("meetingRequests", []) if r.get("booking")]
    for booking in list(dict.fromkeys(held + booked)):
        b = ctl(exe, "meetings", "booking", booking)
        start = instant(b["time"]["startTime"])
        if start > now:
            next_start = start if next_start is None else min(next_start, start)
            continue
        if b.get("state") not in ("BOOKING_STATE_CONFIRMED", "BOOKING_STATE_ATTENDED"):
            continue
        if ctl(exe, "meetings", "notes", "list", b["name"]).get("notes"):
            continue
        note = ctl(exe, "meetings", "notes", "add", b["name"], "--record-type", RETENTION[0],
                   "--body-ref", f"demo/{school}/meeting-notes/{short(b['name'])}", "--recording-not-permitted")
        added += 1
        print(f"{school}: note {note['name']} kept until {note.get('retainUntil', '?')}")
    return added, next_start


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: load_appointments_demo.py PARLEYCTL")
    exe = sys.argv[1]
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    today = datetime.date.today()
    try:
        schools = [School(exe, school) for school in SCHOOLS]
        # Separated parents book one each at the first school where one of the evening's teachers
        # teaches a pupil whose parents live apart.
        separated_school = next((s.id for s in schools if s.separated(s.evening_teachers())), None)
        held = {}
        for s in schools:
            load_evening(exe, s, today, separated_school)
            held[s.id] = load_requests(exe, s, now)
            load_retention(exe, s.id)
        added, next_start = 0, None
        for s in schools:
            a, n = load_notes(exe, s.id, now, held[s.id])
            added += a
            if n is not None:
                next_start = n if next_start is None else min(next_start, n)
    except CtlError as e:
        raise SystemExit(str(e))
    if added == 0 and next_start is not None:
        print(f"meeting notes: none yet (no booked meeting has started); run again after {rfc3339(next_start)}")
    else:
        print(f"meeting notes: {added} added")


if __name__ == "__main__":
    main()
