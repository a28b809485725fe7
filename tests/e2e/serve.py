"""Serve an ASGI app with uvicorn, stop it on request, and stay alive after shutdown.

Run as a script (not imported), by the e2e tests and by bench/runtime.py:

    python -W error::ResourceWarning serve.py --app-dir DIR --port PORT shop.main:app

Why not plain `uvicorn ...`: the tests must look at Redis *after* the app's lifespan has shut
down but *before* the process exits (the OS closes every socket at exit, which would hide a
client the shutdown forgot to close). So: the first line on stdin (or EOF) asks uvicorn to shut
down; when the lifespan's shutdown has run, a `gc.collect()` flushes any `ResourceWarning`, this
script prints `stopped` and waits for stdin to close (at most 60 s) before exiting.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading

import uvicorn


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("app")
    parser.add_argument("--app-dir", default=".")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    sys.path.insert(0, args.app_dir)
    config = uvicorn.Config(
        args.app,
        host="127.0.0.1",  # loopback only, always
        port=args.port,
        log_level="info",
        access_log=False,  # thousands of lines per load run would only cost time
        lifespan="on",
    )
    server = uvicorn.Server(config)
    released = threading.Event()

    def watch_stdin() -> None:
        sys.stdin.readline()  # "stop" or EOF
        server.should_exit = True
        sys.stdin.read()  # EOF: the caller is done looking
        released.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.run()
    if not server.started:
        return 3  # the lifespan's startup failed (uvicorn logged why): exit at once
    gc.collect()
    print("stopped", flush=True)
    released.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
