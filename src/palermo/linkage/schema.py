"""The linkage schema: which columns are encoded how. A plain description; ``encoding`` runs it.

Format (JSON)::

    {"version": 1,
     "id_column": "record_id",
     "fields": [{"name": "name", "columns": ["first_name", "last_name"], "kind": "name", "bits": 1024, "hashes": 20},
                {"name": "dob", "columns": ["date_of_birth"], "kind": "date", "bits": 256, "hashes": 20},
                {"name": "sex", "columns": ["sex"], "kind": "sex", "bits": 64, "hashes": 10}, …],
     "blocking": [{"name": "surname_sound_year", "parts": ["name:phonetic_min", "dob:year"]}, …],
     "hardening": {"balance": false, "xor_fold": false, "salt": true}}

Kinds: ``name`` (bigrams of normalised tokens plus their consonant skeletons), ``date`` (year, month,
day and the whole date as tokens, so a swapped day/month still shares most), ``sex``, ``country``
(ISO 3166 alpha-3), ``text`` (bigrams), ``document`` (trigrams of the normalised number).
A clkhash v3 linkage schema is accepted and converted where it can be expressed (see ``from_clkhash``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from palermo.errors import Problem, ValidationError
from palermo.messages import N_, verbatim

Kind = Literal["name", "date", "sex", "country", "text", "document"]


class FieldSpec(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    columns: list[str] = Field(min_length=1)
    kind: Kind
    bits: int = Field(512, ge=64, le=8192, multiple_of=64)
    hashes: int = Field(20, ge=1, le=200)
    q: int = Field(2, ge=1, le=4)
    # How a date column is written (strftime, as in clkhash schemas, e.g. "%Y%m%d"); None: the usual forms
    # (ISO first). Only for ``date`` fields.
    format: str | None = Field(None, min_length=2, max_length=40)

    @model_validator(mode="after")
    def _check_format(self) -> FieldSpec:
        if self.format is not None:
            if self.kind != "date":
                raise ValueError(f"field {self.name!r}: a format is only for date fields (this one is {self.kind})")
            if not any(d in self.format for d in ("%Y", "%y")) or "%m" not in self.format and "%b" not in self.format \
                    or "%d" not in self.format:
                raise ValueError(f"field {self.name!r}: date format {self.format!r} needs a year (%Y), a month (%m) "
                                 "and a day (%d), as strftime writes them")
        return self


class BlockSpec(BaseModel):
    """A blocking key: parts ``<field>:<transform>`` joined, then hashed with a key (the hub never sees it)."""

    name: str
    parts: list[str] = Field(min_length=1)


class Hardening(BaseModel):
    salt: bool = True       # per-field keys: the same bigram sets different bits in different fields
    balance: bool = False   # append the complement: every filter has exactly half its bits set
    xor_fold: bool = False  # fold the filter in half with XOR: positions no longer map to single n-grams
    # Key the name filter also by another attribute (e.g. "dob:year"): equal names of people born in other
    # years set other bits, which flattens the frequencies a frequency attack relies on. Costs recall
    # when that attribute is wrong or missing in one of two records.
    attribute_salt: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*:(year|value)$")


class LinkageSchema(BaseModel):
    version: Literal[1] = 1
    id_column: str = "record_id"
    fields: list[FieldSpec] = Field(min_length=1)
    blocking: list[BlockSpec] = []
    hardening: Hardening = Hardening()

    @model_validator(mode="after")
    def _check(self) -> LinkageSchema:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"field names must be unique, got {names}")
        for b in self.blocking:
            for part in b.parts:
                field, _, transform = part.partition(":")
                if field not in names:
                    raise ValueError(f"blocking key {b.name!r} uses unknown field {field!r}; fields are {names}")
                if transform not in TRANSFORMS:
                    raise ValueError(f"blocking key {b.name!r}: transform {transform!r} unknown; use one of {sorted(TRANSFORMS)}")
        return self

    def canonical(self) -> str:
        data = self.model_dump()
        for f in data["fields"]:  # fields without a date format serialise as before it existed: same fingerprint
            if f.get("format") is None:
                f.pop("format", None)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def with_id_column(self, column: str | None) -> LinkageSchema:
        """The schema reading record ids from another column (``--id-column``)."""
        return self if not column or column == self.id_column else self.model_copy(update={"id_column": column})

    def columns(self) -> list[str]:
        """Every column the schema reads: the id column first, then the fields' columns in order."""
        return list(dict.fromkeys([self.id_column, *(c for f in self.fields for c in f.columns)]))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


TRANSFORMS = {"phonetic_min", "phonetic_max", "phonetic_all", "year", "year_month", "value", "initials", "head4", "tail4"}

DEFAULT_SCHEMA = LinkageSchema(
    fields=[
        FieldSpec(name="name", columns=["first_name", "last_name"], kind="name", bits=1024, hashes=20),
        FieldSpec(name="dob", columns=["date_of_birth"], kind="date", bits=256, hashes=20),
        FieldSpec(name="sex", columns=["sex"], kind="sex", bits=64, hashes=10),
        FieldSpec(name="birth_country", columns=["country_of_birth"], kind="country", bits=64, hashes=10),
        FieldSpec(name="nationality", columns=["nationality"], kind="country", bits=64, hashes=10),
        FieldSpec(name="document", columns=["document_number"], kind="document", bits=256, hashes=15, q=3),
    ],
    blocking=[BlockSpec(name="name_year", parts=["name:phonetic_min", "dob:year"]),
              BlockSpec(name="names", parts=["name:phonetic_all"]),
              BlockSpec(name="dob", parts=["dob:value"]),
              BlockSpec(name="document", parts=["document:value"]),
              BlockSpec(name="initials_month", parts=["name:initials", "dob:year_month"]),
              # A document number with a typo still shares its first or its last four characters.
              BlockSpec(name="document_head", parts=["document:head4", "nationality:value"]),
              BlockSpec(name="document_tail", parts=["document:tail4", "nationality:value"])],
)


def load_schema(path: Path, id_column: str | None = None) -> LinkageSchema:
    """Read a Palermo schema, or a clkhash v3 schema converted; every problem reported at once.
    ``id_column`` (``--id-column``) overrides the schema's id column."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(N_("linkage schema {path} cannot be read: {exc}", path=path, exc=exc)) from None
    if isinstance(data, dict) and "features" in data:
        data = from_clkhash(data, id_column)
    try:
        return LinkageSchema.model_validate(data).with_id_column(id_column)
    except PydanticValidationError as exc:
        problems = [Problem(verbatim(e["msg"]), field=".".join(str(x) for x in e["loc"])) for e in exc.errors()]
        raise ValidationError(N_("linkage schema {path} is invalid; see docs/linkage.md for the format", path=path), problems) from None


_CLK_KINDS = {"date": "date", "enum": "text", "string": "text", "integer": "text"}


def _sex_values(values: list[Any]) -> bool:
    from palermo.linkage.normalise import normalise_sex

    try:
        return bool(values) and all(normalise_sex(str(v)) for v in values)
    except ValueError:
        return False


def from_clkhash(data: dict[str, Any], id_column: str | None = None) -> dict[str, Any]:
    """Convert a clkhash v3 linkage schema: each feature with hashing becomes a field of its own size.

    clkhash encodes all features into one record-level filter; Palermo keeps one filter per field so the
    matcher can weigh fields (their concatenation is the record-level filter anonlink compares).
    Features named like names become ``name`` fields; a date feature keeps its ``format``. clkhash has
    no id column: it is ``id_column`` (``--id-column``), else the first ``ignored`` feature (the usual
    place of a record id in clkhash schemas); other ignored features are skipped.
    """
    if data.get("version") not in (3, "3"):
        raise ValidationError(N_("clkhash schema version {get!r} is not supported; version 3 is",
                                 get=data.get('version')))
    ignored = [f.get("identifier") for f in data.get("features", []) if f.get("ignored")]
    ident_column = id_column or data.get("id_column") or (ignored[0] if ignored else None)
    if not ident_column:
        raise ValidationError(N_("this clkhash schema names no id column (no ignored feature); give the column that "
                                 "holds the record ids with --id-column"))
    bits = int(data.get("clkConfig", {}).get("l", 1024))
    features = [f for f in data["features"] if not f.get("ignored") and f.get("identifier") != ident_column]
    fields = []
    per = max(64, (bits // max(1, len(features))) // 64 * 64)
    for f in features:
        ident = f["identifier"]
        fmt = f.get("format", {}).get("type", "string")
        comparison = f.get("hashing", {}).get("comparison", {})
        kind = "name" if "name" in ident.lower() and fmt == "string" else _CLK_KINDS.get(fmt, "text")
        if fmt == "enum" and _sex_values(f.get("format", {}).get("values", [])):
            kind = "sex"  # an enum of M/F (by its values): encoded and calibrated as sex, not as free text
        strategy = f.get("hashing", {}).get("strategy", {})
        hashes = int(strategy.get("bitsPerToken", strategy.get("bitsPerFeature", 20)) or 20)
        name = "".join(c if c.isalnum() else "_" for c in ident.lower()).strip("_") or "f"
        spec = {"name": name if name[0].isalpha() else f"f_{name}", "columns": [ident], "kind": kind, "bits": per,
                "hashes": min(200, max(1, hashes)),
                "q": int(comparison.get("n", 2)) if comparison.get("type", "ngram") == "ngram" else 2}
        if kind == "date" and f.get("format", {}).get("format"):
            spec["format"] = f["format"]["format"]
        fields.append(spec)
    return {"version": 1, "id_column": ident_column, "fields": fields, "blocking": []}
