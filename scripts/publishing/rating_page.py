"""The data of the site's rating page (/rate): build/rating/reference.json.

The page (site/templates/pages/rate.html with site/static/rate.js) runs the post's exercise
in the reader's browser and sends nothing anywhere: it reads this one file, which the
instance serves as a static file, and computes in the browser what
scripts/pipeline/aggregates.compare_new_set computes in Python (tests/test_rate_page.py
checks that the page shows the same figures). The file holds:

- the theories with their descriptions and sub-points, as the package has them;
- per theory, the group's place, the sum and count of every set's places and the tally of
  scores (aggregates.reference_places), so the page needs no rating row;
- the statistics' constants (MIN_SHARED, DECIMALS, MOST_DIFFERENT) and the contributed-file
  rules (score range, id pattern, the ids already taken), so the file the page downloads is
  one the next build accepts.

Written by every build, byte for byte the same for the same inputs (rows in package order,
ids sorted, no timestamp).
"""

import json

from scripts.core.constants import GROUP_SET_ID
from scripts.pipeline import aggregates
from scripts.ratings import contributed


def reference_path(project):
    return project.build_dir / "rating" / "reference.json"


def reference(tables, descriptor, folder):
    theory_numbers = [t["number"] for t in tables["theories"]]
    rules = contributed.Rules.from_package(descriptor, theory_numbers)
    points = {}
    for point in sorted(tables["theory_points"], key=lambda p: (p["theory_number"], p["position"])):
        points.setdefault(point["theory_number"], []).append({"id": point["id"], "title": point["title"], "text": point["text"]})
    others = {r["theory_number"]: r for r in aggregates.reference_places(tables)}
    group = next(s for s in tables["rating_sets"] if s["id"] == GROUP_SET_ID)
    return {
        "theories": [
            {
                "number": t["number"],
                "title": t["title"],
                "description": t["description"],
                "points": points.get(t["number"], []),
                **{key: value for key, value in others[t["number"]].items() if key != "theory_number"},
            }
            for t in tables["theories"]
        ],
        "group": {"id": GROUP_SET_ID, "label": group["label"]},
        "sets": len(tables["rating_sets"]),
        "statistics": {"min_shared": aggregates.MIN_SHARED, "decimals": aggregates.DECIMALS, "most_different": aggregates.MOST_DIFFERENT},
        "contributed": {
            "folder": folder,
            "header": contributed.HEADER,
            "fields": list(contributed.SET_FIELDS),
            "kind": contributed.DEFAULT_KIND,
            "score_min": rules.score_min,
            "score_max": rules.score_max,
            "id_pattern": rules.id_pattern.pattern,
            "taken_ids": sorted(s["id"] for s in tables["rating_sets"]),
        },
    }


def reference_bytes(tables, descriptor, folder):
    return (json.dumps(reference(tables, descriptor, folder), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
