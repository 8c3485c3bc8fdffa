"""`datasette serve` with one worker process per core.

Datasette renders a page in Python on one event loop, so `datasette serve` uses one core
however many the machine has: a page no cache holds (a filter, a sort, a facet) costs about
10 ms of that core (bench/serve_load.py). This runs the same instance in several processes:

    python -m scripts.serve.workers --workers N -- <the arguments of `datasette serve`>

Each worker builds its Datasette from exactly those arguments, parsed by `datasette serve`'s
own command-line parser, and serves it with uvicorn as `datasette serve` does. Each worker
listens on its own socket bound to the same port with SO_REUSEPORT, so the kernel spreads new
connections over the workers. (With one socket shared, as uvicorn's own --workers does, the
first worker to wake accepts every waiting connection, and a client that keeps its
connections open, such as a crawler, may all land on one worker.)

What the workers share, the launcher sets in their environment: one secret
(DATASETTE_SECRET, unless already set), so that a cookie signed by one worker is valid in
the others; and a run folder (RUN_DIR_ENV) with the number of workers (WORKERS_ENV), where
each worker's page cache reports its warm-up, so that GET /-/warm answers for all of them
(site/plugins/cache.py). A worker that stops is started again, unless it stopped within
START_GRACE_S of starting (an error at start: the launcher stops with it).
"""

import argparse
import json
import multiprocessing
import os
import secrets
import signal
import socket
import sys
import tempfile
import time
from multiprocessing.connection import wait

SERVE_ARGS_ENV = "LONGLIST_SERVE_ARGS"  # the `datasette serve` arguments, as JSON, for the workers
RUN_DIR_ENV = "LONGLIST_RUN_DIR"  # read by site/plugins/cache.py
WORKERS_ENV = "LONGLIST_WORKERS"  # read by site/plugins/cache.py
MAX_DEFAULT_WORKERS = 8  # each worker holds its own Datasette and page cache (~100-200 MB)
START_GRACE_S = 5
STOP_TIMEOUT_S = 10
BACKLOG = 2048  # uvicorn's default


def cores():
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_workers():
    return max(1, min(cores(), MAX_DEFAULT_WORKERS))


def serve_context(serve_args):
    """`datasette serve`'s parsed arguments (a click context); bad arguments stop with click's
    own message, as `datasette serve` would."""
    import click
    from datasette.cli import serve

    try:
        return serve.make_context("serve", list(serve_args))
    except click.ClickException as error:
        raise SystemExit(f"error: datasette serve: {error.format_message()}") from None


def create_app():
    """A worker's ASGI application: the Datasette `datasette serve` would run with the launcher's
    arguments (its `return_instance` returns it instead of starting a server)."""
    from datasette.cli import serve

    context = serve_context(json.loads(os.environ[SERVE_ARGS_ENV]))
    with context:
        datasette = context.invoke(serve.callback, **context.params, return_instance=True)
    return datasette.app()


def listening_socket(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def stop_with_parent():
    """Linux: this process gets SIGTERM when the launcher dies, even killed (no worker left
    holding the port)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve_one(host, port, child=False):
    """One worker: uvicorn serving the app on its own socket until SIGINT or SIGTERM."""
    import uvicorn

    if child:
        stop_with_parent()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the launcher's handlers, until uvicorn sets its own
        signal.signal(signal.SIGINT, signal.default_int_handler)

    config = uvicorn.Config(f"{__name__}:create_app", factory=True, host=host, port=port, lifespan="on", log_level="info")
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def check_port(host, port):
    """Fail at once, with the reason, where the workers could not listen, or where something
    listens already: a probe without SO_REUSEPORT cannot bind beside any listener, while the
    workers' sockets could join another server's (another `serve` on the same port)."""
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as error:
        raise SystemExit(f"error: cannot listen on {host}:{port}: {error.strerror}") from None
    finally:
        probe.close()


def supervise(workers, host, port):
    """Start the workers, start again any that stops, stop them all on SIGINT or SIGTERM."""
    # Forked on Linux: a worker starts with Datasette already imported by this process (which
    # runs no thread and no event loop), so it answers in about half the time spawning takes.
    processes = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))

    def start():
        process = processes.Process(target=serve_one, args=(host, port, True), daemon=True)
        process.start()
        return process, time.monotonic()

    running = [start() for _ in range(workers)]
    status = 0
    try:
        while not stopping:
            wait([process.sentinel for process, _ in running], timeout=0.5)
            for index, (process, started) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - started < START_GRACE_S:
                    print(f"error: worker {process.pid} stopped at start (exit code {process.exitcode}); stopping", file=sys.stderr, flush=True)
                    status = 1
                    stopping.append(None)
                    break
                print(f"worker {process.pid} stopped (exit code {process.exitcode}); starting another", file=sys.stderr, flush=True)
                running[index] = start()
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process, _ in running:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
    return status


def run(workers, serve_args):
    """Serve until interrupted. `serve_args` are `datasette serve`'s (host and port among them)."""
    if workers < 1:
        raise SystemExit(f"error: --workers must be at least 1, got {workers}")
    params = serve_context(serve_args).params
    host, port = params["host"], params["port"]
    check_port(host, port)
    with tempfile.TemporaryDirectory(prefix="longlist-serve-") as run_dir:
        os.environ[SERVE_ARGS_ENV] = json.dumps(list(serve_args))
        os.environ[RUN_DIR_ENV] = run_dir
        os.environ[WORKERS_ENV] = str(workers)
        os.environ.setdefault("DATASETTE_SECRET", secrets.token_hex(32))
        if workers == 1:
            serve_one(host, port)
            return 0
        return supervise(workers, host, port)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        raise SystemExit("usage: python -m scripts.serve.workers [--workers N] -- <datasette serve arguments>")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="python -m scripts.serve.workers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=default_workers(), help=f"worker processes (default: one per core, at most {MAX_DEFAULT_WORKERS})")
    args = parser.parse_args(argv[:split])
    sys.exit(run(args.workers, argv[split + 1 :]))


if __name__ == "__main__":
    main()
