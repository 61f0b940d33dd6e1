"""Is the signature qualified? The certificate's claims, checked against trust sources.

A certificate can *claim* to be qualified (QcCompliance, QCP policies) and to have its
key in a QSCD (QcSSCD, ``-qscd`` policies), but a claim is only as good as its issuer:
under the BES decree the issuer must be a provider recognised by the Minister (art. 4),
under eIDAS a qualified trust service provider on a trusted list. Both are judged at
the **signing time**: a signature made before a withdrawal stays qualified.

Trust sources:

* the BES art. 4 register, :class:`esig.trust.register.CspRegister`;
* EU trusted lists (ETSI TS 119 612): any object with a ``qualification_at(chain,
  moment)`` method, such as :class:`esig.trust.trusted_lists.TrustedListSource`. A
  trusted list can also *override* the certificate's claims (QCStatement, NotQualified,
  QCWithQSCD, QCNoQSCD), as the EU's reference validator does.

An end-entity certificate that issued itself (:mod:`esig.verification.self_issued`) is
never qualified: no provider other than the signer issued it, so neither its own claims
nor a register or trusted list that seems to name it count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509

from esig.profiles import CertificateProfile
from esig.trust.register import CspRegister
from esig.trust.tl_qualification import TrustedListQualification
from esig.ts119615 import CertQualification, CertType
from esig.verification.self_issued import self_issued_end_entity

__all__ = ["Qualification", "TrustedListLike", "TrustedListVerdict", "assess_qualification"]

_FOR_SIGNING = (CertType.ESIG, CertType.ESEAL)


class TrustedListVerdict(Protocol):
    """What a trusted list says about a certificate at a moment (the fields used here)."""

    @property
    def qualified(self) -> bool | None: ...  # noqa: D102

    @property
    def qscd(self) -> bool | None: ...  # noqa: D102

    @property
    def explanation(self) -> str: ...  # noqa: D102


class TrustedListLike(Protocol):
    """A source of trusted-list verdicts."""

    def qualification_at(  # noqa: D102
        self, chain: Sequence[x509.Certificate], moment: dt.datetime
    ) -> TrustedListVerdict: ...


@dataclass(frozen=True)
class Qualification:
    """The facts about qualification the level assessment needs."""

    qualified_certificate: bool
    qualified_source: str | None
    qscd: bool
    qscd_source: str | None
    recognised_provider: bool | None
    """None: no authenticated trust source answered (none given, or an unauthenticated
    register, BES art. 4(6))."""
    recognised_source: str | None
    self_issued: str | None = None
    """Why nothing counts when the certificate issued itself (None: it did not)."""
    trusted_list_result: CertQualification | None = None
    """The trusted lists' TS 119 615 result, when a list was consulted about the chain."""
    trusted_list_answer: TrustedListQualification | None = None
    """The lists' whole answer, with the procedure's steps (esig's own lists only)."""


def assess_qualification(
    chain: Sequence[x509.Certificate],
    profile: CertificateProfile | None,
    moment: dt.datetime,
    *,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
) -> Qualification:
    """Combine the certificate's claims with the register and trusted lists at ``moment``."""
    markers = profile.qualified if profile is not None else None
    qualified = bool(markers and markers.claims_qualified)
    qscd = bool(markers and markers.claims_qscd)
    qualified_source = (
        "the certificate's own claim (QcCompliance or a QCP policy)" if qualified else None
    )
    qscd_source = "the certificate's own claim (QcSSCD or a -qscd policy)" if qscd else None
    recognised: bool | None = None
    tl_result: CertQualification | None = None
    answer: TrustedListQualification | None = None
    sources: list[str] = []
    decided = False  # whether an authenticated source answered
    if register is not None and chain:
        lookup = register.status_at(chain, moment)
        if lookup.authenticated:  # an unauthenticated register establishes nothing
            recognised, decided = lookup.recognised, True
        sources.append(f"BES art. 4 register: {lookup.explanation}")
    if trusted_lists is not None and chain:
        verdict = trusted_lists.qualification_at(chain, moment)
        listed = f"the trusted list ({verdict.explanation})"
        if isinstance(verdict, TrustedListQualification):
            answer = verdict
        listed_result = getattr(verdict, "certificate_qualification", None)
        if isinstance(listed_result, CertQualification):
            tl_result = listed_result
        listed_qc = verdict.qualified
        if listed_qc and tl_result is not None and tl_result.cert_type not in _FOR_SIGNING:
            # a qualified certificate of unknown type, or for websites, does not make a
            # qualified signature or seal (eIDAS art. 3(15), 3(30); TS 119 615)
            listed_qc = False
            listed = f"the trusted list, for which it is {tl_result.value} ({verdict.explanation})"
        if listed_qc is not None:
            recognised, decided = bool(recognised) or verdict.qualified is True, True
            if listed_qc != qualified:
                qualified = listed_qc
                qualified_source = listed
            elif qualified:
                qualified_source = f"{qualified_source}, confirmed by {listed}"
        if listed_qc is False and verdict.qscd:
            qscd, qscd_source = False, listed
        elif verdict.qscd is not None and verdict.qscd != qscd:
            qscd = verdict.qscd
            qscd_source = listed
        elif verdict.qscd and qscd:
            qscd_source = f"{qscd_source}, confirmed by {listed}"
        sources.append(f"trusted list: {verdict.explanation}")
    if recognised is None and decided:
        recognised = False  # a source was consulted and did not vouch for the issuer
    issued_itself = self_issued_end_entity(chain[0], profile) if chain else None
    if issued_itself is not None:
        # no provider other than the signer: no claim, register or list entry counts
        why = issued_itself.reason
        return Qualification(
            qualified_certificate=False,
            qualified_source=why,
            qscd=False,
            qscd_source=why,
            recognised_provider=False,
            recognised_source=why,
            self_issued=why,
        )
    return Qualification(
        qualified_certificate=qualified,
        qualified_source=qualified_source,
        qscd=qscd,
        qscd_source=qscd_source,
        recognised_provider=recognised,
        recognised_source="; ".join(sources) or None,
        trusted_list_result=tl_result,
        trusted_list_answer=answer,
    )
