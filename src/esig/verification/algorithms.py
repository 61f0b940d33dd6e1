"""Algorithm and key-size policy: whether a signature is still protected against forgery.

BES art. 2(1)(a)(2°) asks that a signature be protected against forgery "with the
technology available today", and art. 3(d) that the certificate be checked reliably.
A signature made with an algorithm or key size that had become weak by the time it was
made no longer gives that protection.

:data:`DEFAULT_POLICY` lists the weak algorithms with the date from which each is weak
and the source of that date. The check compares those dates with the signing time:

* weak before the signing time → INDETERMINATE, ``CRYPTO_CONSTRAINTS_FAILURE``;
* weak now, but the *claimed* signing time is earlier → INDETERMINATE,
  ``CRYPTO_CONSTRAINTS_FAILURE_NO_POE`` (nothing proves when it was made);
* weak now, and a trusted timestamp proves the signature existed earlier → passed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from esig._library_warnings import dsa_public_key_class
from esig._model import EsigModel
from esig.law import BES
from esig.verification.report_parts import CheckId, Finding, Outcome, SubIndication

__all__ = ["DEFAULT_POLICY", "AlgorithmRule", "RuleKind", "algorithm_finding"]


class RuleKind(StrEnum):
    """What a rule constrains."""

    DIGEST = "digest algorithm"
    RSA_KEY = "RSA key size"
    EC_KEY = "EC key size"


class AlgorithmRule(EsigModel):
    """An algorithm (or a key smaller than ``min_bits``) that is weak from ``weak_from``."""

    kind: RuleKind
    name: str
    """The digest algorithm's name (lower case) for digest rules."""
    min_bits: int = 0
    """For key rules: keys smaller than this are weak."""
    weak_from: dt.datetime
    source: str


def _utc(year: int) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=dt.UTC)


_ETSI_102_176 = "ETSI TS 102 176-1, as applied by the EU DSS default validation policy"
_NIST_131A = "NIST SP 800-131A: below 112-bit security, disallowed for signing after 2013"

DEFAULT_POLICY: tuple[AlgorithmRule, ...] = (
    AlgorithmRule(kind=RuleKind.DIGEST, name="md2", weak_from=_utc(2005), source=_ETSI_102_176),
    AlgorithmRule(kind=RuleKind.DIGEST, name="md5", weak_from=_utc(2005), source=_ETSI_102_176),
    AlgorithmRule(kind=RuleKind.DIGEST, name="sha1", weak_from=_utc(2009), source=_ETSI_102_176),
    AlgorithmRule(
        kind=RuleKind.RSA_KEY, name="RSA", min_bits=2048, weak_from=_utc(2014), source=_NIST_131A
    ),
    AlgorithmRule(
        kind=RuleKind.EC_KEY, name="EC", min_bits=224, weak_from=_utc(2014), source=_NIST_131A
    ),
)
"""esig's default policy. Algorithms not listed (SHA-2, SHA-3, RSA ≥ 2048, EC ≥ 224 bits)
have no end date in it."""

_CITATIONS = (BES.ART_2_1_A_2, BES.ART_3_D)


def _weaknesses(
    digest_algorithm: str,
    certificates: tuple[x509.Certificate, ...],
    policy: tuple[AlgorithmRule, ...],
) -> list[tuple[AlgorithmRule, str]]:
    found: list[tuple[AlgorithmRule, str]] = []
    digests = {digest_algorithm.lower().replace("-", "")}
    for cert in certificates:
        try:
            hash_algorithm = cert.signature_hash_algorithm
        except (UnsupportedAlgorithm, ValueError):  # judged by the signature check itself
            continue
        if hash_algorithm is not None:
            digests.add(hash_algorithm.name.lower().replace("-", ""))
    for rule in policy:
        if rule.kind is RuleKind.DIGEST and rule.name in digests:
            found.append((rule, f"the {rule.name.upper()} digest algorithm"))
    for index, cert in enumerate(certificates):
        try:
            key = cert.public_key()
        except (UnsupportedAlgorithm, ValueError):  # an unknown or malformed key: no size
            continue
        whose = "the signer's key" if index == 0 else f"the key of {cert.subject.rfc4514_string()}"
        bits = (
            key.key_size
            if isinstance(
                key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | dsa_public_key_class()
            )
            else None
        )
        for rule in policy:
            applies = (rule.kind is RuleKind.RSA_KEY and isinstance(key, rsa.RSAPublicKey)) or (
                rule.kind is RuleKind.EC_KEY and isinstance(key, ec.EllipticCurvePublicKey)
            )
            if applies and bits is not None and bits < rule.min_bits:
                found.append((rule, f"{whose} ({rule.name}, {bits} bits)"))
    return found


def algorithm_finding(
    digest_algorithm: str,
    certificates: tuple[x509.Certificate, ...],
    signing_time: dt.datetime | None,
    time_proven: bool,
    *,
    policy: tuple[AlgorithmRule, ...] = DEFAULT_POLICY,
) -> Finding:
    """Judge the digest algorithm and the keys of ``certificates`` (signer first)."""
    weak = _weaknesses(digest_algorithm, certificates, policy)
    if not weak:
        return Finding(
            check=CheckId.ALGORITHMS,
            outcome=Outcome.PASSED,
            citations=_CITATIONS,
            message="The algorithms and key sizes are not weak under esig's policy.",
        )
    earliest = min(weak, key=lambda item: item[0].weak_from)
    rule, what = earliest
    since = f"{what} is weak since {rule.weak_from:%Y-%m-%d} ({rule.source})"
    if signing_time is None or signing_time >= rule.weak_from:
        return Finding(
            check=CheckId.ALGORITHMS,
            outcome=Outcome.INDETERMINATE,
            citations=_CITATIONS,
            sub_indication=SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
            message=f"{since[0].upper()}{since[1:]}, and the signature was made "
            "after that date or at an unknown time.",
        )
    if not time_proven:
        return Finding(
            check=CheckId.ALGORITHMS,
            outcome=Outcome.INDETERMINATE,
            citations=_CITATIONS,
            sub_indication=SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
            message=f"{since[0].upper()}{since[1:]}; the signer claims an earlier "
            "signing time, but no timestamp proves it.",
        )
    return Finding(
        check=CheckId.ALGORITHMS,
        outcome=Outcome.PASSED,
        citations=_CITATIONS,
        message=f"{since[0].upper()}{since[1:]}; a trusted timestamp proves the "
        "signature existed before then.",
    )
