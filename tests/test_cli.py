"""The command line through main([...]): exit codes and messages, never a traceback."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from busdocs.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_on_the_repository(capsys, root: Path) -> None:
    code, out, _ = run(capsys, "--root", str(root), "check")
    assert code == 0 and "no problems" in out


def test_check_lists_every_problem_and_exits_1(capsys, project: Path) -> None:
    envs = project / "data" / "environments.yml"
    envs.write_text(envs.read_text().replace("visibility: public", "visibility: publik", 1))
    site = project / "data" / "site.yml"
    site.write_text(site.read_text().replace("  currency: PKR\n", "  currency: rupees\n"))
    code, out, err = run(capsys, "--root", str(project), "check")
    assert code == 1
    assert "data/environments.yml:" in err and "visibility: 'publik' is not one of" in err
    assert "data/site.yml:" in err and "university.currency" in err
    assert "2 problems found" in err
    assert "Traceback" not in err + out


@pytest.mark.parametrize("command", [[], ["check"], ["build"], ["schema"]])
def test_help_everywhere(capsys, command: list[str]) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0 and "usage: busdocs" in out


@pytest.mark.parametrize("argv", [[], ["nope"], ["build", "--site", "secret"], ["check", "--bogus"]])
def test_usage_errors_exit_2(capsys, argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and "usage:" in err


def test_build_writes_every_site(built_sites) -> None:
    """`built_sites` is `busdocs build --site all` through `main` (one build shared by the suite)."""
    assert (built_sites["public"] / "index.html").is_file()
    assert (built_sites["internal"] / "runbooks" / "index.html").is_file()
    assert (built_sites["offline"] / "index.html").is_file()
    for site in ("public", "internal", "offline"):
        assert f"built {site} site" in built_sites.log
    assert "offline bundle:" in built_sites.log


@pytest.mark.slow  # builds a site of its own
def test_build_failure_exits_1_with_the_reason(capsys, project: Path, tmp_path: Path) -> None:
    faq = project / "docs" / "faq.md"
    faq.write_text(faq.read_text() + "\n{{ undefined_thing }}\n")
    code, _, err = run(capsys, "--root", str(project), "build", "--site", "public", "--out", str(tmp_path))
    assert code == 1
    assert "faq.md" in err and "undefined_thing" in err and "Traceback" not in err
    assert not (tmp_path / "public").exists()


def test_schema_check_and_write(capsys, project: Path) -> None:
    assert run(capsys, "--root", str(project), "schema")[0] == 0
    (project / "data" / "schemas" / "site.schema.json").write_text("{}\n")
    code, _, err = run(capsys, "--root", str(project), "schema")
    assert code == 1 and "site.schema.json" in err
    assert run(capsys, "--root", str(project), "schema", "--write")[0] == 0
    assert run(capsys, "--root", str(project), "schema")[0] == 0


def test_bench_with_a_missing_corpus_is_a_clear_error(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "bench", "--corpus", str(tmp_path / "nowhere"), "--no-serve")
    assert code == 1 and "no such folder" in err and "Traceback" not in err


# ---------------------------------------------------------------- fuzz: damaged data never gives a traceback

FUZZ_SEED = 15
FUZZ_RUNS = 6
"""Each run damages three data files in one to three places and runs `busdocs check` (about 1 s)."""
NASTY = [b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\x01", b"\r", b"\t", b"\xc3", "é".encode(), b": ",
         b"- ", b"[", b"{", b"}", b"'", b'"', b"&anchor ", b"*anchor", b"<<: *x", b"!!python/object:os.system ",
         b"? ", b"|", b"%YAML 1.1\n", b"---\n", b"...\n", b"2026-02-30", b"1e999", b"null", b"yes", b"~", b"#"]


def mutate(rng: random.Random, raw: bytes) -> bytes:
    """One random damage: a byte flipped, nasty bytes inserted, a slice cut, lines duplicated,
    swapped or re-indented, or the file cut short."""
    if not raw:
        return rng.choice(NASTY)
    at = rng.randrange(len(raw))
    kind = rng.randrange(7)
    if kind == 0:
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1:]
    if kind == 1:
        return raw[:at] + rng.choice(NASTY) + raw[at:]
    if kind == 2:
        return raw[:at] + raw[at + rng.randrange(1, 200):]
    if kind == 6:
        return raw[:at]
    lines = raw.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if kind == 3:
        lines.insert(j, lines[i])
    elif kind == 4:
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = b" " * rng.choice([1, 2, 3, 5]) + lines[i]
    return b"\n".join(lines)


NAMES_A_FILE = re.compile(r"^(data|docs|guides|runbooks|overrides)/[^\s:]+(:\d+)?: \S")


def test_fuzzed_data_files_give_problems_never_a_traceback(capsys: pytest.CaptureFixture[str],
                                                           project: Path) -> None:
    rng = random.Random(FUZZ_SEED)
    files = sorted((project / "data").glob("*.y*ml"))
    originals = {path: path.read_bytes() for path in files}
    for run in range(FUZZ_RUNS):
        chosen = rng.sample(files, 3)
        for path in chosen:
            raw = originals[path]
            for _ in range(rng.randint(1, 3)):
                raw = mutate(rng, raw)
            path.write_bytes(raw)
        what = f"run {run}: {', '.join(p.name for p in chosen)} damaged (seed {FUZZ_SEED})"
        try:
            code = main(["--root", str(project), "check"])
        except Exception as exc:  # noqa: BLE001 - the point is that nothing escapes
            pytest.fail(f"{what}: {type(exc).__name__}: {exc}")
        out, err = capsys.readouterr()
        assert code in (0, 1), what
        assert "Traceback" not in out + err, what
        for line in err.splitlines():
            assert NAMES_A_FILE.match(line) or re.fullmatch(r"\d+ problems? found", line), f"{what}: {line!r}"
        for line in out.splitlines():
            assert line == "busdocs check: no problems" or NAMES_A_FILE.match(line.removeprefix("notice: ")), \
                f"{what}: {line!r}"
        for path in chosen:
            path.write_bytes(originals[path])


def test_build_into_a_folder_that_cannot_be_made_exits_1(capsys, root: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    code, out, err = run(capsys, "--root", str(root), "build", "--site", "public", "--out", str(tmp_path / "a-file" / "x"))
    assert code == 1
    assert "busdocs build: cannot write the public site to" in err and "Not a directory" in err
    assert "Traceback" not in err + out



def test_output_cut_short_by_the_reader_ends_quietly(monkeypatch: pytest.MonkeyPatch,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    """`busdocs runbook --list | head -1`: the reader goes away; no BrokenPipeError traceback, exit 141
    (what a shell reports for a command stopped by SIGPIPE)."""
    import io
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads any more, as after `head` exits
    cut_off = io.TextIOWrapper(io.FileIO(write_end, "w"), write_through=True)
    monkeypatch.setattr("sys.stdout", cut_off)
    assert main(["runbook", "--list"]) == 141
    assert "Traceback" not in capfd.readouterr().err
    cut_off.write("flushing at exit no longer fails\n")
    cut_off.close()


RUN_SCRIPT = """
import atexit, sys, threading, time
import busdocs.cli as cli
atexit.register(lambda: print("atexit ran", file=sys.stderr))
def main():
    if "thread" in sys.argv:
        threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished", flush=True))).start()
    cli._end_at_once = "build" in sys.argv
    print("buffered output")  # a pipe: block-buffered until flushed
    return 3
cli.main = main
cli.run()
"""


@pytest.mark.parametrize("args", [["build"], ["check"], ["build", "thread"]])
def test_console_script_keeps_output_exit_code_and_atexit(args: list[str]) -> None:
    """`run` (the console script) ends a build's process without Python's teardown: what was
    printed and the atexit functions still come out, with main's exit code; a command that did
    not ask for it, or a process with another thread running, exits normally."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", RUN_SCRIPT, *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert proc.stdout.startswith("buffered output\n")
    assert "atexit ran" in proc.stderr
    assert ("thread finished" in proc.stdout) == ("thread" in args)
