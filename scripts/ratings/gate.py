"""The gate every rating file passes before anything reads it: contributed files under
data/contrib/ratings/ (they arrive by pull request) and the spreadsheet exports given to
`import-ratings` (they come from strangers). Plain functions, shared by contributed.py and
importer.py.

- A file is read only if it is a regular file, checked without following links: a symbolic
  link (say to /proc/self/environ), a FIFO (which would hang the build), a device (/dev/zero
  reads without end) or a folder is refused by name and never opened for reading.
- A file has a size cap, checked on the open file before reading.
- An error never quotes more than a short, escaped excerpt of what a file holds.
- A value may hold no control character, NUL, invisible format character (zero-width, bidi
  override, byte order mark) or line/paragraph separator (a note may hold line feeds and tabs), must not
  start like a spreadsheet formula (`=`, `+`, `@`, `-` other than a plain negative number: a
  spreadsheet user opening the package CSVs or Datasette's CSV export would run it), and must
  be short enough for the instance to serve (site/plugins/sizes.py, read by the instance too).
- Python's csv module stops at a cell of more than 131,072 characters; that becomes an error
  with the file and line, not a traceback.
"""

import csv
import errno
import os
import re
import stat
import unicodedata

from scripts.core import sizes
from scripts.core.errors import BuildError

# A contributed file holds a label, a note and one short row per theory: a few hundred bytes.
# The cap leaves room for a label and a note each as long as the instance serves.
MAX_CONTRIBUTED_BYTES = 4 * sizes.MAX_VALUE_BYTES
# A community spreadsheet export: 100,000 raters x 20 scores is about 10 MB.
MAX_EXPORT_BYTES = 64 * 1024 * 1024
EXCERPT_CHARS = 40
# The longest CSV cell read: Python's default csv.field_size_limit(), set around each row read,
# since frictionless raises the process-wide limit to 2**31 when it is imported.
MAX_CELL_CHARS = 131_072

# Invisible format characters (Unicode category Cf, as of Unicode 14, Python 3.11's unicodedata;
# tests/test_slow_patterns.py checks the list against the running Python's): zero-width spaces
# and joiners, the word joiner, the byte order mark, the soft hyphen, the bidirectional overrides
# and isolates that make text display in another order than it is stored, and the rest. They
# make two labels that look alike differ, or hide text.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
# The line and paragraph separators (U+2028, U+2029): line breaks that a line-based reader does
# not see as one. A note breaks its lines with a line feed.
SEPARATORS = "\u2028\u2029"
# C0 and C1 control characters, DEL, the separators and the format characters: one character
# class, so a search is one linear pass. A note may keep tab and line feed.
CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{SEPARATORS}{FORMAT_CHARACTERS}]")
NOTE_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{SEPARATORS}{FORMAT_CHARACTERS}]")
PLAIN_NUMBER = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\Z")
FORMULA_STARTS = ("=", "+", "-", "@")

KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def kind_of(mode):
    for test, name in KINDS:
        if test(mode):
            return name
    return "not a regular file"


def excerpt(text, limit=EXCERPT_CHARS):
    """A short, escaped quotation of untrusted text: at most `limit` characters, control
    characters shown as escapes, and how much was left out."""
    text = str(text)
    shown = repr(text[:limit])
    return shown if len(text) <= limit else f"{shown}... ({len(text):,} characters)"


def escaped(text):
    """`text` with its control characters written as escapes (for a file name in a message)."""
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}" if ord(found.group()) < 0x100 else f"\\u{ord(found.group()):04x}", str(text))


def inside(root, path):
    """True if `path`, with every link resolved, lies inside `root`."""
    real_root, real = os.path.realpath(root), os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def read_regular(path, name, max_bytes):
    """The bytes of `path` if it is a regular file (not a link, FIFO, device or folder) of at
    most `max_bytes`; a BuildError naming `name` otherwise. Links are never followed: the file
    is checked with lstat, opened with O_NOFOLLOW (and O_NONBLOCK, so a FIFO swapped in after
    the check cannot hang the open), and checked again on the open descriptor."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise BuildError(name, "file not found") from None
    if not stat.S_ISREG(mode):
        raise BuildError(name, f"is {kind_of(mode)}, not a regular file; only regular files are read (links are never followed)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BuildError(name, "is a symbolic link, not a regular file; only regular files are read (links are never followed)") from None
        raise BuildError(name, f"cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BuildError(name, f"is {kind_of(info.st_mode)}, not a regular file; only regular files are read (links are never followed)")
        if info.st_size > max_bytes:
            raise BuildError(name, f"is {info.st_size:,} bytes; the limit is {max_bytes:,}")
        chunks, size = [], 0
        while size <= max_bytes:  # os.read of the known size: a file object costs more than the read
            wanted = min(max_bytes + 1, info.st_size + 1) if not chunks else max_bytes + 1 - size
            chunk = os.read(fd, wanted)
            chunks.append(chunk)
            size += len(chunk)
            if len(chunk) < wanted:  # a short read of a regular file: its end
                break
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # the file grew while it was read
        raise BuildError(name, f"is more than {max_bytes:,} bytes; the limit is {max_bytes:,}")
    return data


def csv_error(name, exc, line):
    """The BuildError for a csv.Error at `line` (a cell over the field size limit is one)."""
    if "field larger than field limit" in str(exc):
        return BuildError(name, f"a cell of more than {MAX_CELL_CHARS:,} characters; a value may be at most {sizes.MAX_TEXT_BYTES:,} bytes", line=line)
    return BuildError(name, f"not readable as CSV: {exc}", line=line)


class CsvReader:
    """csv.reader over `lines` whose errors are BuildErrors naming the file and line (a cell of
    more than MAX_CELL_CHARS characters is one)."""

    def __init__(self, lines, name, **options):
        self.name = name
        self.reader = csv.reader(lines, **options)

    @property
    def line_num(self):
        return self.reader.line_num

    def __iter__(self):
        return self

    def __next__(self):
        previous = csv.field_size_limit(MAX_CELL_CHARS)
        try:
            return next(self.reader)
        except csv.Error as exc:
            raise csv_error(self.name, exc, self.reader.line_num) from None
        finally:
            csv.field_size_limit(previous)


def control_problem(value, multiline=False):
    """None, or what is wrong if `value` holds a control character, NUL or bidirectional
    override (a multi-line value, such as a note, may hold tabs and line feeds)."""
    found = (NOTE_CONTROL if multiline else CONTROL).search(value)
    if not found:
        return None
    character = found.group()
    if character == "\x00":
        what = "a NUL byte"
    elif unicodedata.category(character) == "Cc":
        what = f"the control character U+{ord(character):04X}"
    else:
        what = f"the invisible character U+{ord(character):04X} ({unicodedata.name(character, 'a format character')})"
    return f"holds {what} at character {found.start() + 1}; remove it (control and invisible characters are not allowed)"


def formula_problem(value):
    """None, or why `value` would run as a formula in a spreadsheet that opens the package CSVs."""
    if not value.startswith(FORMULA_STARTS) or PLAIN_NUMBER.match(value):
        return None
    return (
        f"starts with {value[0]!r}, which a spreadsheet would run as a formula ({excerpt(value, 20)}); "
        "start the text with a letter, a digit or a quotation mark"
    )


def length_problem(value, limit=None):
    """None, or why `value` is too long: more than `limit` bytes (a field's own limit, such as a
    label's), or than the instance serves."""
    size = len(value.encode("utf-8"))
    if limit is not None and limit < sizes.MAX_TEXT_BYTES and size > limit:
        return f"is {size:,} bytes long; the limit is {limit:,}"
    if size > sizes.MAX_TEXT_BYTES:
        return f"is {size:,} bytes long; the limit is {sizes.MAX_TEXT_BYTES:,} (the published instance cannot serve longer values)"
    return None


def text_problem(value, multiline=False, formula=True, limit=None):
    """The first problem of a text value that goes into the package (label, note), or None."""
    return control_problem(value, multiline) or length_problem(value, limit) or (formula_problem(value) if formula else None)
