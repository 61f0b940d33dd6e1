"""esig as the tooling of a certification service provider (BES art. 5).

Install with ``pip install esig[provider]`` (SQLAlchemy). ``import esig`` never loads
this package; the names below are imported on first use.

* :class:`ProviderStore` — the provider's database (SQLite by default, PostgreSQL by URL).
* :class:`CertificateAuthority` — a CA whose key is on a token (or a software key for a
  quick start): the CRL, OCSP answers, the repository, the audit of the records.
* :class:`OperatorSession` — an authenticated operator's writes: operators, terms,
  identity checks, acknowledgements, issuance from a CSR, revocation.
* :func:`key_ceremony` — the CA's key generated on its token, certified and recorded.
* :func:`serve` — the OCSP responder and CRL publisher over HTTP.

See ``docs/provider.md`` for what each letter of art. 5 asks and what esig records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
    from esig.provider.ca import CertificateAuthority
    from esig.provider.ceremony import KeyCeremonyRecord, key_ceremony
    from esig.provider.errors import (
        AuthenticationError,
        IssuanceRefusedError,
        PermissionDeniedError,
        ProviderError,
        ProviderStoreError,
        UnknownCertificateError,
    )
    from esig.provider.issuing import ProviderName, software_ca
    from esig.provider.models import (
        Acknowledgement,
        AuditFinding,
        AuditProblem,
        AuditReport,
        CertificateRecord,
        CertificateStatus,
        Clock,
        DocumentKind,
        EventKind,
        FixedClock,
        IdentityEvidence,
        IdentityRecord,
        LogEvent,
        Operator,
        RevocationReason,
        Role,
        SystemClock,
        TermsVersion,
        VerificationMethod,
    )
    from esig.provider.operations import OperatorSession
    from esig.provider.store import ProviderStore

_WHERE: dict[str, str] = {
    "Acknowledgement": "esig.provider.models",
    "AuditFinding": "esig.provider.models",
    "AuditProblem": "esig.provider.models",
    "AuditReport": "esig.provider.models",
    "AuthenticationError": "esig.provider.errors",
    "CertificateAuthority": "esig.provider.ca",
    "CertificateRecord": "esig.provider.models",
    "CertificateStatus": "esig.provider.models",
    "Clock": "esig.provider.models",
    "DocumentKind": "esig.provider.models",
    "EventKind": "esig.provider.models",
    "FixedClock": "esig.provider.models",
    "IdentityEvidence": "esig.provider.models",
    "IdentityRecord": "esig.provider.models",
    "IssuanceRefusedError": "esig.provider.errors",
    "KeyCeremonyRecord": "esig.provider.ceremony",
    "LogEvent": "esig.provider.models",
    "Operator": "esig.provider.models",
    "OperatorSession": "esig.provider.operations",
    "PermissionDeniedError": "esig.provider.errors",
    "ProviderError": "esig.provider.errors",
    "ProviderName": "esig.provider.issuing",
    "ProviderStore": "esig.provider.store",
    "ProviderStoreError": "esig.provider.errors",
    "RevocationReason": "esig.provider.models",
    "Role": "esig.provider.models",
    "SystemClock": "esig.provider.models",
    "TermsVersion": "esig.provider.models",
    "UnknownCertificateError": "esig.provider.errors",
    "VerificationMethod": "esig.provider.models",
    "key_ceremony": "esig.provider.ceremony",
    "software_ca": "esig.provider.issuing",
}

__all__ = [
    "Acknowledgement",
    "AuditFinding",
    "AuditProblem",
    "AuditReport",
    "AuthenticationError",
    "CertificateAuthority",
    "CertificateRecord",
    "CertificateStatus",
    "Clock",
    "DocumentKind",
    "EventKind",
    "FixedClock",
    "IdentityEvidence",
    "IdentityRecord",
    "IssuanceRefusedError",
    "KeyCeremonyRecord",
    "LogEvent",
    "Operator",
    "OperatorSession",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderName",
    "ProviderStore",
    "ProviderStoreError",
    "RevocationReason",
    "Role",
    "SystemClock",
    "TermsVersion",
    "UnknownCertificateError",
    "VerificationMethod",
    "key_ceremony",
    "software_ca",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
