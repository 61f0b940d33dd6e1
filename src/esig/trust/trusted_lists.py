"""EU trusted lists (ETSI TS 119 612): load, authenticate, and ask them about a certificate.

A *trusted list* (TL) is the machine-readable register of a supervisory body: which
trust service providers it supervises, which services they run (a qualified CA, a
qualified time-stamping authority, …), and the **status history** of every service
(granted since …, withdrawn since …). It is the standard form of the register that
BES art. 4(6) asks the Minister to keep, and the form the EU member states publish
under eIDAS art. 22. The *list of trusted lists* (LOTL) points to each member state's
list and names the certificates allowed to sign it.

Three doors:

* :func:`read_trusted_list` reads one list for inspection (``esig tl show``). It never
  refuses a list for its signature; it records what the signature check found in
  :attr:`TrustedList.signature`.
* :meth:`TrustedListSource.from_files` loads lists to *rely on*. A list whose signature
  does not verify is **refused** with a :class:`TrustedListError` (an
  :class:`~esig.errors.InputError`): an unauthenticated register must not make a
  certificate qualified. See "What is refused" below.
* :meth:`TrustedListSource.qualification_at` answers, for a certificate chain and a
  moment (the signing time): was the certificate qualified, of which type (e-signature,
  e-seal, website), with its key in a QSCD — according to the lists — and why.

How the answer is computed
--------------------------
pyHanko's ``QualificationAssessor`` (``pyhanko.sign.validation.qualified``) applies the
``Qualifications`` extension (TS 119 612 clause 5.5.9.2) of the service definitions it
is given; esig decides which definitions it sees and combines its answers the way the
EU's reference validator (DSS) does (ETSI TS 119 615):

* only a ``CA/QC`` status entry that counts is used: ``granted`` for an entry starting on
  or after 1 July 2016, ``undersupervision`` / ``supervisionincessation`` /
  ``accredited`` for an entry starting before (DSS's ``GrantedServiceFilter``);
* the certificate's own qcStatements (before 1 July 2016 also its QCP / QCP+ policy)
  give the starting point; qualifiers whose criteria match the certificate override it:
  ``NotQualified`` and ``QCForLegalPerson`` make it not qualified, ``QCStatement`` makes
  it qualified, ``QCForESig`` / ``QCForESeal`` / ``QCForWSA`` set the type, ``QCNoQSCD``
  / ``QCNoSSCD`` remove the QSCD, ``QCWithQSCD`` / ``QCWithSSCD`` add it,
  ``QCQSCDManagedOnBehalf`` adds it as managed by the provider on the signatory's
  behalf, and ``QCQSCDStatusAsInCert`` keeps what the certificate says;
* criteria (policy sets, key usage bits, extended key usage, subject name attributes,
  nested lists) are read from every ``Qualifications`` extension by esig;
* a service restricted to other certificate types (``ForeSeals`` …) does not apply;
  service definitions that apply and contradict each other leave the answer
  undetermined (``qualified`` is None), as in DSS;
* the certificate is judged at the moment *and* at its issuance (notBefore): it is
  qualified only if it was both times, its type is the common one (else unknown), its
  QSCD the one at the moment.

esig finds the service by the certificate's *issuer*: a certificate of a service's
digital identity whose subject is the certificate's issuer name and whose key verifies
the certificate's signature (so a leaf certificate alone is enough when the list holds
its issuing CA). History entries that identify the service by SKI and subject name only
(as real lists do) are given the service's certificate with that key. An entry that
cannot be interpreted (a critical extension nobody understands, an unknown criterion)
is recorded in :attr:`TrustedList.problems`, and a certificate it would judge is reported
as not assessable (``qualified`` None) rather than as not qualified.

Path validation (validity periods, revocation, basic constraints) is **not** done here:
the verifier does it. ``qualification_at`` only checks that each certificate in the
chain up to the listed CA was signed by the next one.

What is refused
---------------
``TrustedListSource.from_files`` checks each list's enveloped XAdES signature with
signxml (through pyHanko), against the TLSO certificates given explicitly and, when a
LOTL is given, those its pointer names for the list's territory. Then:

* signature verifies with such a certificate → :attr:`SignatureStatus.VERIFIED`, used;
* TLSO certificates were available but none verifies the signature → refused, always;
* no TLSO certificate was available: the signature is checked against the certificate
  embedded in the list itself. That proves *integrity* only — anyone can embed their
  own certificate — so the list is :attr:`SignatureStatus.NOT_CHECKED` and refused
  unless ``allow_unsigned=True``; a list that carries no signature is refused likewise;
* a signature that does not verify even with its own embedded certificate (a list
  changed after signing) → refused, always, whatever ``allow_unsigned`` says;
* a list with more than one XML signature → refused, always;
* a signature whose algorithm or key type cannot be checked (signxml) is
  :attr:`SignatureStatus.NOT_VERIFIED` with ``integrity`` None: refused when TLSO
  certificates were available, treated like an unsigned list otherwise. A ``KeyValue``
  that signxml cannot cross-check (RSA-PSS, brainpool) is set aside first when the
  ``KeyInfo`` is unsigned, and the signature is verified against the certificate.

A byte order mark or whitespace before the XML declaration is ignored (it is outside
the signed content).

A LOTL that does not verify (by default against pyHanko's bundled EU LOTL signer
certificates) is refused too.

Expired lists
-------------
A list past its ``NextUpdate`` is still used: pyHanko's assessor does not look at
``NextUpdate``, and esig keeps its answer. It is flagged instead:
:attr:`TrustedListQualification.list_expired` is set and the explanation warns that a
newer list may say otherwise. ``esig tl show`` marks the list EXPIRED.

Known limits
------------
* Only the signer's certificate is judged (CA/QC services); qualified time-stamping
  (TSA/QTST) services are read and shown but not assessed here.
* A certificate with several QcType values is reported as not assessable (pyHanko
  handles exactly one); mutual recognition agreements (third-country lists) are not
  applied.
* Lists are read from files; :mod:`esig.trust.tl_cache` fetches the EU lists into a
  cache folder and loads them from it.
* The TLSO certificates' own validity is checked (signxml checks it at the current time),
  their revocation is not.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from pydantic import computed_field, model_validator

from esig._model import EsigModel
from esig.errors import InputError
from esig.law import BES, EIDAS, Citation
from esig.model.trusted_lists import (
    CertificateType,
    CriteriaAssertion,
    QualificationRule,
    Qualifier,
    ServiceCertificate,
    ServiceIdentity,
    ServiceType,
    SignatureStatus,
    StatusEntry,
    TrustedList,
    TrustedListError,
    TrustedListSignature,
    TrustService,
    TrustServiceProvider,
    TrustServiceStatus,
    as_aware,
    day_text,
)

if TYPE_CHECKING:
    from esig._pyhanko.trusted_lists import LoadedList, RawAssessment, RegistryHandle

__all__ = [
    "CertificateType",
    "CriteriaAssertion",
    "QualificationRule",
    "Qualifier",
    "ServiceCertificate",
    "ServiceIdentity",
    "ServiceType",
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
    "read_trusted_list",
]

_MAX_LIST_SIZE = 64 * 1024 * 1024
"""Refuse files larger than this (the whole EU LOTL with all lists is far smaller)."""


class TrustedListQualification(EsigModel):
    """What the trusted lists say about one certificate at one moment, and why."""

    kind: Literal["trusted-list-qualification"] = "trusted-list-qualification"
    moment: dt.datetime
    """The moment asked about (normally the signing time)."""
    qualified: bool | None
    """The certificate was qualified at the moment (None: no listed service issued it)."""
    certificate_type: CertificateType = CertificateType.UNKNOWN
    qscd: bool | None = None
    """The private key was in a QSCD (None when ``qualified`` is None)."""
    qscd_managed_on_behalf: bool = False
    """The QSCD is managed by the provider on the signatory's behalf (remote signing)."""
    service_name: str | None = None
    provider_name: str | None = None
    territory: str | None = None
    status: TrustServiceStatus | None = None
    """The service's status at the moment (None: the service was not listed then)."""
    status_since: dt.datetime | None = None
    qualifiers: tuple[Qualifier, ...] = ()
    """The qualifiers whose criteria match the certificate, in the service definition used."""
    list_sequence_number: int | None = None
    list_signature: SignatureStatus | None = None
    """How the list that answered was authenticated."""
    list_expired: bool = False
    """That list's ``NextUpdate`` had passed when the question was asked."""
    issued: dt.datetime | None = None
    """The certificate's notBefore, the second moment judged (TS 119 615 "at issuance")."""
    qualified_at_issuance: bool | None = None
    """The lists made the certificate qualified when it was issued (None: not judged)."""
    conflicting_services: tuple[str, ...] = ()
    """Service definitions that applied at the moment and contradicted each other; the
    answer is then not determined (``qualified`` is None), as in DSS."""
    explanation: str
    citations: tuple[Citation, ...] = (BES.ART_4, EIDAS.ART_22, EIDAS.ART_3_12)

    @model_validator(mode="after")
    def _consistent(self) -> TrustedListQualification:
        if self.qualified is None and self.qscd is not None:
            raise ValueError("the QSCD is not established when qualification is not")
        if self.qualified and (self.service_name is None or self.qscd is None):
            raise ValueError("a qualified answer names its service and says whether QSCD")
        if self.qscd_managed_on_behalf and not self.qscd:
            raise ValueError("a QSCD managed on behalf is a QSCD")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def source_text(self) -> str:
        """Where the answer comes from, for a report (``trusted list BE #81, service …``)."""
        if self.territory is None:
            return "trusted lists (no listed service issued the certificate)"
        text = f"trusted list {self.territory}"
        if self.list_sequence_number is not None:
            text += f" #{self.list_sequence_number}"
        if self.service_name:
            text += f", service {self.service_name!r}"
        if self.provider_name:
            text += f" of {self.provider_name}"
        if self.list_signature is not SignatureStatus.VERIFIED:
            text += " (list not authenticated)"
        if self.list_expired:
            text += " (list expired)"
        return text


class TrustedListSource:
    """Trusted lists that passed the signature rules, ready to answer qualification questions.

    Build it with :meth:`from_files`. It holds the lists as read (:attr:`lists`, each
    with its :class:`TrustedListSignature`) and pyHanko's registry of the qualified
    services in them. It is immutable.
    """

    __slots__ = ("_handle", "_lists", "_lotl", "_refused")

    def __init__(
        self,
        lists: tuple[TrustedList, ...],
        lotl: TrustedList | None,
        handle: RegistryHandle,
        refused: tuple[TrustedListError, ...] = (),
    ) -> None:
        self._lists = lists
        self._lotl = lotl
        self._handle = handle
        self._refused = refused

    def __repr__(self) -> str:
        names = ", ".join(f"{tl.territory} #{tl.sequence_number}" for tl in self._lists)
        return f"<TrustedListSource {names or 'empty'}>"

    @property
    def lists(self) -> tuple[TrustedList, ...]:
        """The member-state (or test) lists loaded, in the order given."""
        return self._lists

    @property
    def refused(self) -> tuple[TrustedListError, ...]:
        """The lists refused for their signature, which are not consulted.

        Each error names the list's territory, its file and what its signature check found.
        """
        return self._refused

    @property
    def lotl(self) -> TrustedList | None:
        """The list of trusted lists used to authenticate them, when one was given."""
        return self._lotl

    @classmethod
    def from_files(
        cls,
        paths: Sequence[str | os.PathLike[str]],
        *,
        tlso_certificates: Sequence[x509.Certificate] | None = None,
        lotl: str | os.PathLike[str] | None = None,
        lotl_certificates: Sequence[x509.Certificate] | None = None,
        allow_unsigned: bool = False,
    ) -> TrustedListSource:
        """Load trusted lists from files, verify their signatures, refuse the ones that fail.

        Args:
            paths: The trusted lists (ETSI TS 119 612 XML). One of them may be a list of
                trusted lists when ``lotl`` is not given: it is then used as ``lotl``.
            tlso_certificates: Certificates of scheme operators (TLSO) allowed to sign
                any of the lists.
            lotl: A list of trusted lists; each list's signature is then also checked
                against the TLSO certificates the LOTL's pointer names for its territory.
            lotl_certificates: Certificates allowed to sign the LOTL (default: the EU
                LOTL signer certificates bundled with pyHanko).
            allow_unsigned: Accept lists whose origin cannot be checked because no TLSO
                certificate was available (unsigned, or checked against their embedded
                certificate only). Never accepts a broken signature.

        Raises:
            TrustedListError: A file cannot be read or is not a trusted list, or every
                list is refused for its signature (see the module documentation). When
                only some are refused, the others are used and :attr:`refused` names them.

        """
        from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415 - pyHanko is heavy

        lotl_list: TrustedList | None = None
        pointers: dict[str, tuple[x509.Certificate, ...]] = {}
        contents = [(path, _read(path)) for path in paths]
        lotl_file = (lotl, _read(lotl)) if lotl is not None else None
        if lotl_file is None:
            lotl_file, contents = _lotl_among(contents, adapter.is_list_of_lists)
        if lotl_file is not None:
            lotl_list, pointers = adapter.load_lotl(
                lotl_file[1], source=str(lotl_file[0]), certificates=lotl_certificates
            )
        explicit = tuple(tlso_certificates or ())
        loaded: list[LoadedList] = []
        refused: list[TrustedListError] = []
        for path, data in contents:
            territory = adapter.peek_territory(data, source=str(path))
            candidates = explicit + pointers.get(territory.upper(), ())
            one = adapter.load_list(data, source=str(path), candidates=candidates)
            try:
                _accept_or_refuse(one.trusted_list, path, bool(candidates), allow_unsigned)
            except TrustedListError as refusal:
                refused.append(refusal)  # reported, not consulted; the others still are
                continue
            loaded.append(one)
        if refused and not loaded:
            raise refused[0]
        handle = adapter.build_registry(loaded)
        return cls(tuple(item.trusted_list for item in loaded), lotl_list, handle, tuple(refused))

    def qualification_at(
        self,
        chain: Sequence[x509.Certificate],
        moment: dt.datetime,
        *,
        now: dt.datetime | None = None,
    ) -> TrustedListQualification:
        """What the lists say about ``chain[0]`` at ``moment`` (TS 119 615, through pyHanko).

        Args:
            chain: The certificate first, then its issuers as far as known (the issuing
                CA may be missing when a list holds it).
            moment: The moment to judge, normally the signing time (naive = UTC).
            now: When the question is asked, to tell whether a list has expired
                (default: the current time).

        """
        if not chain:
            raise InputError("qualification_at needs at least the certificate to judge")
        from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415

        moment = as_aware(moment)
        asked = as_aware(now) if now is not None else dt.datetime.now(dt.UTC)
        raw = adapter.assess(self._handle, chain, moment)
        found = _qualification(raw, moment, asked, self._lists, self.lotl)
        if not self._refused:
            return found
        notes = [
            f"Warning: the trusted list {refusal.territory or '?'} ({refusal.path}) was "
            f"refused and not consulted: {refusal.message.rstrip('.')}."
            for refusal in self._refused
        ]
        return found.model_copy(update={"explanation": " ".join([found.explanation, *notes])})


def read_trusted_list(
    path: str | os.PathLike[str],
    *,
    tlso_certificates: Sequence[x509.Certificate] | None = None,
) -> TrustedList:
    """Read one trusted list for inspection, with what its signature check found.

    Unlike :meth:`TrustedListSource.from_files` this never refuses a list for its
    signature: :attr:`TrustedList.signature` says whether it verified. A list of trusted
    lists is checked against ``tlso_certificates`` or, without them, against the EU LOTL
    signer certificates bundled with pyHanko.

    Raises:
        TrustedListError: The file cannot be read or is not a trusted list.

    """
    from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415

    data = _read(path)
    if adapter.is_list_of_lists(data, source=str(path)):
        lotl, _ = adapter.load_lotl(
            data, source=str(path), certificates=tlso_certificates, refuse=False
        )
        return lotl
    return adapter.load_list(
        data, source=str(path), candidates=tuple(tlso_certificates or ())
    ).trusted_list


_ListFile = tuple[str | os.PathLike[str], bytes]
"""A list's path and the bytes read from it."""


def _lotl_among(
    contents: list[_ListFile], is_lotl: Callable[..., bool]
) -> tuple[_ListFile | None, list[_ListFile]]:
    """The one list of trusted lists among ``contents`` and the other lists; at most one."""
    lotls = [item for item in contents if is_lotl(item[1], source=str(item[0]))]
    if len(lotls) > 1:
        named = ", ".join(str(path) for path, _ in lotls)
        raise TrustedListError(
            f"{len(lotls)} lists of trusted lists were given ({named}); "
            "give one, the one whose pointers authenticate the national lists",
            path=Path(lotls[1][0]),
        )
    if not lotls:
        return None, contents
    return lotls[0], [item for item in contents if item is not lotls[0]]


def _read(path: str | os.PathLike[str]) -> bytes:
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > _MAX_LIST_SIZE:
            raise TrustedListError(
                f"The trusted list is too large ({size} bytes; the limit is {_MAX_LIST_SIZE})",
                path=target,
            )
        return target.read_bytes()
    except FileNotFoundError:
        raise TrustedListError("The trusted list does not exist", path=target) from None
    except IsADirectoryError:
        raise TrustedListError("The trusted list is a directory, not a file", path=target) from None
    except OSError as exc:
        raise TrustedListError(
            f"The trusted list cannot be read: {exc.strerror}", path=target
        ) from None


def _accept_or_refuse(
    tl: TrustedList, path: str | os.PathLike[str], had_candidates: bool, allow_unsigned: bool
) -> None:
    sig = tl.signature
    if sig.status is SignatureStatus.VERIFIED:
        return
    name = f"The trusted list {tl.territory} #{tl.sequence_number}"
    if sig.extra_signatures:
        message = f"{name} is refused: {sig.reason}"
    elif had_candidates:
        message = f"{name} is refused: {sig.reason}"
        if sig.integrity is False:
            message += (
                "; it does not verify with its own embedded certificate either, so it was "
                "changed after signing"
            )
    elif sig.signature_present and sig.integrity is False:
        message = f"{name} is refused: its signature is broken ({sig.reason})"
    elif allow_unsigned:
        return
    else:
        message = (
            f"{name} is refused: its origin cannot be authenticated ({sig.reason}). "
            "Give the scheme operator's certificate (or the LOTL that names it), or "
            "allow unauthenticated lists explicitly"
        )
    raise TrustedListError(message, path=Path(path), signature=sig, territory=tl.territory)


# --- building the answer ----------------------------------------------------------------

_TYPE_WORDS = {
    CertificateType.ESIG: "a qualified certificate for electronic signatures",
    CertificateType.ESEAL: "a qualified certificate for electronic seals",
    CertificateType.WEB: "a qualified certificate for website authentication",
    CertificateType.UNKNOWN: "a qualified certificate",
}


def _qualification(
    raw: RawAssessment,
    moment: dt.datetime,
    asked: dt.datetime,
    lists: tuple[TrustedList, ...],
    lotl: TrustedList | None = None,
) -> TrustedListQualification:
    when = day_text(moment)
    if raw.match is None:
        text = (
            f"Not assessed: {raw.problem}."
            if raw.problem
            else "No service in the trusted lists consulted has issued this certificate or "
            "its chain: the lists do not say whether it is qualified."
        )
        return TrustedListQualification(moment=moment, qualified=None, explanation=text)
    match = raw.match
    tl = lists[match.list_index]
    status = match.status_at_moment
    expired = tl.is_expired(asked)
    where = f"{match.service_name!r} of {match.provider_name} (trusted list {tl.territory})"
    warnings = _warnings(tl, expired, asked, lotl)
    listed = TrustedListQualification(
        moment=moment,
        qualified=None,
        service_name=match.service_name,
        provider_name=match.provider_name,
        territory=tl.territory,
        status=status.status if status else None,
        status_since=status.since if status else None,
        list_sequence_number=tl.sequence_number,
        list_signature=tl.signature.status,
        list_expired=expired,
        issued=raw.issued,
        qualified_at_issuance=raw.qualified_at_issuance,
        conflicting_services=raw.conflicting_services,
        explanation="",
    )
    if raw.problem is not None:
        text = f"The certificate was issued under {where}, but is not assessed: {raw.problem}."
        return listed.model_copy(update={"explanation": " ".join([text, *warnings])})
    verdict = raw.verdict
    if verdict is None and raw.conflicting_services:
        text = (
            f"The certificate was issued under {where}; on {when} the service definitions "
            f"{', '.join(repr(n) for n in raw.conflicting_services)} all apply to it and give "
            "different answers, so whether it was qualified cannot be determined (TS 119 615; "
            "DSS reports such a conflict as not determinable too)."
        )
        return listed.model_copy(update={"explanation": " ".join([text, *warnings])})
    if verdict is None:
        if raw.applicable_services:
            text = (
                f"The certificate was issued under {where}; the service definitions valid "
                f"on {when} ({', '.join(raw.applicable_services)}) do not apply to a "
                "certificate of this type, or contradict each other, so it is not qualified "
                "(TS 119 615 as pyHanko's QualificationAssessor applies it)."
            )
        else:
            state = (
                f"had the status {status.status.value} on {when} (since {day_text(status.since)})"
                if status
                else f"was not yet listed on {when}"
            )
            text = (
                f"The certificate was issued under {where}, which {state}: no granted "
                "qualified service vouched for it then, so it is not qualified."
            )
        return TrustedListQualification.model_validate(
            {
                **listed.model_dump(exclude={"source_text"}),
                "qualified": False,
                "qscd": False,
                "explanation": " ".join([text, *warnings]),
            }
        )
    ctype = CertificateType(verdict.certificate_type)
    qualified = verdict.qualified
    at_issuance: list[str] = []
    if qualified and raw.issued is not None and raw.qualified_at_issuance is False:
        # TS 119 615 (and DSS): a certificate is qualified only if it was qualified both
        # when it was issued and at the moment judged (eIDAS art. 32(1)(a)-(b))
        qualified = False
        at_issuance.append(
            f"But when it was issued ({day_text(raw.issued)}) no granted qualified service of the "
            "lists vouched for it, so it is not a qualified certificate (TS 119 615 judges "
            "the certificate at its issuance and at the moment of use)."
        )
    elif qualified and raw.type_at_issuance not in {None, verdict.certificate_type}:
        ctype = CertificateType.UNKNOWN
        at_issuance.append(
            f"Its type when issued ({raw.type_at_issuance}) differs from its type on {when} "
            f"({verdict.certificate_type}), so its type is not established."
        )
    qualifiers = tuple(Qualifier(q) for q in verdict.qualifiers)
    since = f" (since {day_text(status.since)})" if status else ""
    parts = [f"The certificate was issued under {where}, granted on {when}{since}."]
    claims = verdict.certificate_claims
    parts.append(
        f"The certificate itself declares {', '.join(claims)}."
        if claims
        else "The certificate itself declares no qcStatement."
    )
    parts.append(
        f"The list's qualifiers matching it: {', '.join(q.value for q in qualifiers)}."
        if qualifiers
        else "No qualifier of the list matches it."
    )
    parts += at_issuance
    qscd = qualified and verdict.key_management != "none"
    if qualified:
        device = _DEVICE_WORDS.get(verdict.key_management, "no QSCD for its private key")
        parts.append(f"Result (TS 119 615, pyHanko): {_TYPE_WORDS[ctype]}, {device}.")
    else:
        parts.append("Result (TS 119 615, pyHanko): not a qualified certificate.")
    return TrustedListQualification.model_validate(
        {
            **listed.model_dump(exclude={"source_text"}),
            "qualified": qualified,
            "certificate_type": ctype,
            "qscd": qscd,
            "qscd_managed_on_behalf": qscd and verdict.key_management == "qscd_delegated",
            "service_name": verdict.service_name,
            "status": status.status if status else TrustServiceStatus.GRANTED,
            "qualifiers": qualifiers,
            "explanation": " ".join([*parts, *warnings]),
        }
    )


_DEVICE_WORDS = {
    "qscd": "its private key in a QSCD",
    "qscd_delegated": "its private key in a QSCD managed on the signatory's behalf",
    "qscd_by_policy": "its private key in a QSCD (by its pre-eIDAS QCP+ policy)",
}


def _warnings(
    tl: TrustedList, expired: bool, asked: dt.datetime, lotl: TrustedList | None = None
) -> list[str]:
    found = []
    if expired:
        due = day_text(tl.next_update) if tl.next_update else "never (the scheme was closed)"
        found.append(
            f"Warning: the list (sequence {tl.sequence_number}) was due for its next update "
            f"{due} and had expired on {day_text(asked)}; a newer list may say otherwise."
        )
    if lotl is not None and lotl.is_expired(asked):
        due = day_text(lotl.next_update) if lotl.next_update else "never"
        found.append(
            f"Warning: the list of trusted lists that authenticated it ({lotl.territory}, "
            f"sequence {lotl.sequence_number}) was due for its next update {due} and had "
            f"expired on {day_text(asked)}; the lists and signers it names may have changed "
            "since."
        )
    if tl.signature.status is not SignatureStatus.VERIFIED:
        found.append(f"Warning: the list was not authenticated ({tl.signature.reason}).")
    return found
