"""Demo statistics: several sources per country (NLD, ITA, ESP, NGA) that disagree for real reasons:
police count detected victims, NGOs assisted ones, courts convicted persons, prosecution counts cases,
national and Palermo definitions, an international compilation in two vintages with revisions, and a
source that is overdue. All numbers are synthetic (labelled "demo"), drawn around realistic levels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations

YEARS = ("2022", "2023", "2024")
# country -> (level of detected victims, sources: key, owner, type, stage, unit, definition, factor, public)
PLAN: dict[str, tuple[int, list[tuple[str, str, str, str, str, str, float, bool]]]] = {
    "NLD": (1000, [
        ("nl-police-detected", "NL-POL", "police", "detected", "persons", "national law (art. 273f Criminal Code)", 1.0, True),
        ("nl-rapporteur-registered", "NL-RAP", "national_rapporteur", "registered", "persons", "Palermo Protocol, art. 3", 1.25, True),
        ("nl-ngo-assisted", "LSTRADA", "ngo", "assisted", "persons", "Palermo Protocol, art. 3", 0.6, True),
        ("nl-prosecution-cases", "NL-OM", "prosecution", "prosecuted", "cases", "national law (art. 273f Criminal Code)", 0.22, True),
    ]),
    "ITA": (1800, [
        ("it-police-detected", "IT-POL", "police", "detected", "persons", "national law (art. 601 Codice penale)", 1.0, True),
        ("it-ngo-assisted", "ONDA", "ngo", "assisted", "persons", "Palermo Protocol, art. 3", 1.4, True),
        ("it-courts-convicted", "IT-COURT", "court", "convicted", "persons", "national law (art. 601 Codice penale)", 0.07, True),
    ]),
    "ESP": (600, [
        ("es-police-detected", "ES-POL", "police", "detected", "persons", "national law (art. 177 bis Código Penal)", 1.0, True),
        ("es-ngo-assisted", "APRAMP", "ngo", "assisted", "persons", "Palermo Protocol, art. 3", 2.1, True),
    ]),
    "NGA": (1200, [
        ("ng-naptip-identified", "NG-NAPTIP", "police", "identified", "persons", "national law (TIPPEA 2015)", 1.0, True),
    ]),
}


def build(session: Session, ctx: Any) -> None:
    system = Principal.system()
    rng = ctx.rng
    n_sources = 0
    for country, (level, sources) in PLAN.items():
        for key, owner, stype, stage, unit, definition, factor, public in sources:
            indicator = {"prosecuted": "prosecuted", "convicted": "convicted"}.get(stage, "victims")
            obs = []
            for year in YEARS:
                total = round(level * factor * rng.uniform(0.85, 1.15))
                female = round(total * rng.uniform(0.55, 0.75))
                sexual = round(total * rng.uniform(0.4, 0.6))
                labour = round((total - sexual) * rng.uniform(0.6, 0.85))
                child = round(total * rng.uniform(0.08, 0.2))
                obs.append(ObservationSpec(indicator, country, year, value=float(total)))
                obs.append(ObservationSpec(indicator, country, year, sex="female", value=float(female)))
                obs.append(ObservationSpec(indicator, country, year, sex="male", value=float(total - female)))
                if indicator == "victims":
                    obs.append(ObservationSpec(indicator, country, year, exploitation="sexual", value=float(sexual)))
                    obs.append(ObservationSpec(indicator, country, year, exploitation="labour", value=float(labour)))
                    obs.append(ObservationSpec(indicator, country, year, exploitation="other", value=float(total - sexual - labour)))
                    obs.append(ObservationSpec(indicator, country, year, age_group="child", value=float(child)))
                    obs.append(ObservationSpec(indicator, country, year, age_group="adult", value=float(total - child)))
                    # a few small cells: organ removal is rare, to be suppressed in public outputs
                    obs.append(ObservationSpec(indicator, country, year, exploitation="organs", value=float(rng.randint(1, 3))))
            spec = SourceSpec(key=key, name=f"{key.replace('-', ' ')} (demo)", source_type=stype, stage=stage, counting_unit=unit,
                              legal_definition=definition, coverage="national", owner_org_id=ctx.orgs[owner].id,
                              update_schedule="annual", public=public, notes="Synthetic demo figures.")
            record_observations(session, system, spec, obs)
            n_sources += 1
    # An international compilation in two vintages: the later one revises the earlier.
    for vintage, bump in (("2023-05-30", 1.0), ("2025-04-14", 1.06)):
        obs = [ObservationSpec("victims", c, y, value=float(round(level * bump * (1 + 0.03 * k))))
               for c, (level, _) in PLAN.items() for k, y in enumerate(YEARS[:2])]
        record_observations(session, system, SourceSpec(
            key="unodc-glotip-demo", name="UNODC GLOTIP compilation (demo)", source_type="international_records",
            stage="detected", counting_unit="persons", legal_definition="national legislation as reported to UNODC",
            coverage="national", owner_org_id=ctx.orgs["UNODC"].id, update_schedule="biennial", vintage=vintage), obs)
    # One source whose owner has not updated it for two years.
    from sqlalchemy import update

    from palermo.statistics.models import Source

    session.execute(update(Source).where(Source.key == "es-ngo-assisted").values(updated_at=utcnow() - timedelta(days=800)))
    ctx.notes.append(f"statistics: {n_sources} national sources and a two-vintage international compilation for "
                     f"{', '.join(PLAN)}, with concept differences, small cells and an overdue source")
