"""50 signers at once through the HTTP API: no signature lost or doubled, every document verifies.

25 envelopes with two signers each (email code, then drawing). The first signers of all
envelopes sign concurrently, then the second ones; each drawing signer also submits the
form twice at the same moment (a double click), and only one of the two may sign.
Figures (wall time, per-signer latency) are printed with ``-s`` and written to
``$ESIG_ARTEFACTS/portal/load.txt``.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import time
from pathlib import Path

import httpx

import esig
from esig.evidence import read_evidence_records
from tests.portal.conftest import CODE, RunningPortal, csrf_of, owner_client, upload
from tests.portal.flows import HASH, drawing

ENVELOPES = 25
CONCURRENCY = 10
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]+)")


async def _open(client: httpx.AsyncClient, link: str) -> str:
    page = await client.get(link)
    found = HASH.search(page.text)
    assert found is not None, page.text[:300]
    page = await client.post(
        "/signing/acknowledge", data={"csrf": csrf_of(page.text), "content_hash": found.group(1)}
    )
    return csrf_of(page.text)


async def _code_signer(portal: RunningPortal, link: str, email: str) -> str:
    async with httpx.AsyncClient(base_url=portal.url, follow_redirects=True, timeout=120) as c:
        csrf = await _open(c, link)
        await c.post("/signing/code/send", data={"csrf": csrf})
        [body] = portal.mail_to(email, "signing code")
        code = CODE.search(body)
        assert code is not None
        done = await c.post("/signing/code", data={"csrf": csrf, "code": code.group(1)})
        return done.text


async def _drawing_signer(portal: RunningPortal, link: str) -> list[int]:
    async with httpx.AsyncClient(base_url=portal.url, follow_redirects=True, timeout=120) as c:
        csrf = await _open(c, link)
        png, strokes = drawing()
        form = {"csrf": csrf, "png": png, "strokes": strokes}
        both = await asyncio.gather(
            c.post("/signing/draw", data=form, follow_redirects=False),
            c.post("/signing/draw", data=form, follow_redirects=False),
        )
        return sorted(r.status_code for r in both)


async def _bounded(jobs: list, limit: int) -> tuple[list, list[float]]:  # type: ignore[type-arg]
    gate = asyncio.Semaphore(limit)
    latencies: list[float] = []

    async def run(job):  # type: ignore[no-untyped-def]
        async with gate:
            started = time.perf_counter()
            result = await job
            latencies.append(time.perf_counter() - started)
            return result

    return list(await asyncio.gather(*(run(j) for j in jobs))), latencies


def test_fifty_concurrent_signers(
    running_portal: RunningPortal, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    portal = running_portal
    owner = owner_client(portal)
    pdf = esig_sample_pdf.read_bytes()
    envelopes = []
    for n in range(ENVELOPES):
        created = upload(
            owner,
            pdf,
            [
                ("Code Signer", f"code{n}@example.org", "email_code"),
                ("Drawing Signer", f"draw{n}@example.org", "drawn"),
            ],
            title=f"Contract {n}",
        )
        envelope = int(str(created.url).rsplit("/", 1)[1])
        owner.post(f"/envelopes/{envelope}/send", data={"csrf": csrf_of(owner.get("/").text)})
        envelopes.append(envelope)

    started = time.perf_counter()
    first = [
        _code_signer(portal, portal.link_for(f"code{n}@example.org"), f"code{n}@example.org")
        for n in range(ENVELOPES)
    ]
    texts, code_latency = asyncio.run(_bounded(first, CONCURRENCY))
    assert all("Thank you, Code Signer" in t for t in texts)
    second = [
        _drawing_signer(portal, portal.link_for(f"draw{n}@example.org")) for n in range(ENVELOPES)
    ]
    statuses, draw_latency = asyncio.run(_bounded(second, CONCURRENCY))
    wall = time.perf_counter() - started
    # a double submission signs once: one redirect to the thank-you page, one 409
    assert statuses == [[303, 409]] * ENVELOPES, statuses

    for n, envelope in enumerate(envelopes):
        path = tmp_path / f"{envelope}.pdf"
        path.write_bytes(owner.get(f"/envelopes/{envelope}/signed.pdf").content)
        report = esig.verify_pdf(path, trust=portal.config.trust)  # type: ignore[arg-type]
        assert [s.field_name for s in report.signatures] == ["Signer1", "Signer2"], envelope
        assert all(s.indication is esig.Indication.TOTAL_PASSED for s in report.signatures)
        who = [
            (r.record.who.email, r.describes_signed_revision) for r in read_evidence_records(path)
        ]
        assert who == [(f"code{n}@example.org", True), (f"draw{n}@example.org", True)]

    figures = (
        f"{2 * ENVELOPES} signers ({ENVELOPES} envelopes x 2, {CONCURRENCY} at a time): "
        f"{wall:.1f} s wall, {2 * ENVELOPES / wall:.1f} signatures/s; per signer "
        f"(open, acknowledge, sign) code median {statistics.median(code_latency):.2f} s / "
        f"max {max(code_latency):.2f} s, drawing median {statistics.median(draw_latency):.2f} s"
        f" / max {max(draw_latency):.2f} s"
    )
    print(figures)
    folder = Path(os.environ.get("ESIG_ARTEFACTS", tmp_path)) / "portal"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "load.txt").write_text(figures + "\n")
