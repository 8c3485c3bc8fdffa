"""How a new set of scores compares with the package's rating sets, in words, for `rate`.

The figures come from scripts/pipeline/aggregates.compare_new_set: the code that makes the
package's rating_agreement, so what `rate` prints is what the next build will publish for the
set (and what the rating page of the site shows for the same scores).
"""

import csv

from scripts.pipeline import aggregates


def read_tables(project):
    """theories, rating_sets and ratings of the built package (data/*.csv), typed as the build has them."""

    def rows(name):
        with open(project.data_dir / f"{name}.csv", newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def number(text):
        return None if text == "" else float(text)

    return {
        "theories": [{"number": int(t["number"]), "title": t["title"]} for t in rows("theories")],
        "rating_sets": [{"id": s["id"], "label": s["label"]} for s in rows("rating_sets")],
        "ratings": [
            {"rating_set_id": r["rating_set_id"], "theory_number": int(r["theory_number"]), "rank": number(r["rank"]), "score": number(r["score"])}
            for r in rows("ratings")
        ],
    }


def ordinal(rank):
    """1 -> '1st', 2.5 -> '2.5th (tied)' (a tied rank is the average of the places it spans)."""
    if rank != int(rank):
        return f"{rank:g}th (tied)"
    rank = int(rank)
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def rho_text(part):
    if part["rho"] is not None:
        return f"rho = {part['rho']:.{aggregates.DECIMALS}f} over the {part['shared']} theories you both rated"
    if part["shared"] < aggregates.MIN_SHARED:
        return f"no rho: {part['shared']} theories in common, it needs at least {aggregates.MIN_SHARED}"
    return f"no rho over the {part['shared']} theories in common: one side gives them all the same place"


def report(comparison, titles, group_label):
    """The lines `rate` prints after saving."""
    group, consensus = comparison["group"], comparison["consensus"]
    lines = [
        "How your ratings compare (computed as the package's rating_agreement will be for your set):",
        f"  with {group_label} (its rank order): {rho_text(group)}",
    ]
    if consensus["sets"] == 1:
        lines.append(f"  with the consensus of the other rating sets (so far only {group_label}): {rho_text(consensus)}")
    else:
        lines.append(f"  with the consensus of the {consensus['sets']} other rating sets (mean place): {rho_text(consensus)}")
    for name, part in (("the group", group), ("the consensus", consensus)):
        if part["differences"]:
            lines.append(f"  Where you differ most from {name} (rank among the {part['shared']} theories you both rated, 1 = highest):")
            for d in part["differences"]:
                lines.append(f"    {d['theory_number']:>2}. {titles[d['theory_number']]}: you {ordinal(d['rank'])}, {name} {ordinal(d['reference_rank'])}")
    return lines


def compare(project, scores):
    """(lines of text, the comparison) for a new set of scores against the built package."""
    tables = read_tables(project)
    comparison = aggregates.compare_new_set(tables, scores)
    titles = {t["number"]: t["title"] for t in tables["theories"]}
    group_label = next((s["label"] for s in tables["rating_sets"] if s["id"] == aggregates.GROUP_SET_ID), "the discussion group")
    return report(comparison, titles, group_label), comparison
