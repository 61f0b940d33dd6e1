"""What a certificate holds under BES art. 6: the :class:`CertificateProfile`.

Art. 6(1) of the decree lists what a certificate must contain (letters a–h). For each
letter, :class:`CertificateProfile` says where the item lives in an X.509 certificate
(ETSI EN 319 412 profiles), whether it is there, and cites the provision::

    >>> profile = certificate_profile("signer.cer")                  # doctest: +SKIP
    >>> profile.field(Art6Field.B).status                            # doctest: +SKIP
    <FieldStatus.PRESENT: 'present'>
    >>> profile.complete, profile.qualified.claims_qualified         # doctest: +SKIP
    (True, True)

Besides the letters, the profile reads the qualified-certificate markers of
ETSI EN 319 412-5 (:class:`QualifiedMarkers`) and decides which kind of subject the
certificate is for (:class:`PersonKind`). A *claim* is what the certificate says about
itself; whether the issuer was recognised to make it is a question for the trust
register (BES art. 4), not for this module.

Art. 6(2) lets the Minister exempt a provider from fields: declared exemptions turn a
missing field into :attr:`FieldStatus.EXEMPTED`.

A certificate with odd content never makes the profile fail: unknown extensions and
qcStatements are listed by OID, and unreadable qcStatements become
:class:`ProfileFinding` entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
    from esig.profiles.model import (
        Art6Field,
        Art6FieldResult,
        DisclosureStatement,
        FieldStatus,
        IssuerSignature,
        KeyAlgorithm,
        KeyUsageFlag,
        MonetaryLimit,
        PersonKind,
        ProfileFinding,
        ProfileFindingCode,
        PublicKeyInfo,
        QcType,
        QualifiedMarkers,
        QualifiedPolicy,
        UnknownExtension,
        UsageLimits,
    )
    from esig.profiles.profile import CertificateProfile, certificate_profile

_WHERE: dict[str, str] = {
    "Art6Field": "esig.profiles.model",
    "Art6FieldResult": "esig.profiles.model",
    "CertificateProfile": "esig.profiles.profile",
    "DisclosureStatement": "esig.profiles.model",
    "FieldStatus": "esig.profiles.model",
    "IssuerSignature": "esig.profiles.model",
    "KeyAlgorithm": "esig.profiles.model",
    "KeyUsageFlag": "esig.profiles.model",
    "MonetaryLimit": "esig.profiles.model",
    "PersonKind": "esig.profiles.model",
    "ProfileFinding": "esig.profiles.model",
    "ProfileFindingCode": "esig.profiles.model",
    "PublicKeyInfo": "esig.profiles.model",
    "QcType": "esig.profiles.model",
    "QualifiedMarkers": "esig.profiles.model",
    "QualifiedPolicy": "esig.profiles.model",
    "UnknownExtension": "esig.profiles.model",
    "UsageLimits": "esig.profiles.model",
    "certificate_profile": "esig.profiles.profile",
}
"""Each public name and the module that defines it: imported on first use."""


__all__ = [
    "Art6Field",
    "Art6FieldResult",
    "CertificateProfile",
    "DisclosureStatement",
    "FieldStatus",
    "IssuerSignature",
    "KeyAlgorithm",
    "KeyUsageFlag",
    "MonetaryLimit",
    "PersonKind",
    "ProfileFinding",
    "ProfileFindingCode",
    "PublicKeyInfo",
    "QcType",
    "QualifiedMarkers",
    "QualifiedPolicy",
    "UnknownExtension",
    "UsageLimits",
    "certificate_profile",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
