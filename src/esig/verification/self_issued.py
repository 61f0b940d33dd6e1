"""A signer's certificate that issued itself: no provider vouches for it, nor for its claims.

A certificate *issued by a certification service provider* names that provider as its
issuer (BES art. 6(1)(a)) and carries the provider's advanced electronic signature (art.
6(1)(g)); a qualified certificate is one issued by a qualified trust service provider
(eIDAS art. 3(15), art. 28 and Annex I (h)). An end-entity certificate whose issuer is its
own subject (RFC 5280 §4.1.2.4 name comparison), or whose signature verifies under its own
public key, was made by the key holder alone: nobody else vouches for the name in it, and
its qcStatements (QcCompliance, QcSSCD, QcType) and qualified policies are claims the
signer made about themselves. Such a signature can never be qualified, whoever trusts
the certificate.

A self-signed **CA** certificate (basicConstraints cA=true) is a root, not the case here:
:func:`self_issued_end_entity` returns ``None`` for it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from esig._library_warnings import dsa_public_key_class
from esig.identity import NameIdentity
from esig.law import BES, EIDAS, Citation
from esig.profiles import CertificateProfile, QualifiedMarkers
from esig.verification.report_parts import CheckId, Finding, Outcome

__all__ = [
    "SELF_ISSUED_CITATIONS",
    "SelfIssued",
    "names_match",
    "self_issued_end_entity",
    "self_issued_finding",
    "signed_by_own_key",
]

SELF_ISSUED_CITATIONS: tuple[Citation, ...] = (
    BES.ART_6_1_A,
    BES.ART_6_1_G,
    BES.ART_4,
    EIDAS.ART_3_15,
    EIDAS.ART_28,
)
"""What a certificate from a provider needs and a self-issued one lacks: the issuing
provider's identity and advanced signature (BES art. 6(1)(a), (g)), a recognised provider
(art. 4), issuance by a qualified trust service provider (eIDAS art. 3(15); art. 28 and
Annex I (h), the provider's advanced signature or seal)."""


def _prepared(value: str | bytes) -> str | bytes:
    """An attribute value as RFC 5280 §7.1 compares it: NFKC, case folded, spaces collapsed."""
    if isinstance(value, bytes):
        return value
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def names_match(first: x509.Name, second: x509.Name) -> bool:
    """Whether two distinguished names are the same under RFC 5280 §7.1.

    The RDNs must match one by one, in order; inside an RDN the attributes match as a
    set. Attribute values are compared case-insensitively after Unicode (NFKC)
    normalisation, with leading, trailing and repeated inner white space ignored, so a
    PrintableString and a UTF8String of the same text match.
    """
    first_rdns = list(first.rdns)
    second_rdns = list(second.rdns)
    if len(first_rdns) != len(second_rdns):
        return False
    for one, other in zip(first_rdns, second_rdns, strict=True):
        if {(a.oid, _prepared(a.value)) for a in one} != {
            (a.oid, _prepared(a.value)) for a in other
        }:
            return False
    return True


def signed_by_own_key(cert: x509.Certificate) -> bool:
    """Whether the certificate's signature verifies under the certificate's own public key."""
    try:
        key = cert.public_key()
        data, signature = cert.tbs_certificate_bytes, cert.signature
        digest = cert.signature_hash_algorithm
        if isinstance(key, rsa.RSAPublicKey) and digest is not None:
            scheme = cert.signature_algorithm_parameters
            if not isinstance(scheme, padding.PSS | padding.PKCS1v15):
                scheme = padding.PKCS1v15()
            key.verify(signature, data, scheme, digest)
        elif isinstance(key, ec.EllipticCurvePublicKey) and digest is not None:
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        elif isinstance(key, dsa_public_key_class()) and digest is not None:
            key.verify(signature, data, digest)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _claims(markers: QualifiedMarkers) -> tuple[str, ...]:
    """The qualified claims a certificate makes, by name (EN 319 412-5, EN 319 411-2)."""
    found: list[str] = []
    if markers.qc_compliance:
        found.append("QcCompliance")
    if markers.qc_sscd:
        found.append("QcSSCD")
    if markers.qc_types:
        found.append(f"QcType ({', '.join(str(t) for t in markers.qc_types)})")
    if markers.qc_cc_legislation:
        found.append(f"QcCClegislation ({', '.join(markers.qc_cc_legislation)})")
    found += [f"policy {p.value}" for p in markers.qc_policies]
    return tuple(found)


@dataclass(frozen=True)
class SelfIssued:
    """The facts about an end-entity certificate that issued itself."""

    subject: str
    """The certificate's subject (and issuer), for display."""
    names_match: bool
    """Its issuer name equals its subject name (RFC 5280 §7.1)."""
    own_signature: bool
    """Its signature verifies under its own public key."""
    claims: tuple[str, ...]
    """The qualified claims it makes (QcCompliance, QcSSCD, QcType, QCP policies)."""

    @property
    def how(self) -> str:
        """How it shows that it issued itself, in words."""
        if self.names_match and self.own_signature:
            return "its issuer is its own subject and it is signed with its own key"
        if self.names_match:
            return "its issuer is its own subject"
        return "it is signed with its own key"

    @property
    def claims_text(self) -> str:
        """The claims as one phrase, e.g. ``QcCompliance, QcSSCD``."""
        return ", ".join(self.claims)

    @property
    def reason(self) -> str:
        """Why a signature made with it can never be qualified, as one clause."""
        claims = (
            f"; its qualified claims ({self.claims_text}) are the signer's own and carry no weight"
            if self.claims
            else ""
        )
        return (
            f"the signer's certificate issued itself ({self.how}, and it is no CA), so no "
            f"certification service provider issued it or vouches for it{claims}: a "
            "qualified signature needs a certificate issued by a provider other than the "
            "signer"
        )


def self_issued_end_entity(
    cert: x509.Certificate, profile: CertificateProfile | None = None
) -> SelfIssued | None:
    """The facts when ``cert`` is an end entity that issued itself; ``None`` otherwise.

    Self-issued means: its issuer name matches its subject name (RFC 5280 §7.1), or its
    signature verifies under its own key. A CA certificate (basicConstraints cA=true) is
    never reported here, whatever its names. ``profile`` is the certificate's BES art. 6
    profile, read again when not given.
    """
    profile = profile or CertificateProfile.from_certificate(cert)
    if profile.is_ca:
        return None
    same_name = names_match(cert.issuer, cert.subject)
    own_signature = signed_by_own_key(cert)
    if not (same_name or own_signature):
        return None
    return SelfIssued(
        subject=NameIdentity.from_name(cert.subject).display,
        names_match=same_name,
        own_signature=own_signature,
        claims=_claims(profile.qualified),
    )


def self_issued_finding(found: SelfIssued, *, trusted: bool) -> Finding:
    """The finding on a self-issued end-entity certificate (``trusted``: given as trusted)."""
    head = (
        f"The signer's certificate ({found.subject}) issued itself: {found.how}, and it is "
        "no CA. No certification service provider issued it, so none vouches for the name "
        "in it (BES art. 6(1)(a), (g))."
    )
    if found.claims:
        claims = (
            f" Its qualified claims ({found.claims_text}) are statements the signer made "
            "about their own certificate and carry no weight: a qualified certificate is "
            "issued by a qualified trust service provider (eIDAS art. 3(15), Annex I (h)). "
            "The signature can never be qualified (QES), and the certificate makes it "
            "advanced only for a verifier who knows this very certificate to be the signer's."
        )
    else:
        claims = (
            " It makes no qualified claims; the signature cannot be qualified (QES), and it "
            "is advanced only for a verifier who knows this very certificate to be the "
            "signer's (e.g. by its SHA-256 fingerprint, obtained from the signer)."
        )
    own = (
        " You gave this certificate itself as trusted: that trust is yours alone, not a "
        "provider's, and does not make it qualified."
        if trusted
        else ""
    )
    return Finding(
        check=CheckId.SELF_ISSUED,
        outcome=Outcome.INFO,
        citations=SELF_ISSUED_CITATIONS,
        message=head + claims + own,
    )
