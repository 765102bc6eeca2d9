#!/usr/bin/env python3
"""Loads a term's worth of demo enquiries into the escalation service through its API (parleyctl).

  deploy/demo/load_escalation_demo.py <path to parleyctl>

At each of the five demo schools, from parents of pupils at that school only:
  - six messages received over the past twelve weeks that nobody answered: their clocks ran out while
    the stack was loading, so the timers have already done what the school's policy says (owner and
    line manager told, up the ladder rung by rung, referred to the complaints procedure at the top);
  - fourteen received in the last few hours, in every state a school office sees: open, acknowledged,
    answered, resolved, awaiting the parent, reopened, and one marked abusive;
  - one safeguarding concern, acknowledged by the DSL.
At Milton Road one acknowledgement says when the meeting will be, and a progress update follows.
At Kenilworth the parent under a communication arrangement (load_conduct_demo.sh) also phones, which
the gate redirects, and emails outside the agreed window, which it defers.

Actions are taken now (the API records them when they happen), so only the recent messages can be
answered within the promise. The choice of pupils, channels and categories is fixed (seeded), the
times are relative to now. Safe to run again: it does nothing when St Mary's already has enquiries.
"""
import datetime
import json
import random
import subprocess
import sys

SCHOOLS = ["milton-road", "riverside-academy", "woodgrange-infant", "kenilworth", "st-marys"]
CATEGORIES = ["learning", "pastoral", "attendance", "payments", "trips", "events", "send", "other"]
SUBJECTS = {
    "learning": ["Reading book not changed", "Homework too hard this week", "Spelling test results",
                 "Maths set change"],
    "pastoral": ["Falling out with friends at lunch", "Worried about the school trip", "Upset after PE"],
    "attendance": ["Dentist appointment on Thursday", "Family wedding in March", "Late because of the bus"],
    "payments": ["Dinner money balance", "Trip payment not showing", "Refund for cancelled club"],
    "trips": ["Consent form for the museum trip", "Packed lunch for the trip"],
    "events": ["Date of the winter concert", "Parents' evening booking"],
    "send": ["Support plan review", "Help in class since September"],
    "other": ["Lost coat", "Uniform question"],
}
# Riverside routes learning matters to the pupil's subject teacher: they name the subject.
TEACHING_SUBJECT = {"riverside-academy": "maths"}
OLD_CHANNELS = ["email", "app", "email", "letter", "email", "app"]
RECENT_CHANNELS = ["email", "app", "email", "phone", "app", "email", "in-person"]


def ctl(exe, *args):
    done = subprocess.run([exe, "--json", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"parleyctl {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def rfc3339(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def senders(exe, school):
    """(pupil, guardian) pairs: guardians whose children are all at this school, each with a child.
    Guardians under a court order are left out: escalation refuses their enquiries about the child."""
    out = []
    for g in ctl(exe, "guardians", "list", "--school", school).get("guardians", []):
        links = g.get("pupils", [])
        if any("courtOrder" in p for p in links):
            continue
        pupils = [p["pupil"] for p in links]
        if pupils and all(p.startswith(f"schools/{school}/") for p in pupils):
            out.append((pupils[0], g["name"]))
    return out


def open_enquiry(exe, school, pupil, guardian, channel, category, subject, received, safeguarding=False):
    args = ["enquiries", "open", "--school", school, "--pupil", pupil, "--guardian", guardian,
            "--channel", channel, "--category", category, "--subject", subject,
            "--body-ref", f"demo/{school}/mail", "--received", rfc3339(received)]
    if category == "learning" and school in TEACHING_SUBJECT:
        args += ["--teaching-subject", TEACHING_SUBJECT[school]]
    if safeguarding:
        args.append("--safeguarding")
    return ctl(exe, *args)


def act(exe, verb, name, *extra):
    ctl(exe, "enquiries", verb, name, *extra)


def promise_and_progress(exe, name, now):
    """Milton Road: the acknowledgement says when the fuller response (a meeting) will be, and the
    parent is kept informed of progress. The meeting is two days ahead, or an hour before the respond
    clock's due time when that comes sooner, so no reason is needed for it."""
    enquiry = ctl(exe, "enquiries", "show", name).get("enquiry", {})
    meeting = now + datetime.timedelta(days=2)
    due = enquiry.get("respond", {}).get("dueTime")
    if due:
        due_at = datetime.datetime.fromisoformat(due.replace("Z", "+00:00"))
        meeting = min(meeting, due_at - datetime.timedelta(hours=1))
    meeting = max(meeting, now + datetime.timedelta(minutes=30))
    act(exe, "ack", name, "--promise", rfc3339(meeting))
    act(exe, "progress", name, "--text", "We have spoken to the class teacher and will see you as arranged.")


def load_school(exe, school, now, rng):
    pairs = senders(exe, school)
    rng.shuffle(pairs)
    picks = iter(pairs)
    opened = 0

    def subject_for(category):
        return rng.choice(SUBJECTS[category])

    # The term: one unanswered message every other week, mid-morning on a weekday.
    for i, channel in enumerate(OLD_CHANNELS):
        day = now - datetime.timedelta(weeks=2 * i + 1, days=rng.randint(0, 4))
        received = day.replace(hour=10, minute=rng.choice([5, 20, 40]), second=0, microsecond=0)
        category = CATEGORIES[i % 4]
        pupil, guardian = next(picks)
        open_enquiry(exe, school, pupil, guardian, channel, category, subject_for(category), received)
        opened += 1

    # Today: every state the office works with, all received within the last few hours, so each
    # action is inside the promise.
    plans = ["open", "open", "open", "ack", "ack", "ack", "reply", "reply", "reply", "resolve", "resolve",
             "pause", "reopen", "abusive"]
    for i, plan in enumerate(plans):
        received = now - datetime.timedelta(minutes=12 * (len(plans) - i) + rng.randint(0, 9))
        channel = RECENT_CHANNELS[i % len(RECENT_CHANNELS)]
        category = CATEGORIES[(i + 2) % len(CATEGORIES)]
        pupil, guardian = next(picks)
        enquiry = open_enquiry(exe, school, pupil, guardian, channel, category, subject_for(category), received)
        name = enquiry["name"]
        opened += 1
        # St Mary's takes absence by phone only: an email or app message about it is recorded and
        # the parent told to phone, with nothing for the office to act on.
        if enquiry.get("state") == "ENQUIRY_STATE_REDIRECTED":
            continue
        if plan == "abusive":
            act(exe, "abusive", name)
            continue
        if plan == "open":
            continue
        if school == "milton-road" and i == plans.index("ack"):
            promise_and_progress(exe, name, now)
        else:
            act(exe, "ack", name)
        if plan == "pause":
            act(exe, "pause", name, "--reason", "Waiting for the parent to send the doctor's letter")
        if plan in ("reply", "resolve", "reopen"):
            act(exe, "reply", name, "--body-ref", f"demo/{school}/reply")
        if plan in ("resolve", "reopen"):
            act(exe, "resolve", name)
        if plan == "reopen":
            act(exe, "reopen", name, "--reason", "The parent wrote back: the problem has come back")

    pupil, guardian = next(picks)
    name = open_enquiry(exe, school, pupil, guardian, "phone", "pastoral", "Concern about a bruise",
                        now - datetime.timedelta(minutes=25), safeguarding=True)["name"]
    act(exe, "ack", name)
    return opened + 1


def load_arrangement_examples(exe, now):
    """The Kenilworth parent under an arrangement: a phone call (redirected) and an email (deferred)."""
    arrangements = ctl(exe, "conduct", "arrangements", "--school", "kenilworth").get("arrangements", [])
    if not arrangements:
        return 0
    guardian = arrangements[0]["guardian"]
    g = ctl(exe, "guardians", "list", "--school", "kenilworth")
    pupil = next(p["pupil"] for x in g.get("guardians", []) if x["name"] == guardian for p in x["pupils"])
    open_enquiry(exe, "kenilworth", pupil, guardian, "phone", "learning", "Called about the reading scheme",
                 now - datetime.timedelta(minutes=40))
    open_enquiry(exe, "kenilworth", pupil, guardian, "email", "learning", "Reading scheme follow-up",
                 now - datetime.timedelta(minutes=35))
    return 2


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: load_escalation_demo.py PARLEYCTL")
    exe = sys.argv[1]
    existing = ctl(exe, "enquiries", "list", "--school", "st-marys").get("enquiries", [])
    if existing:
        print("St Mary's already has enquiries; leaving the demo enquiries as they are")
        return
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    rng = random.Random(20260901)
    total = sum(load_school(exe, school, now, rng) for school in SCHOOLS)
    total += load_arrangement_examples(exe, now)
    print(f"{total} enquiries across {len(SCHOOLS)} schools (a term of unanswered ones has run its course)")


if __name__ == "__main__":
    main()
