#!/usr/bin/env python3
"""The term simulation: a past school week (or half-term) of the five demo schools, driven through
Parley's APIs on a faked clock, so the trust report has real history to show.

scripts/run.sh starts the whole trust on a faked clock (libfaketime; tools/fakeclock) at the
simulation's start and then runs this script, which

  1. plans the span from the generated trust (each school's calendar, routing, ladders and promises):
     enquiries on every channel at the school's rhythm (a Monday peak, emails in the evening and at
     the weekend, letters with the post, calls in the day), each with what the school's staff will
     do about it and when (each school has its own staffing profile: how soon it acknowledges and
     answers, how often a promise slips, how often a matter is left to climb the ladder), a
     safeguarding concern, incidents under the parent code of conduct and an arrangement,
     meeting requests, a parents' evening, newsletters and an emergency closure text;
  2. steps the clock from one thing to the next: it jumps to just before the next planned action or
     the next durable timer due (read from the services' parley_timers), holding the services still
     while the clock file changes (deploy/demo/simclock.py), then lets real time run through it, so
     every timer fires at its own due time; it never jumps over a due timer;
  3. acts through parleyctl (on the faked clock too: its tokens are checked against faked time), and
     takes the due times each enquiry comes back with as the truth about the school's calendar;
  4. at the end runs the clock to real time (run.sh) or, with --check, on past the last clock of the
     simulation and compares the trust report with the counts it knows: what it received, what was
     kept in time, the breaches, escalations and referrals to complaints the timers must have made,
     safeguarding concerns, incidents, the arrangement, meeting requests, parents' evening bookings
     and notices. It prints every difference and exits 1 if there is one.

  simulate_term.py start-time --span week|half-term [--today YYYY-MM-DD]
  simulate_term.py run --span week|half-term --data DIR --ctl PARLEYCTL --preload LD_PRELOAD
                       --pg "host=... port=... user=..." --trust demo-trust.json [--check] [--seed N]

Run it without libfaketime: it reads the real clock to move the faked one. Python 3 standard
library only. Seeded, so two runs over the same span plan the same week.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_calendars  # noqa: E402
import simclock  # noqa: E402

LONDON = ZoneInfo("Europe/London")
UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
SLOT = 60 * MINUTE  # every act lands on the hour: each clock stop costs seconds of real time
# Land this long before a stop: the clock change takes simclock.SETTLE_SECONDS while the services
# stand still, then real time runs through the rest.
LEAD_SECONDS = simclock.SETTLE_SECONDS + 1.0
SCHOOL_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schools")

# How each school's staff work, from its policy and its size (deploy/demo/README.md, "The five
# policies"): enquiries a day, the channel mix, how soon the office acknowledges and the owner
# answers (working hours, drawn uniformly), and the share of matters where a promise slips.
PROFILES = {
    # A small primary with a strong office: quick acknowledgements, few slips.
    "st-marys": {"per_day": 5, "channels": {"email": 5, "app": 3, "phone": 2},
                 "ack_hours": (0.5, 4), "answer_hours": (4, 20), "late_ack": 0.04, "late_answer": 0.06, "climb": 0.03},
    # Five working days to acknowledge, one to return a call: relaxed letters, tight calls.
    "milton-road": {"per_day": 4, "channels": {"email": 3, "letter": 1, "app": 3, "phone": 3},
                    "ack_hours": (6, 30), "answer_hours": (2, 10), "late_ack": 0.03, "late_answer": 0.2, "climb": 0.0},
    # A large secondary: the most traffic, stretched pastoral staff, ten days to answer.
    "riverside-academy": {"per_day": 8, "channels": {"email": 6, "letter": 1, "phone": 3},
                          "ack_hours": (2, 14), "answer_hours": (10, 40), "late_ack": 0.12, "late_answer": 0.1,
                          "climb": 0.02},
    # An infant school where most parents talk at the gate: little written traffic.
    "woodgrange-infant": {"per_day": 3, "channels": {"email": 3, "letter": 1, "phone": 2},
                          "ack_hours": (1, 8), "answer_hours": (4, 24), "late_ack": 0.05, "late_answer": 0.05,
                          "climb": 0.0},
    # 48 hours for an email, 24 for a call: the tightest promises, kept by a busy office.
    "kenilworth": {"per_day": 5, "channels": {"email": 5, "phone": 3, "letter": 1, "app": 1},
                   "ack_hours": (2, 12), "answer_hours": (6, 16), "late_ack": 0.15, "late_answer": 0.15, "climb": 0.04},
}
CATEGORIES = {"learning": 8, "pastoral": 5, "send": 2, "payments": 2, "trips": 1, "attendance": 2}
WEEKDAY_WEIGHT = [1.6, 1.0, 1.0, 0.9, 0.8]  # Monday's peak, a quieter Friday
SUBJECTS = {
    "learning": ["Reading book", "Homework question", "Spelling test", "Maths set", "Progress this term"],
    "pastoral": ["Friendship worries", "Upset after lunch", "Settling in", "Worried about a change at home"],
    "send": ["Support plan review", "Help in class", "Assessment request"],
    "payments": ["Lunch balance", "Refund for a trip"], "trips": ["Trip kit list", "Trip pick-up time"],
    "attendance": ["Absence tomorrow", "Medical appointment"],
}


class CtlError(Exception):
    pass


# ---- the span --------------------------------------------------------------------------------------

def school_calendars(trust_doc=None, today=None):
    """{school id: calendar dict}: from the generated trust, or (before it exists) the school files
    completed for `today` exactly as generate_demo_trust.py does."""
    out = {}
    if trust_doc:
        for s in trust_doc["schools"]:
            out[s["school"]["name"].split("/")[1]] = s["school"]["calendar"]
        return out
    for f in sorted(os.listdir(SCHOOL_FILES)):
        sid = f[:-5]
        cal = json.load(open(os.path.join(SCHOOL_FILES, f)))["school"]["calendar"]
        out[sid] = demo_calendars.complete_calendar(cal, sid, today)
    return out


def bank_holidays(year):
    """England's fixed-rule bank holidays that can fall in a term (the rest fall in holidays)."""
    may = datetime.date(year, 5, 1)
    first_monday = may + datetime.timedelta(days=(7 - may.weekday()) % 7)
    return {first_monday}


def open_days(calendar):
    """The days a school is open: term days, weekdays, not closed."""
    days = set()
    for t in calendar.get("terms", []):
        d, end = datetime.date.fromisoformat(t["startDate"]), datetime.date.fromisoformat(t["endDate"])
        while d <= end:
            if d.weekday() < 5:
                days.add(d)
            d += DAY
    for c in calendar.get("closures", []):
        d = datetime.date.fromisoformat(c["startDate"])
        end = datetime.date.fromisoformat(c.get("endDate", c["startDate"]))
        while d <= end:
            days.discard(d)
            d += DAY
    return {d for d in days if d not in bank_holidays(d.year)}


def choose_span(kind, today, calendars):
    """(first day, last day) simulated: `week`, the last Monday-Friday before today on which every
    school is open at least four days; `half-term`, from the start of the last stretch of teaching
    that began at least a week ago up to the day before today (at most eight weeks)."""
    any_open = set().union(*(open_days(c) for c in calendars.values()))
    all_open = set.intersection(*(open_days(c) for c in calendars.values()))
    monday = today - datetime.timedelta(days=today.weekday())
    for _ in range(60):
        week = [monday + i * DAY for i in range(5)]
        if monday + 4 * DAY < today and sum(d in all_open for d in week) >= 4:
            break
        monday -= 7 * DAY
    else:
        raise SystemExit("no school week in the demo calendars before today")
    if kind == "week":
        return monday, monday + 4 * DAY
    # Back from that week over teaching weeks, to the first after a holiday (at most eight weeks).
    start = monday
    for _ in range(7):
        before = start - 7 * DAY
        if not any(before + i * DAY in any_open for i in range(5)):
            break
        start = before
    return start, monday + 4 * DAY


def start_instant(first_day):
    """The Sunday evening before the first simulated day, 18:00 in London, as UTC."""
    sunday = first_day - datetime.timedelta(days=first_day.weekday() + 1)
    return datetime.datetime.combine(sunday, datetime.time(18, 0), LONDON).astimezone(UTC)


# ---- talking to Parley -----------------------------------------------------------------------------

class Parley:
    """parleyctl on the faked clock, and the services' timer tables."""

    TRANSIENT = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "not plausible", "TOKEN_INVALID", "TOKEN_EXPIRED")

    def __init__(self, args, clock):
        self.ctl_path = args.ctl
        self.pg = args.pg
        self.clock = clock
        self.env = dict(os.environ)
        self.env.update({"LD_PRELOAD": args.preload, "FAKETIME_TIMESTAMP_FILE": clock.path,
                         "FAKETIME_CACHE_DURATION": "1"})
        self.calls = 0
        self.retries = 0
        self.timer_dbs = None

    def ctl(self, *args):
        """One parleyctl call, JSON out. A transient failure (a peer that has not yet followed a clock
        change, a replica reconnecting) is tried again; anything else is a CtlError."""
        for attempt in range(8):
            done = subprocess.run([self.ctl_path, "--json", *args], capture_output=True, text=True, env=self.env)
            self.calls += 1
            if done.returncode == 0:
                return json.loads(done.stdout) if done.stdout.strip() else {}
            if not any(t in done.stderr for t in self.TRANSIENT):
                raise CtlError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
            self.retries += 1
            time.sleep(0.5 * (attempt + 1))
        raise CtlError(f"parleyctl {' '.join(args[:3])} kept failing: {done.stderr.strip()[:200]}")

    def psql(self, db, sql):
        done = subprocess.run(["psql", f"{self.pg} dbname={db}", "-tAc", sql], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"psql {db}: {done.stderr.strip()}")
        return done.stdout.strip()

    def next_clock_due(self):
        """The earliest promise clock still running (escalation's timers): the simulation is over when
        there is none."""
        out = self.psql("escalation", "SELECT extract(epoch FROM min(due_at)) FROM parley_timers "
                                      "WHERE state = 'pending' AND kind = 'escalation.clock'")
        return datetime.datetime.fromtimestamp(float(out), UTC) if out else None

    def next_timer_due(self):
        """The earliest pending durable timer of any service, retries included (a handler that lost a
        deadlock to another comes back after a short backoff, and must not be jumped over), but not
        one that keeps failing: it would hold the clock still for ever."""
        if self.timer_dbs is None:
            dbs = self.psql("postgres", "SELECT datname FROM pg_database WHERE NOT datistemplate").split()
            self.timer_dbs = [d for d in dbs if d != "postgres" and
                              self.psql(d, "SELECT to_regclass('parley_timers') IS NOT NULL") == "t"]
        best = None
        for db in self.timer_dbs:
            out = self.psql(db, "SELECT extract(epoch FROM min(due_at)) FROM parley_timers "
                                "WHERE state = 'pending' AND attempts <= 3")
            if out:
                t = datetime.datetime.fromtimestamp(float(out), UTC)
                best = t if best is None or t < best else best
        return best


def advance_to(parley, clock, target, stats):
    """Moves the faked clock to `target` through every timer due before it, each at its own time."""
    while True:
        now = clock.now()
        if now >= target:
            return
        due = parley.next_timer_due()
        if due is not None and due <= now + datetime.timedelta(seconds=0.2):
            time.sleep(0.3)  # due now: the service's worker is on it
            continue
        stop = min(target, due) if due is not None else target
        if (stop - now).total_seconds() > LEAD_SECONDS + 1.0:
            clock.set(stop - datetime.timedelta(seconds=LEAD_SECONDS))
            stats["stops"] += 1
        rest = (stop - clock.now()).total_seconds()
        if rest > 0:
            time.sleep(rest + 0.05)
        if stop == target:
            return
        time.sleep(0.5)  # let the timer's handler commit before asking again


# ---- the plan --------------------------------------------------------------------------------------

def local(day, hh, mm=0):
    return datetime.datetime.combine(day, datetime.time(hh, mm), LONDON).astimezone(UTC)


def floor_slot(t):
    s = int(t.timestamp()) // int(SLOT.total_seconds()) * int(SLOT.total_seconds())
    return datetime.datetime.fromtimestamp(s, UTC)


def ceil_slot(t):
    f = floor_slot(t)
    return f if f == t else f + SLOT


def parse_ts(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


class School:
    """What the simulation needs of one school, read from the generated trust."""

    def __init__(self, doc, guardians):
        self.id = doc["school"]["name"].split("/")[1]
        self.policy = doc["school"].get("policy", {})
        self.calendar = doc["school"]["calendar"]
        self.open = open_days(self.calendar)
        hours = self.calendar["coreHours"]
        self.opens = datetime.time.fromisoformat(hours["open"])
        self.closes = datetime.time.fromisoformat(hours["close"])
        self.staff = {s["name"]: s for s in doc["staff"]}
        words = {"CHANNEL_EMAIL": "email", "CHANNEL_APP_MESSAGE": "app", "CHANNEL_PHONE": "phone", "CHANNEL_LETTER": "letter"}
        self.follow_up_channels = {words.get(r["channel"]) for r in self.policy.get("rules", [])
                                   if r.get("stage") == "STAGE_FOLLOW_UP"}
        ladders = {l["name"]: len(l["rungs"]) for l in doc.get("ladders", [])}
        self.rungs = {r["category"]: ladders.get(r.get("ladder", ""), 0) for r in doc["routingMatrix"]["rules"]}
        self.pupils = {p["name"]: p for p in doc["pupils"]}
        # Guardians whose children are all at this school, with no court order or restriction on
        # them: each can write about any of their children.
        self.families = []
        for g in guardians:
            links = g.get("pupils", [])
            if not links or any("courtOrder" in l or not l["pupil"].startswith(f"schools/{self.id}/") for l in links):
                continue
            self.families.append((g["name"].split("/")[1], [l["pupil"] for l in links]))
        self.families.sort()

    def teacher_of(self, pupil):
        p = self.pupils[pupil]
        if p.get("classTeacher"):
            return p["classTeacher"]
        return p.get("formTutor") or p["subjectTeachers"][0]["teacher"]

    def working_hours(self, day):
        return local(day, self.opens.hour, self.opens.minute), local(day, self.closes.hour, self.closes.minute)

    def next_working_time(self, t, after_open=SLOT):
        """`t` if the school is open then, else the next opening (plus `after_open`)."""
        day = t.astimezone(LONDON).date()
        for _ in range(60):
            if day in self.open:
                start, end = self.working_hours(day)
                if t < start:
                    return start + after_open
                if t <= end - SLOT:
                    return t
            day += DAY
            t = local(day, 0)
        return t


class Expected:
    """The counts the report must show for one school."""

    FIELDS = ("received", "acknowledge_clocks_ended", "acknowledged_in_time", "answer_clocks_ended",
              "answered_in_time", "breaches", "escalations", "referrals_to_complaints", "safeguarding",
              "safeguarding_taken_up", "incidents", "arrangements_issued", "meeting_requests",
              "evening_slots_booked")

    def __init__(self):
        for f in self.FIELDS:
            setattr(self, f, 0)


class Simulation:
    def __init__(self, args, parley, clock, trust):
        self.args = args
        self.parley = parley
        self.clock = clock
        self.rng = random.Random(args.seed)
        self.schools = {s["school"]["name"].split("/")[1]: School(s, trust["guardians"]) for s in trust["schools"]}
        self.expected = {sid: Expected() for sid in self.schools}
        self.events = []  # (when, seq, callable)
        self.seq = 0
        self.stats = {"stops": 0, "enquiries": 0, "acts": 0, "refused": 0}
        self.excluded = set()  # guardians the conduct story uses: kept out of the ordinary traffic

    def at(self, when, fn):
        self.seq += 1
        self.events.append((when, self.seq, fn))

    # ---- enquiries ----

    def plan_enquiries(self, first, last):
        for sid, school in self.schools.items():
            prof = PROFILES.get(sid)
            if not prof:
                continue
            day = first - DAY  # the Sunday evening before
            while day <= last:
                if day.weekday() >= 5 or day not in school.open:
                    # A weekend or a holiday: a few emails arrive all the same.
                    if self.rng.random() < 0.6:
                        self.plan_one(school, prof, local(day, self.rng.choice([10, 20, 21])), "email")
                else:
                    n = prof["per_day"] * WEEKDAY_WEIGHT[day.weekday()] * self.args.scale
                    count = int(n) + (1 if self.rng.random() < n - int(n) else 0)
                    for _ in range(count):
                        channel = self.pick(prof["channels"])
                        self.plan_one(school, prof, self.arrival(school, day, channel), channel)
                day += DAY
            # One safeguarding concern per school, on the second day, mid-morning.
            self.plan_one(school, prof, local(first + DAY, 10, 30), "phone", safeguarding=True)

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def arrival(self, school, day, channel):
        if channel == "letter":
            return local(day, 9, 30)  # with the post, or in the book bag
        if channel == "phone":
            return local(day, self.rng.choice([8, 9, 10, 11, 12, 13, 14, 15]))
        # Emails and app messages: most in the day, a third in the evening or before school.
        if self.rng.random() < 0.33:
            return local(day, self.rng.choice([6, 19, 20, 21, 22]))
        return local(day, self.rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16]))

    def plan_one(self, school, prof, when, channel, safeguarding=False):
        families = [f for f in school.families if f[0] not in self.excluded]
        guardian, pupils = families[self.rng.randrange(len(families))]
        pupil = pupils[self.rng.randrange(len(pupils))]
        if safeguarding:
            category, scenario = "pastoral", "safeguarding"
        else:
            category = self.pick({c: w for c, w in CATEGORIES.items() if c in school.rungs})
            r = self.rng.random()
            scenario = "prompt"
            if r < prof["late_ack"]:
                scenario = "late_ack"
            elif r < prof["late_ack"] + prof["late_answer"]:
                scenario = "late_answer"
            elif r < prof["late_ack"] + prof["late_answer"] + prof["climb"] and school.rungs[category] > 0:
                scenario = "climb"
        subject = self.rng.choice(SUBJECTS.get(category, ["A question"]))
        self.at(when, lambda: self.open_enquiry(school, prof, guardian, pupil, channel, category, subject, scenario))

    def open_enquiry(self, school, prof, guardian, pupil, channel, category, subject, scenario):
        args = ["enquiries", "open", "--school", school.id, "--pupil", pupil, "--guardian", guardian,
                "--channel", channel, "--category", category, "--subject", subject,
                "--body-ref", f"sim/{school.id}/{self.seq}"]
        if scenario == "safeguarding":
            args.append("--safeguarding")
        p = school.pupils[pupil]
        if category == "learning" and p.get("subjectTeachers"):
            args += ["--teaching-subject", p["subjectTeachers"][self.rng.randrange(len(p["subjectTeachers"]))]["subject"]]
        e = self.parley.ctl(*args)
        now = self.clock.now()
        self.stats["enquiries"] += 1
        x = self.expected[school.id]
        x.received += 1
        name = e["name"]
        ack_due = parse_ts(e.get("acknowledge", {}).get("dueTime"))
        resp_due = parse_ts(e.get("respond", {}).get("dueTime"))
        state = e.get("state", "")
        if state in ("ENQUIRY_STATE_REDIRECTED", "ENQUIRY_STATE_NO_RESPONSE_REQUIRED"):
            return  # the gate or the route sent it elsewhere: no clock runs
        rungs = school.rungs.get(category, 0)
        start = school.next_working_time(now)

        if scenario == "safeguarding":
            # The DSL takes it up within half an hour and answers inside the hour the policy gives.
            x.safeguarding += 1
            x.safeguarding_taken_up += 1
            ack_at = now.replace(second=0, microsecond=0) + 25 * MINUTE
            self.schedule_ack(school, name, ack_at, ack_due, x)
            self.schedule_reply(school, name, ack_at + 20 * MINUTE, resp_due, x)
            return
        if scenario == "climb" and (e.get("followUp") or channel in school.follow_up_channels):
            # A follow-up promise (Riverside's calls) would fall due somewhere up the ladder: its
            # breach is real, but when it lands among the rungs' is not this plan's to know.
            scenario = "late_answer"
        if scenario == "climb" and resp_due and rungs:
            # Acknowledged, then never answered: each rung's budget runs out in turn, the top one
            # refers it to complaints.
            self.schedule_ack(school, name, self.in_time(school, start, prof["ack_hours"], ack_due), ack_due, x)
            x.answer_clocks_ended += 1
            x.breaches += rungs
            x.escalations += rungs - 1
            x.referrals_to_complaints += 1
            return
        late_ack = scenario == "late_ack" and ack_due is not None and \
            (resp_due is None or resp_due - ack_due > 4 * SLOT)
        if late_ack:
            ack_at = ceil_slot(ack_due + self.rng.choice([1, 2, 3]) * SLOT)
        else:
            ack_at = self.in_time(school, start, prof["ack_hours"], ack_due)
        self.schedule_ack(school, name, ack_at, ack_due, x)
        if scenario == "late_answer" and resp_due is not None:
            # The answer clock runs out: the breach is recorded and the matter goes up a rung with a
            # fresh budget (or, with no ladder, stays with its owner); it is answered soon after.
            x.answer_clocks_ended += 1
            x.breaches += 1
            if rungs > 1:
                x.escalations += 1
                x.answered_in_time += 1  # within the fresh budget
            elif rungs == 1:
                x.referrals_to_complaints += 1  # a one-rung ladder: the top already
                return
            self.at(ceil_slot(resp_due + 2 * SLOT), lambda: self.reply(school, name))
            return
        reply_from = max(ack_at + SLOT, school.next_working_time(ack_at))
        reply_at = self.in_time(school, reply_from, prof["answer_hours"], resp_due)
        if resp_due is not None and reply_at > resp_due - SLOT:
            reply_at = ack_at  # a tight promise (a call back by the end of the day): answered as acknowledged
        self.schedule_reply(school, name, reply_at, resp_due, x)

    def in_time(self, school, start, hours, due):
        """A time `hours` (drawn) of working time after `start`, within the school day, at least a
        slot before `due`."""
        t = start + datetime.timedelta(hours=self.rng.uniform(*hours))
        t = school.next_working_time(t)
        if due is not None:
            t = min(t, due - SLOT)
        return max(floor_slot(t), ceil_slot(start))

    def schedule_ack(self, school, name, at, due, x):
        if due is None:
            return  # no acknowledgement promised on this channel: the answer is the first word
        x.acknowledge_clocks_ended += 1
        if at <= due:
            x.acknowledged_in_time += 1
        else:
            x.breaches += 1
        self.at(at, lambda: self.act("ack", school, name))

    def schedule_reply(self, school, name, at, due, x):
        if due is not None:
            at = min(at, due - 10 * MINUTE)  # the rare plan that overshoots: answered just in time
            x.answer_clocks_ended += 1
            x.answered_in_time += 1
        self.at(at, lambda: self.reply(school, name))

    def act(self, verb, school, name):
        self.parley.ctl("enquiries", verb, name)
        self.stats["acts"] += 1

    def reply(self, school, name):
        """The answer, and the matter closed with it (which keeps a follow-up promise, where the
        school makes one, at once)."""
        self.parley.ctl("enquiries", "reply", name, "--body-ref", f"sim/{school.id}/reply")
        self.parley.ctl("enquiries", "resolve", name)
        self.stats["acts"] += 2

    # ---- conduct, meetings, evenings, notices ----

    def plan_conduct(self, first, last):
        """Kenilworth: a parent shouts at the gate and then sends an abusive email; after the second
        incident the head issues an arrangement (email only, Tuesday afternoons). Milton Road: one
        threatening call, reported to the chair of governors by its policy."""
        ken = self.schools.get("kenilworth")
        if ken:
            parent = ken.families[-1][0]
            self.excluded.add(parent)
            head = next(n for n, s in ken.staff.items() if "headteacher" in s.get("roles", []))
            d1, d2 = first, first + DAY
            self.at(local(d1, 15, 30), lambda: self.incident(ken, parent, "shouting", "in-person", d1, "15:20", head))
            self.at(local(d2, 9, 0), lambda: self.incident(ken, parent, "abusive-message", "email", d2, "08:40", None))
            self.at(local(d2, 14, 0), lambda: self.arrangement(ken, parent, head, d2 + DAY))
        mil = self.schools.get("milton-road")
        if mil:
            caller = mil.families[-1][0]
            self.excluded.add(caller)
            d3 = min(first + 2 * DAY, last)
            self.at(local(d3, 11, 30), lambda: self.incident(mil, caller, "threatening", "phone", d3, "11:10", None))

    def incident(self, school, guardian, kind, channel, day, hhmm, staff):
        args = ["conduct", "incident", "record", "--school", school.id, "--guardian", guardian, "--kind", kind,
                "--channel", channel, "--at", f"{day} {hhmm}", "--ref", f"{school.id}/conduct/sim-{day}-{kind}"]
        if staff:
            args += ["--staff", staff.split("/")[-1]]
        self.parley.ctl(*args)
        self.expected[school.id].incidents += 1

    def arrangement(self, school, guardian, head, start):
        reasons = (f"After the incidents recorded this week, from {start:%-d %B %Y} the school will "
                   "communicate with you by email only, read on Tuesdays between 15:30 and 16:30. "
                   "Please address your emails to the headteacher.")
        draft = self.create_arrangement(school, guardian, head, start, reasons)
        self.parley.ctl("conduct", "arrangement", "issue", draft)
        self.expected[school.id].arrangements_issued += 1

    def create_arrangement(self, school, guardian, head, start, reasons):
        path = os.path.join(self.args.data, f"sim-reasons-{school.id}.txt")
        with open(path, "w") as f:
            f.write(reasons + "\n")
        out = self.parley.ctl("conduct", "arrangement", "create", "--school", school.id, "--guardian", guardian,
                              "--scope", "school", "--channels", "email", "--window", "tue:15:30-16:30",
                              "--contact", head.split("/")[-1], "--second-staff", "--head-informed",
                              "--reasons-file", path, "--start", f"{start} 08:00",
                              "--review", (start + 84 * DAY).isoformat())
        return out["name"]

    def plan_meetings(self, first, last):
        """Two or three requests to meet a teacher at every school; each is offered times the next
        working day and the parent takes the first."""
        for sid, school in self.schools.items():
            days = [d for d in self.days(first, last) if d in school.open]
            for i in range(2 + (sid in ("riverside-academy", "kenilworth"))):
                if not days:
                    break
                day = days[min(i * 2, len(days) - 1)]
                families = [f for f in school.families if f[0] not in self.excluded]
                guardian, pupils = families[(31 * i + 7) % len(families)]
                pupil = pupils[0]
                when = local(day, 10 + 2 * i, 0)
                self.at(when, lambda s=school, g=guardian, p=pupil, d=day: self.meeting(s, g, p, d))

    def meeting(self, school, guardian, pupil, day):
        teacher = school.teacher_of(pupil).split("/")[-1]
        try:
            req = self.parley.ctl("meetings", "request", "--school", school.id, "--guardian", guardian, "--pupil", pupil,
                                  "--topic", "A chat about how things are going", "--staff", teacher)
        except CtlError as e:
            self.stats["refused"] += 1
            print(f"  {school.id}: meeting request refused: {e}", file=sys.stderr)
            return
        self.expected[school.id].meeting_requests += 1
        offer_at = school.next_working_time(self.clock.now() + 20 * 3600 * datetime.timedelta(seconds=1))
        self.at(ceil_slot(offer_at), lambda: self.offer(school, req["name"], teacher))

    def offer(self, school, name, teacher):
        # Times from the next working day on: the parent answers later today.
        earliest = self.clock.now() + 20 * 3600 * datetime.timedelta(seconds=1)
        slots = [s for s in self.parley.ctl("meetings", "slots", "--school", school.id, "--staff", teacher,
                                            "--length", "30m", "--limit", "40").get("slots", [])
                 if parse_ts(s["startTime"]) >= earliest]
        if not slots:
            print(f"  {school.id}: {teacher} has no free time to offer", file=sys.stderr)
            return
        args = ["meetings", "offer", name]
        for s in slots[::3][:2]:
            args += ["--time", f"{s['startTime']}/{s['endTime']}"]
        self.parley.ctl(*args)
        self.at(ceil_slot(self.clock.now() + 3 * SLOT), lambda: self.accept(school, name))

    def accept(self, school, name):
        try:
            self.parley.ctl("meetings", "accept", name, "--offered", "1")
        except CtlError as e:  # the gate or a clash: the school offers again another day
            self.stats["refused"] += 1
            print(f"  {school.id}: meeting not booked: {e}", file=sys.stderr)

    def plan_evening(self, first, last):
        """Riverside's parents' evening on the span's fourth day (or its last), opened on the first:
        families book through the week."""
        school = self.schools.get("riverside-academy")
        if not school:
            return
        days = [d for d in self.days(first, last) if d in school.open]
        if len(days) < 2:
            return
        evening_day = days[min(3, len(days) - 1)]
        self.at(local(days[0], 8, 30), lambda: self.open_evening(school, evening_day, days))

    def open_evening(self, school, day, days):
        teachers = sorted({t["teacher"] for p in school.pupils.values() if p.get("yearGroup") == 9
                           for t in p.get("subjectTeachers", []) if t["subject"] in ("maths", "english", "science")})
        args = ["evenings", "open", "--school", school.id, "--name", f"Year 9 parents' evening, {day:%A %-d %B}",
                "--date", day.isoformat(), "--from", "16:00", "--to", "19:00", "--slot", "10m", "--year", "9"]
        for i, t in enumerate(teachers[:4]):
            args += ["--teacher", f"{t.split('/')[-1]},room=R{i + 1}"]
        evening = self.parley.ctl(*args)["name"]
        pupils9 = [p for p in school.pupils.values() if p.get("yearGroup") == 9]
        guardians_of = {}
        for g, pupils in school.families:
            for p in pupils:
                guardians_of.setdefault(p, g)
        bookers = [(guardians_of[p["name"]], p) for p in pupils9 if p["name"] in guardians_of
                   and guardians_of[p["name"]] not in self.excluded][:12]
        for i, (guardian, pupil) in enumerate(bookers):
            when = local(days[min(1 + i % 2, len(days) - 1)], 12 + i % 6, 30 if i % 2 else 0)
            self.at(when, lambda g=guardian, p=pupil, t=teachers[:4]: self.book_evening(school, evening, g, p, t))

    def book_evening(self, school, evening, guardian, pupil, teachers):
        mine = [t["teacher"] for t in pupil.get("subjectTeachers", []) if t["teacher"] in teachers]
        if not mine:
            return
        teacher = mine[0].split("/")[-1]
        free = self.parley.ctl("evenings", "slots", evening, "--staff", teacher, "--free").get("slots", [])
        if not free:
            return
        start = free[len(free) // 2]["time"]["startTime"]
        try:
            self.parley.ctl("evenings", "book", evening, "--guardian", guardian,
                            "--slot", f"{pupil['name'].split('/')[-1]},{teacher},{start}")
            self.expected[school.id].evening_slots_booked += 1
        except CtlError as e:
            self.stats["refused"] += 1
            print(f"  {school.id}: evening booking refused: {e}", file=sys.stderr)

    def plan_notices(self, first, last):
        """Every school's Friday newsletter (by app or email, as each parent prefers), and an early
        closure text at Woodgrange on the third day: a burst water main."""
        for sid, school in self.schools.items():
            days = [d for d in self.days(first, last) if d in school.open]
            if not days:
                continue
            fridays = [d for d in days if d.weekday() == 4] or [days[-1]]
            for d in fridays:
                self.at(local(d, 14, 0), lambda s=school, d=d: self.parley.ctl(
                    "notices", "broadcast", "--school", s.id, "--audience", "school", "--category", "newsletter",
                    "--priority", "routine", "--subject", f"Newsletter, {d:%-d %B}",
                    "--body", "This week: reading challenge winners, the lunch menu, and dates for your diary."))
        wood = self.schools.get("woodgrange-infant")
        if wood:
            days = [d for d in self.days(first, last) if d in wood.open]
            if days:
                d = days[min(2, len(days) - 1)]
                self.at(local(d, 6, 30), lambda: self.parley.ctl(
                    "notices", "broadcast", "--school", wood.id, "--audience", "school", "--category", "closure",
                    "--priority", "emergency", "--subject", "School closed today",
                    "--body", "A burst water main means the school is closed today. We will tell you when it reopens.",
                    "--sms-body", "Woodgrange Infant is CLOSED today (burst water main). Updates to follow."))

    @staticmethod
    def days(first, last):
        d = first
        while d <= last:
            yield d
            d += DAY

    # ---- running it ----

    def run(self, first, last):
        self.plan_conduct(first, last)
        self.plan_enquiries(first, last)
        self.plan_meetings(first, last)
        self.plan_evening(first, last)
        self.plan_notices(first, last)
        t0 = time.time()
        shown = None
        while self.events:
            self.events.sort(key=lambda e: (e[0], e[1]))
            when, _, fn = self.events.pop(0)
            if when > self.args.stop_at:
                continue  # after the end (run.sh: real now): not simulated
            advance_to(self.parley, self.clock, when, self.stats)
            fn()
            day = when.astimezone(LONDON).date()
            if day != shown or not self.events:
                shown = day
                print(f"  {self.clock.now().astimezone(LONDON):%a %d %b %H:%M}  {self.stats['enquiries']} enquiries, "
                      f"{self.stats['acts']} acts, {self.stats['stops']} clock stops, {time.time() - t0:.0f} s",
                      flush=True)


# ---- the check -------------------------------------------------------------------------------------

def count(v):
    """A report Count ({value, fewerThan}; int64 as a JSON string), or a plain int64 field."""
    if isinstance(v, dict):
        if int(v.get("fewerThan", 0)):
            return f"<{v['fewerThan']}"
        return int(v.get("value", 0))
    return int(v or 0)


def report_figures(school_report):
    e = school_report.get("enquiries", {})
    p = e.get("promise", {})
    c = school_report.get("conduct", {})
    m = school_report.get("meetings", {})
    return {
        "received": count(p.get("received")), "acknowledge_clocks_ended": count(p.get("acknowledgeClocksEnded")),
        "acknowledged_in_time": count(p.get("acknowledgedInTime")),
        "answer_clocks_ended": count(p.get("answerClocksEnded")), "answered_in_time": count(p.get("answeredInTime")),
        "breaches": count(p.get("breaches")), "escalations": count(e.get("escalations")),
        "referrals_to_complaints": count(e.get("referralsToComplaints")),
        "safeguarding": count(e.get("safeguarding")), "safeguarding_taken_up": count(e.get("safeguardingTakenUp")),
        "incidents": count(c.get("incidents")), "arrangements_issued": count(c.get("arrangementsIssued")),
        "meeting_requests": count(m.get("requests")), "evening_slots_booked": count(m.get("eveningSlotsBooked")),
    }


def check(sim, first, last):
    period = f"{first}..{last}"
    # A source that is still finding its feet after the last clock jump answers a moment later:
    # the report names it as missing, and is asked again.
    for _ in range(12):
        rep = sim.parley.ctl("report", "--period", period)
        if not rep.get("partial"):
            break
        print(f"the report is partial ({', '.join(sorted({m['source'] for m in rep.get('missing', [])}))}); asking again")
        time.sleep(5)
    ok = True
    if rep.get("partial"):
        print(f"the report is partial: {rep.get('missing')}")
        ok = False
    for s in rep.get("schools", []):
        sid = s["school"].split("/")[1]
        got = report_figures(s)
        want = {f: getattr(sim.expected[sid], f) for f in Expected.FIELDS}
        diff = {f: (want[f], got[f]) for f in Expected.FIELDS if want[f] != got[f]}
        # Notices: every one the school sent to someone in the period (the simulation's broadcasts
        # and the services' own notices), as the notices list shows them one by one.
        listed = count_notices(sim.parley, sid, first, last)
        got_notices = count(s.get("notifications", {}).get("notices"))
        if listed != got_notices:
            diff["notices"] = (listed, got_notices)
        print(f"{sid:18} " + ", ".join(f"{k} {v}" for k, v in want.items()) + f", notices {listed}")
        if diff:
            ok = False
            for f, (w, g) in diff.items():
                print(f"  MISMATCH {f}: expected {w}, the report says {g}")
    return ok


def count_notices(parley, school, first, last):
    start = datetime.datetime.combine(first, datetime.time(0), LONDON).astimezone(UTC)
    end = datetime.datetime.combine(last + DAY, datetime.time(0), LONDON).astimezone(UTC)
    notices = parley.ctl("notices", "list", "--school", school).get("notices", [])
    return sum(1 for n in notices if start <= parse_ts(n["createTime"]) < end and int(n.get("recipientCount", 0)) > 0)


# ---- main ------------------------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    st = sub.add_parser("start-time", help="print when the faked clock starts (UTC, RFC 3339)")
    st.add_argument("--span", choices=["week", "half-term"], default="week")
    st.add_argument("--today", type=datetime.date.fromisoformat, default=None)
    rn = sub.add_parser("run", help="simulate the span on the running trust")
    rn.add_argument("--span", choices=["week", "half-term"], default="week")
    rn.add_argument("--today", type=datetime.date.fromisoformat, default=None)
    rn.add_argument("--data", required=True, help="the run's data folder (clock file, pid files)")
    rn.add_argument("--ctl", required=True, help="parleyctl")
    rn.add_argument("--preload", required=True, help="LD_PRELOAD that puts parleyctl on the faked clock")
    rn.add_argument("--pg", required=True, help="libpq connection string without dbname")
    rn.add_argument("--trust", required=True, help="the generated demo trust (protobuf JSON)")
    rn.add_argument("--check", action="store_true", help="compare the report with the known counts; stay in the past")
    rn.add_argument("--scale", type=float, default=1.0, help="enquiry volume (1: each school's usual)")
    rn.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)

    today = args.today or datetime.date.today()
    if args.command == "start-time":
        first, _ = choose_span(args.span, today, school_calendars(today=today))
        print(start_instant(first).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return 0

    trust = json.load(open(args.trust))
    first, last = choose_span(args.span, today, school_calendars(trust_doc=trust))
    pidfiles = [os.path.join(args.data, "pids", f) for f in sorted(os.listdir(os.path.join(args.data, "pids")))]
    pidfiles += [os.path.join(args.data, "mail", "catcher.pid"), os.path.join(args.data, "gateway", "sink.pid")]
    clock = simclock.Clock(os.path.join(args.data, "clock"), pidfiles)
    # Without --check the clock ends at real time: what the plan has after it (an answer due on
    # Monday when today is Sunday) is left undone, as real staff will do it. With --check every act
    # is done, however far past real time, so the counts are whole.
    real_now = datetime.datetime.now(UTC)
    args.stop_at = datetime.datetime.max.replace(tzinfo=UTC) if args.check else real_now - 10 * MINUTE
    parley = Parley(args, clock)
    sim = Simulation(args, parley, clock, trust)
    print(f"simulating {first:%a %-d %b %Y} to {last:%a %-d %b %Y} on the faked clock "
          f"(now {clock.now().astimezone(LONDON):%a %-d %b %H:%M})", flush=True)
    t0 = time.time()
    sim.run(first, last)
    if args.check:
        # On until every promise clock the simulation started has ended: the last is the top
        # rung's breach of a matter left to climb the ladder.
        while True:
            due = parley.next_clock_due()
            if due is None or due > clock.now() + 42 * DAY:
                break
            advance_to(parley, clock, due + MINUTE, sim.stats)
        time.sleep(3)  # the outboxes and deliveries of the last act
        end_day = clock.now().astimezone(LONDON).date()
        ok = check(sim, first - DAY, end_day)  # from the Sunday evening the first emails arrive
    else:
        advance_to(parley, clock, args.stop_at, sim.stats)
        clock.to_real_time()
        ok = True
    print(json.dumps({"real_seconds": round(time.time() - t0), "calls": parley.calls, "retries": parley.retries,
                      **sim.stats}), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
