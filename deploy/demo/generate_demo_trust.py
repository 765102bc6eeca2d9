#!/usr/bin/env python3
"""Generate the Parley demo trust as one protobuf-JSON parley.contacts.v1.TrustDirectory.

The five schools' configuration (calendar, policy, staff, routing matrix, ladders) is hand-written in
schools/<id>.json, one SchoolDirectory without pupils per file. This script completes each calendar
for the school years around "today" (demo_calendars.py: the hand-written years stay, the previous,
current and next school year are added where the file lacks them, in the usual English pattern) and
adds pupils and guardians:
a few hundred fictional pupils per school, with class teachers, form tutors and subject teachers taken
from that school's staff, SEND flags, and 1-2 guardians each (siblings, families with children in two
schools, separated parents, court orders, home languages, channel preferences).

Usage:
  generate_demo_trust.py [--today YYYY-MM-DD] [--stamp TODAY_FILE] [OUT.json]
      write the trust to OUT.json (stdout when omitted; an unchanged file is not rewritten).
      --today: the day the calendars are built around (default: today's date, UTC).
      --stamp: also write the day used to TODAY_FILE (one line, YYYY-MM-DD).
  generate_demo_trust.py --check [--today YYYY-MM-DD | --today-from TODAY_FILE] OUT.json
      exit 1 unless OUT.json is exactly what this script writes for that day.

Python 3 standard library only. No network. The output is a pure function of the school files, this
script and the school year "today" is in: the same inputs give a byte-identical file on every run.

All personal data is fictional: names are drawn from the lists below, email addresses are @example.org,
mobile numbers come from Ofcom's drama range 07700 900000-900999 and landlines from 020 7946 0xxx and
01632 960xxx.
"""

import argparse
import datetime
import json
import os
import random
import sys
import unicodedata

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the module beside this script
import demo_calendars  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCHOOLS_DIR = os.path.join(HERE, "schools")

# The order schools appear in the document: one per seed policy, seed order.
SCHOOL_IDS = ["milton-road", "riverside-academy", "woodgrange-infant", "kenilworth", "st-marys"]

TRUST_DISPLAY_NAME = "Riverside Learning Trust"
SEED = 20250903

# ---------------------------------------------------------------------------------------------------
# Rosters: how each school's pupils are organised. Teachers are staff ids of that school.

PRIMARY_ROSTERS = {
    "milton-road": {
        "size": (28, 31),
        "classes": [
            ("Acorn", 0, "miss-bennett"),
            ("Hazel", 1, "mr-adeyemi"),
            ("Rowan", 2, "mrs-whitfield"),  # job share with mrs-hussain (Thu-Fri)
            ("Willow", 3, "mr-price"),
            ("Cedar", 4, "mrs-mcallister"),
            ("Elm", 5, "ms-liu"),
            ("Oak", 6, "mr-patel"),
        ],
    },
    "woodgrange-infant": {
        "size": (30, 32),
        "classes": [
            ("Ladybirds", 0, "miss-carter"),
            ("Butterflies", 0, "mrs-novak"),  # job share with mr-evans (Thu-Fri)
            ("Robins", 1, "mr-kumar"),
            ("Wrens", 1, "ms-delaney"),
            ("Kestrels", 2, "mrs-frost"),
            ("Owls", 2, "mr-abbott"),
        ],
    },
    "kenilworth": {
        "size": (19, 23),
        "classes": [
            ("Puffins", 0, "miss-hart"),
            ("Penguins", 0, "mr-lyle"),
            ("Kingfishers", 1, "mrs-amos"),
            ("Herons", 1, "ms-petrova"),
            ("Swifts", 2, "mr-bello"),
            ("Swallows", 2, "mrs-quinn"),  # job share with mr-kirby (Thu-Fri)
            ("Otters", 3, "miss-reid"),
            ("Badgers", 3, "mr-singh"),
            ("Foxes", 4, "mrs-dhillon"),
            ("Hares", 4, "ms-toms"),
            ("Falcons", 5, "mr-yates"),
            ("Eagles", 5, "mrs-clay"),
            ("Ravens", 6, "mr-whitaker"),
            ("Owls", 6, "ms-okoro"),
        ],
    },
    "st-marys": {
        "size": (27, 30),
        "classes": [
            ("Hedgehogs", 0, "miss-ferris"),
            ("Squirrels", 1, "mrs-baptiste"),
            ("Badgers", 2, "mr-holt"),
            ("Kingfishers", 3, "mrs-lennox"),  # job share with ms-park (Thu-Fri)
            ("Otters", 4, "mr-costa"),
            ("Foxes", 5, "miss-adair"),
            ("Owls", 6, "mr-brennan"),
        ],
    },
}

SECONDARY_ROSTERS = {
    "riverside-academy": {
        "size": {"main": (25, 29), "sixth_form": (18, 22)},
        "forms": [
            ("7R", 7, "ms-anand"),
            ("7N", 7, "mr-quayle"),
            ("8R", 8, "ms-ward"),
            ("8N", 8, "mr-pryce"),
            ("9R", 9, "ms-foster"),
            ("9N", 9, "mr-dale"),
            ("10R", 10, "mr-tran"),
            ("10N", 10, "mrs-kowalczyk"),
            ("11R", 11, "ms-oduya"),
            ("11N", 11, "ms-harlow"),
            ("12S", 12, "mr-sato"),
            ("13S", 13, "ms-maguire"),
        ],
        # Subject order; every subject needs a head of department in the school file.
        "subjects": ["maths", "english", "science", "history", "geography", "french", "computing"],
        "core": ["maths", "english", "science"],
        "ks4_options": ["history", "geography", "french", "computing"],
    },
}

# Families with children in two schools of the trust: (school, school) pairs, one family each.
CROSS_SCHOOL_FAMILIES = [
    ("st-marys", "riverside-academy"),
    ("st-marys", "riverside-academy"),
    ("st-marys", "riverside-academy"),
    ("woodgrange-infant", "kenilworth"),
    ("woodgrange-infant", "kenilworth"),
    ("kenilworth", "riverside-academy"),
    ("kenilworth", "riverside-academy"),
    ("milton-road", "riverside-academy"),
]

# Home languages by school (weights). BCP 47.
LANGUAGE_WEIGHTS = {
    "milton-road": {"en": 60, "pl": 6, "pt": 5, "ar": 5, "bn": 4, "ro": 4, "lt": 3, "ur": 3, "ko": 3,
                    "ta": 3, "so": 2, "pa": 2},
    "riverside-academy": {"en": 60, "ur": 7, "pa": 6, "pl": 6, "ro": 5, "so": 4, "ar": 4, "bn": 3,
                          "pt": 3, "lt": 2},
    "woodgrange-infant": {"en": 34, "bn": 14, "ur": 12, "ro": 8, "lt": 7, "pa": 6, "so": 6, "pl": 6,
                          "pt": 4, "ar": 3},
    "kenilworth": {"en": 72, "pl": 6, "ro": 5, "pt": 4, "ur": 3, "pa": 3, "ar": 3, "lt": 2, "bn": 2},
    "st-marys": {"en": 64, "ko": 8, "ta": 6, "pl": 6, "pt": 4, "ro": 4, "ar": 3, "ur": 3, "lt": 2},
}

TOWNS = {
    "milton-road": "Cambridge",
    "riverside-academy": "Kingston upon Thames",
    "woodgrange-infant": "Forest Gate, London",
    "kenilworth": "Borehamwood",
    "st-marys": "Chessington",
}

# Fictional street names.
STREETS = [
    "Larkspur Close", "Mallory Road", "Pennant Way", "Quillan Street", "Fernhill Gardens",
    "Tollgate Mews", "Harrowden Avenue", "Bramblewood Lane", "Sedgefield Court", "Copperbeech Drive",
    "Kestrel Rise", "Ashdown Crescent", "Meadowsweet Walk", "Brackenbury Place", "Foxglove Terrace",
    "Orchard Vale", "Chantry Row", "Linnet Grove", "Wharfside Road", "Millstream Close",
]

# ---------------------------------------------------------------------------------------------------
# Names. Lithuanian family names are listed in the masculine form and inflected below.

NAMES = {
    "en": {
        "family": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
                   "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
                   "Hall", "Wood", "Jackson", "Clarke", "Harris", "Lewis", "Martin", "Cooper", "Hill",
                   "Ward", "Hughes", "Moore", "Turner", "Parker", "Edwards", "Collins", "Stewart",
                   "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Bell", "Bailey", "Kelly", "Gray",
                   "Cox", "Marshall", "Ellis", "Shaw", "Lloyd", "Mitchell", "Fisher", "Hunt", "Palmer",
                   "Mason", "Barker", "Holmes", "Knight", "Porter", "Lawson", "Campbell", "O'Neill",
                   "McKenzie", "Okafor", "Mensah", "Campbell-Reid", "Francis", "Grant", "Sutton"],
        "adult_f": ["Sarah", "Emma", "Laura", "Rachel", "Claire", "Gemma", "Kelly", "Hayley", "Nicola",
                    "Joanne", "Victoria", "Lucy", "Katie", "Charlotte", "Amy", "Jennifer", "Rebecca",
                    "Louise", "Natalie", "Stephanie", "Abigail", "Chantelle", "Siobhan", "Funmi"],
        "adult_m": ["James", "David", "Daniel", "Mark", "Paul", "Andrew", "Richard", "Matthew",
                    "Christopher", "Michael", "Stephen", "Simon", "Ben", "Craig", "Gareth", "Lee",
                    "Wayne", "Adam", "Jonathan", "Tom", "Kwame", "Dean", "Ryan", "Liam"],
        "child_f": ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie",
                    "Sophia", "Grace", "Freya", "Ella", "Evie", "Poppy", "Florence", "Willow", "Daisy",
                    "Sienna", "Emily", "Phoebe", "Matilda", "Harper", "Ruby", "Millie", "Esme",
                    "Alice", "Hannah", "Chloe", "Zara"],
        "child_m": ["Noah", "Oliver", "George", "Arthur", "Leo", "Harry", "Oscar", "Archie", "Henry",
                    "Theodore", "Freddie", "Jack", "Charlie", "Finley", "Alfie", "Thomas", "Jacob",
                    "Isaac", "Reggie", "Teddy", "Albie", "Max", "Joshua", "Ethan", "Louis", "Rory",
                    "Toby", "Elliot", "Jude", "Kai"],
    },
    "pl": {
        "family": ["Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek",
                   "Zając", "Król", "Wieczorek", "Pawlak", "Michalak", "Sikora", "Walczak", "Baran",
                   "Duda"],
        "f": ["Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Monika", "Ewelina",
              "Aleksandra", "Zofia", "Maja", "Zuzanna", "Julia", "Lena", "Hanna", "Natalia", "Wiktoria"],
        "m": ["Piotr", "Tomasz", "Paweł", "Łukasz", "Marcin", "Krzysztof", "Michał", "Jakub", "Kacper",
              "Szymon", "Filip", "Antoni", "Jan", "Franciszek", "Mikołaj", "Wojciech"],
    },
    "ur": {
        "family": ["Khan", "Hussain", "Ahmed", "Iqbal", "Malik", "Butt", "Akhtar", "Raza", "Shah",
                   "Qureshi", "Chaudhry", "Mirza", "Javed", "Aslam"],
        "f": ["Ayesha", "Fatima", "Zainab", "Maryam", "Hira", "Sana", "Amna", "Noor", "Iqra", "Mahnoor",
              "Aleena", "Hafsa", "Anaya", "Inaya"],
        "m": ["Muhammad", "Ahmed", "Bilal", "Usman", "Imran", "Zain", "Hamza", "Ali", "Hassan", "Omar",
              "Faisal", "Ibrahim", "Yusuf", "Ayaan"],
    },
    "bn": {
        "family": ["Rahman", "Begum", "Chowdhury", "Uddin", "Miah", "Ali", "Islam", "Hossain", "Ahmed",
                   "Khatun", "Alam", "Sarkar"],
        "f": ["Fatema", "Nusrat", "Taslima", "Sumaiya", "Tahmina", "Rumana", "Jannat", "Ruksana",
              "Sadia", "Farhana", "Nadia", "Mim"],
        "m": ["Abdul", "Rahim", "Kamal", "Jamal", "Shahid", "Arif", "Sabbir", "Rafiq", "Tanvir",
              "Rayhan", "Ishaq", "Ayan"],
    },
    "pa": {
        "family": ["Singh", "Gill", "Sandhu", "Sidhu", "Dhillon", "Bains", "Grewal", "Johal", "Sahota",
                   "Virdi", "Atwal", "Kaur"],
        "f": ["Harpreet", "Gurpreet", "Manpreet", "Jaspreet", "Simran", "Navneet", "Amrit", "Kiran",
              "Harleen", "Jasleen"],
        "m": ["Harjit", "Gurdeep", "Manjit", "Sukhdev", "Jaspal", "Arjun", "Harvir", "Kabir",
              "Jaskaran", "Ranveer"],
    },
    "ro": {
        "family": ["Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Rusu",
                   "Munteanu", "Matei", "Constantin", "Marin"],
        "f": ["Maria", "Elena", "Ioana", "Andreea", "Alexandra", "Cristina", "Mihaela", "Ana", "Daria",
              "Sofia", "Bianca", "Gabriela"],
        "m": ["Andrei", "Alexandru", "Mihai", "Ionuț", "Ștefan", "Gabriel", "Florin", "Cristian",
              "David", "Luca", "Matei", "Vlad"],
    },
    "so": {
        "family": ["Mohamed", "Abdi", "Hassan", "Ali", "Warsame", "Farah", "Osman", "Jama", "Egal",
                   "Aden", "Hirsi", "Nur"],
        "f": ["Hodan", "Amina", "Fadumo", "Sahra", "Hawa", "Ifrah", "Khadija", "Nasra", "Ubah", "Asha",
              "Hibaaq", "Safiya"],
        "m": ["Abdi", "Mohamed", "Abdirahman", "Liban", "Ahmed", "Hassan", "Yusuf", "Mahad", "Guled",
              "Ayanle", "Bashir", "Farah"],
    },
    "ar": {
        "family": ["Haddad", "Mansour", "Khalil", "Saleh", "Nasser", "Al-Amin", "Hamdan", "Darwish",
                   "Farouk", "Aziz", "Rashid", "Suleiman"],
        "f": ["Layla", "Nour", "Rania", "Huda", "Salma", "Yasmin", "Lina", "Mariam", "Dana", "Reem",
              "Sara", "Amal"],
        "m": ["Omar", "Khalid", "Tariq", "Samir", "Karim", "Youssef", "Adam", "Hadi", "Ziad", "Rami",
              "Sami", "Nabil"],
    },
    "pt": {
        "family": ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues",
                   "Martins", "Sousa", "Fernandes", "Gonçalves", "Almeida"],
        "f": ["Ana", "Beatriz", "Mariana", "Inês", "Carolina", "Joana", "Rita", "Sofia", "Leonor",
              "Matilde", "Camila", "Larissa"],
        "m": ["João", "Pedro", "Tiago", "Miguel", "Rafael", "Diogo", "Gonçalo", "Rodrigo", "Lucas",
              "Gabriel", "Bruno", "Thiago"],
    },
    "lt": {
        "family": ["Kazlauskas", "Petrauskas", "Jankauskas", "Stankevičius", "Vasiliauskas",
                   "Žukauskas", "Butkus", "Paulauskas", "Urbonas", "Kavaliauskas"],
        "f": ["Rūta", "Eglė", "Greta", "Ieva", "Jurgita", "Lina", "Austėja", "Gabija", "Emilija",
              "Kamilė", "Urtė", "Milda"],
        "m": ["Tomas", "Mantas", "Darius", "Lukas", "Jonas", "Matas", "Dominykas", "Nojus", "Paulius",
              "Rokas", "Vytautas", "Marius"],
    },
    "ta": {
        "family": ["Sivakumar", "Rajendran", "Subramaniam", "Krishnan", "Murugan", "Balasubramaniam",
                   "Natarajan", "Selvaraj", "Thangarajah", "Kandiah"],
        "f": ["Priya", "Lakshmi", "Kavya", "Divya", "Meena", "Anitha", "Nila", "Yazhini", "Dharshini",
              "Keerthana"],
        "m": ["Arun", "Karthik", "Senthil", "Vijay", "Suresh", "Rajesh", "Aadhav", "Kavin", "Nithin",
              "Sathish"],
    },
    "ko": {
        "family": ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"],
        "f": ["Ji-woo", "Seo-yeon", "Min-ji", "Ha-eun", "Soo-ah", "Ye-jin", "Eun-ji", "Hye-jin", "Yu-na",
              "Da-eun"],
        "m": ["Min-jun", "Seo-jun", "Ji-ho", "Do-yun", "Hyun-woo", "Jae-won", "Sung-min", "Tae-yang",
              "Joon-young", "Woo-jin"],
    },
}


def lithuanian_surname(masculine, female, married):
    """Kazlauskas -> Kazlauskienė (married woman) / Kazlauskaitė (girl)."""
    if not female:
        return masculine
    for ending, wife, daughter in (("ius", "ienė", "iūtė"), ("as", "ienė", "aitė"),
                                   ("us", "ienė", "ūtė")):
        if masculine.endswith(ending):
            return masculine[: -len(ending)] + (wife if married else daughter)
    return masculine


def surname_for(lang, family, female, adult):
    return lithuanian_surname(family, female, adult) if lang == "lt" else family


def given_name(rng, lang, female, adult):
    names = NAMES[lang]
    if lang == "en":
        key = ("adult_" if adult else "child_") + ("f" if female else "m")
    else:
        key = "f" if female else "m"
    return rng.choice(names[key])


def ascii_slug(text):
    text = text.replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    out = []
    for c in text.lower():
        if c.isascii() and c.isalnum():
            out.append(c)
        elif c in "- " and out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def weighted(rng, weights):
    """Choose a key from an insertion-ordered {key: weight} dict."""
    total = sum(weights.values())
    pick = rng.randrange(total)
    for key, weight in weights.items():
        if pick < weight:
            return key
        pick -= weight
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------------
# Loading and checking the school files.

def fail(message):
    sys.stderr.write("generate_demo_trust: " + message + "\n")
    sys.exit(1)


def load_school(school_id):
    path = os.path.join(SCHOOLS_DIR, school_id + ".json")
    with open(path, encoding="utf-8") as f:
        directory = json.load(f)
    if directory.get("school", {}).get("name") != "schools/" + school_id:
        fail(f"{path}: school.name must be schools/{school_id}")
    if "pupils" in directory:
        fail(f"{path}: pupils are generated; the school file must not list any")
    return directory


def staff_index(directory, school_id):
    prefix = f"schools/{school_id}/staff/"
    index = {}
    for member in directory.get("staff", []):
        name = member["name"]
        if not name.startswith(prefix):
            fail(f"{school_id}: staff name {name} is not under {prefix}")
        index[name[len(prefix):]] = member
    return index


def require_teacher(school_id, staff, staff_id, role):
    member = staff.get(staff_id)
    if member is None:
        fail(f"{school_id}: roster names unknown staff {staff_id}")
    if role not in member.get("roles", []):
        fail(f"{school_id}: {staff_id} is in the roster but does not hold role {role}")
    return f"schools/{school_id}/staff/{staff_id}"


# ---------------------------------------------------------------------------------------------------
# Pupil places: one per pupil, before names and families are known.

def primary_places(rng, school_id, staff):
    roster = PRIMARY_ROSTERS[school_id]
    places = []
    for class_name, year, teacher_id in roster["classes"]:
        teacher = require_teacher(school_id, staff, teacher_id, "class_teacher")
        for _ in range(rng.randint(*roster["size"])):
            places.append({"school": school_id, "yearGroup": year, "className": class_name,
                           "classTeacher": teacher})
    return places


def secondary_places(rng, school_id, staff):
    roster = SECONDARY_ROSTERS[school_id]
    subjects = roster["subjects"]
    teachers = {}
    for subject in subjects:
        teachers[subject] = sorted(
            sid for sid, m in staff.items()
            if subject in m.get("subjects", []) and "subject_teacher" in m.get("roles", []))
        if not teachers[subject]:
            fail(f"{school_id}: nobody teaches {subject}")
    places = []
    for form_index, (form, year, tutor_id) in enumerate(roster["forms"]):
        tutor = require_teacher(school_id, staff, tutor_id, "form_tutor")
        size = roster["size"]["sixth_form" if year >= 12 else "main"]
        for _ in range(rng.randint(*size)):
            if year <= 9:
                taken = list(subjects)
            elif year <= 11:
                options = set(rng.sample(roster["ks4_options"], 2))
                taken = [s for s in subjects if s in roster["core"] or s in options]
            else:
                chosen = set(rng.sample(subjects, 3))
                taken = [s for s in subjects if s in chosen]
            subject_teachers = []
            for subject in taken:
                pool = teachers[subject]
                teacher_id = pool[(form_index + subjects.index(subject)) % len(pool)]
                subject_teachers.append(
                    {"subject": subject, "teacher": f"schools/{school_id}/staff/{teacher_id}"})
            places.append({"school": school_id, "yearGroup": year, "className": form,
                           "formTutor": tutor, "subjectTeachers": subject_teachers})
    return places


# ---------------------------------------------------------------------------------------------------
# Families.

class Numbers:
    """Fictional phone numbers from Ofcom's drama ranges, each used once, in shuffled order."""

    def __init__(self, rng):
        self.mobiles = list(range(1000))
        rng.shuffle(self.mobiles)
        self.london = list(range(1000))
        rng.shuffle(self.london)
        self.other = list(range(1000))
        rng.shuffle(self.other)

    def mobile(self):
        return f"07700 900{self.mobiles.pop():03d}" if self.mobiles else None

    def landline(self, school_id):
        if school_id in ("woodgrange-infant", "st-marys", "riverside-academy"):
            return f"020 7946 0{self.london.pop():03d}" if self.london else None
        return f"01632 960{self.other.pop():03d}" if self.other else None


class Generator:
    def __init__(self, schools, today):
        self.today = today  # the time-limited court order runs to the end of next year
        self.rng = random.Random(SEED)
        self.schools = schools  # id -> SchoolDirectory dict
        self.numbers = Numbers(self.rng)
        self.emails = {}
        self.households = 0
        self.guardians = []  # in creation order
        self.families = []
        self.pupils = {sid: [] for sid in SCHOOL_IDS}

    # -- places -----------------------------------------------------------------------------------

    def make_places(self):
        places = {}
        for sid in SCHOOL_IDS:
            staff = staff_index(self.schools[sid], sid)
            if sid in PRIMARY_ROSTERS:
                places[sid] = primary_places(self.rng, sid, staff)
            else:
                places[sid] = secondary_places(self.rng, sid, staff)
        return places

    def group_into_families(self, places):
        """Returns lists of places, one list per family (the children of one family)."""
        remaining = {}
        for sid in SCHOOL_IDS:
            pool = list(places[sid])
            self.rng.shuffle(pool)
            remaining[sid] = pool
        groups = []
        for first, second in CROSS_SCHOOL_FAMILIES:
            groups.append([remaining[first].pop(), remaining[second].pop()])
        for sid in SCHOOL_IDS:
            pool = remaining[sid]
            while pool:
                children = [pool.pop()]
                size = weighted(self.rng, {1: 58, 2: 33, 3: 9})
                for _ in range(size - 1):
                    years = {c["yearGroup"] for c in children}
                    twins = self.rng.random() < 0.04
                    match = next((i for i in range(len(pool) - 1, -1, -1)
                                  if twins == (pool[i]["yearGroup"] in years)), None)
                    if match is None:
                        break
                    children.append(pool.pop(match))
                groups.append(children)
        return groups

    # -- people -----------------------------------------------------------------------------------

    def new_household(self, school_id):
        self.households += 1
        address = (f"{self.rng.randint(1, 180)} {self.rng.choice(STREETS)}, {TOWNS[school_id]}")
        return {"id": f"h-{self.households:05d}", "address": address}

    def email_for(self, given, family):
        base = f"{ascii_slug(given)}.{ascii_slug(family)}".replace("-.", ".").strip(".")
        count = self.emails.get(base, 0) + 1
        self.emails[base] = count
        return f"{base}{'' if count == 1 else count}@example.org"

    def new_guardian(self, lang, family, female, household, school_id, relationship,
                     parental_responsibility=True):
        rng = self.rng
        given = given_name(rng, lang, female, adult=True)
        family_name = surname_for(lang, family, female, adult=True)
        guardian = {
            "given": given, "family": family_name, "lang": lang, "household": household,
            "school": school_id, "relationship": relationship,
            "pr": parental_responsibility, "livesApart": False, "separateCopies": False,
            "links": [],
        }
        self.guardians.append(guardian)
        return guardian

    def finish_contacts(self, guardian):
        """Contact points and preferred channel, once the family is known."""
        rng = self.rng
        points = []
        email = None if rng.random() < 0.07 else self.email_for(guardian["given"], guardian["family"])
        mobile = self.numbers.mobile() if rng.random() < 0.62 else None
        landline = self.numbers.landline(guardian["school"]) if rng.random() < 0.10 else None
        channel = weighted(rng, {"CHANNEL_APP_MESSAGE": 48, "CHANNEL_EMAIL": 27,
                                 "CHANNEL_LETTER": 10, "CHANNEL_SMS": 15})
        if channel == "CHANNEL_SMS" and mobile is None:
            channel = "CHANNEL_EMAIL"
        if channel == "CHANNEL_EMAIL" and email is None:
            channel = "CHANNEL_LETTER"
        if email:
            points.append({"kind": "CONTACT_KIND_EMAIL", "value": email})
        if mobile:
            points.append({"kind": "CONTACT_KIND_MOBILE", "value": mobile})
        if landline:
            points.append({"kind": "CONTACT_KIND_LANDLINE", "value": landline})
        if channel == "CHANNEL_APP_MESSAGE":
            points.append({"kind": "CONTACT_KIND_APP", "value": "app:" + guardian["id"]})
        if channel == "CHANNEL_LETTER" or guardian["livesApart"] or rng.random() < 0.3:
            points.append({"kind": "CONTACT_KIND_POSTAL", "value": guardian["household"]["address"]})
        guardian["contactPoints"] = points
        guardian["preferredChannel"] = channel

    def make_family(self, children):
        rng = self.rng
        school_id = children[0]["school"]
        lang = weighted(rng, LANGUAGE_WEIGHTS[school_id])
        family = rng.choice(NAMES[lang]["family"])
        shape = weighted(rng, {"together": 55, "separated": 20, "single": 21, "kinship": 4})
        guardians = []
        child_family = family
        if shape == "together":
            home = self.new_household(school_id)
            mixed = rng.random() < 0.12
            variant = weighted(rng, {"parents": 88, "step": 8, "two_mothers": 4})
            mother = self.new_guardian(lang, family, True, home, school_id, "mother")
            if variant == "parents":
                partner_lang = ("en" if lang != "en" else rng.choice(["pl", "pt", "ro", "ar"])) \
                    if mixed else lang
                partner_family = rng.choice(NAMES[partner_lang]["family"]) if mixed else family
                father = self.new_guardian(partner_lang, partner_family, False, home, school_id,
                                           "father")
                child_family = father["family"] if mixed else family
                guardians = [mother, father]
            elif variant == "step":
                step_lang = lang if rng.random() < 0.7 else "en"
                step = self.new_guardian(step_lang, rng.choice(NAMES[step_lang]["family"]), False,
                                         home, school_id, "step-father",
                                         parental_responsibility=False)
                guardians = [mother, step]
            else:
                other = self.new_guardian(lang, rng.choice(NAMES[lang]["family"]), True, home,
                                          school_id, "mother")
                guardians = [mother, other]
        elif shape == "separated":
            mother_lang = lang
            father_lang = lang if rng.random() < 0.85 else "en"
            father_family = family if father_lang == lang else rng.choice(NAMES["en"]["family"])
            mother_family = family if rng.random() < 0.6 else rng.choice(NAMES[lang]["family"])
            mother = self.new_guardian(mother_lang, mother_family, True,
                                       self.new_household(school_id), school_id, "mother")
            father = self.new_guardian(father_lang, father_family, False,
                                       self.new_household(school_id), school_id, "father")
            for g in (mother, father):
                g["livesApart"] = True
                g["separateCopies"] = rng.random() < 0.5
            child_family = father_family if rng.random() < 0.65 else mother_family
            guardians = [mother, father]
        elif shape == "single":
            female = rng.random() < 0.82
            parent = self.new_guardian(lang, family, female, self.new_household(school_id),
                                       school_id, "mother" if female else "father")
            guardians = [parent]
        else:
            home = self.new_household(school_id)
            grandmother = self.new_guardian(lang, family, True, home, school_id, "grandparent")
            guardians = [grandmother]
            if rng.random() < 0.5:
                guardians.append(self.new_guardian(lang, family, False, home, school_id,
                                                   "grandparent"))
        pupils = []
        for place in children:
            female = rng.random() < 0.5
            # Mixed-language families name children from either side.
            name_lang = lang if rng.random() < 0.8 or lang == "en" else "en"
            pupil = dict(place)
            pupil["givenName"] = given_name(rng, name_lang, female, adult=False)
            pupil["familyName"] = lithuanian_surname(child_family, female, married=False) \
                if child_family in NAMES["lt"]["family"] else child_family
            pupil["send"] = rng.random() < 0.12
            self.pupils[place["school"]].append(pupil)
            pupils.append(pupil)
        for g in guardians:
            for pupil in pupils:
                g["links"].append({"pupil": pupil, "relationship": g["relationship"],
                                   "parentalResponsibility": g["pr"]})
        self.families.append({"shape": shape, "guardians": guardians, "pupils": pupils})

    def add_court_orders(self):
        separated = [f for f in self.families if f["shape"] == "separated"]
        chosen = self.rng.sample(separated, 2)
        orders = [{"noInformation": True, "noContact": True},
                  {"noContact": True, "untilDate": f"{self.today.year + 1}-12-31"}]
        for family, order in zip(chosen, orders):
            father = family["guardians"][1]
            father["separateCopies"] = False
            for link in father["links"]:
                link["courtOrder"] = dict(order)

    # -- output -----------------------------------------------------------------------------------

    def number(self):
        for sid in SCHOOL_IDS:
            self.pupils[sid].sort(key=lambda p: (p["yearGroup"], p["className"], p["familyName"],
                                                 p["givenName"]))
            for i, pupil in enumerate(self.pupils[sid], start=1):
                pupil["name"] = f"schools/{sid}/pupils/p-{i:05d}"
        for i, guardian in enumerate(self.guardians, start=1):
            guardian["id"] = f"g-{i:05d}"
            guardian["name"] = "guardians/" + guardian["id"]

    def pupil_json(self, pupil):
        out = {"name": pupil["name"], "givenName": pupil["givenName"],
               "familyName": pupil["familyName"], "yearGroup": pupil["yearGroup"],
               "className": pupil["className"]}
        for key in ("classTeacher", "formTutor", "subjectTeachers"):
            if key in pupil:
                out[key] = pupil[key]
        if pupil["send"]:
            out["send"] = True
        return out

    def guardian_json(self, guardian):
        out = {"name": guardian["name"], "givenName": guardian["given"],
               "familyName": guardian["family"], "contactPoints": guardian["contactPoints"],
               "preferredChannel": guardian["preferredChannel"], "language": guardian["lang"],
               "household": guardian["household"]["id"]}
        if guardian["livesApart"]:
            out["livesApart"] = True
        if guardian["separateCopies"]:
            out["separateCopies"] = True
        links = []
        for link in sorted(guardian["links"], key=lambda l: l["pupil"]["name"]):
            item = {"pupil": link["pupil"]["name"], "relationship": link["relationship"],
                    "parentalResponsibility": link["parentalResponsibility"]}
            if "courtOrder" in link:
                item["courtOrder"] = link["courtOrder"]
            links.append(item)
        out["pupils"] = links
        return out

    def build(self):
        places = self.make_places()
        for children in self.group_into_families(places):
            self.make_family(children)
        self.add_court_orders()
        self.number()
        for guardian in self.guardians:
            self.finish_contacts(guardian)
        schools = []
        for sid in SCHOOL_IDS:
            d = self.schools[sid]
            schools.append({
                "school": d["school"],
                "staff": d.get("staff", []),
                "pupils": [self.pupil_json(p) for p in self.pupils[sid]],
                "routingMatrix": d["routingMatrix"],
                "ladders": d.get("ladders", []),
            })
        return {
            "trust": {"displayName": TRUST_DISPLAY_NAME},
            "schools": schools,
            "guardians": [self.guardian_json(g) for g in self.guardians],
        }


def render(today):
    schools = {sid: load_school(sid) for sid in SCHOOL_IDS}
    for sid in SCHOOL_IDS:
        school = schools[sid]["school"]
        school["calendar"] = demo_calendars.complete_calendar(school["calendar"], sid, today)
    document = Generator(schools, today).build()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_if_changed(path, text):
    """Writes text to path unless it already holds exactly that (so make sees no change)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def day_argument(text):
    try:
        return demo_calendars.parse_day(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}")


def main(argv):
    parser = Parser(add_help=False)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--today", type=day_argument)
    parser.add_argument("--today-from")
    parser.add_argument("--stamp")
    parser.add_argument("out", nargs="?")
    try:
        args = parser.parse_args(argv[1:])
        if args.today and args.today_from:
            raise UsageError("--today and --today-from exclude each other")
        if args.check and (args.out is None or args.stamp):
            raise UsageError("--check takes OUT.json and no --stamp")
        if args.today_from and not args.check:
            raise UsageError("--today-from is for --check")
    except UsageError as e:
        sys.stderr.write(f"generate_demo_trust: {e}\n{__doc__}")
        return 2
    today = args.today
    if args.today_from:
        with open(args.today_from, encoding="utf-8") as f:
            try:
                today = demo_calendars.parse_day(f.read().strip())
            except ValueError as e:
                fail(f"{args.today_from}: {e}")
    if today is None:
        today = datetime.datetime.now(datetime.timezone.utc).date()
    text = render(today)
    if args.check:
        with open(args.out, encoding="utf-8", newline="") as f:
            existing = f.read()
        if existing != text:
            fail(f"{args.out} differs from a fresh generation for {today.isoformat()} (the generator "
                 "is not deterministic, or the file is stale)")
        return 0
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_if_changed(args.out, text)
    if args.stamp:
        write_if_changed(args.stamp, today.isoformat() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
