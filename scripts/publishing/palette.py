"""The stance palette: one colour per stance, read by the live charts (the spec each query page
draws, scripts/publishing/charts.py) and by the chart images alike.

For and against: dark blue and orange differ in hue and in lightness, so they stay apart in
greyscale and for red-green colour blindness; the softer stances sit between them.
"""

STANCE_ORDER = ("supports", "opposes", "qualifies", "questions")
STANCE_COLOURS = {"supports": "#08306b", "opposes": "#f16913", "qualifies": "#4292c6", "questions": "#bdbdbd"}


def stance_scale(values):
    """A Vega-Lite colour scale for the stances among `values`, in STANCE_ORDER, or None if a
    value is not a stance."""
    values = set(values)
    if not values or not values <= set(STANCE_COLOURS):
        return None
    domain = [stance for stance in STANCE_ORDER if stance in values]
    return {"domain": domain, "range": [STANCE_COLOURS[stance] for stance in domain]}
