"""How the revocation status of each certificate of a path was established, as plain data.

esig validates with pyhanko-certvalidator's "hard-fail" rule (``CHECK_IF_DECLARED``): a
certificate that names an OCSP responder or a CRL distribution point must have its
status established, from data embedded in the document or fetched when fetching is
allowed; a certificate that names no revocation service cannot be checked and is not
failed for it (BES art. 3(d); EN 319 102-1 TRY_LATER when the data is missing). This
module reads, after validation, which OCSP responses and CRLs in the validation context
speak about each certificate, and whether they were embedded or fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pyhanko_certvalidator import ValidationContext

__all__ = [
    "CertificateRevocation",
    "RevocationSource",
    "certificate_revocation",
    "declared_services",
    "known_revocation_data",
    "unknown_revocation",
]

_READ_ERRORS = (KeyError, ValueError, TypeError, AttributeError)


@dataclass(frozen=True)
class RevocationSource:
    """One OCSP response or CRL that speaks about a certificate."""

    kind: str
    """``"OCSP"`` or ``"CRL"``."""
    issued_at: dt.datetime | None
    """``producedAt`` of the OCSP response; ``thisUpdate`` of the CRL."""
    issuer: str
    """Who signed it: the OCSP responder, or the CRL's issuer (display name)."""
    fetched: bool
    """Fetched over the network during validation; else embedded in the document."""
    sha256: str = ""
    """SHA-256 (hex) of the OCSP response's or the CRL's DER."""


@dataclass(frozen=True)
class CertificateRevocation:
    """The revocation services a certificate names and the data found about it."""

    certificate: x509.Certificate
    ocsp_urls: tuple[str, ...]
    crl_urls: tuple[str, ...]
    sources: tuple[RevocationSource, ...]

    @property
    def names_services(self) -> bool:
        """The certificate names an OCSP responder or a CRL distribution point."""
        return bool(self.ocsp_urls or self.crl_urls)

    @property
    def unknown(self) -> bool:
        """It names revocation services, but no data about it was available."""
        return self.names_services and not self.sources


def declared_services(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The OCSP responder URLs (AIA) and CRL distribution point URLs a certificate names."""
    ocsp: list[str] = []
    crls: list[str] = []
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        for desc in aia.value:
            if desc.access_method == AuthorityInformationAccessOID.OCSP and isinstance(
                desc.access_location, x509.UniformResourceIdentifier
            ):
                ocsp.append(desc.access_location.value)
    except (x509.ExtensionNotFound, ValueError):
        pass
    try:
        dps = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
        for point in dps.value:
            for name in point.full_name or ():
                if isinstance(name, x509.UniformResourceIdentifier):
                    crls.append(name.value)
    except (x509.ExtensionNotFound, ValueError):
        pass
    return tuple(ocsp), tuple(crls)


def known_revocation_data(context: ValidationContext) -> frozenset[bytes]:
    """The DER of every OCSP response and CRL the context holds now (before validation)."""
    return frozenset([o.dump() for o in context.ocsps] + [c.dump() for c in context.crls])


def certificate_revocation(
    chain: Sequence[x509.Certificate],
    context: ValidationContext | None,
    embedded: frozenset[bytes],
) -> tuple[CertificateRevocation, ...]:
    """For each certificate of ``chain``: the services it names, the data about it.

    ``embedded``: :func:`known_revocation_data` taken before validation; anything else
    the context holds afterwards was fetched.
    """
    ocsps: list[asn1_ocsp.OCSPResponse] = list(context.ocsps) if context is not None else []
    crls: list[asn1_crl.CertificateList] = list(context.crls) if context is not None else []
    result = []
    for cert in chain:
        ocsp_urls, crl_urls = declared_services(cert)
        sources = [*_ocsp_sources(cert, ocsps, embedded), *_crl_sources(cert, crls, embedded)]
        result.append(
            CertificateRevocation(
                certificate=cert, ocsp_urls=ocsp_urls, crl_urls=crl_urls, sources=tuple(sources)
            )
        )
    return tuple(result)


def unknown_revocation(
    facts: Iterable[CertificateRevocation],
) -> tuple[CertificateRevocation, ...]:
    """The certificates that name revocation services but have no data at all."""
    return tuple(f for f in facts if f.unknown)


def _display(name: x509.Name) -> str:
    cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        return str(cns[0].value)
    return name.rfc4514_string() or "(no name)"


def _issuer_name_hashes(cert: x509.Certificate) -> dict[str, bytes]:
    der = cert.issuer.public_bytes()
    return {algo: hashlib.new(algo, der).digest() for algo in ("sha1", "sha256")}


def _ocsp_sources(
    cert: x509.Certificate, responses: Iterable[asn1_ocsp.OCSPResponse], embedded: frozenset[bytes]
) -> list[RevocationSource]:
    found = []
    hashes = _issuer_name_hashes(cert)
    for response in responses:
        try:
            basic = response["response_bytes"]["response"].parsed
            data = basic["tbs_response_data"]
            about = any(
                single["cert_id"]["serial_number"].native == cert.serial_number
                and single["cert_id"]["issuer_name_hash"].native
                == hashes.get(single["cert_id"]["hash_algorithm"]["algorithm"].native)
                for single in data["responses"]
            )
            if not about:
                continue
            found.append(
                RevocationSource(
                    kind="OCSP",
                    issued_at=data["produced_at"].native,
                    issuer=_responder(basic, cert),
                    fetched=response.dump() not in embedded,
                    sha256=hashlib.sha256(response.dump()).hexdigest(),
                )
            )
        except _READ_ERRORS:
            continue
    return found


def _responder(basic: asn1_ocsp.BasicOCSPResponse, cert: x509.Certificate) -> str:
    """The responder's name: from its responderID, or the certificate in the response."""
    rid = basic["tbs_response_data"]["responder_id"]
    if rid.name == "by_name":
        common_name = rid.chosen.native.get("common_name")
        return str(common_name) if common_name else str(rid.chosen.human_friendly)
    key_hash = rid.chosen.native
    for choice in basic["certs"] or ():
        if choice.public_key.sha1 == key_hash:
            return _display(x509.load_der_x509_certificate(choice.dump()).subject)
    return f"the OCSP responder for {_display(cert.issuer)}"


def _crl_sources(
    cert: x509.Certificate, crls: Iterable[asn1_crl.CertificateList], embedded: frozenset[bytes]
) -> list[RevocationSource]:
    found = []
    issuer_der = cert.issuer.public_bytes()
    for crl in crls:
        try:
            tbs = crl["tbs_cert_list"]
            if tbs["issuer"].dump() != issuer_der:
                continue
            found.append(
                RevocationSource(
                    kind="CRL",
                    issued_at=tbs["this_update"].native,
                    issuer=_display(cert.issuer),
                    fetched=crl.dump() not in embedded,
                    sha256=hashlib.sha256(crl.dump()).hexdigest(),
                )
            )
        except _READ_ERRORS:
            continue
    return found
