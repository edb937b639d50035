"""`make bench`, second half: PDF speed, deploy objects, and page loads on a slow mobile network.

Run from the project root: `python -m busdocs.bench.extras`. Uses the dev dependencies (moto, Playwright
with Debian's chromium); everything stays on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path.cwd()  # `make bench` runs from the project root
def copy_project(dest: Path) -> Path:
    from busdocs.sites import copy_project as copy

    return copy(ROOT, dest)


def pdf_speed(work: Path, pages: int = 100) -> dict[str, float]:
    """Render a handbook of about `pages` PDF pages from a generated corpus; pages per second."""
    from busdocs.bench.corpus import generate
    from busdocs.mkdocs.build import build_site
    from busdocs.pdf.renderer import render_handbooks

    project = copy_project(work / "pdf")
    generate(project / "docs" / "bench", 48)  # about two PDF pages per corpus page
    sections = sorted(p.name for p in (project / "docs" / "bench").iterdir() if p.is_dir())
    (project / "docs" / "bench" / ".nav.yml").write_text("".join(f"- {s}/\n" for s in sections))
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Contact: contact.md\n", "  - Contact: contact.md\n  - Bench: bench/\n"))
    handbooks = project / "data" / "handbooks.yml"
    handbooks.write_text(handbooks.read_text() + """  - id: bench
    title: Benchmark handbook
    subtitle: Generated pages
    audience: make bench
    site: public
    version: "0"
    date: 2026-11-25
    pages: ["bench/**"]
""")
    build_site(project, "public", work / "pdf-site" / "public")
    started = time.perf_counter()
    result = render_handbooks(project, work / "pdf-site", only="bench", cache_dir=work / "pdf-cache")[0]
    seconds = time.perf_counter() - started
    return {"pdf_pages": result.pages, "pdf_seconds": round(seconds, 2),
            "pdf_pages_per_second": round(result.pages / seconds, 1)}


def bench_target(endpoint: str) -> tuple[Any, Any, Any, Any]:
    """`(s3, cloudfront, target, deploy config)`: the help center's production target pointed at a
    stand-in bucket and distribution at `endpoint` (moto), private as `busdocs deploy` checks first."""
    from busdocs.data.loader import load_data
    from busdocs.deploy.aws import make_clients
    from busdocs.deploy.standin import stand_in_target

    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    config = load_data(ROOT).deploy
    public = next(t for t in config.targets if t.site == "public")
    s3, cloudfront = make_clients(public, endpoint)
    return s3, cloudfront, stand_in_target(s3, cloudfront, "bench-help", public), config


def deploy_objects(work: Path) -> dict[str, int]:
    """Objects sent by a redeploy of an unchanged rebuild and of a one-page change (moto on 127.0.0.1)."""
    from moto.server import ThreadedMotoServer

    from busdocs.deploy.aws import deploy
    from busdocs.mkdocs.build import build_site

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        s3, cloudfront, target, config = bench_target(f"http://{host}:{port}")
        project = copy_project(work / "deploy")

        def build_and_deploy(name: str):  # noqa: ANN202
            site = build_site(project, "public", work / name / "public").out_dir
            return deploy(site, target, config, s3, cloudfront, say=lambda _: None)

        first = build_and_deploy("d1")
        unchanged = build_and_deploy("d2")
        faq = project / "docs" / "faq.md"
        faq.write_text(faq.read_text() + "\n\nOne more sentence for the benchmark.\n")
        one_page = build_and_deploy("d3")
        return {"deploy_first_objects": len(first.uploaded), "deploy_unchanged_objects": len(unchanged.uploaded),
                "deploy_unchanged_invalidations": len(unchanged.invalidated_paths),
                "deploy_one_page_objects": len(one_page.uploaded),
                "deploy_one_page_invalidations": len(one_page.invalidated_paths)}
    finally:
        server.stop()


def browser(work: Path) -> list[dict[str, object]]:
    from busdocs.bench.browser import measure_pages
    from busdocs.mkdocs.build import build_site

    site = build_site(ROOT, "public", work / "browser" / "public").out_dir
    return [{"compressed": False, **row} for row in measure_pages(site, ["", "students/buy-a-pass/"])] + [
        {"compressed": True, **row} for row in measure_pages(site, ["", "students/buy-a-pass/"], gzip_text=True)]


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    work = Path(tempfile.mkdtemp(prefix="busdocs-bench-extras-"))
    try:
        figures: dict[str, object] = {}
        figures.update(pdf_speed(work))
        figures.update(deploy_objects(work))
        for key, value in figures.items():
            print(f"{key:<34} {value}")
        try:
            for row in browser(work):
                print("slow 3G-like (400 kbps, 400 ms RTT) " + ", ".join(f"{k}={v}" for k, v in row.items()))
        except ImportError as exc:
            print(f"browser figures skipped: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
