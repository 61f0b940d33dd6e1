"""Trust sources: who was recognised to issue qualified certificates, and when (BES art. 4).

* :mod:`esig.trust.register` — the Minister's register of recognised certification
  service providers (BES art. 4), as a reviewable YAML/JSON file.
* :mod:`esig.trust.trusted_lists` — EU trusted lists (ETSI TS 119 612; eIDAS art. 22):
  authenticated by their XML signature, then asked whether a certificate was qualified,
  of which type and with a QSCD at a moment (TS 119 615, by esig's own rules), and
  whether a timestamp is a qualified electronic time stamp.
* :mod:`esig.trust.tl_timestamps` — the lists' answer about one timestamp (QTSA, TSA, N/A).
* :mod:`esig.trust.tl_sync` — the EU list of trusted lists and its national lists synced
  into a cache folder (pivot LOTLs followed).
* :mod:`esig.trust.tl_cache` — that cache folder loaded with no network.
* :mod:`esig.trust.tl_loading` — a cache folder or list files with their signers, as
  ``esig verify`` and ``esig verify-many`` take them.
* :mod:`esig.trust.tl_manifest` — the cache's anchors (LOTL signers), its manifest, and
  what a sync did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
    from esig.trust.register import (
        AuthenticationMethod,
        CspRegister,
        RecognitionStatus,
        RegisterAuthentication,
        RegisteredProvider,
        RegisterError,
        RegisterLookup,
        Withdrawal,
        WithdrawalReason,
        load_register,
    )
    from esig.trust.tl_cache import CachedTrustedListSource, load_trusted_list_cache
    from esig.trust.tl_loading import load_trusted_lists
    from esig.trust.tl_manifest import (
        EU_LOTL_URL,
        CachedFile,
        CachedFileKind,
        CacheManifest,
        LotlSigners,
        SyncResult,
    )
    from esig.trust.tl_sync import sync_trusted_lists
    from esig.trust.tl_timestamps import TimestampListQualification, TimestampQualification
    from esig.trust.trusted_lists import (
        CertificateType,
        QualificationRule,
        Qualifier,
        SignatureStatus,
        StatusEntry,
        TrustedList,
        TrustedListError,
        TrustedListQualification,
        TrustedListSignature,
        TrustedListSource,
        TrustService,
        TrustServiceProvider,
        TrustServiceStatus,
        read_trusted_list,
    )

_WHERE: dict[str, str] = {
    "AuthenticationMethod": "esig.trust.register",
    "CacheManifest": "esig.trust.tl_manifest",
    "CachedFile": "esig.trust.tl_manifest",
    "CachedFileKind": "esig.trust.tl_manifest",
    "CachedTrustedListSource": "esig.trust.tl_cache",
    "EU_LOTL_URL": "esig.trust.tl_manifest",
    "LotlSigners": "esig.trust.tl_manifest",
    "SyncResult": "esig.trust.tl_manifest",
    "load_trusted_list_cache": "esig.trust.tl_cache",
    "load_trusted_lists": "esig.trust.tl_loading",
    "sync_trusted_lists": "esig.trust.tl_sync",
    "TimestampListQualification": "esig.trust.tl_timestamps",
    "TimestampQualification": "esig.trust.tl_timestamps",
    "CertificateType": "esig.trust.trusted_lists",
    "CspRegister": "esig.trust.register",
    "QualificationRule": "esig.trust.trusted_lists",
    "Qualifier": "esig.trust.trusted_lists",
    "RecognitionStatus": "esig.trust.register",
    "RegisterAuthentication": "esig.trust.register",
    "RegisterError": "esig.trust.register",
    "RegisterLookup": "esig.trust.register",
    "RegisteredProvider": "esig.trust.register",
    "SignatureStatus": "esig.trust.trusted_lists",
    "StatusEntry": "esig.trust.trusted_lists",
    "TrustService": "esig.trust.trusted_lists",
    "TrustServiceProvider": "esig.trust.trusted_lists",
    "TrustServiceStatus": "esig.trust.trusted_lists",
    "TrustedList": "esig.trust.trusted_lists",
    "TrustedListError": "esig.trust.trusted_lists",
    "TrustedListQualification": "esig.trust.trusted_lists",
    "TrustedListSignature": "esig.trust.trusted_lists",
    "TrustedListSource": "esig.trust.trusted_lists",
    "Withdrawal": "esig.trust.register",
    "WithdrawalReason": "esig.trust.register",
    "load_register": "esig.trust.register",
    "read_trusted_list": "esig.trust.trusted_lists",
}
"""Each public name and the module that defines it: imported on first use."""


__all__ = [
    "EU_LOTL_URL",
    "AuthenticationMethod",
    "CacheManifest",
    "CachedFile",
    "CachedFileKind",
    "CachedTrustedListSource",
    "CertificateType",
    "CspRegister",
    "LotlSigners",
    "QualificationRule",
    "Qualifier",
    "RecognitionStatus",
    "RegisterAuthentication",
    "RegisterError",
    "RegisterLookup",
    "RegisteredProvider",
    "SignatureStatus",
    "StatusEntry",
    "SyncResult",
    "TimestampListQualification",
    "TimestampQualification",
    "TrustService",
    "TrustServiceProvider",
    "TrustServiceStatus",
    "TrustedList",
    "TrustedListError",
    "TrustedListQualification",
    "TrustedListSignature",
    "TrustedListSource",
    "Withdrawal",
    "WithdrawalReason",
    "load_register",
    "load_trusted_list_cache",
    "load_trusted_lists",
    "read_trusted_list",
    "sync_trusted_lists",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
