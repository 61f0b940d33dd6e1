"""50 signers at once through the HTTP API: no signature lost or doubled, every document verifies.

And two processes racing for one signer's turn over the same SQLite database: the
claim is one ``UPDATE … WHERE status = 'invited'``, so one signs and the other is refused.

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


def test_two_processes_signing_for_one_signer_make_one_signature(
    tmp_path: Path, esig_sample_pdf: Path
) -> None:
    import subprocess
    import sys

    from examples.portal.demo import demo_config
    from examples.portal.models import Method, Signer
    from examples.portal.service import Portal, SignerSpec

    from esig.testing.smtp import LocalSmtpServer

    data = tmp_path / "portal"
    with LocalSmtpServer() as smtp:
        portal = Portal(demo_config(data, smtp.host, smtp.port, "http://127.0.0.1:9"))
        owner = portal.login("owner@acme.example")[1]
        spec = SignerSpec("Ben", "ben@example.org", Method.DRAWN, 1, (60, 60, 230, 120))
        envelope = portal.create_envelope(owner, "Race", esig_sample_pdf.read_bytes(), [spec])
        portal.send(owner, envelope)
        with portal.sessions() as db:
            [signer] = db.query(Signer).filter(Signer.envelope_id == envelope).all()
            _ = signer.envelope.title
        portal.present(signer)
        portal.acknowledge(signer, portal.disclosure(signer).content_hash)
        with portal.sessions() as db:
            signer = db.get(Signer, signer.id)
            assert signer is not None
            _ = signer.envelope.title
        go = tmp_path / "go"
        root = Path(__file__).resolve().parents[2]
        paths = [str(root / "src"), str(root), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.portal.race_child",
                    str(data),
                    str(smtp.port),
                    str(signer.id),
                    str(go),
                ],
                stdout=subprocess.PIPE,
                text=True,
                env=env,
                cwd=root,
            )
            for _ in range(2)
        ]
        for child in children:  # both have opened the database and wait
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        go.touch()
        answers = sorted(child.communicate(timeout=60)[0].strip() for child in children)
    assert answers == ["refused 409", "signed"]
    envelope_row = portal.envelopes(owner)[0]
    assert envelope_row.status.value == "completed"
    [document] = [d for d in portal.envelope_of(owner, envelope).documents if d.version == 2]
    assert len(portal.envelope_of(owner, envelope).documents) == 2  # one new version only
    assert len(esig.verify_pdf(document.path).signatures) == 1
    assert len(read_evidence_records(Path(document.path))) == 1
