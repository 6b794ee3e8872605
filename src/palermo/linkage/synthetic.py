"""Synthetic person records of several agencies with controlled overlap and realistic noise.

Names come from West African, Eritrean/Ethiopian, Arabic, Albanian, Vietnamese and European pools;
copies of one person in several agencies' lists differ by typos, transpositions, transliteration
variants (Mohammed/Muhammad/Mohamed …), swapped name order, day/month swaps and missing fields.
The ground truth (person id of every record) comes back with the lists, for tests and benchmarks.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from palermo.linkage.schema import LinkageSchema

POOLS: dict[str, dict[str, list[str]]] = {
    "west_africa": {"first_m": ["Chinedu", "Emeka", "Oluwaseun", "Babajide", "Ibrahima", "Mamadou", "Osaro", "Kelechi", "Abdoulaye",
                                "Tunde", "Ikechukwu", "Obinna", "Segun", "Femi", "Moussa", "Ousmane", "Cheikh", "Lamine", "Kwame",
                                "Kofi", "Yaw", "Efosa", "Nosa", "Uche", "Chukwuemeka", "Adewale", "Babacar", "Souleymane"],
                    "first_f": ["Blessing", "Joy", "Precious", "Chioma", "Aminata", "Fatou", "Osas", "Favour", "Adaeze", "Esohe",
                                "Ngozi", "Funmilayo", "Omolara", "Awa", "Mariama", "Khady", "Abena", "Akosua", "Efe", "Osaretin",
                                "Gift", "Mercy", "Peace", "Chiamaka", "Nneka", "Bisola", "Kadiatou", "Rokhaya"],
                    "last": ["Okafor", "Osagie", "Adebayo", "Diallo", "Ndiaye", "Eze", "Igbinosa", "Ogbeide", "Balde", "Okonkwo",
                             "Obi", "Nwosu", "Adeyemi", "Ogunleye", "Sow", "Fall", "Diop", "Camara", "Mensah", "Asante",
                             "Boateng", "Edosa", "Aigbe", "Omoregie", "Uwaifo", "Nwachukwu", "Bakare", "Sylla", "Toure", "Keita"],
                    "countries": ["NGA", "SEN", "GIN", "GHA"]},
    "horn": {"first_m": ["Tesfaye", "Yonas", "Dawit", "Haile", "Kidane", "Mehari", "Berhane", "Samuel"],
             "first_f": ["Aster", "Helen", "Selam", "Saba", "Mebrat", "Yohanna", "Senait", "Freweini"],
             "last": ["Gebremedhin", "Tesfamariam", "Haile", "Kebede", "Berhe", "Woldemichael", "Asfaha", "Tekle",
                      "Ghebreyesus", "Habte", "Kidane", "Mengistu", "Negash", "Tsegay", "Weldu", "Yohannes", "Zerai",
                      "Andemariam", "Fessehaye", "Ogbazghi"],
             "countries": ["ERI", "ETH"]},
    "arabic": {"first_m": ["Mohammed", "Ahmed", "Omar", "Youssef", "Abdelrahman", "Khaled", "Ibrahim", "Mustafa"],
               "first_f": ["Fatima", "Amina", "Mariam", "Nour", "Aisha", "Salma", "Huda", "Zainab"],
               "last": ["Al Hassan", "Abdullah", "Mansour", "Haddad", "El Amrani", "Ben Ali", "Saleh", "Osman",
                        "Khalil", "Nasser", "Hamdan", "Qasim", "Al Masri", "Bakr", "Darwish", "Farouk", "Ghanem",
                        "Jaber", "Karim", "Mahmoud", "Rashid", "Said", "Taha", "Yassin", "Zaki", "Bouazizi", "Idrissi"],
               "countries": ["SDN", "SYR", "MAR", "EGY", "LBY"]},
    "albanian": {"first_m": ["Arben", "Gjergj", "Besnik", "Driton", "Ilir", "Fatmir"],
                 "first_f": ["Elira", "Arta", "Besa", "Drita", "Jonida"],
                 "last": ["Hoxha", "Kastrioti", "Berisha", "Gashi", "Krasniqi", "Shehu"], "countries": ["ALB", "XKX"]},
    "vietnamese": {"first_m": ["Van Anh", "Minh", "Duc", "Quang", "Tuan", "Van Hung", "Thanh", "Dung", "Hieu", "Khanh", "Long", "Phuc"],
                   "first_f": ["Thi Lan", "Thi Hoa", "Mai", "Linh", "Thu", "Thi Huong", "Ngoc", "Trang", "Hanh", "Phuong", "Yen", "Thao"],
                   "last": ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ho", "Ngo", "Duong"],
                   "countries": ["VNM"]},
    "european": {"first_m": ["Marco", "Pieter", "Javier", "Andrei", "Luca"], "first_f": ["Anna", "Maria", "Elena", "Sofia", "Ioana"],
                 "last": ["Rossi", "de Vries", "Garcia", "Popescu", "Novak"], "countries": ["ITA", "NLD", "ESP", "ROU"]},
}
VARIANTS = {"Mohammed": ["Muhammad", "Mohamed", "Mohamad", "Mohammad"], "Youssef": ["Yusuf", "Yousef", "Youssouf"],
            "Abdelrahman": ["Abdul Rahman", "Abd al-Rahman", "Abdurrahman"], "Tesfaye": ["Tesfay", "Tesfai"],
            "Gebremedhin": ["Ghebremedhin", "Gebremedhn"], "Osman": ["Usman", "Othman"], "Fatima": ["Fatma", "Fatimah"],
            "Aisha": ["Aicha", "Ayesha"], "Haile": ["Hailé", "Haille"], "Nguyen": ["Nguyễn"], "Tran": ["Trần"],
            "Mamadou": ["Mamadu", "Mamoudou"], "Ibrahima": ["Ibrahim"], "Al Hassan": ["Alhassan", "El Hassan"],
            "Gjergj": ["Gjergji"], "Hoxha": ["Hoxhaj"], "Oluwaseun": ["Seun", "Oluseun"]}
COLUMNS = ["record_id", "first_name", "last_name", "date_of_birth", "sex", "country_of_birth", "nationality", "document_number"]


@dataclass
class Person:
    pid: int
    first: str
    last: str
    dob: date
    sex: str
    country: str
    document: str | None


def people(n: int, rng: random.Random) -> list[Person]:
    regions = list(POOLS)
    weights = [0.3, 0.2, 0.2, 0.1, 0.1, 0.1]
    out = []
    for pid in range(n):
        pool = POOLS[rng.choices(regions, weights)[0]]
        sex = rng.choice("MF")
        first = rng.choice(pool["first_m" if sex == "M" else "first_f"])
        dob = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 16000))
        doc = "".join(rng.choices(string.ascii_uppercase, k=2)) + "".join(rng.choices(string.digits, k=7)) if rng.random() < 0.6 else None
        out.append(Person(pid, first, rng.choice(pool["last"]), dob, sex, rng.choice(pool["countries"]), doc))
    return out


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.random()
    if op < 0.3:
        return text[:i] + text[i + 1:]  # deletion
    if op < 0.6:
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1:]  # substitution
    if op < 0.85:
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]  # transposition
    return text[:i] + text[i] + text[i:]  # doubled letter


def noisy_record(p: Person, rid: str, rng: random.Random, noise: float) -> dict[str, str]:
    first, last = p.first, p.last
    if rng.random() < noise and first in VARIANTS:
        first = rng.choice(VARIANTS[first])
    if rng.random() < noise and last in VARIANTS:
        last = rng.choice(VARIANTS[last])
    if rng.random() < noise:
        first = _typo(first, rng)
    if rng.random() < noise:
        last = _typo(last, rng)
    if rng.random() < noise / 3:
        first, last = last, first  # name order recorded the other way round
    dob = p.dob
    if rng.random() < noise / 3 and dob.day <= 12:
        dob = date(dob.year, dob.day, dob.month)  # day and month swapped
    elif rng.random() < noise / 4:
        dob = dob + timedelta(days=rng.choice([-1, 1, 365, -365]))
    fmt = rng.choice(["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"])
    rec = {"record_id": rid, "first_name": first, "last_name": last, "date_of_birth": dob.strftime(fmt), "sex": p.sex,
           "country_of_birth": p.country, "nationality": p.country, "document_number": p.document or ""}
    for col in ("date_of_birth", "country_of_birth", "document_number", "sex"):
        if rng.random() < noise / 2:
            rec[col] = ""  # missing
    if rec["document_number"] and rng.random() < noise / 2:
        rec["document_number"] = _typo(rec["document_number"], rng).upper()
    return rec


def agency_lists(sizes: dict[str, int], overlap: float = 0.1, noise: float = 0.3, seed: int = 1
                 ) -> tuple[dict[str, list[dict[str, str]]], dict[tuple[str, str], int]]:
    """Lists per agency, each record drawn from a shared population so that about ``overlap`` of a list's
    people also appear in each other list. Returns the lists and the truth: (agency, record id) -> person."""
    rng = random.Random(seed)
    # A shared pool of people known to several agencies, and a private pool per agency (disjoint), so that
    # a list shares about ``overlap`` of its size with each other list.
    shared_n = int(max(sizes.values()) * overlap) + 1
    population = people(shared_n + sum(sizes.values()), rng)
    shared, private = population[:shared_n], population[shared_n:]
    lists: dict[str, list[dict[str, str]]] = {}
    truth: dict[tuple[str, str], int] = {}
    start = 0
    for agency, n in sizes.items():
        chosen = rng.sample(shared, min(shared_n, int(n * overlap), n))
        rest = private[start:start + n - len(chosen)]
        start += n - len(chosen)
        recs = []
        for k, p in enumerate(chosen + rest):
            rid = f"{agency}-{k:07d}"
            recs.append(noisy_record(p, rid, rng, noise))
            truth[(agency, rid)] = p.pid
        rng.shuffle(recs)
        lists[agency] = recs
    return lists, truth


def true_pairs(truth: dict[tuple[str, str], int], a: str, b: str) -> set[tuple[str, str]]:
    by_pid: dict[int, str] = {pid: rid for (ag, rid), pid in truth.items() if ag == b}
    return {(rid, by_pid[pid]) for (ag, rid), pid in truth.items() if ag == a and pid in by_pid}


def write_csv(records: list[dict[str, str]], path: str) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(records)


def clkhash_schema(salt: bytes) -> dict[str, Any]:
    """A clkhash v3 linkage schema of these lists' columns, as a clkhash user would write it: the
    reference side of the interoperability test and the benchmark (dates in ISO, as clkhash validates)."""
    hashed = [("first_name", {"type": "string", "encoding": "utf-8", "case": "mixed"}, 2, 20, False),
              ("last_name", {"type": "string", "encoding": "utf-8", "case": "mixed"}, 2, 20, False),
              ("date_of_birth", {"type": "date", "format": "%Y-%m-%d"}, 2, 15, True),
              ("sex", {"type": "enum", "values": ["M", "F"]}, 1, 10, True),
              ("country_of_birth", {"type": "string", "encoding": "utf-8", "case": "upper"}, 2, 10, True),
              ("nationality", {"type": "string", "encoding": "utf-8", "case": "upper"}, 2, 10, True),
              ("document_number", {"type": "string", "encoding": "utf-8", "case": "mixed"}, 3, 15, True)]
    return {"version": 3,
            "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256", "keySize": 64,
                                             "salt": base64.b64encode(salt).decode(),
                                             "info": base64.b64encode(b"palermo").decode()}},
            "features": [{"identifier": "record_id", "ignored": True}] + [
                {"identifier": column, "format": fmt,
                 "hashing": {"comparison": {"type": "ngram", "n": n}, "strategy": {"bitsPerToken": k},
                             "hash": {"type": "blakeHash"}, **({"missingValue": {"sentinel": ""}} if missing else {})}}
                for column, fmt, n, k, missing in hashed]}


# ------------------------------------------------------------------ records in a schema's own columns
def _text_vocabulary(size: int = 3000) -> list[str]:
    """Pseudo-words (street, town, occupation …) for ``text`` fields, which the person pools lack."""
    rng = random.Random(99)
    syllables = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"] + ["an", "el", "or", "is", "un"]
    return list(dict.fromkeys("".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(size * 2)))[:size]


_VOCABULARY = _text_vocabulary()
_ZIPF = [1 / (k + 1) for k in range(len(_VOCABULARY))]  # a few values are common, most rare (as in addresses)


def _text_value(pid: int, place: int) -> str:
    rng = random.Random(pid * 7919 + place)
    return " ".join(rng.choices(_VOCABULARY, _ZIPF)[0] for _ in range(rng.choice((1, 1, 2))))


def in_schema_columns(schema: LinkageSchema, records: list[dict[str, str]], pids: list[int], *, noise: float,
                      seed: int) -> list[dict[str, str]]:
    """Synthetic records (Palermo's vocabulary) placed in the columns ``schema`` names, field by field
    according to the field's *kind*, never its column names: the first name field gets the given name
    (the whole name when it is the only one), the next the family name; dates are written in the field's
    format; the first country field gets the country of birth, the others the nationality. ``text``
    fields get a value per person from a skewed vocabulary, with typos and gaps at the same noise."""
    from palermo.linkage.normalise import parse_date

    rng = random.Random(seed)
    names = [f for f in schema.fields if f.kind == "name"]
    countries = [f for f in schema.fields if f.kind == "country"]
    out = []
    for rec, pid in zip(records, pids):
        row = {schema.id_column: rec["record_id"]}
        for place, f in enumerate(schema.fields):
            if f.kind == "name":
                if len(names) == 1:
                    given = [rec["first_name"], rec["last_name"]] if len(f.columns) > 1 else \
                        [" ".join(x for x in (rec["first_name"], rec["last_name"]) if x)]
                else:
                    given = [rec["first_name"] if names.index(f) == 0 else rec["last_name"] if names.index(f) == 1 else ""]
                values = given + [""] * (len(f.columns) - len(given))
            elif f.kind == "date":
                d = parse_date(rec["date_of_birth"])
                values = [d.strftime(f.format or "%Y-%m-%d") if d else ""]
            elif f.kind == "sex":
                values = [rec["sex"]]
            elif f.kind == "country":
                values = [rec["country_of_birth"] if countries.index(f) == 0 else rec["nationality"]]
            elif f.kind == "document":
                values = [rec["document_number"]]
            else:
                text = _text_value(pid, place)
                if rng.random() < noise:
                    text = _typo(text, rng)
                values = ["" if rng.random() < noise / 2 else text]
            for column, value in zip(f.columns, values + [""] * (len(f.columns) - len(values))):
                row[column] = value
        out.append(row)
    return out
