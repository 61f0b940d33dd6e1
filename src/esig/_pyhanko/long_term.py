"""Long-term validation with pyHanko: the AdES LTA process, timestamp and revocation facts.

Three things, all returned as plain data (no pyHanko type leaves this module):

- :func:`validate_in_the_past`: pyHanko's ETSI EN 319 102-1 §5.6.3 process
  (``ades_lta_validation``) for one signature at a chosen moment, from what the
  document embeds (DSS, timestamps) and, if allowed, fetched data. Document
  timestamps give proofs of existence (POE) to the objects they cover; the signature
  timestamp gives one to the signature. A signature whose certificate expired or was
  revoked *after* its proven time then still validates.
- :func:`timestamp_facts`: what pyHanko established about the signature timestamp.
- :func:`revocation_problem`: why the signer's revocation data was rejected (stale,
  not signed by an authorised responder), read from pyhanko-certvalidator's error.
- :func:`signature_time_facts`: the facts of a signature judged as of its signature
  timestamp's time instead (stale data while the certificate is valid; detached CAdES,
  which has no document timestamps).

Offline, nobody can know whether the latest document timestamp's TSA certificate
was revoked between the last revocation data and the validation moment; EN 319 102-1
needs that for the newest timestamp of the chain. As pyHanko's own
``simulate_future_ades_lta_validation`` does, that certificate and the CAs above it
(never a trust anchor) are asserted not revoked at the validation moment; the
assumption is returned (:attr:`LongTermFacts.assumed_not_revoked`) and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    StaleRevinfoError,
    ValidationError,
)
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    NonRevokedStatusAssertion,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from esig._pyhanko.fetching import fetcher_backend
from esig._pyhanko.revocation import CertificateRevocation
from esig._pyhanko.signer import anchors_asn1, from_asn1, to_asn1

__all__ = [
    "LONG_TERM_TRIGGERS",
    "LongTermFacts",
    "RevocationFault",
    "RevocationProblem",
    "TimestampFacts",
    "certificate_chain_above",
    "revocation_problem",
    "signature_time_facts",
    "timestamp_facts",
    "validate_in_the_past",
]

LONG_TERM_TRIGGERS = frozenset(
    {
        "OUT_OF_BOUNDS_NO_POE",
        "OUT_OF_BOUNDS_NOT_REVOKED",
        "EXPIRED",
        "REVOKED_NO_POE",
        "REVOKED_CA_NO_POE",
        "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
        "TRY_LATER",
    }
)
"""Sub-indications of a validation at the chosen moment that proofs of existence from
earlier times can resolve (EN 319 102-1 §5.6.2.4); only then is the LTA process run."""


@dataclass(frozen=True)
class LongTermFacts:
    """The outcome of pyHanko's AdES LTA validation of one signature at one moment."""

    at: dt.datetime
    """The validation moment."""
    passed: bool
    sub_indication: str | None
    """The AdES sub-indication name when not passed (e.g. ``NO_POE``)."""
    failure: str | None
    """pyHanko's own explanation, when it gave one."""
    proof_of_existence: dt.datetime | None
    """The earliest proven time of the signature (best signature time)."""
    document_timestamp: dt.datetime | None
    """The oldest validated document timestamp after the signature (the evidence record)."""
    document_timestamps: int
    """How many document timestamps the document holds."""
    assumed_not_revoked: tuple[x509.Certificate, ...] = ()
    """Offline only: the latest document timestamp's TSA certificate and the CAs above
    it, taken as not revoked at :attr:`at` (no revocation data can say so)."""
    fetched: bool = False
    """Revocation data could be fetched over the network."""
    timestamp_passed: bool = False
    """The signature timestamp validated within the process (in the past if need be)."""
    path: tuple[x509.Certificate, ...] = ()
    """When passed: the path the process validated, signer first, trust anchor last."""
    at_signature_time: bool = False
    """Judged as of the signature timestamp's time (:func:`signature_time_facts`), not by
    the AdES LTA process: :attr:`assumed_not_revoked` then names the signature
    timestamp's certificates."""


@dataclass(frozen=True)
class TimestampFacts:
    """What pyHanko established about a signature timestamp (RFC 3161 token)."""

    time: dt.datetime
    tsa_certificate: x509.Certificate | None
    imprint_matches: bool
    """The token's message imprint equals the digest of the signature value."""
    signature_valid: bool
    """The token's own signature verifies with the TSA certificate's key."""
    trusted: bool
    trust_problem: str | None
    """The AdES sub-indication name for the TSA's certificate path, when not trusted."""
    tsa_revoked_at: dt.datetime | None = None
    revocation_unknown: tuple[CertificateRevocation, ...] = ()
    """The TSA's certificates (its own, CAs above it) that name OCSP responders or CRL
    distribution points but about which no revocation data was available: why an
    otherwise sound timestamp was not trusted (filled by the caller)."""
    tsa_path: tuple[x509.Certificate, ...] = ()
    """The TSA's validated path, its certificate first (empty: not validated)."""


class RevocationFault(StrEnum):
    """Why revocation data for a certificate was rejected."""

    STALE = "stale"
    """Issued too long before the validation moment (or its nextUpdate has passed)."""
    BAD_SIGNATURE = "bad signature"
    """Not signed by the issuer or an authorised responder: it does not verify."""
    UNAUTHORISED = "unauthorised responder"
    """Signed by a responder the issuer did not authorise."""
    OTHER = "other"


@dataclass(frozen=True)
class RevocationProblem:
    """Revocation data for the signer's certificate that the validator could not use."""

    fault: RevocationFault
    detail: str
    """pyhanko-certvalidator's message."""
    certificate: x509.Certificate
    produced_at: dt.datetime | None = None
    """For OCSP: ``producedAt`` of the embedded response about the certificate."""
    usable_until: dt.datetime | None = None
    """For stale data: the latest moment it would have been fresh enough for."""


_UNREADABLE = (NoDSSFoundError, PdfError, ValueError, KeyError, TypeError, AttributeError)


def _sha256(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).digest()


def _pool(reader: PdfFileReader, extra: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    pool = list(extra)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        pool.extend(from_asn1(c) for c in dss.load_certs())
    except _UNREADABLE:  # no or unreadable DSS: the embedded certificates only
        pass
    return pool


def certificate_chain_above(
    cert: x509.Certificate, pool: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """``cert`` and the CA certificates above it found in ``pool``, anchors excluded."""
    chain: list[x509.Certificate] = []
    anchor_names = {a.subject for a in anchors}
    current: x509.Certificate | None = cert
    while current is not None and current not in chain and len(chain) < 8:
        if current.subject in anchor_names or current.subject == current.issuer:
            break
        chain.append(current)
        issuer = current.issuer
        current = next((c for c in pool if c.subject == issuer), None)
    return chain


def _last_timestamp_chain(
    reader: PdfFileReader, anchors: Sequence[x509.Certificate]
) -> tuple[x509.Certificate, ...]:
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        return ()
    last = stamps[-1]
    token_certs = [
        from_asn1(c.chosen)
        for c in (last.signed_data["certificates"] or ())
        if c.name == "certificate"
    ]
    tsa = from_asn1(last.signer_cert)
    return tuple(certificate_chain_above(tsa, _pool(reader, token_certs), anchors))


async def validate_in_the_past(
    sig: EmbeddedPdfSignature,
    trust_anchors: Sequence[x509.Certificate],
    *,
    at: dt.datetime,
    allow_fetching: bool,
) -> LongTermFacts:
    """Run pyHanko's AdES LTA validation of ``sig`` as of ``at``.

    Revocation data is required for every certificate (as EN 319 102-1 asks), taken
    from the document (and fetched only with ``allow_fetching``).
    """
    reader = sig.reader
    assumed = () if allow_fetching else _last_timestamp_chain(reader, trust_anchors)
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=anchors_asn1(trust_anchors)),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
    )
    fetching = (
        RevinfoOnlineFetchingRule.ALWAYS_FETCH
        if allow_fetching
        else RevinfoOnlineFetchingRule.LOCAL_ONLY
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=fetching, fetcher_backend=fetcher_backend(allow_fetching)
            ),
            local_knowledge=LocalKnowledge(
                nonrevoked_assertions=[NonRevokedStatusAssertion(_sha256(c), at) for c in assumed]
            ),
        )
    )
    timing = ValidationTimingInfo(
        validation_time=at, best_signature_time=at, point_in_time_validation=True
    )
    result = await ades_lta_validation(sig, spec, timing_info=timing)
    indic = result.ades_subindic
    passed = indic.status.name == "PASSED"
    found = getattr(result.api_status, "validation_path", None) if passed else None
    proven = result.best_signature_time
    return LongTermFacts(
        at=at,
        passed=passed,
        sub_indication=None if passed else str(getattr(indic, "name", indic)),
        failure=None if passed else _text(result.failure_msg),
        proof_of_existence=proven if proven is not None and proven < at else None,
        document_timestamp=result.oldest_evidence_record_timestamp,
        document_timestamps=len(reader.embedded_timestamp_signatures),
        assumed_not_revoked=assumed,
        fetched=allow_fetching,
        path=(
            tuple(reversed([from_asn1(c) for c in found.iter_certs(include_root=True)]))
            if found is not None
            else ()
        ),
        timestamp_passed=bool(
            result.signature_timestamp_status is not None
            and result.signature_timestamp_status.ades_subindic.status.name == "PASSED"
        ),
    )


def signature_time_facts(
    *,
    at: dt.datetime,
    proven: dt.datetime,
    assumed_not_revoked: Sequence[x509.Certificate],
    fetched: bool,
    document_timestamps: int = 0,
) -> LongTermFacts:
    """The facts of a signature that validated as of its signature timestamp's time.

    The caller validated the signer's path, and the timestamp's, at ``proven`` (the
    signature timestamp's time) with the embedded revocation data, issued then or
    later; ``assumed_not_revoked`` are the timestamp's certificates whose status
    since ``proven`` no data could show (offline).
    """
    return LongTermFacts(
        at=at,
        passed=True,
        sub_indication=None,
        failure=None,
        proof_of_existence=proven,
        document_timestamp=None,
        document_timestamps=document_timestamps,
        assumed_not_revoked=tuple(assumed_not_revoked),
        fetched=fetched,
        timestamp_passed=True,
        at_signature_time=True,
    )


def _text(message: object) -> str | None:
    if message is None:
        return None
    if isinstance(message, tuple):  # pyHanko sometimes wraps its message in a 1-tuple
        return " ".join(str(m) for m in message)
    return str(message)


def timestamp_facts(status: TimestampSignatureStatus | None) -> TimestampFacts | None:
    """The facts of a signature timestamp's validation status (None: no timestamp)."""
    if status is None:
        return None
    details = getattr(status, "revocation_details", None)
    problem = status.trust_problem_indic
    return TimestampFacts(
        time=status.timestamp,
        tsa_certificate=from_asn1(status.signing_cert) if status.signing_cert else None,
        imprint_matches=bool(status.intact),
        signature_valid=bool(status.valid),
        trusted=bool(status.trusted),
        trust_problem=None if problem is None else str(getattr(problem, "name", problem)),
        tsa_revoked_at=details.revocation_date if details is not None else None,
        tsa_path=_path_of(status),
    )


def _path_of(status: TimestampSignatureStatus) -> tuple[x509.Certificate, ...]:
    """The validated path of a timestamp's TSA, leaf first (empty when there is none)."""
    path = getattr(status, "validation_path", None)
    if path is None:
        return ()
    return tuple(reversed([from_asn1(c) for c in path.iter_certs(include_root=True)]))


async def revocation_problem(
    cert: x509.Certificate,
    context: ValidationContext,
    reader: PdfFileReader,
) -> RevocationProblem | None:
    """Why the revocation data for ``cert`` was rejected, or None if that is not why.

    Runs pyhanko-certvalidator's path validation once more to read its error (the
    signature status only keeps the sub-indication).
    """
    validator = CertificateValidator(to_asn1(cert), validation_context=context)
    try:
        await validator.async_validate_usage(set())  # type: ignore[no-untyped-call]
    except StaleRevinfoError as exc:
        return RevocationProblem(
            fault=RevocationFault.STALE,
            detail=exc.failure_msg,
            certificate=cert,
            produced_at=_ocsp_produced_at(reader, cert),
            usable_until=exc.time_cutoff,
        )
    except InsufficientRevinfoError as exc:
        message = exc.failure_msg
        lowered = message.lower()
        if "ocsp" in lowered and "signature" in lowered:
            fault = RevocationFault.BAD_SIGNATURE
        elif "responder" in lowered and "authori" in lowered:
            fault = RevocationFault.UNAUTHORISED
        else:
            fault = RevocationFault.OTHER
        return RevocationProblem(
            fault=fault,
            detail=message,
            certificate=cert,
            produced_at=_ocsp_produced_at(reader, cert),
        )
    except ValidationError:
        return None
    return None


def _ocsp_produced_at(reader: PdfFileReader, cert: x509.Certificate) -> dt.datetime | None:
    """``producedAt`` of the newest embedded OCSP response about ``cert``."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        responses = [asn1_ocsp.OCSPResponse.load(o.get_object().data) for o in dss.ocsps]
    except _UNREADABLE:  # no or unreadable DSS: nothing to report
        return None
    found: list[dt.datetime] = []
    for response in responses:
        try:
            data = response["response_bytes"]["response"].parsed["tbs_response_data"]
            if any(
                single["cert_id"]["serial_number"].native == cert.serial_number
                for single in data["responses"]
            ):
                found.append(data["produced_at"].native)
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
    return max(found) if found else None
