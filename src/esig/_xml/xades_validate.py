"""Check XAdES signatures with signxml; the facts as plain data (:class:`XadesFacts`).

For every ``ds:Signature`` in the document: what its references point at and any XML
signature wrapping (:mod:`esig._xml.wrapping`); the signature value, every reference
digest and the SigningCertificate(V2) binding, by signxml's ``XAdESVerifier`` with the
signer's certificate from ``KeyInfo`` (signxml does not judge the path: validity, trust
and revocation are :mod:`esig._pyhanko.xades_trust`'s, so signxml is asked at a moment
within the certificate's validity); the claimed signing time and the signature
timestamp. The XML is parsed with entities, DTDs and network access off, here and
inside signxml (esig's parser is handed to it).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from esig._library_warnings import caught_library_warnings
from esig._pyhanko.long_term import TimestampFacts
from esig._pyhanko.raw_signature import RawSignature
from esig._pyhanko.xades_trust import ArchiveCheck, Embedded, judge_trust
from esig._xml.parsing import DS_NS, XADES_NS, parse_xml, safe_parser
from esig._xml.wrapping import (
    ReferenceFacts,
    WrappingProblem,
    analyse_references,
)
from esig._xml.xades_archive import (
    ArchiveStamp,
    EmbeddedValues,
    archive_input,
    archive_stamps,
    embedded_values,
    reference_outputs,
)
from esig.errors import InputError
from esig.model.coverage import ModificationLevel

__all__ = [
    "DIGEST_NAMES",
    "VerifiedSignature",
    "XadesFacts",
    "validate_xades",
    "verified_signature",
]

_HASHES = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "sha224",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
DIGEST_NAMES = _HASHES
"""XML-DSig digest algorithm URIs → hashlib names."""
_INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


@dataclass(frozen=True)
class XadesFacts:
    """What checking one XML signature established, without lxml or signxml types."""

    raw: RawSignature
    references: tuple[ReferenceFacts, ...]
    wrapping: tuple[WrappingProblem, ...]
    detached_missing: str | None = None
    """The external file a reference names, when no content was given to check it."""
    timestamp_problem: str | None = None
    """Why the signature timestamp could not be validated, when it could not."""
    archives: tuple[ArchiveResult, ...] = ()
    """Each ``xades141:ArchiveTimeStamp``, in document order."""
    values: EmbeddedValues = field(default_factory=EmbeddedValues)
    """The validation data in the unsigned properties (B-LT)."""


@dataclass(frozen=True)
class ArchiveResult:
    """One archive timestamp, validated over the data EN 319 132-1 §5.5.2 defines."""

    number: int
    """1 for the first in the document."""
    facts: TimestampFacts | None
    problem: str | None = None
    changed: bool = False
    """The covered data could not even be rebuilt: the signature no longer verifies."""

    @property
    def sound(self) -> bool:
        """The imprint matches, the token verifies and its TSA is trusted."""
        f = self.facts
        return f is not None and f.imprint_matches and f.signature_valid and f.trusted


def _certificates(signature: Any) -> list[x509.Certificate]:
    found = []
    path = f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate"
    for element in signature.iterfind(path):
        try:
            found.append(x509.load_der_x509_certificate(base64.b64decode(element.text or "")))
        except (ValueError, binascii.Error):
            continue
    return found


def _signing_certificate(
    signature: Any, certs: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """The certificate the signed properties name first (SigningCertificateV2 or V1)."""
    props = f"{{{DS_NS}}}Object/{{{XADES_NS}}}QualifyingProperties/{{{XADES_NS}}}SignedProperties"
    for version in ("SigningCertificateV2", "SigningCertificate"):
        digest = signature.find(
            f"{props}/{{{XADES_NS}}}SignedSignatureProperties/{{{XADES_NS}}}{version}"
            f"/{{{XADES_NS}}}Cert/{{{XADES_NS}}}CertDigest"
        )
        if digest is None:
            continue
        method = digest.find(f"{{{DS_NS}}}DigestMethod")
        name = _HASHES.get(method.get("Algorithm", "") if method is not None else "")
        try:
            value = base64.b64decode(digest.findtext(f"{{{DS_NS}}}DigestValue") or "")
        except (ValueError, binascii.Error):
            return None
        for cert in certs:
            if name and hashlib.new(name, cert.public_bytes(Encoding.DER)).digest() == value:
                return cert
        return None
    return certs[0] if certs else None


def _signing_time(signature: Any) -> dt.datetime | None:
    text = signature.findtext(
        f".//{{{XADES_NS}}}SignedSignatureProperties/{{{XADES_NS}}}SigningTime"
    )
    try:
        moment = dt.datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _algorithms(signature: Any) -> tuple[str, str]:
    """The data reference's digest algorithm name and the signature method's."""
    method = signature.find(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod")
    try:
        name = SignatureMethod(method.get("Algorithm") if method is not None else "").name
        scheme, _, digest_name = name.partition("_")
        signature_algorithm = f"{digest_name.lower()}_{scheme.lower()}"
    except ValueError:
        signature_algorithm = method.get("Algorithm", "unknown") if method is not None else "none"
    reference = signature.find(
        f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference/{{{DS_NS}}}DigestMethod"
    )
    uri = reference.get("Algorithm", "") if reference is not None else ""
    return _HASHES.get(uri, uri or "unknown"), signature_algorithm


def _timestamp(signature: Any) -> tuple[bytes | None, bytes | None]:
    """The first SignatureTimeStamp's token and the canonical SignatureValue it covers."""
    stamp = signature.find(
        f".//{{{XADES_NS}}}UnsignedSignatureProperties/{{{XADES_NS}}}SignatureTimeStamp"
    )
    if stamp is None:
        return None, None
    try:
        token = base64.b64decode(stamp.findtext(f"{{{XADES_NS}}}EncapsulatedTimeStamp") or "")
    except (ValueError, binascii.Error):
        return b"", None
    method = stamp.find(f"{{{DS_NS}}}CanonicalizationMethod")
    algorithm = method.get("Algorithm", _INCLUSIVE_C14N) if method is not None else _INCLUSIVE_C14N
    value = signature.find(f"{{{DS_NS}}}SignatureValue")
    if value is None:
        return token, None
    canonical: bytes = etree.tostring(
        value,
        method="c14n",
        exclusive="xml-exc-c14n" in algorithm,
        with_comments=algorithm.endswith("#WithComments"),
    )
    return token, canonical


def _alone(root: Any, index: int) -> Any:
    """A copy of the document without the other signatures, so signxml finds signature ``index``."""
    copy = etree.fromstring(etree.tostring(root), parser=safe_parser())
    signatures = list(copy.iter(f"{{{DS_NS}}}Signature"))
    for position, other in enumerate(signatures):
        if position != index and not any(a is other for a in signatures[index].iterancestors()):
            parent = other.getparent()
            if parent is not None:
                parent.remove(other)
    return copy


_Verdict = tuple[bool | None, bool | None, bool, str | None, str | None, tuple[bytes, ...]]


def _verify(target: Any, cert: x509.Certificate, resolver: Any) -> _Verdict:
    """(digests match, value valid, certificate bound, error, sub-indication, digested).

    ``digested``: the octets signxml digested for each reference, in order (empty when
    the signature does not verify).
    """
    config = XAdESSignatureConfiguration(
        expect_references=True,
        signature_methods=frozenset(m for m in SignatureMethod if not m.name.startswith("HMAC")),
        digest_algorithms=frozenset(DigestAlgorithm),
        verification_time=cert.not_valid_before_utc,
    )
    with caught_library_warnings("verifying an XAdES signature"):
        try:
            results = XAdESVerifier().verify(
                target,
                x509_cert=cert,
                expect_config=config,
                uri_resolver=resolver,
                parser=safe_parser(),
            )
        except InvalidDigest as exc:
            if "certificate digest" in str(exc):
                return (
                    None,
                    None,
                    False,
                    "the signed properties' SigningCertificate does not match the "
                    "certificate that verifies the signature",
                    "FORMAT_FAILURE",
                    (),
                )
            return False, True, False, None, None, ()
        except InvalidSignature:
            return (
                None,
                False,
                False,
                "the signature value does not verify with the signer's key over the "
                "canonical SignedInfo",
                "SIG_CRYPTO_FAILURE",
                (),
            )
        except (SignXMLException, etree.Error, ValueError, KeyError, TypeError) as exc:
            return None, None, False, f"[{type(exc).__name__}] {exc}", "FORMAT_FAILURE", ()
    return True, True, True, None, None, tuple(r.signed_data for r in results)


async def validate_xades(
    data: bytes,
    trust_anchors: Sequence[x509.Certificate],
    *,
    name: str,
    detached: tuple[str, bytes] | None,
    allow_fetching: bool,
    moment: dt.datetime | None,
    resolve: Callable[[str], bytes | None] | None = None,
) -> tuple[XadesFacts, ...]:
    """Check every XML signature of ``data``; ``detached`` is (file name, bytes) of the content.

    ``resolve`` instead maps each external reference's URI to the bytes it names (the
    files of an ASiC container), or ``None`` when there is no such file.

    Raises:
        InputError: ``data`` is not well-formed XML, or declares a DTD or entities.

    """
    root = parse_xml(data, what=name)
    signatures = list(root.iter(f"{{{DS_NS}}}Signature"))
    results = []
    for index, signature in enumerate(signatures):
        results.append(
            await _one(
                root,
                signature,
                index,
                len(signatures),
                trust_anchors,
                detached=detached,
                allow_fetching=allow_fetching,
                moment=moment,
                resolve=resolve,
            )
        )
    return tuple(results)


async def _one(
    root: Any,
    signature: Any,
    index: int,
    count: int,
    trust_anchors: Sequence[x509.Certificate],
    *,
    detached: tuple[str, bytes] | None,
    allow_fetching: bool,
    moment: dt.datetime | None,
    resolve: Callable[[str], bytes | None] | None,
) -> XadesFacts:
    references, wrapping = analyse_references(root, signature)
    field_name = signature.get("Id") or f"Signature{index + 1}"
    certs = _certificates(signature)
    cert = _signing_certificate(signature, certs)
    digest_algorithm, signature_algorithm = _algorithms(signature)
    base = RawSignature(
        field_name=field_name,
        modification=ModificationLevel.NONE,
        digest_algorithm=digest_algorithm,
        signature_algorithm=signature_algorithm,
        claimed_time=_signing_time(signature),
        signer_cert=cert,
    )
    external = [r for r in references if r.external is not None]
    if resolve is not None:
        missing = next((r.external for r in external if resolve(r.uri) is None), None)
    else:
        missing = external[0].external if external and detached is None else None
    if cert is None:
        raw = RawSignature(
            field_name=field_name,
            error="the signature carries no certificate that its signed properties name "
            "(KeyInfo/X509Data and SigningCertificateV2)",
            error_sub_indication="NO_SIGNING_CERTIFICATE_FOUND",
        )
        return XadesFacts(raw, references, wrapping, missing)
    if missing is not None:
        raw = RawSignature(
            field_name=field_name,
            signer_cert=cert,
            claimed_time=base.claimed_time,
            error=f"the signed file {missing!r} "
            + ("is not in the container" if resolve is not None else "was not given")
            + ", so its digest cannot be checked",
            error_sub_indication="SIGNED_DATA_NOT_FOUND",
        )
        return XadesFacts(raw, references, wrapping, missing)

    def resolver(uri: str) -> bytes | None:
        if resolve is not None:
            return resolve(uri)
        return detached[1] if detached is not None else None

    target = _alone(root, index) if count > 1 else root
    matches, valid, bound, error, sub, digested = _verify(target, cert, resolver)
    raw = RawSignature(
        field_name=base.field_name,
        modification=base.modification,
        digest_algorithm=base.digest_algorithm,
        signature_algorithm=base.signature_algorithm,
        claimed_time=base.claimed_time,
        signer_cert=cert,
        digest_matches=matches,
        signature_valid=valid,
        signer_certificate_bound=bound,
        error=error,
        error_sub_indication=sub,
    )
    token, stamped = _timestamp(signature)
    values = embedded_values(signature)
    stamps = archive_stamps(signature)
    outputs = reference_outputs(signature, digested) if digested else None
    archives = [
        (s.token, archive_input(signature, outputs, algorithm=s.algorithm, before=s.element))
        for s in stamps
        if s.token is not None and outputs is not None
    ]
    raw, problem, checks = await judge_trust(
        raw,
        others=certs,
        trust_anchors=trust_anchors,
        timestamp_token=token or None,
        timestamped_data=stamped,
        allow_fetching=allow_fetching,
        moment=moment,
        embedded=Embedded(values.all_certificates, values.all_ocsp_responses, values.all_crls),
        archives=archives,
    )
    if token == b"":
        problem = "its EncapsulatedTimeStamp is not base64"
    return XadesFacts(
        raw,
        references,
        wrapping,
        None,
        problem,
        archives=_archive_results(stamps, checks, outputs is not None),
        values=values,
    )


def _archive_results(
    stamps: Sequence[ArchiveStamp], checks: Sequence[ArchiveCheck], computed: bool
) -> tuple[ArchiveResult, ...]:
    results = []
    judged = iter(checks)
    for number, stamp in enumerate(stamps, start=1):
        if stamp.token is None:
            results.append(ArchiveResult(number, None, "its EncapsulatedTimeStamp is not base64"))
        elif not computed:
            results.append(
                ArchiveResult(
                    number,
                    None,
                    "the data it covers cannot be rebuilt: the signature's references or "
                    "its value no longer verify, so what it covers was changed",
                    changed=True,
                )
            )
        else:
            check = next(judged)
            results.append(ArchiveResult(number, check.facts, check.problem))
    return tuple(results)


@dataclass(frozen=True)
class VerifiedSignature:
    """An intact XML signature, ready to be extended."""

    signer: x509.Certificate
    carried: tuple[x509.Certificate, ...]
    """The certificates its ``KeyInfo`` carries."""
    digested: tuple[bytes, ...]
    """The octets each reference digested, in order."""


def verified_signature(
    root: Any,
    signature: Any,
    index: int,
    count: int,
    resolve: Callable[[str], bytes | None],
) -> VerifiedSignature:
    """The signer and digested references of ``signature``, which must verify.

    Raises:
        InputError: The signature names no certificate, a file it covers was not given,
            or it does not verify (a changed reference, a wrong value).

    """
    name = signature.get("Id") or f"Signature{index + 1}"
    certs = _certificates(signature)
    cert = _signing_certificate(signature, certs)
    if cert is None:
        raise InputError(f"The signature {name} carries no certificate its signed properties name")
    for reference in signature.iterfind(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference"):
        uri = reference.get("URI", "")
        if uri and not uri.startswith("#") and resolve(uri) is None:
            raise InputError(
                f"The signature {name} covers the file {uri!r}, which was not given "
                "(detached_content / --content)"
            )
    target = _alone(root, index) if count > 1 else root
    matches, valid, _, error, _, digested = _verify(target, cert, resolve)
    if not (matches and valid) or error is not None:
        raise InputError(
            f"The signature {name} does not verify ({error or 'a reference digest differs'}); "
            "esig extends intact signatures only"
        )
    return VerifiedSignature(signer=cert, carried=tuple(certs), digested=digested)
