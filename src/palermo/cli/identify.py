"""`palermo identify …`: the CLI face of palermo.identification."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from palermo.cli.common import console, handle_errors, print_json, settings
from palermo.errors import ValidationError

app = typer.Typer(help="Victim identification: indicator catalogue and screening.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


def _catalogue():  # type: ignore[no-untyped-def]
    from palermo.identification.catalogue import load_catalogue, workspace_handbook_dir

    return load_catalogue((workspace_handbook_dir(settings().data_dir),))


@app.command("catalogue")
@handle_errors
def catalogue(as_json: bool = JSON) -> None:
    """The canonical indicators with their lists, dimensions, strengths and the handbooks that express them."""
    cat = _catalogue()
    if as_json:
        print_json(cat.to_dict())
        return
    console.print(f"Indicator catalogue {cat.version}: {len(cat.indicators)} indicators, {len(cat.handbooks)} handbooks")
    for i in cat.indicators.values():
        where = ", ".join(f"{p.list}:{p.dimension}/{p.strength}" for p in i.placements)
        console.print(f"[bold]{i.id}[/] {i.text}  [dim]({where}; {len(cat.sources(i.id))} handbook(s))[/]")


@app.command("handbooks")
@handle_errors
def handbooks(as_json: bool = JSON) -> None:
    """The overlap between handbooks: which canonical indicators are shared and which are unique to one."""
    from palermo.identification.catalogue import overlap

    cat = _catalogue()
    ov = overlap(cat)
    if as_json:
        print_json(ov.to_dict())
        return
    for key in ov.handbooks:
        hb = cat.handbooks[key]
        console.print(f"[bold]{key}[/] {hb.title} ({hb.publisher}, {hb.year}): {len(hb.indicator_ids)} indicators, "
                      f"{len(ov.unique[key])} unique to it")
    console.print(f"{len(ov.shared)} indicators shared by two or more handbooks; {len(ov.uncovered)} in none")


@app.command("screen")
@handle_errors
def screen_cmd(case_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The case as JSON (no name needed)."),
               lang: str = typer.Option("en", "--lang", help="en, es, fr or ar."), as_json: bool = JSON) -> None:
    """Screen a case: per dimension and list, the smuggling elements, a conclusion, next steps, questions."""
    from palermo.identification.screening import screen

    try:
        data = json.loads(case_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{case_file} is not valid JSON: {exc}") from None
    result = screen(data, lang=lang, catalogue=_catalogue())
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"[bold]{result.conclusion_label}[/]")
    console.print(result.explanation)
    console.print(f"[dim]{result.rule}[/]")
    for r in result.lists:
        console.print(f"\n[bold]{r.label}[/]: {r.level_label}. {r.reason}")
        for d in r.dimensions:
            console.print(f"  {d.number}. {d.label}: {d.reason}")
    console.print("\n" + "\n".join(f"- {s}" for s in result.next_steps))
    if result.questions:
        console.print("\n" + "\n".join(f"? {q}" for q in result.questions))


@app.command("import-handbook")
@handle_errors
def import_handbook_cmd(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Handbook mapping (YAML or JSON)."),
                        replace: bool = typer.Option(False, "--replace", help="Replace an imported handbook with the same key.")) -> None:
    """Map a new handbook onto the canonical indicators (validated; kept in the workspace)."""
    from palermo.identification.catalogue import import_handbook, workspace_handbook_dir

    hb = import_handbook(file, workspace_handbook_dir(settings().data_dir), replace=replace)
    console.print(f"Handbook {hb.key} ({hb.title}) imported: {len(hb.mappings)} indicator(s) mapped")
