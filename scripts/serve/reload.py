"""After a build has committed a new database, each running `serve` of the same checkout (found
by the process-id file gunicorn writes, instance.pid_path) gets SIGHUP: gunicorn starts fresh
workers on the new database and stops the old ones gracefully."""

import os
import signal

from scripts.serve import instance


def reload_servers(project, say=print):
    """SIGHUP to every running `serve` of this checkout; one line each about what happened."""
    pattern = instance.pid_path(project, "*")
    for path in sorted(pattern.parent.glob(pattern.name)):
        port = path.stem.rsplit("-", 1)[-1]
        try:
            pid = int(path.read_text(encoding="utf-8").strip())
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            path.unlink(missing_ok=True)  # left by a server that has stopped
        except PermissionError:
            say(f"the server on port {port} serves the old database until it is restarted")
        except (OSError, ValueError):
            pass  # a file being written or unreadable: not a server to reload
        else:
            say(f"the server on port {port} (pid {pid}) now starts fresh workers on the new database")
