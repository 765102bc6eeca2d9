"""Tests of demo_calendars.py and of the calendars generate_demo_trust.py writes for a given day.

Run by ctest (demo_calendars_test) from this directory: python3 -B -m unittest -v demo_calendars_test
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile
import unittest

import demo_calendars as dc

HERE = os.path.dirname(os.path.abspath(__file__))
D = datetime.date


def school_file_calendar(school_id):
    with open(os.path.join(HERE, "schools", school_id + ".json"), encoding="utf-8") as f:
        return json.load(f)["school"]["calendar"]


def generate(today):
    """The trust generate_demo_trust.py writes for `today`, parsed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "trust.json")
        subprocess.run([sys.executable, "-B", os.path.join(HERE, "generate_demo_trust.py"),
                        "--today", today, out], check=True)
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def end_of(closure):
    return closure.get("endDate", closure["startDate"])


class PatternTest(unittest.TestCase):
    def test_easter(self):
        known = {2025: D(2025, 4, 20), 2026: D(2026, 4, 5), 2027: D(2027, 3, 28),
                 2028: D(2028, 4, 16), 2029: D(2029, 4, 1), 2030: D(2030, 4, 21),
                 2032: D(2032, 3, 28), 2038: D(2038, 4, 25), 2285: D(2285, 3, 22)}
        for year, easter in known.items():
            self.assertEqual(dc.easter_sunday(year), easter, year)

    def test_school_year_of(self):
        self.assertEqual(dc.school_year_of(D(2028, 8, 31)), 2027)
        self.assertEqual(dc.school_year_of(D(2028, 9, 1)), 2028)
        self.assertEqual(dc.school_year_of(D(2029, 1, 1)), 2028)

    def test_the_pattern_reproduces_the_hand_written_years(self):
        # The real 2025-26 and 2026-27 calendars of every school are what the usual pattern and the
        # school's own rules give: the rules are not made up.
        for school_id in dc.SCHOOL_PATTERNS:
            calendar = school_file_calendar(school_id)
            generated = {"terms": [], "closures": [], "overrides": []}
            for year in dc.hand_written_years(calendar):
                one = dc.school_year_calendar(year, school_id, calendar["coreHours"]["open"])
                for key in generated:
                    generated[key] += one[key]
            for key in generated:
                self.assertEqual(generated[key], calendar[key], f"{school_id} {key}")

    def test_years_to_generate(self):
        calendar = school_file_calendar("milton-road")
        self.assertEqual(dc.hand_written_years(calendar), [2025, 2026])
        self.assertEqual(dc.years_to_generate(calendar, D(2026, 3, 1)), [])
        self.assertEqual(dc.years_to_generate(calendar, D(2026, 12, 6)), [2027])
        self.assertEqual(dc.years_to_generate(calendar, D(2027, 8, 31)), [2027])
        self.assertEqual(dc.years_to_generate(calendar, D(2028, 10, 1)), [2027, 2028, 2029])
        # Far ahead: the previous, current and next year only (no unbounded growth).
        self.assertEqual(dc.years_to_generate(calendar, D(2040, 1, 15)), [2038, 2039, 2040])

    def test_early_and_late_easter(self):
        # 2029: Easter 1 April, so the holidays start on Easter Monday and the spring term ends on
        # the Thursday before Good Friday.
        d = dc.school_year_dates(2028, "milton-road")
        self.assertEqual(d["spring_end"], D(2029, 3, 29))
        self.assertEqual(d["summer_start"], D(2029, 4, 16))
        # 2030: Easter 21 April; the holidays are the two weeks from Good Friday's Monday.
        d = dc.school_year_dates(2029, "milton-road")
        self.assertEqual(d["spring_end"], D(2030, 4, 12))
        self.assertEqual(d["summer_start"], D(2030, 4, 29))


class GeneratedTrustTest(unittest.TestCase):
    TODAY = "2028-10-01"

    @classmethod
    def setUpClass(cls):
        cls.trust = generate(cls.TODAY)

    def test_every_school_has_the_years_around_today(self):
        for school in self.trust["schools"]:
            sid = school["school"]["name"]
            calendar = school["school"]["calendar"]
            names = [t["displayName"] for t in calendar["terms"]]
            self.assertEqual(names, [f"{season} {year}" for y in range(2025, 2030)
                                     for season, year in (("Autumn", y), ("Spring", y + 1),
                                                          ("Summer", y + 1))], sid)
            terms = calendar["terms"]
            for previous, term in zip(terms, terms[1:]):
                self.assertLess(previous["endDate"], term["startDate"], sid)
            # 1 October 2028 is a school day in the autumn term of 2028.
            autumn = next(t for t in terms if t["displayName"] == "Autumn 2028")
            self.assertLessEqual(autumn["startDate"], "2028-10-02")
            self.assertGreaterEqual(autumn["endDate"], "2028-12-15")
            for year in (2027, 2028, 2029):
                start, end = f"{year}-09-01", f"{year + 1}-08-31"
                closures = [c for c in calendar["closures"] if start <= c["startDate"] <= end]
                half_terms = [c for c in closures if c["kind"] == "CLOSURE_KIND_HALF_TERM"]
                self.assertEqual([c["label"] for c in half_terms],
                                 ["Autumn half-term", "Spring half-term", "Summer half-term"],
                                 f"{sid} {year}")
                insets = [c for c in closures if c["kind"] == "CLOSURE_KIND_INSET_DAY"]
                self.assertEqual(len(insets), 5, f"{sid} {year}")
                overrides = [o for o in calendar["overrides"] if start <= o["date"] <= end]
                self.assertEqual(len(overrides), 2, f"{sid} {year}")
            for closure in calendar["closures"]:
                self.assertTrue(any(t["startDate"] <= closure["startDate"] and
                                    end_of(closure) <= t["endDate"] for t in terms),
                                f"{sid}: closure {closure} is not inside a term")
                day = dc.parse_day(closure["startDate"])
                self.assertLess(day.weekday(), 5, f"{sid}: {closure} starts on a weekend")

    def test_the_summer_half_term_is_the_spring_bank_holiday_week(self):
        for school in self.trust["schools"]:
            closures = school["school"]["calendar"]["closures"]
            for monday in ("2029-05-28", "2030-05-27"):  # the last Mondays of May
                self.assertTrue(any(c["startDate"] == monday and c["label"] == "Summer half-term"
                                    for c in closures), (school["school"]["name"], monday))

    def test_the_people_do_not_depend_on_the_day(self):
        other = generate("2026-12-06")

        def until_dates(trust):
            return sorted({link["courtOrder"]["untilDate"] for g in trust["guardians"] for link in g.get("pupils", [])
                           if "untilDate" in link.get("courtOrder", {})})

        # Only the time-limited court order moves with the day: to the end of the year after.
        mine = until_dates(self.trust)
        self.assertEqual(until_dates(other), ["2027-12-31"])
        self.assertEqual(len(mine), 1)
        self.assertNotEqual(mine, ["2027-12-31"])
        text = json.dumps(other["guardians"]).replace('"2027-12-31"', json.dumps(mine[0]))
        self.assertEqual(self.trust["guardians"], json.loads(text))
        for mine, theirs in zip(self.trust["schools"], other["schools"]):
            self.assertEqual(mine["pupils"], theirs["pupils"])
            self.assertEqual(mine["staff"], theirs["staff"])


if __name__ == "__main__":
    unittest.main()
