"""Code lists of agreements: types, statuses, data categories, purposes, handling codes."""

from __future__ import annotations

AGREEMENT_TYPES = {
    "mou": "Memorandum of understanding",
    "operational": "Operational agreement",
    "strategic": "Strategic agreement",
    "bilateral_treaty": "Bilateral treaty",
    "data_sharing_protocol": "Data-sharing protocol",
    # a statute or decree allowing named authorities of one state to exchange data, recorded as an
    # agreement so the same decision applies: its parties are those authorities, never the state itself
    "national_law": "National legal basis (statute, regulation or decree)",
}
STATUSES = ("draft", "signed", "in_force", "suspended", "expired")
CATEGORIES = {
    "aggregate_statistics": "Aggregate statistics",
    "hit_no_hit": "Hit/no-hit on encoded person records",
    "personal_data_suspects": "Personal data of suspects",
    "personal_data_victims": "Personal data of victims",
    "operational_information": "Operational information",
    "strategic_information": "Strategic information",
}
PURPOSES = {
    "prevention": "Prevention",
    "investigation": "Investigation",
    "prosecution": "Prosecution",
    "victim_protection": "Victim protection",
    "research": "Research",
}
# In the manner of Europol's handling codes: restrictions that travel with any data sent.
HANDLING_CODES = {
    "H0": "May be used only for the purposes for which it was provided",
    "H1": "Not to be used as evidence in judicial proceedings without the owner's permission",
    "H2": "No onward transmission without the owner's permission",
    "H3": "Other restrictions as stated in the agreement",
}
STATE_AUTHORITY_TYPES = {"police", "prosecution", "court", "immigration", "labour_inspection", "ministry",
                         "national_rapporteur", "consulate"}
