"""The demo schools' calendars for the school years around a given day.

A school file (schools/<id>.json) holds hand-written calendars with the real published dates of the
school years it has (2025-26 and 2026-27). The demo must work on whatever day it is run, so
complete_calendar() keeps every hand-written year and adds, for each school year from the one before
"today" to the one after it that the file does not have, terms, half-terms, INSET days and
last-day-of-term overrides following the usual English pattern (below), with each school's own
differences (SCHOOL_PATTERNS). Bank holidays are not written here: the calendar names its division
("england-and-wales") and common/calendar adds them, published or by rule.

A school year Y runs from September of Y to August of Y+1; a day in January-August belongs to the
school year that started the September before.

The usual pattern, for the school year starting in September of Y:
  - autumn term: the first weekday on or after 1 September to the last Friday on or before
    20 December, with a half-term week from the Monday on or after 22 October;
  - spring term: the first weekday on or after 4 January to the Friday before the Easter holidays,
    with a half-term week from the Monday on or after 12 February;
  - Easter holidays: two weeks from the Monday of Good Friday's week, or from Easter Monday when that
    Monday is before 28 March (an early Easter), so Good Friday and Easter Monday fall in them; the
    spring term ends on the last weekday before them that is not Good Friday;
  - summer term: from the Monday after the Easter holidays to the Wednesday on or after 19 July (or a
    school's own day before it), with a half-term week from the spring bank holiday (the last
    Monday of May);
  - the last days of the autumn and summer terms close at 13:30.

Python 3 standard library only; a pure function of the school file and the day.
"""

import datetime

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)

# Each school's INSET days, as (anchor, offset) pairs: anchors are "autumn_start", "spring_start",
# "summer_start" (the term's first day; the offset counts weekdays, so the second INSET day of a
# term starting on a Friday is the Monday), "autumn_half_term", "spring_half_term",
# "summer_half_term" (the half-term's Monday; the offset counts days), "last_friday_of_june",
# "first_friday_of_july".
# "summer_end_offset" moves the end of the summer term from the usual Wednesday (-1: the Tuesday).
# Written from the hand-written 2025-26 and 2026-27 calendars, which these rules reproduce
# (deploy/demo/demo_calendars_test.py checks that).
SCHOOL_PATTERNS = {
    "milton-road": {
        "inset": [("autumn_start", 0), ("autumn_start", 1), ("autumn_half_term", 25),
                  ("spring_start", 0), ("summer_start", 0)],
        "summer_end_offset": 0,
    },
    "riverside-academy": {
        "inset": [("autumn_start", 0), ("autumn_start", 1), ("autumn_half_term", 21),
                  ("spring_half_term", 7), ("last_friday_of_june", 0)],
        "summer_end_offset": 0,
    },
    "woodgrange-infant": {
        "inset": [("autumn_start", 0), ("autumn_start", 1), ("autumn_half_term", 35),
                  ("spring_start", 0), ("first_friday_of_july", 0)],
        "summer_end_offset": -1,
    },
    "kenilworth": {
        "inset": [("autumn_start", 0), ("autumn_start", 1), ("autumn_half_term", -17),
                  ("spring_half_term", 14), ("summer_half_term", 7)],
        "summer_end_offset": 0,
    },
    "st-marys": {
        "inset": [("autumn_start", 0), ("autumn_start", 1), ("spring_start", 0),
                  ("spring_half_term", -3), ("summer_half_term", 7)],
        "summer_end_offset": 0,
    },
}

LAST_DAY_CLOSE = "13:30"

DAY = datetime.timedelta(days=1)


def parse_day(text):
    """YYYY-MM-DD -> date; ValueError otherwise."""
    day = datetime.date.fromisoformat(text)
    if day.isoformat() != text:
        raise ValueError(f"{text!r} is not YYYY-MM-DD")
    return day


def school_year_of(day):
    """The school year (the calendar year its September is in) a day belongs to."""
    return day.year if day.month >= 9 else day.year - 1


def easter_sunday(year):
    """Easter Sunday by the Gregorian computus (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return datetime.date(year, month, day)


def on_or_after(day, weekday):
    return day + (weekday - day.weekday()) % 7 * DAY


def on_or_before(day, weekday):
    return day - (day.weekday() - weekday) % 7 * DAY


def weekday_on_or_after(day):
    while day.weekday() > FRIDAY:
        day += DAY
    return day


def add_weekdays(day, count):
    for _ in range(count):
        day = weekday_on_or_after(day + DAY)
    return day


def last_weekday_of_month(year, month, weekday):
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return on_or_before(first_of_next - DAY, weekday)


def school_year_dates(year, school_id):
    """The pattern's dates for the school year starting in September of `year`."""
    pattern = SCHOOL_PATTERNS[school_id]
    spring_year = year + 1
    good_friday = easter_sunday(spring_year) - 2 * DAY
    easter_holiday = on_or_before(good_friday, MONDAY)
    if easter_holiday < datetime.date(spring_year, 3, 28):
        easter_holiday = good_friday + 3 * DAY  # Easter Monday
    spring_end = easter_holiday - 3 * DAY
    if spring_end == good_friday:
        spring_end -= DAY
    dates = {
        "autumn_start": weekday_on_or_after(datetime.date(year, 9, 1)),
        "autumn_end": on_or_before(datetime.date(year, 12, 20), FRIDAY),
        "autumn_half_term": on_or_after(datetime.date(year, 10, 22), MONDAY),
        "spring_start": weekday_on_or_after(datetime.date(spring_year, 1, 4)),
        "spring_half_term": on_or_after(datetime.date(spring_year, 2, 12), MONDAY),
        "spring_end": spring_end,
        "summer_start": easter_holiday + 14 * DAY,
        "summer_half_term": last_weekday_of_month(spring_year, 5, MONDAY),
        "summer_end": on_or_after(datetime.date(spring_year, 7, 19), WEDNESDAY)
        + pattern["summer_end_offset"] * DAY,
        "last_friday_of_june": last_weekday_of_month(spring_year, 6, FRIDAY),
        "first_friday_of_july": on_or_after(datetime.date(spring_year, 7, 1), FRIDAY),
    }
    return dates


def school_year_calendar(year, school_id, core_open):
    """Terms, closures and overrides (protobuf-JSON dicts) of one generated school year."""
    dates = school_year_dates(year, school_id)
    iso = datetime.date.isoformat
    terms = [
        {"displayName": f"Autumn {year}", "startDate": iso(dates["autumn_start"]),
         "endDate": iso(dates["autumn_end"])},
        {"displayName": f"Spring {year + 1}", "startDate": iso(dates["spring_start"]),
         "endDate": iso(dates["spring_end"])},
        {"displayName": f"Summer {year + 1}", "startDate": iso(dates["summer_start"]),
         "endDate": iso(dates["summer_end"])},
    ]
    closures = []
    for season in ("autumn", "spring", "summer"):
        monday = dates[season + "_half_term"]
        closures.append({"startDate": iso(monday), "endDate": iso(monday + 4 * DAY),
                         "label": f"{season.capitalize()} half-term",
                         "kind": "CLOSURE_KIND_HALF_TERM"})
    for anchor, offset in SCHOOL_PATTERNS[school_id]["inset"]:
        if anchor.endswith("_start"):
            day = add_weekdays(dates[anchor], offset)
        else:
            day = dates[anchor] + offset * DAY
        closures.append({"startDate": iso(day), "label": "INSET day",
                         "kind": "CLOSURE_KIND_INSET_DAY"})
    closures.sort(key=lambda c: c["startDate"])
    overrides = [
        {"date": iso(dates["autumn_end"]), "hours": {"open": core_open, "close": LAST_DAY_CLOSE},
         "label": "Last day of the autumn term"},
        {"date": iso(dates["summer_end"]), "hours": {"open": core_open, "close": LAST_DAY_CLOSE},
         "label": "Last day of the summer term"},
    ]
    return {"terms": terms, "closures": closures, "overrides": overrides}


def hand_written_years(calendar):
    """The school years the calendar's own terms start in."""
    return sorted({school_year_of(parse_day(t["startDate"])) for t in calendar.get("terms", [])})


def years_to_generate(calendar, today):
    """The school years to add: from the one before today's to the one after it, except those the
    file already has and those before its last hand-written one (so a file is extended, never
    interleaved)."""
    current = school_year_of(today)
    written = hand_written_years(calendar)
    first = current - 1
    if written:
        first = max(first, written[-1] + 1)
    return list(range(first, current + 2))


def complete_calendar(calendar, school_id, today):
    """A copy of a school's calendar with the generated school years added (see the module doc)."""
    out = dict(calendar)
    terms = list(calendar.get("terms", []))
    closures = list(calendar.get("closures", []))
    overrides = list(calendar.get("overrides", []))
    core_open = calendar["coreHours"]["open"]
    for year in years_to_generate(calendar, today):
        generated = school_year_calendar(year, school_id, core_open)
        terms += generated["terms"]
        closures += generated["closures"]
        overrides += generated["overrides"]
    out["terms"] = terms
    out["closures"] = closures
    out["overrides"] = overrides
    return out
