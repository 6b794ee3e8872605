"""The API's code-list types, each derived from the core's own code list (never copied by hand).

A field typed with one of these is an ``enum`` in the OpenAPI document and is refused, with the list
of choices, when it holds anything else; so what the document calls valid is what the core accepts.
Under ``TYPE_CHECKING`` they are plain ``str`` (the enums are built at run time from the code lists).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pycountry

from palermo import countries
from palermo.auth.roles import ORG_TYPES, ROLES
from palermo.coordination import codelists as coord
from palermo.coordination.results import AGES
from palermo.coordination.results import SEXES as RESULT_SEXES
from palermo.estimation.estimate import BOOTSTRAP_METHODS
from palermo.estimation.selection import CRITERIA
from palermo.exchange import codelists as exchange
from palermo.exchange.requests import DECISIONS
from palermo.identification.case import SEXES as CASE_SEXES
from palermo.identification.i18n import LANGUAGES
from palermo.identification.referrals import STATUSES as REFERRAL_STATUSES
from palermo.linkage.hub import LIST_KINDS
from palermo.linkage.hub import PURPOSES as LINK_PURPOSES
from palermo.linkage.review import VERDICTS
from palermo.statistics import codelists as stats
from palermo.statistics.exports import EXPORT_FORMATS
from palermo.statistics.importers import FORMATS as IMPORT_FORMATS
from palermo.web.openapi import one_of

if TYPE_CHECKING:
    from typing import TypeAlias

    OrgType: TypeAlias = str
    Role: TypeAlias = str
    Country: TypeAlias = str
    Indicator: TypeAlias = str
    SourceType: TypeAlias = str
    Stage: TypeAlias = str
    Unit: TypeAlias = str
    Sex: TypeAlias = str
    AgeGroup: TypeAlias = str
    Citizenship: TypeAlias = str
    Exploitation: TypeAlias = str
    Flag: TypeAlias = str
    ExportFormat: TypeAlias = str
    ImportFormat: TypeAlias = str
    Publication: TypeAlias = str
    LinkPurpose: TypeAlias = str
    ListKind: TypeAlias = str
    Verdict: TypeAlias = str
    Category: TypeAlias = str
    ExchangePurpose: TypeAlias = str
    AnswerDecision: TypeAlias = str
    ParticipantRole: TypeAlias = str
    Theme: TypeAlias = str
    TargetGroup: TypeAlias = str
    InitiativeStatus: TypeAlias = str
    ResultSex: TypeAlias = str
    ResultAge: TypeAlias = str
    Language: TypeAlias = str
    CaseSex: TypeAlias = str
    ReferralStatus: TypeAlias = str
    ReferralDecision: TypeAlias = str
    Criterion: TypeAlias = str
    BootstrapMethod: TypeAlias = str
    Currency: TypeAlias = str
else:
    OrgType = one_of(ORG_TYPES, "organisation type")
    Role = one_of(ROLES, "role")
    Country = one_of(countries.CODES, "country (ISO 3166 alpha-3)")
    Indicator = one_of(stats.INDICATORS, "indicator")
    SourceType = one_of(stats.SOURCE_TYPES, "source type")
    Stage = one_of(stats.STAGES, "stage")
    Unit = one_of(stats.UNITS, "counting unit")
    Sex = one_of(stats.SEX, "sex")
    AgeGroup = one_of(stats.AGE_GROUPS, "age group")
    Citizenship = one_of(stats.CITIZENSHIP, "citizenship")
    Exploitation = one_of(stats.EXPLOITATION, "exploitation")
    Flag = one_of(stats.FLAGS, "flag")
    ExportFormat = one_of(EXPORT_FORMATS, "format")
    ImportFormat = one_of(IMPORT_FORMATS, "format")
    Publication = one_of(("", "true", "false"), "publication")
    LinkPurpose = one_of(LINK_PURPOSES, "purpose")
    ListKind = one_of(LIST_KINDS, "kind of list")
    Verdict = one_of(VERDICTS, "verdict")
    Category = one_of(exchange.CATEGORIES, "category")
    ExchangePurpose = one_of(exchange.PURPOSES, "purpose")
    AnswerDecision = one_of(DECISIONS, "decision")
    ParticipantRole = one_of(coord.ROLE_CODES, "role")
    Theme = one_of([*coord.THEMES, *coord.SUBTHEME_PARENT], "theme")
    TargetGroup = one_of(coord.TARGET_GROUPS, "target group")
    InitiativeStatus = one_of(coord.STATUSES, "status")
    ResultSex = one_of(RESULT_SEXES, "sex")
    ResultAge = one_of(("", *AGES), "age group")
    Language = one_of(LANGUAGES, "language")
    CaseSex = one_of(CASE_SEXES, "sex")
    ReferralStatus = one_of(REFERRAL_STATUSES, "status")
    ReferralDecision = one_of([s for s in REFERRAL_STATUSES if s != "received"], "decision")
    Criterion = one_of(CRITERIA, "criterion")
    BootstrapMethod = one_of(BOOTSTRAP_METHODS, "bootstrap method")
    Currency = one_of(sorted(str(c.alpha_3) for c in pycountry.currencies), "currency (ISO 4217)")
