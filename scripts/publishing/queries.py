"""The site's SQL files: saved queries (sql/queries/) and views (sql/views/), each a .sql file
whose leading '-- key: value' lines describe it."""

import re
from pathlib import Path

HEADER_RE = re.compile(r"^-- ([a-z_]+): (.*)$")


def read_sql(path):
    """(header fields, SQL) of a .sql file whose leading '-- key: value' lines describe it."""
    header, body = {}, []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        match = HEADER_RE.match(line)
        if not match:
            body = lines[index:]
            break
        header[match.group(1)] = match.group(2).strip()
    return header, "\n".join(body).strip() + "\n"


def sql_files(folder):
    return sorted(Path(folder).glob("*.sql"))


def views(project):
    """(name, SQL) of every view, for the load stage."""
    return [(path.stem, read_sql(path)[1]) for path in sql_files(project.root / "sql" / "views")]
