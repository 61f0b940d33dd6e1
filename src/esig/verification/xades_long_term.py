"""The long-term parts of a XAdES signature in its report: archive timestamps, B-LT data, level.

From the facts of :mod:`esig._xml.xades_validate`:

- each ``xades141:ArchiveTimeStamp`` becomes a ``timestamp`` finding: passed when its
  message imprint equals the digest of the data EN 319 132-1 §5.5.2 defines (recomputed
  from the document), its token's signature verifies and its TSA is trusted; failed,
  naming the cause, when the data changed after it (HASH_FAILURE) or the token does not
  hold;
- an OCSP response in ``RevocationValues`` that concerns no certificate the signature
  carries is not used, and is named in a ``revocation`` finding;
- the report's ``conformance`` gives the XAdES baseline level reached (B-B to B-LTA,
  EN 319 132-1 clause 6.3) and what each level above it lacks.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509

from esig._pyhanko.conformance import embedded_snapshot, unmatched_ocsp_responses
from esig._xml.xades_validate import XadesFacts
from esig.law import BES, ETSI
from esig.verification.conformance import (
    BaselineConformance,
    XadesLevelFacts,
    assess_xades_baseline,
)
from esig.verification.report import Finding, Outcome, SignatureReport, SubIndication
from esig.verification.report_parts import CheckId

__all__ = ["long_term_findings", "with_long_term"]

_CITES = (BES.ART_1_B, BES.ART_3_D, ETSI.CLAUSE_XADES_5_5_2)


def _when(facts: XadesFacts, number: int) -> str:
    result = facts.archives[number - 1]
    if result.facts is None:
        return f"The archive timestamp #{number}"
    tsa = result.facts.tsa_certificate
    by = f", by {tsa.subject.rfc4514_string()}" if tsa is not None else ""
    return f"The archive timestamp #{number} ({result.facts.time:%Y-%m-%d %H:%M:%S} UTC{by})"


def _archive_finding(facts: XadesFacts, number: int) -> Finding:
    result = facts.archives[number - 1]
    head = _when(facts, number)
    stamp = result.facts
    if result.changed or (stamp is not None and not stamp.imprint_matches):
        return Finding(
            check=CheckId.TIMESTAMP,
            outcome=Outcome.FAILED,
            citations=_CITES,
            sub_indication=SubIndication.HASH_FAILURE,
            message=f"{head} covers other data than the document holds now: "
            + (result.problem or "its message imprint is not the digest of the signed "
               "data, SignedInfo, SignatureValue, KeyInfo and the unsigned properties "
               "before it")
            + ". Something it protects was changed after it was made.",
        )  # fmt: skip
    if stamp is None:
        return Finding(
            check=CheckId.TIMESTAMP,
            outcome=Outcome.FAILED,
            citations=_CITES,
            sub_indication=SubIndication.FORMAT_FAILURE,
            message=f"{head} cannot be validated: {result.problem}.",
        )
    if not stamp.signature_valid:
        return Finding(
            check=CheckId.TIMESTAMP,
            outcome=Outcome.FAILED,
            citations=_CITES,
            sub_indication=SubIndication.SIG_CRYPTO_FAILURE,
            message=f"{head}: the token's signature does not verify with its TSA's key.",
        )
    if not stamp.trusted:
        return Finding(
            check=CheckId.TIMESTAMP,
            outcome=Outcome.INDETERMINATE,
            citations=_CITES,
            sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            message=f"{head} matches the data it covers, but its TSA is not trusted "
            f"({stamp.trust_problem or 'no path to a trust anchor'}).",
        )
    return Finding(
        check=CheckId.TIMESTAMP,
        outcome=Outcome.PASSED,
        citations=_CITES,
        message=f"{head} covers the signed data, SignedInfo, SignatureValue, KeyInfo and "
        "the unsigned properties before it (EN 319 132-1 §5.5.2), its token verifies and "
        "its TSA is trusted: all of it existed, unchanged, at that time.",
    )


def long_term_findings(facts: XadesFacts) -> tuple[Finding, ...]:
    """The archive timestamp findings and the unused revocation data of one signature."""
    found = [_archive_finding(facts, n) for n in range(1, len(facts.archives) + 1)]
    carried = [*facts.raw.path, *facts.raw.embedded_chain, *_certificates(facts)]
    for description in unmatched_ocsp_responses(facts.values.ocsp_responses, carried):
        found.append(
            Finding(
                check=CheckId.REVOCATION,
                outcome=Outcome.INFO,
                citations=(BES.ART_3_D, ETSI.CLAUSE_XADES_5_4),
                message=f"RevocationValues holds {description}, which is none of the "
                "certificates of the signature: it was not used.",
            )
        )
    return tuple(found)


def _certificates(facts: XadesFacts) -> list[x509.Certificate]:
    found = []
    for der in facts.values.all_certificates:
        try:
            found.append(x509.load_der_x509_certificate(der))
        except ValueError:
            continue
    return found


def _conformance(facts: XadesFacts, anchors: Sequence[x509.Certificate]) -> BaselineConformance:
    raw = facts.raw
    values = facts.values
    needed: list[tuple[str, str, x509.Certificate]] = []
    if raw.signer_cert is not None:
        needed.append(("signer", raw.field_name, raw.signer_cert))
    if raw.timestamp is not None and raw.timestamp.tsa_certificate is not None:
        needed.append(("signature timestamp", raw.field_name, raw.timestamp.tsa_certificate))
    snapshot = embedded_snapshot(
        needed,
        [*raw.path, *raw.embedded_chain],
        certificates=values.all_certificates,
        ocsp_responses=values.all_ocsp_responses,
        crls=values.all_crls,
    )
    level = XadesLevelFacts(
        signing_time=raw.claimed_time is not None,
        signing_certificate=raw.signer_certificate_bound,
        signature_timestamp=raw.timestamp is not None or facts.timestamp_problem is not None,
        certificate_values=values.has_certificate_values,
        revocation_values=values.has_revocation_values,
        archive_timestamps=len(facts.archives),
        sound_archive_timestamps=sum(1 for a in facts.archives if a.sound),
    )
    return assess_xades_baseline(level, snapshot, anchors)


def with_long_term(
    report: SignatureReport, facts: XadesFacts, anchors: Sequence[x509.Certificate]
) -> SignatureReport:
    """``report`` with the long-term findings and the XAdES baseline conformance."""
    if facts.raw.error is not None and facts.raw.signer_cert is None:
        return report
    return report.model_copy(
        update={
            "findings": (*report.findings, *long_term_findings(facts)),
            "conformance": _conformance(facts, anchors),
        }
    )
