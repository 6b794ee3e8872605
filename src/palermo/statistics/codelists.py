"""Common code lists every source is mapped to (ICCS, HTCDS/Eurostat forms of exploitation, stages,
units, sex, age groups) and the flags kept from input to every output."""

from __future__ import annotations

INDICATORS = {
    "victims": "Victims of trafficking in persons",
    "suspects": "Persons suspected (brought into formal contact with the police)",
    "prosecuted": "Persons prosecuted",
    "convicted": "Persons convicted",
    "offences": "Offences recorded",
    "smuggled_migrants": "Smuggled migrants",
    "dead_missing_migrants": "Dead and missing migrants",
}
# Stage of the count: which population the number is about. Counts of different stages are never added.
STAGES = {
    "detected": "Victims detected by the authorities",
    "signalled": "Victims signalled (possible victims reported, not yet confirmed)",
    "identified": "Victims formally identified by an authority",
    "presumed": "Presumed victims (meeting the criteria without formal identification)",
    "registered": "Registered victims (identified or presumed, Eurostat)",
    "assisted": "Victims assisted by service providers",
    "estimated": "Estimated total (including victims not identified)",
    "suspected": "Suspects",
    "prosecuted": "Prosecuted persons",
    "convicted": "Convicted persons",
    "recorded": "Recorded offences or cases",
}
SOURCE_TYPES = {
    "police": "Police", "prosecution": "Prosecution service", "court": "Court", "ngo": "NGO",
    "international_estimate": "International-organisation estimate", "international_records": "International organisation records",
    "survey": "Survey", "estimate": "Statistical estimate (e.g. multiple systems estimation)",
    "labour_inspection": "Labour inspection", "national_rapporteur": "National rapporteur",
}
UNITS = {"persons": "Persons", "cases": "Cases", "offences": "Offences", "proceedings": "Proceedings",
         "decisions": "Decisions", "incidents": "Incidents"}
DEFINITIONS = {"palermo": "UN Trafficking Protocol, art. 3", "eu_directive": "Directive 2011/36/EU, art. 2",
               "national": "National criminal law", "other": "Other / unspecified"}
SEX = {"total": "Total", "female": "Female", "male": "Male", "other": "Other", "unknown": "Unknown"}
AGE_GROUPS = {"total": "Total", "child": "0 to 17 years", "adult": "18 years or over", "unknown": "Unknown"}
CITIZENSHIP = {"total": "Total", "nationals": "Nationals of the reporting country", "eu": "Other EU citizens",
               "non_eu": "Non-EU citizens", "foreign": "Foreign nationals", "unknown": "Unknown"}
# Forms of exploitation aligned with HTCDS vic_TypeOfExploitation and Eurostat (sexual / labour / other).
EXPLOITATION = {"total": "Total", "sexual": "Sexual exploitation", "labour": "Forced labour or services",
                "criminality": "Forced criminal activities", "begging": "Forced begging", "marriage": "Forced marriage",
                "organs": "Removal of organs", "other": "Other forms", "unknown": "Unknown"}
EUROSTAT_EXPLOITATION = {"sexual": "sexual", "labour": "labour", "criminality": "other", "begging": "other",
                         "marriage": "other", "organs": "other", "other": "other"}
ICCS = {"0204": "Trafficking in persons", "02041": "Trafficking in persons for sexual exploitation",
        "02042": "Trafficking in persons for forced labour or services", "02043": "Trafficking in persons for organ removal",
        "02044": "Trafficking in persons for other purposes", "08051": "Smuggling of migrants"}
EXPLOITATION_ICCS = {"sexual": "02041", "labour": "02042", "organs": "02043", "criminality": "02044", "begging": "02044",
                     "marriage": "02044", "other": "02044", "total": "0204"}
# Flags: Eurostat letters, with the SDMX OBS_STATUS / CONF_STATUS they map to in SDMX outputs.
FLAGS = {
    "estimated": ("e", "E"), "provisional": ("p", "P"), "break": ("b", "B"), "definition_differs": ("d", "A"),
    "confidential": ("c", "Q"), "low_reliability": ("u", "A"), "revised": ("r", "A"), "not_applicable": ("z", "M"),
    "censored": ("", "A"), "inconsistent": ("", "A"), "suppressed": ("c", "Q"),
}
EUROSTAT_FLAG = {letter: name for name, (letter, _) in FLAGS.items() if letter and name != "suppressed"}
