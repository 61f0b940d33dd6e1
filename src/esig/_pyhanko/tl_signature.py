"""Read a trusted list's XML safely and check its XAdES signature (signxml, through pyHanko).

The XML is parsed without entities, DTDs or network; which certificate verified the
signature, or why none did, becomes a :class:`~esig.model.trusted_lists.TrustedListSignature`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hashlib
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]
from pyhanko.generated.etsi import ts_119612
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.qualified import eutl_parse
from signxml.exceptions import InvalidCertificate
from xsdata.formats.dataclass.context import XmlContext
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig

from esig._library_warnings import caught_library_warnings
from esig._pyhanko.signer import to_asn1
from esig.certificates import UNREADABLE_CERTIFICATE
from esig.model.trusted_lists import (
    SignatureStatus,
    TrustedListError,
    TrustedListSignature,
)

__all__ = [
    "check_signature",
    "is_list_of_lists",
    "issue_time",
    "list_text",
    "parse_list",
    "peek_territory",
    "safe_tree",
]


_TSL_NS = "http://uri.etsi.org/02231/v2#"


_DS_NS = "http://www.w3.org/2000/09/xmldsig#"


_BOM = b"\xef\xbb\xbf"


def _clean(data: bytes) -> bytes:
    """The document without a leading byte order mark or whitespace before its prolog.

    Both occur in published lists; neither is part of the signed content (the signature
    covers the root element), so removing them changes no signature.
    """
    while True:
        stripped = data.lstrip(b" \t\r\n").removeprefix(_BOM)
        if stripped == data:
            return data
        data = stripped


def safe_tree(data: bytes, source: str | None) -> Any:
    data = _clean(data)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise TrustedListError(
            f"The trusted list is not well-formed XML: {exc}", path=source
        ) from None
    if root.tag != f"{{{_TSL_NS}}}TrustServiceStatusList":
        raise TrustedListError(
            "The file is not an ETSI TS 119 612 trusted list "
            f"(its root element is {etree.QName(root).localname})",
            path=source,
        )
    return root


def list_text(data: bytes, source: str | None) -> str:
    try:
        return _clean(data).decode("utf-8")
    except UnicodeDecodeError:
        raise TrustedListError("The trusted list is not UTF-8 text", path=source) from None


def peek_territory(data: bytes, *, source: str | None = None) -> str:
    """The list's ``SchemeTerritory`` (read without checking the signature), or ``""``."""
    root = safe_tree(data, source)
    found = root.findtext(f"{{{_TSL_NS}}}SchemeInformation/{{{_TSL_NS}}}SchemeTerritory")
    return (found or "").strip()


def is_list_of_lists(data: bytes, *, source: str | None = None) -> bool:
    """The file is a list of trusted lists (its TSLType says so)."""
    root = safe_tree(data, source)
    kind = root.findtext(f"{{{_TSL_NS}}}SchemeInformation/{{{_TSL_NS}}}TSLType") or ""
    return kind.strip().endswith("listofthelists")


def _embedded_certificate(root: Any) -> x509.Certificate | None:
    steps = ("Signature", "KeyInfo", "X509Data", "X509Certificate")
    found = root.find("/".join(f"{{{_DS_NS}}}{step}" for step in steps))
    if found is None or not (found.text or "").strip():
        return None
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(found.text.split())))
        # cryptography reads names and extensions lazily: fail (or warn, caught) here
        with caught_library_warnings("reading a trusted list's signing certificate"):
            cert.subject  # noqa: B018
            cert.issuer  # noqa: B018
            with contextlib.suppress(*UNREADABLE_CERTIFICATE):  # extensions: not used here
                cert.extensions  # noqa: B018
    except UNREADABLE_CERTIFICATE:
        return None
    return cert


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def issue_time(root: Any) -> dt.datetime | None:
    """The list's ``ListIssueDateTime``, the moment its signer vouches for it; None if unreadable.

    A list's signature is checked at that moment: the scheme operator's certificate must
    have been valid when the list was issued, or be valid today. An archived list (the
    normal state of every list older than its signer's certificate) then still
    authenticates.
    """
    text = root.findtext(f"{{{_TSL_NS}}}SchemeInformation/{{{_TSL_NS}}}ListIssueDateTime")
    try:
        moment = dt.datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


_UNSUPPORTED = (NotImplementedError, KeyError, UnsupportedAlgorithm)
"""What signxml raises for an algorithm or key it does not handle (not a bad signature)."""


def _without_key_value(text: str) -> str | None:
    """The list without ``ds:KeyValue`` in its signature's ``KeyInfo``, when that is safe.

    signxml cross-checks a ``KeyValue`` against the certificate and cannot do so for
    RSA-PSS (``NotImplementedError``) nor for brainpool curves (``KeyError``), although it
    verifies such signatures with the certificate's key. When the ``KeyInfo`` also holds
    the certificate and is not itself signed, the ``KeyValue`` is redundant: the signature
    is verified against the TLSO certificate either way.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError:
        return None
    key_info = root.find(f"{{{_DS_NS}}}Signature/{{{_DS_NS}}}KeyInfo")
    if key_info is None or key_info.find(f"{{{_DS_NS}}}X509Data") is None:
        return None
    values = key_info.findall(f"{{{_DS_NS}}}KeyValue")
    referenced = {r.get("URI") for r in root.iter(f"{{{_DS_NS}}}Reference")}
    if not values or (key_info.get("Id") and f"#{key_info.get('Id')}" in referenced):
        return None
    for value in values:
        key_info.remove(value)
    return str(etree.tostring(root, encoding="unicode"))


def _at_either_moment(text: str, cert: x509.Certificate, at: dt.datetime | None) -> str:
    """The signed content, with ``cert`` valid at ``at`` or, failing that, now.

    A certificate not yet valid at the issue time a list states (test lists are often
    dated back) but valid now is accepted, as it was before issue times were used. When
    neither moment works, a signature that does not match is reported over a certificate
    that was not valid at the issue time.
    """
    asn1 = to_asn1(cert)
    try:
        return str(eutl_parse._validate_and_extract_tl_data(text, asn1, at))
    except SignatureValidationError as exc:
        if at is None or not isinstance(exc.__cause__, InvalidCertificate):
            raise
        try:
            return str(eutl_parse._validate_and_extract_tl_data(text, asn1, None))
        except SignatureValidationError as now:
            if not isinstance(now.__cause__, InvalidCertificate):
                raise  # the signature itself does not match: that is the answer
            raise exc from exc.__cause__


def _verify(
    text: str, candidates: Sequence[x509.Certificate], at: dt.datetime | None
) -> tuple[str | None, x509.Certificate | None, list[str], bool]:
    """The signed content and the certificate that verified it, or the errors.

    ``at`` is the moment the certificates must be valid at (None: now). The last value
    says that no failure showed a signature that does not match: each came from an
    algorithm or key signxml does not support, or from a certificate not valid at ``at``.
    """
    errors: list[str] = []
    unsupported = bool(candidates)
    for cert in candidates:
        who = cert.subject.rfc4514_string()
        attempt: str | None = text
        while attempt is not None:
            try:
                signed = _at_either_moment(attempt, cert, at)
            except SignatureValidationError as exc:
                errors.append(f"{who}: {exc.failure_message}")
                if not isinstance(exc.__cause__, InvalidCertificate):
                    unsupported = False
            except _UNSUPPORTED as exc:
                retry = _without_key_value(attempt) if attempt is text else None
                if retry is not None:
                    attempt = retry
                    continue
                errors.append(
                    f"{who}: the signature's algorithm or key type cannot be checked "
                    f"([{type(exc).__name__}] {exc})"
                )
            except Exception as exc:  # signxml, lxml and asn1crypto raise many kinds
                errors.append(f"{who}: [{type(exc).__name__}] {exc}")
                unsupported = False
            else:
                return signed, cert, errors, False
            attempt = None
    return None, None, errors, unsupported


def check_signature(
    text: str, root: Any, candidates: Sequence[x509.Certificate]
) -> tuple[TrustedListSignature, str]:
    """Check the signature; return the finding and the content to parse.

    The certificates must have been valid at the list's issue time (:func:`issue_time`).
    """
    at = issue_time(root)
    count = len(root.findall(f".//{{{_DS_NS}}}Signature"))
    present = count > 0
    if count > 1:
        embedded = _embedded_certificate(root)
        reason = (
            f"the list carries {count} XML signatures; a trusted list has exactly one "
            "(ETSI TS 119 612 clause 5.7), and which one vouches for it cannot be told"
        )
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason=reason,
                signature_present=True,
                extra_signatures=count - 1,
                signer=embedded.subject.rfc4514_string() if embedded else None,
                signer_sha256=_fingerprint(embedded) if embedded else None,
            ),
            text,
        )
    if not present:
        reason = "the list carries no XML signature"
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED, reason=reason, signature_present=False
            ),
            text,
        )
    if candidates:
        signed, cert, errors, _ = _verify(text, candidates, at)
        if signed is not None and cert is not None:
            return (
                TrustedListSignature(
                    status=SignatureStatus.VERIFIED,
                    signature_present=True,
                    integrity=True,
                    signer=cert.subject.rfc4514_string(),
                    signer_sha256=_fingerprint(cert),
                ),
                signed,
            )
        embedded = _embedded_certificate(root)
        integrity = None
        if embedded is not None:
            checked = _verify(text, [embedded], at)
            integrity = None if checked[3] else checked[0] is not None
        reason = "; ".join(errors) or "no TLSO certificate could be tried"
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason=f"its signature does not verify with any of the TLSO certificates "
                f"given: {reason}",
                signature_present=True,
                integrity=integrity,
                signer=embedded.subject.rfc4514_string() if embedded else None,
                signer_sha256=_fingerprint(embedded) if embedded else None,
            ),
            text,
        )
    embedded = _embedded_certificate(root)
    if embedded is None:
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason="no TLSO certificate was given and the signature embeds none",
                signature_present=True,
            ),
            text,
        )
    signed, _, errors, unsupported = _verify(text, [embedded], at)
    who = embedded.subject.rfc4514_string()
    if signed is None and unsupported:
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason="the signature cannot be checked with the certificate embedded in "
                "the list (an algorithm or key type signxml does not handle, or a "
                f"certificate not valid when the list was issued): {'; '.join(errors)}",
                signature_present=True,
                signer=who,
                signer_sha256=_fingerprint(embedded),
            ),
            text,
        )
    if signed is None:
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason="the signature does not verify even with the certificate embedded "
                f"in the list, so the list was changed after signing: {'; '.join(errors)}",
                signature_present=True,
                integrity=False,
                signer=who,
                signer_sha256=_fingerprint(embedded),
            ),
            text,
        )
    return (
        TrustedListSignature(
            status=SignatureStatus.NOT_CHECKED,
            reason="no TLSO certificate was given, so who signed the list is not "
            "established; the signature matches the certificate embedded in the list, "
            "which shows its integrity only",
            signature_present=True,
            integrity=True,
            signer=who,
            signer_sha256=_fingerprint(embedded),
        ),
        signed,
    )


@functools.cache
def _context() -> XmlContext:
    """One xsdata context for every list: its class metadata is built once, not per list."""
    return XmlContext()


def _parser() -> XmlParser:
    """PyHanko's trusted-list parser (``eutl_parse._raw_tl_parse``), over the shared context.

    The same configuration and event handler (no DTD, no XInclude, no entities, no
    network); only the context is kept, which made a quarter of the time to read a list.
    """
    return XmlParser(
        config=ParserConfig(
            load_dtd=False,
            process_xinclude=False,
            fail_on_unknown_properties=False,
            fail_on_unknown_attributes=False,
        ),
        context=_context(),
        handler=eutl_parse._RestrictedLxmlEventHandler,
    )


def parse_list(text: str, source: str | None) -> Any:
    """The list's XML bound to pyHanko's xsdata classes; a value the schema refuses is an error.

    xsdata only *warns* (ConverterWarning) when a value does not convert (a date that is
    no xsd:dateTime) and leaves the raw text in its place: esig refuses such a list.
    """
    with caught_library_warnings("parsing a trusted list") as caught:
        try:
            parsed = _parser().from_string(text, clazz=ts_119612.TrustServiceStatusList)
        except Exception as exc:  # xsdata raises parser-specific errors
            raise TrustedListError(
                f"The trusted list cannot be parsed: [{type(exc).__name__}] {exc}", path=source
            ) from None
    refused = [w for w in caught if w.category == "ConverterWarning"]
    if refused:
        first = refused[0].message.replace("\n", " ")
        raise TrustedListError(
            f"The trusted list holds a value its schema does not allow: {first}", path=source
        )
    return parsed
