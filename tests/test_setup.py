"""`make site` sets up only what building needs; `make test` adds what the tests need (Chromium)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ["python3", "git", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-core"]


def bootstrap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "scripts" / "bootstrap"), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_building_needs_no_browser_and_the_tests_add_one() -> None:
    site = bootstrap("--list")
    assert site.returncode == 0 and site.stdout.split() == BUILD
    tests = bootstrap("--test", "--list")
    assert tests.returncode == 0 and tests.stdout.split() == [*BUILD, "chromium-headless-shell"]


def test_the_environment_runs_on_debians_python_where_there_is_one() -> None:
    """scripts/bootstrap makes the venv with Debian's python3 (PGO and LTO) where it is 3.11+, else
    with the first Python 3.11+ on PATH."""
    import sys

    debian = Path("/usr/bin/python3")
    usable = debian.exists() and subprocess.run(
        [str(debian), "-c", "import sys; sys.exit(sys.version_info < (3, 11))"], check=False).returncode == 0
    if usable:
        assert sys.base_prefix == "/usr", f"the venv was made with {sys.base_prefix}, not Debian's {debian}"
    else:
        assert sys.version_info >= (3, 11), sys.version


def test_an_unknown_option_is_a_usage_error() -> None:
    result = bootstrap("--tests")
    assert result.returncode == 2 and "unknown option '--tests'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("target", "command"), [("site", "scripts/bootstrap"), ("check", "scripts/bootstrap"),
                                                 ("test", "scripts/bootstrap --test"),
                                                 ("bench", "scripts/bootstrap --test")])
def test_each_make_target_sets_up_what_it_needs(target: str, command: str) -> None:
    # -n: print, run nothing; -W: as if the bootstrap script had changed, so every setup step is due
    result = subprocess.run(["make", "-n", "-C", str(ROOT), "-W", "scripts/bootstrap", target],
                            capture_output=True, text=True, timeout=60, check=True)
    lines = result.stdout.splitlines()
    setup = [line.lstrip("@") for line in lines if "scripts/bootstrap" in line]
    assert setup == [command], result.stdout
    # then busdocs' own code byte-compiled, before the target's own commands
    set_up = next(i for i, line in enumerate(lines) if "scripts/bootstrap" in line)
    assert any("-m compileall -q src" in line for line in lines[set_up + 1:]), result.stdout
