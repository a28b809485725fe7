"""Bad input, through the real command line (a subprocess): every row of README's "Bad input" table.

Each case puts one bad file next to a module with a known finding and checks: one clear line that
names the bad file, no traceback, the known finding still reported (the rest is linted), and the
exit code (1: findings only; 2: a file could not be read or written).
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

GOOD = textwrap.dedent(
    """\
    import redis.asyncio as redis
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/")
    async def index():
        return await redis.from_url("redis://localhost").get("k")
    """
)
GOOD_FINDING = "good.py:8:18: RPL002"


def cli(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "redispool_lint", "--format", "concise", "--no-cache", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    return tmp_path


def check(
    done: subprocess.CompletedProcess[str],
    code: int,
    name: str | None = None,
    message: str | None = None,
) -> None:
    """The exit code, no traceback, the rest linted, and one line naming the bad file."""
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == code, output
    assert GOOD_FINDING in done.stdout, output
    if name is not None:
        lines = [line for line in output.splitlines() if name in line]
        assert lines, output
        if message is not None:
            assert any(message in line for line in lines), output


def test_syntax_error(project: Path) -> None:
    (project / "bad.py").write_text("import redis\n\ndef handler(:\n    pass\n", encoding="utf-8")
    check(cli(project, "."), 1, "bad.py:3:", "RPL999 cannot parse")


def test_syntax_error_in_a_file_that_cannot_touch_redis(project: Path) -> None:
    """Not parsed at all when walked (not this tool's business); checked when named."""
    (project / "other.py").write_text("def handler(:\n    pass\n", encoding="utf-8")
    done = cli(project, ".")
    check(done, 1)
    assert "other.py" not in done.stdout
    check(cli(project, "good.py", "other.py"), 1, "other.py:1:", "RPL999")


def test_undecodable_bytes(project: Path) -> None:
    (project / "latin.py").write_bytes(b"import redis\nname = '\xe9t\xe9'\n")
    check(cli(project, "."), 2, "latin.py", "cannot decode as utf-8")


def test_encoding_cookie_is_honoured(project: Path) -> None:
    (project / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport redis\nname = '\xe9t\xe9'\n"
    )
    check(cli(project, "."), 1)


def test_nul_bytes(project: Path) -> None:
    (project / "nul.py").write_bytes(b"import redis\nx = 1\0\n")
    check(cli(project, "."), 2, "nul.py", "NUL byte")


def test_a_50_mb_file(project: Path) -> None:
    """Read and text-tested; it names no Redis package, so it is never parsed."""
    line = b"value = compute(1, 2, 3)  # a generated table row\n"
    (project / "huge.py").write_bytes(line * (50 * 1024 * 1024 // len(line)))
    start = time.perf_counter()
    done = cli(project, ".")
    check(done, 1)
    assert "huge.py" not in done.stdout
    assert time.perf_counter() - start < 60


def test_a_50_mb_file_that_names_redis(project: Path) -> None:
    """It would have to be parsed: refused with a message, not gigabytes of syntax tree."""
    line = b"value = compute(1, 2, 3)  # a generated table row\n"
    (project / "huge.py").write_bytes(b"import redis\n" + line * (50 * 1024 * 1024 // len(line)))
    check(cli(project, "."), 2, "huge.py", "too large to analyse")


def test_deep_nesting(project: Path) -> None:
    (project / "deep.py").write_text(
        "import redis\nx = " + "(" * 250 + "1" + ")" * 250 + "\n", encoding="utf-8"
    )
    (project / "chain.py").write_text(
        "import redis\nx = " + "1 + " * 2000 + "1\n", encoding="utf-8"
    )
    (project / "deeper.py").write_text(
        "import redis\nx = " + "1 + " * 100_000 + "1\n", encoding="utf-8"
    )
    done = cli(project, ".")
    if sys.version_info >= (3, 11):
        check(done, 1, "deep.py:2:", "RPL999 cannot parse: too many nested parentheses")
        check(done, 1, "deeper.py:1:", "RPL999 cannot parse: nested too deeply")
    else:  # 3.9's and 3.10's parser builds the chain; the analysis cannot follow it
        check(done, 2, "deep.py:2:", "RPL999 cannot parse: too many nested parentheses")
        check(done, 2, "deeper.py", "error: deeper.py: nested too deeply to analyse")
    assert "chain.py" not in done.stdout  # valid, analysed, nothing to report


@pytest.mark.skipif(
    not hasattr(__import__("libcst"), "TemplatedString"), reason="LibCST predates 3.14's t-strings"
)
def test_syntax_newer_than_the_running_python(project: Path) -> None:
    # 3.14's t-strings: newer than every Python the tool runs on (3.9 to 3.13).
    (project / "new.py").write_text("import redis\nx = t'{redis}'\n", encoding="utf-8")
    done = cli(project, ".")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    check(done, 1, "new.py", f"new.py: uses syntax newer than Python {version}")
    assert "RPL999" not in done.stdout


def test_syntax_error_that_libcst_accepts(project: Path) -> None:
    (project / "bad.py").write_text("import redis\nx = [*a for a in b]\n", encoding="utf-8")
    done = cli(project, ".")
    check(done, 1, "bad.py:2:6:", "RPL999 cannot parse: iterable unpacking")
    assert "newer" not in done.stderr


def test_fixing_a_handler_nested_too_deeply_for_libcst(project: Path) -> None:
    # Python parses a 2,000-term chain; LibCST's code for it runs out of Python's recursion
    # (its KeyError for the node once reached the CLI as an internal error): that finding gets
    # no fix, with a note, and the rest of the project its fixes.
    (project / "chain.py").write_text(
        GOOD.replace("return await", "total = " + "1 + " * 2000 + "1\n    return await"),
        encoding="utf-8",
    )
    before = (project / "chain.py").read_bytes()
    done = cli(project, "--fix", "--show-fixes", "chain.py")
    output = done.stdout + done.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert done.returncode == 1, output
    assert "chain.py:9:18: RPL002" in done.stdout, output
    assert (project / "chain.py").read_bytes() == before
    full = subprocess.run(
        [sys.executable, "-m", "redispool_lint", "--no-cache", "chain.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "no automatic fix: the code is nested too deeply for LibCST" in full.stdout


def test_symlink_loops(project: Path) -> None:
    (project / "loop").symlink_to(project, target_is_directory=True)
    (project / "a.py").symlink_to(project / "b.py")
    (project / "b.py").symlink_to(project / "a.py")
    check(cli(project, "."), 2, "a.py", "cannot read: Too many levels of symbolic links")


def test_dangling_link(project: Path) -> None:
    (project / "gone.py").symlink_to(project / "nowhere.py")
    check(cli(project, "."), 2, "gone.py", "no such file (deleted, or a dangling link)")


def test_unreadable_file_permissions(project: Path) -> None:
    path = project / "secret.py"
    path.write_text("import redis\n", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: permissions do not stop reading (see the FIFO case)")
        check(cli(project, "."), 2, "secret.py", "permission denied")
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_unreadable_fifo(project: Path) -> None:
    """A FIFO named like a module: reading it would block forever; it is refused at once."""
    os.mkfifo(project / "pipe.py")
    check(cli(project, "."), 2, "pipe.py", "not a regular file")


def test_unreadable_socket(project: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(project / "sock.py"))
    except OSError:
        pytest.skip("cannot bind a unix socket here")
    try:
        check(cli(project, "."), 2, "sock.py")
    finally:
        server.close()


def test_directory_named_like_a_module(project: Path) -> None:
    (project / "pkg.py").mkdir()
    check(cli(project, "."), 2, "pkg.py", "is a directory")
    check(cli(project, "good.py", "pkg.py"), 2, "pkg.py", "is a directory")


def test_file_deleted_during_the_run(project: Path) -> None:
    """Found by the walk, gone when read: the real CLI, with the deletion at that moment."""
    (project / "gone.py").write_text("import redis\n", encoding="utf-8")
    hook = textwrap.dedent(
        """
        import os, sys
        from pathlib import Path
        import redispool_lint.engine as engine
        from redispool_lint.cli import main

        read = engine.read_bytes

        def read_after_deleting(path):
            if Path(path).name == "gone.py" and os.path.exists(path):
                os.unlink(path)
            return read(path)

        engine.read_bytes = read_after_deleting
        main(sys.argv[1:])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", hook, "--format", "concise", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    check(done, 2, "gone.py", "no such file (deleted, or a dangling link)")


def test_read_only_file_under_fix(project: Path) -> None:
    """An immutable file (read-only even for root): reported, the other files still fixed."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    fixable = textwrap.dedent(
        """\
        import redis.asyncio as redis

        async def main():
            client = redis.from_url("redis://localhost")
            await client.get("k")
            await client.close()
        """
    )
    (project / "locked.py").write_text(fixable, encoding="utf-8")
    (project / "open.py").write_text(fixable, encoding="utf-8")
    locked = project / "locked.py"
    made = subprocess.run(["chattr", "+i", str(locked)], capture_output=True, check=False)
    if made.returncode != 0:
        locked.chmod(stat.S_IRUSR)
        if os.access(locked, os.W_OK):
            pytest.skip("cannot make a file read-only for this user here")
    try:
        done = cli(project, "--fix", ".")
        output = done.stdout + done.stderr
        assert "Traceback" not in output, output
        assert done.returncode == 2, output
        assert "locked.py" in output and "cannot write" in output, output
        assert locked.read_text(encoding="utf-8") == fixable
        assert "await client.aclose()" in (project / "open.py").read_text(encoding="utf-8")
    finally:
        subprocess.run(["chattr", "-i", str(locked)], capture_output=True, check=False)
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_empty_file(project: Path) -> None:
    (project / "empty.py").write_bytes(b"")
    (project / "__init__.py").write_bytes(b"")
    check(cli(project, "."), 1)
    check(cli(project, "good.py", "empty.py"), 1)


def test_bom_and_cookie(project: Path) -> None:
    text = "\ufeff# -*- coding: utf-8 -*-\n" + GOOD.replace("good", "bom")
    (project / "bom.py").write_bytes(text.encode("utf-8"))
    done = cli(project, ".")
    check(done, 1)
    # The same finding, at the same column: the BOM is not a character of the line.
    assert "bom.py:9:18: RPL002" in done.stdout, done.stdout


def test_bom_with_a_contradicting_cookie(project: Path) -> None:
    (project / "mixed.py").write_bytes(b"\xef\xbb\xbf# coding: latin-1\nimport redis\n")
    check(cli(project, "."), 2, "mixed.py", "bad encoding declaration")


def test_a_file_growing_while_read(project: Path) -> None:
    """Another process appending to a file during the run: either version, never a crash."""
    path = project / "busy.py"
    path.write_text("import redis\n", encoding="utf-8")
    stop = threading.Event()

    def append() -> None:
        while not stop.is_set():
            with path.open("a", encoding="utf-8") as handle:
                handle.write("x = 1\n")
            time.sleep(0.001)

    writer = threading.Thread(target=append)
    writer.start()
    try:
        done = cli(project, ".")
    finally:
        stop.set()
        writer.join()
    check(done, 1)
