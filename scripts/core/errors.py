"""One error type for every problem a user can fix, formatted as file:line: field: what was expected.

A message may quote what an untrusted file holds, so it is printed safe: control characters
(other than the line breaks a message may use) as escapes, never raw to a terminal or a CI
log, and a message of more than MAX_MESSAGE_CHARS characters cut with the count left out."""

import re

MAX_MESSAGE_CHARS = 2_000
# How many of several problems are printed; the rest are counted (a 100,000-column sheet
# would otherwise print 100,000 lines).
SHOWN_ERRORS = 20
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text):
    """Text with control characters escaped and its length capped."""
    text = CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}" if ord(found.group()) < 0x100 else f"\\u{ord(found.group()):04x}", str(text))
    if len(text) > MAX_MESSAGE_CHARS:
        text = f"{text[:MAX_MESSAGE_CHARS]}... ({len(text) - MAX_MESSAGE_CHARS:,} more characters)"
    return text


class BuildError(Exception):
    def __init__(self, file, message, line=None, field=None):
        self.file = str(file)
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self):
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return safe(f"{where}:{field} {self.message}")


class BuildErrors(Exception):
    """Several independent problems found in one pass, reported together."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors[:SHOWN_ERRORS]))

    def lines(self):
        """The lines to print: the first SHOWN_ERRORS problems, then how many more there are."""
        shown = [str(e) for e in self.errors[:SHOWN_ERRORS]]
        if len(self.errors) > SHOWN_ERRORS:
            shown.append(f"... and {len(self.errors) - SHOWN_ERRORS:,} more")
        return shown
