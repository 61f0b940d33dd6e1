"""Trust sources: who was recognised to issue qualified certificates, and when (BES art. 4).

* :mod:`esig.trust.register` — the Minister's register of recognised certification
  service providers (BES art. 4), as a reviewable YAML/JSON file.
* :mod:`esig.trust.trusted_lists` — EU trusted lists (ETSI TS 119 612; eIDAS art. 22):
  authenticated by their XML signature, then asked whether a certificate was qualified,
  of which type and with a QSCD at a moment (TS 119 615, through pyHanko).
"""

from esig.trust.register import (
    CspRegister,
    RecognitionStatus,
    RegisteredProvider,
    RegisterError,
    RegisterLookup,
    Withdrawal,
    WithdrawalReason,
    load_register,
)
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

__all__ = [
    "CertificateType",
    "CspRegister",
    "QualificationRule",
    "Qualifier",
    "RecognitionStatus",
    "RegisterError",
    "RegisterLookup",
    "RegisteredProvider",
    "SignatureStatus",
    "StatusEntry",
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
    "read_trusted_list",
]
