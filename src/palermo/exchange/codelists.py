"""Code lists of agreements: types, statuses, data categories, purposes, handling codes.

The labels are ``N_`` messages: a page says them in its reader's language, the CLI and the API in English."""

from __future__ import annotations

from palermo.messages import N_

AGREEMENT_TYPES = {
    "mou": N_("Memorandum of understanding"),
    "operational": N_("Operational agreement"),
    "strategic": N_("Strategic agreement"),
    "bilateral_treaty": N_("Bilateral treaty"),
    "data_sharing_protocol": N_("Data-sharing protocol"),
    # a statute or decree allowing named authorities of one state to exchange data, recorded as an
    # agreement so the same decision applies: its parties are those authorities, never the state itself
    "national_law": N_("National legal basis (statute, regulation or decree)"),
}
STATUSES = ("draft", "signed", "in_force", "suspended", "expired")
CATEGORIES = {
    "aggregate_statistics": N_("Aggregate statistics"),
    "hit_no_hit": N_("Hit/no-hit on encoded person records"),
    "personal_data_suspects": N_("Personal data of suspects"),
    "personal_data_victims": N_("Personal data of victims"),
    "operational_information": N_("Operational information"),
    "strategic_information": N_("Strategic information"),
}
PURPOSES = {
    "prevention": N_("Prevention"),
    "investigation": N_("Investigation"),
    "prosecution": N_("Prosecution"),
    "victim_protection": N_("Victim protection"),
    "research": N_("Research"),
}
# In the manner of Europol's handling codes: restrictions that travel with any data sent.
HANDLING_CODES = {
    "H0": N_("May be used only for the purposes for which it was provided"),
    "H1": N_("Not to be used as evidence in judicial proceedings without the owner's permission"),
    "H2": N_("No onward transmission without the owner's permission"),
    "H3": N_("Other restrictions as stated in the agreement"),
}
STATE_AUTHORITY_TYPES = {"police", "prosecution", "court", "immigration", "labour_inspection", "ministry",
                         "national_rapporteur", "consulate"}
# A category and a purpose as a sentence names them ("agreement X does not cover personal data of victims"),
# each its own message: a translator writes the phrase the sentence needs, not a lower-cased label.
CATEGORY_IN_TEXT = {
    "aggregate_statistics": N_("aggregate statistics"),
    "hit_no_hit": N_("hit/no-hit on encoded person records"),
    "personal_data_suspects": N_("personal data of suspects"),
    "personal_data_victims": N_("personal data of victims"),
    "operational_information": N_("operational information"),
    "strategic_information": N_("strategic information"),
}
PURPOSE_IN_TEXT = {
    "prevention": N_("prevention"),
    "investigation": N_("investigation"),
    "prosecution": N_("prosecution"),
    "victim_protection": N_("victim protection"),
    "research": N_("research"),
}
