"""`busdocs bench`: a realistic corpus whose links all resolve, and every figure the issue asks for."""

from __future__ import annotations

import errno
import posixpath
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from busdocs.bench.runner import free_port, run_bench
from busdocs.bench.corpus import generate, layout

pytestmark = pytest.mark.bench


def test_a_big_corpus_groups_its_sections_and_every_link_resolves(tmp_path: Path) -> None:
    assert all(p.startswith("section-") for p in layout(500))
    big = generate(tmp_path, 2000)
    assert len(big) == 2000 and len({p.split("/")[0] for p in big}) == 4  # 40 sections in 4 parts
    for rel in big[::37]:
        text = (tmp_path / rel).read_text(encoding="utf-8")
        assert "{{ site.product }}" in text and '=== "Android"' in text and "!!! tip" in text and "| Item |" in text
        (link,) = re.findall(r"\]\(([^)]+\.md)\)", text)
        assert (tmp_path / posixpath.normpath(posixpath.join(posixpath.dirname(rel), link))).is_file(), rel
    part_nav = (tmp_path / "part-1" / ".nav.yml").read_text()
    assert part_nav.splitlines() == ["- index.md", *(f"- section-{n}/" for n in range(10, 20))]


TAKEN = (8000, 8001, 8765)
"""`make serve`, `make serve-internal` and the port the bench's serve loop used to take."""


@pytest.fixture
def ports_taken() -> Iterator[tuple[int, ...]]:
    """8000, 8001 and 8765 of 127.0.0.1 held by a listening socket while the test runs (a port that
    another program already holds is just as taken)."""
    held: list[socket.socket] = []
    try:
        for port in TAKEN:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
                sock.listen()
                held.append(sock)
            except OSError as exc:
                sock.close()
                if exc.errno != errno.EADDRINUSE:
                    raise
        for port in TAKEN:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe, pytest.raises(OSError):
                probe.bind(("127.0.0.1", port))
        yield TAKEN
    finally:
        for sock in held:
            sock.close()


def test_a_free_port_is_asked_of_the_os(ports_taken: tuple[int, ...]) -> None:
    port = free_port()
    assert port not in ports_taken
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))  # nothing holds it


def test_bench_reports_every_figure(root: Path, ports_taken: tuple[int, ...]) -> None:
    """The whole bench, its mkdocs serve edit loop included, while 8000, 8001 and 8765 are taken.
    A small corpus (one section): what the bench reports does not depend on its size, and most of
    the run is the whole project's build and serve, which the corpus only adds to."""
    result = run_bench(root, pages=10, say=lambda line: None).as_json()
    for key in ("pages", "stock_s", "ours_s", "ratio", "html_kb_per_page", "stock_html_kb_per_page", "peak_mb",
                "stock_peak_mb", "ours_warm_s", "warm_ratio", "whole_s", "whole_ratio", "serve_edit_s"):
        assert key in result, key
    assert result["pages"] == 12  # 10 pages, the section's index and the home page
    for seconds, ratio in (("ours_s", "ratio"), ("ours_warm_s", "warm_ratio"), ("whole_s", "whole_ratio")):
        # each figure is rounded to 0.01: the ratio of the rounded figures is off by at most that much
        expected = result[seconds] / result["stock_s"]
        slack = 0.005 + expected * (0.005 / result[seconds] + 0.005 / result["stock_s"])
        assert result[seconds] > 0 and abs(result[ratio] - expected) <= slack, (ratio, result)
    assert result["peak_mb"] > 0 and result["stock_peak_mb"] > 0
    assert 5 < result["html_kb_per_page"] < 50 and result["stock_html_kb_per_page"] > 5
    assert result["serve_edit_s"] is not None, "mkdocs serve never showed the edited page"
    assert 0 < result["serve_edit_s"] < 60


def test_a_browser_that_hangs_up_leaves_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The static server of the browser tests and the bench (`browser.serve`): a client that closes
    the connection while a file is still being sent (a page closed while its assets load) prints
    nothing; any other error of a request is still printed."""
    import http.server
    import struct
    import threading

    from busdocs.bench import browser

    (tmp_path / "big.bin").write_bytes(b"x" * (32 << 20))  # more than the socket buffers hold
    handled = threading.Event()
    original = browser._Server.handle_error

    def handle_error(self: object, request: object, client_address: object) -> None:
        try:
            original(self, request, client_address)
        finally:
            handled.set()

    monkeypatch.setattr(browser._Server, "handle_error", handle_error)
    with browser.serve(tmp_path) as base:
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.recv(1024).startswith(b"HTTP/1.0 200")  # the file is on its way
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
        assert handled.wait(10), "the server did not meet the hang-up"
    assert capsys.readouterr().err == ""

    with browser._Server(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as server:
        try:
            raise ValueError("a real fault")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 1))
    assert "ValueError: a real fault" in capsys.readouterr().err


def test_the_bench_deploys_to_a_target_the_deploy_accepts(moto_endpoint: str) -> None:
    """`make bench`'s deploy figures publish to a stand-in of the help center's bucket and
    distribution: it must pass the access check `busdocs deploy` makes before anything is sent
    (a public bucket there once stopped the whole bench)."""
    from busdocs.bench.extras import bench_target
    from busdocs.deploy.aws import check_access_guard

    said: list[str] = []
    s3, cloudfront, target, _ = bench_target(moto_endpoint)
    check_access_guard(s3, cloudfront, target, said.append)
    assert said and said[0].startswith("access checked:") and "s3://bench-help is private" in said[0]
