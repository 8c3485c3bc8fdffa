"""After a build has committed a new database, a running `serve` of the same checkout serves it:
the build sends each of them SIGHUP, gunicorn's own signal to start fresh workers (which open
the new database, inspect file and metadata) and stop the old ones gracefully.

A server is found by the process-id file gunicorn writes (scripts/serve/instance.py
`pid_path`); a file left by a server that has stopped is removed.
"""

import os
import signal

from scripts.serve import instance


def running_servers(project):
    """[(port, pid)] of the gunicorns serving this checkout."""
    prefix = instance.pid_prefix(project)
    found = []
    for path in sorted(prefix.parent.glob(f"{prefix.name}-*.pid")):
        try:
            pid = int(path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        found.append((path.stem.rsplit("-", 1)[-1], pid, path))
    return found


def reload_servers(project, say=print):
    """SIGHUP to every running `serve` of this checkout; one line each about what happened."""
    for port, pid, path in running_servers(project):
        try:
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
            continue
        except PermissionError:
            say(f"the server on port {port} (pid {pid}) serves the old database until it is restarted")
            continue
        say(f"the server on port {port} (pid {pid}) now starts fresh workers on the new database")
