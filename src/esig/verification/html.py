"""HTML rendering of verification reports, for browsers and Jupyter.

:func:`render_html` returns a self-contained HTML fragment: the CSS is inline in one
``<style>`` element scoped to ``.esig-report``, there are no external assets and no
JavaScript. Every value that comes from the document or a certificate (names, reasons,
messages, file names) is escaped with :func:`html.escape`, so a hostile signer name
cannot inject markup.

Verdicts are written out in words (PASS, FAIL, INDETERMINATE, INFO; MET, NOT MET), not
shown by colour alone, and tables have real header cells. A pseudonymous identity
carries a PSEUDONYM badge beside its display name, which itself ends in "(pseudonym)"
(BES art. 3(f)).
"""

from __future__ import annotations

import datetime as dt
import html

from esig.identity import NameIdentity
from esig.law import Citation
from esig.levels import Level, RequirementResult, RequirementStatus
from esig.verification.render import change_line, conformance_kind
from esig.verification.report_parts import (
    CertificatePath,
    Finding,
    Indication,
    Outcome,
    SigningTimeSource,
)
from esig.verification.report_view import ReportView, SignatureView

__all__ = ["render_html", "render_signature_html"]

_STYLE = """
.esig-report{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 font-size:14px;line-height:1.45;color:#1f2328;background:#fff;max-width:1100px;padding:4px}
.esig-report *{box-sizing:border-box}
.esig-report h2,.esig-report h3{margin:0;line-height:1.3}
.esig-report h2{font-size:20px}
.esig-report h3{font-size:17px}
.esig-report code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.esig-report code.esig-hash{word-break:break-all}
.esig-report code.esig-sub{display:block;margin-top:3px;font-size:11px;white-space:nowrap}
.esig-report .esig-banner{border-radius:8px;padding:14px 18px;margin:0 0 14px;border:2px solid}
.esig-report .esig-banner .esig-meta{margin-top:6px;font-size:13px}
.esig-report .esig-v-passed{background:#e6f4ea;border-color:#1e7e34;color:#0f5323}
.esig-report .esig-v-failed{background:#fde7e9;border-color:#b3261e;color:#8c1d18}
.esig-report .esig-v-indeterminate{background:#fff4e0;border-color:#b26a00;color:#6b3f00}
.esig-report .esig-card{border:1px solid #d0d7de;border-left-width:6px;border-radius:8px;
 padding:14px 18px;margin:0 0 16px;background:#fff}
.esig-report .esig-c-passed{border-left-color:#1e7e34}
.esig-report .esig-c-failed{border-left-color:#b3261e}
.esig-report .esig-c-indeterminate{border-left-color:#b26a00}
.esig-report time,.esig-report .esig-nowrap{white-space:nowrap}
.esig-report .esig-card-head{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;
 color:#1f2328}
.esig-report .esig-badge{display:inline-block;border-radius:4px;padding:1px 7px;font-size:12px;
 font-weight:700;letter-spacing:.03em;white-space:nowrap;border:1px solid}
.esig-report .esig-b-passed,.esig-report .esig-b-met{background:#e6f4ea;color:#0f5323;
 border-color:#1e7e34}
.esig-report .esig-b-failed,.esig-report .esig-b-not-met{background:#fde7e9;color:#8c1d18;
 border-color:#b3261e}
.esig-report .esig-b-indeterminate{background:#fff4e0;color:#6b3f00;border-color:#b26a00}
.esig-report .esig-b-info{background:#e8f0fe;color:#174ea6;border-color:#4a7fd4}
.esig-report .esig-b-pseudonym{background:#f3e8fd;color:#5b2a86;border-color:#8e5cc2}
.esig-report .esig-b-level{background:#eef1f4;color:#1f2328;border-color:#8c959f}
.esig-report dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0 0}
.esig-report dt{font-weight:600;color:#57606a}
.esig-report dd{margin:0;min-width:0}
.esig-report ol.esig-chain{margin:0;padding-left:20px}
.esig-report .esig-muted{color:#57606a}
.esig-report .esig-level{margin-top:12px;padding:10px 12px;background:#f6f8fa;border-radius:6px}
.esig-report table{border-collapse:collapse;width:100%;font-size:13px}
.esig-report table{margin-top:16px}
.esig-report caption{text-align:left;font-weight:700;padding:0 0 6px;color:#57606a;font-size:13px;
 text-transform:uppercase;letter-spacing:.04em}
.esig-report th,.esig-report td{border-bottom:1px solid #d8dee4;padding:5px 8px;text-align:left;
 vertical-align:top}
.esig-report thead th{background:#f6f8fa;border-bottom:2px solid #d0d7de;white-space:nowrap}
.esig-report td.esig-cite{white-space:nowrap}
.esig-report .esig-cite span{display:block}
.esig-report .esig-problems{margin:6px 0 0;padding-left:20px}
"""

_OUTCOME_WORD = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.INDETERMINATE: "INDETERMINATE",
    Outcome.INFO: "INFO",
}
_INDICATION_CLASS = {
    Indication.TOTAL_PASSED: "passed",
    Indication.TOTAL_FAILED: "failed",
    Indication.INDETERMINATE: "indeterminate",
}
_INDICATION_WORD = {
    Indication.TOTAL_PASSED: "PASS",
    Indication.TOTAL_FAILED: "FAIL",
    Indication.INDETERMINATE: "INDETERMINATE",
}
_STATUS_CLASS = {
    RequirementStatus.MET: "met",
    RequirementStatus.NOT_MET: "not-met",
    RequirementStatus.INDETERMINATE: "indeterminate",
}


def _e(value: object) -> str:
    """Escape any value for text or attribute context."""
    return html.escape(str(value), quote=True)


def render_html(report: ReportView) -> str:
    """The whole report as a self-contained HTML fragment (inline CSS, no scripts).

    An overall verdict banner, then one card per signature with its verdict, signer,
    signing time, coverage, certificate chain, level, findings and level requirements.
    Every value from the document or a certificate is escaped.
    """
    cards = [_signature_card(i, s) for i, s in enumerate(report.signatures, start=1)]
    if not report.signatures:
        cards.append('<p class="esig-muted">The document holds no signature.</p>')
    return _wrap(_banner(report) + "".join(cards))


def render_signature_html(signature: SignatureView, index: int = 1) -> str:
    """One signature's card as a self-contained HTML fragment (inline CSS, no scripts)."""
    return _wrap(_signature_card(index, signature))


def _wrap(body: str) -> str:
    return f'<div class="esig-report" lang="en"><style>{_STYLE}</style>{body}</div>'


def _badge(kind: str, word: str, label: str | None = None) -> str:
    aria = f' aria-label="{_e(label)}"' if label else ""
    return f'<span class="esig-badge esig-b-{kind}"{aria}>{_e(word)}</span>'


def _banner(report: ReportView) -> str:
    kind = _INDICATION_CLASS[report.indication]
    count = len(report.signatures)
    plural = "s" if count != 1 else ""
    anchors = ", ".join(_e(a.subject.display) for a in report.trust_anchors) or "none given"
    problems = ""
    if report.problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in report.problems)
        problems = f'<ul class="esig-problems">{items}</ul>'
    as_of = f", as of {_time(report.validation_time)}" if report.validation_time is not None else ""
    return (
        f'<div class="esig-banner esig-v-{kind}" role="status">'
        f"<h2>{_verdict_words(report.indication)} ({count} signature{plural})</h2>"
        f'<div class="esig-meta">Document <strong>{_e(report.document)}</strong>, '
        f"{report.document_size} bytes, SHA-256 {_hash(report.document_sha256)}"
        f"<br>Verified at {_time(report.verified_at)}{as_of}; trust anchors: {anchors}</div>"
        f"{problems}</div>"
    )


def _hash(value: str) -> str:
    return f'<code class="esig-hash">{_e(value)}</code>'


def _verdict_words(indication: Indication) -> str:
    """``PASS — TOTAL-PASSED``; just ``INDETERMINATE`` when the two words are one."""
    word = _INDICATION_WORD[indication]
    return word if word == indication.value else f"{word} &mdash; {_e(indication.value)}"


def _time(moment: dt.datetime) -> str:
    shown = f"{moment:%Y-%m-%d %H:%M:%S %Z}"
    return f'<time datetime="{_e(moment.isoformat())}">{_e(shown)}</time>'


def _identity(name: NameIdentity) -> str:
    """A name for people; a pseudonym gets a badge besides its "(pseudonym)" suffix."""
    text = _e(name.display)
    if not name.is_pseudonym:
        return text
    badge = _badge("pseudonym", "PSEUDONYM", "pseudonym: not the signatory's real name")
    return f"{badge} {text}"


def _signature_card(index: int, sig: SignatureView) -> str:
    kind = _INDICATION_CLASS[sig.indication]
    word = _INDICATION_WORD[sig.indication]
    words = [] if word == sig.indication.value else [f"<strong>{_e(sig.indication.value)}</strong>"]
    if sig.sub_indication is not None:
        words.append(f"<code>{_e(sig.sub_indication.value)}</code>")
    head = (
        f'<div class="esig-card-head"><h3>Signature {index}</h3>'
        f'<span class="esig-muted">field <code>{_e(sig.field_name)}</code></span>'
        f"{_badge(kind, word)}<span>{' / '.join(words)}</span></div>"
    )
    return (
        f'<section class="esig-card esig-c-{kind}" aria-label="Signature {index}">'
        f"{head}{_facts(sig)}{_level(sig)}{_findings(sig.findings)}"
        f"{_requirements(sig.level.results)}</section>"
    )


def _facts(sig: SignatureView) -> str:
    rows: list[tuple[str, str]] = []
    signer = _identity(sig.signer) if sig.signer else '<span class="esig-muted">(unknown)</span>'
    if sig.signatory is not None:
        rows.append(("Signatory", f"{_e(sig.signatory)} (from the sealed evidence record)"))
        rows.append(("Sealed by", signer))
    else:
        rows.append(("Signer", signer))
    if sig.signing_time is not None:
        source = _e(sig.signing_time_source.value)
        if sig.signing_time_source is SigningTimeSource.CLAIMED:
            source += ", not proven"
        when = f'{_time(sig.signing_time)} <span class="esig-muted">({source})</span>'
        rows.append(("Signed at", when))
    else:
        rows.append(("Signed at", '<span class="esig-muted">unknown</span>'))
    if sig.signed_range is not None:
        rng = sig.signed_range
        rows.append(
            (
                "Covers",
                f"{_e(rng.coverage.value)}, revision {_e(rng.revision)} of "
                f"{rng.total_revisions} ({rng.covered_bytes} of {rng.file_size} bytes; "
                "the rest is the signature value)",
            )
        )
    if sig.covered_files:
        rows.append(("Files", _covered_files(sig)))
    if sig.integrity is not None:
        integ = sig.integrity
        rows.append(
            ("Algorithms", f"{_e(integ.digest_algorithm)}, {_e(integ.signature_algorithm)}")
        )
    rows.append(("Changes after signing", _changes(sig)))
    if sig.certificate_path is not None:
        rows.append(("Certificate", _chain(sig.certificate_path)))
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f"<dl>{items}</dl>"


def _changes(sig: SignatureView) -> str:
    summary = _e(sig.modifications.value)
    if not sig.changes_after_signing:
        return summary
    items = "".join(
        f"<li>{_e(change_line(c))}</li>" for c in sig.changes_after_signing[:_MAX_CHANGES]
    )
    more = len(sig.changes_after_signing) - _MAX_CHANGES
    extra = f'<li class="esig-muted">… and {more} more (JSON)</li>' if more > 0 else ""
    return f"{summary}<ul>{items}{extra}</ul>"


_MAX_CHANGES = 20


def _covered_files(sig: SignatureView) -> str:
    """A container signature's files, each with its SHA-256 (the first twenty)."""
    shown = sig.covered_files[:_MAX_CHANGES]
    items = "".join(f"<li><code>{_e(f.name)}</code> {_hash(f.sha256)}</li>" for f in shown)
    more = len(sig.covered_files) - len(shown)
    extra = f'<li class="esig-muted">… and {more} more (JSON)</li>' if more > 0 else ""
    count = len(sig.covered_files)
    return f"{count} covered (SHA-256)<ul>{items}{extra}</ul>"


def _chain(path: CertificatePath) -> str:
    items = "".join(
        f"<li>{_identity(c.subject)} "
        f'<span class="esig-muted">(serial {_hash(c.serial_number)}, valid '
        f'<span class="esig-nowrap">{c.not_before:%Y-%m-%d} to {c.not_after:%Y-%m-%d}</span>)'
        "</span></li>"
        for c in path.chain
    )
    return (
        f"<strong>{_e(path.status.value)}</strong>: {_e(path.message)}"
        f'<ol class="esig-chain">{items}</ol>'
    )


def _level(sig: SignatureView) -> str:
    level = sig.level
    word = "NONE" if level.level is Level.NONE else level.level.value
    return (
        '<div class="esig-level">'
        f"<strong>Level:</strong> {_badge('level', word)} {_e(level.level_name)} &middot; "
        f"<strong>Label:</strong> {_e(level.label.value)} "
        '<span class="esig-muted">(ETSI TS 119 172-4)</span>'
        f"<div>{_e(level.summary)}</div>{_conformance(sig)}</div>"
    )


def _conformance(sig: SignatureView) -> str:
    """The baseline conformance line (PAdES; CAdES in a container), when there is one."""
    if sig.conformance is None:
        return ""
    cited = "; ".join(sorted({g.citation.label for g in sig.conformance.missing}))
    where = f' <span class="esig-muted">({_e(cited)})</span>' if cited else ""
    return (
        f'<div class="esig-conformance"><strong>{conformance_kind(sig)} conformance:</strong> '
        f"{_e(sig.conformance.summary)}{where}</div>"
    )


def _citations(citations: tuple[Citation, ...]) -> str:
    return "".join(f'<span title="{_e(c.summary)}">{_e(c.label)}</span>' for c in citations)


def _findings(findings: tuple[Finding, ...]) -> str:
    rows = []
    for f in findings:
        sub = ""
        if f.sub_indication is not None:
            sub = f'<code class="esig-sub">{_e(f.sub_indication.value)}</code>'
        rows.append(
            f"<tr><td>{_badge(f.outcome.value, _OUTCOME_WORD[f.outcome])}{sub}</td>"
            f'<td><code class="esig-nowrap">{_e(f.check.value)}</code></td>'
            f'<td class="esig-cite">{_citations(f.citations)}</td>'
            f"<td>{_e(f.message)}{_attack(f)}</td></tr>"
        )
    return (
        "<table><caption>Checks (BES art. 3)</caption>"
        '<thead><tr><th scope="col">Outcome</th><th scope="col">Check</th>'
        '<th scope="col">Citations</th><th scope="col">Finding</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _attack(finding: Finding) -> str:
    if finding.attack is None:
        return ""
    return f' <strong class="esig-attack">Recognised: {_e(finding.attack.value)}.</strong>'


def _requirements(results: tuple[RequirementResult, ...]) -> str:
    rows = []
    for r in results:
        status = _badge(_STATUS_CLASS[r.status], r.status.value.upper())
        rows.append(
            f"<tr><td>{status}</td><td>{_e(r.requirement.level.value)}</td>"
            f'<td class="esig-cite">{_citations(r.requirement.citations)}</td>'
            f"<td>{_e(r.requirement.title)}</td><td>{_e(r.evidence)}</td></tr>"
        )
    return (
        "<table><caption>Level requirements (SES, AES, QES)</caption>"
        '<thead><tr><th scope="col">Status</th>'
        '<th scope="col">Level</th><th scope="col">Citations</th>'
        '<th scope="col">Requirement</th><th scope="col">Evidence</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
