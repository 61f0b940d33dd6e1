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
esig's own implementation of ETSI TS 119 615 (:mod:`esig.ts119615`, after the EU's
reference validator DSS) judges the certificate at its issuance and at the moment, from
every status period of the services that issued it; pyHanko only reads the XML and
verifies the lists' signatures. The answer carries the TS 119 615 result
(:attr:`TrustedListQualification.certificate_qualification`) and every step of the
procedure (:attr:`TrustedListQualification.steps`); ``docs/trust.md`` lists the rules.

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
A list past its ``NextUpdate`` is still used, as DSS uses it. It is flagged instead:
:attr:`TrustedListQualification.list_expired` is set and the explanation warns that a
newer list may say otherwise. ``esig tl show`` marks the list EXPIRED.

Known limits
------------
* Only the signer's certificate is judged (CA/QC services); qualified time-stamping
  (TSA/QTST) services are read and shown but not assessed here.
* Mutual recognition agreements (third-country lists) are not applied.
* Lists are read from files; :mod:`esig.trust.tl_sync` fetches the EU lists into a
  cache folder, :mod:`esig.trust.tl_cache` loads them from it.
* The TLSO certificates' own validity is checked (signxml checks it at the current time),
  their revocation is not.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from esig.errors import InputError
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
)
from esig.trust.tl_qualification import QualificationStep, TrustedListQualification, answer
from esig.trust.tl_timestamps import TimestampListQualification, timestamp_answer

if TYPE_CHECKING:
    from esig._pyhanko.trusted_lists import LoadedList, RegistryHandle

__all__ = [
    "CertificateType",
    "CriteriaAssertion",
    "QualificationRule",
    "QualificationStep",
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


class TrustedListSource:
    """Trusted lists that passed the signature rules, ready to answer qualification questions.

    Build it with :meth:`from_files`. It holds the lists as read (:attr:`lists`, each
    with its :class:`TrustedListSignature`) and the index of the qualified
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

    @property
    def service_certificates(self) -> tuple[x509.Certificate, ...]:
        """The certificates of the services of the authenticated lists: trust anchors.

        Every ``X509Certificate`` of every service's digital identity (CA/QC, TSA/QTST,
        OCSP, … whatever its type and status), each once, from the lists whose signature
        verified with a scheme operator's certificate. The verifier adds them to the
        trust anchors for path validation, as the EU's reference validator (DSS) trusts
        every certificate of the trusted lists; whether a certificate is *qualified*
        still comes from the service's type and status history
        (:meth:`qualification_at`). A list accepted without authentication
        (``allow_unsigned``) contributes none: anyone can write such a list.
        """
        from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415

        found: dict[x509.Certificate, None] = {}
        for index, cert in adapter.service_certificates(self._handle):
            if self._lists[index].signature.status is SignatureStatus.VERIFIED:
                found.setdefault(cert)
        return tuple(found)

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
        contents = [(path, _read(path)) for path in paths]
        lotl_file = (lotl, _read(lotl)) if lotl is not None else None
        return cls._from_contents(
            contents,
            lotl_file,
            tlso_certificates=tlso_certificates,
            lotl_certificates=lotl_certificates,
            allow_unsigned=allow_unsigned,
        )

    @classmethod
    def from_bytes(
        cls,
        lists: Sequence[bytes],
        *,
        tlso_certificates: Sequence[x509.Certificate] | None = None,
        lotl: bytes | None = None,
        lotl_certificates: Sequence[x509.Certificate] | None = None,
        allow_unsigned: bool = False,
    ) -> TrustedListSource:
        """Load trusted lists held in memory, exactly as :meth:`from_files` loads files.

        The lists are named ``<list 1>``, ``<list 2>`` … (and ``<lotl>``) in messages.

        Raises:
            TrustedListError: As :meth:`from_files`; a list larger than 64 MiB is refused.

        """
        contents: list[_ListFile] = []
        for number, data in enumerate(lists, start=1):
            contents.append((f"<list {number}>", _checked_size(bytes(data), f"<list {number}>")))
        lotl_file = ("<lotl>", _checked_size(bytes(lotl), "<lotl>")) if lotl is not None else None
        return cls._from_contents(
            contents,
            lotl_file,
            tlso_certificates=tlso_certificates,
            lotl_certificates=lotl_certificates,
            allow_unsigned=allow_unsigned,
        )

    @classmethod
    def _from_contents(
        cls,
        contents: list[_ListFile],
        lotl_file: _ListFile | None,
        *,
        tlso_certificates: Sequence[x509.Certificate] | None,
        lotl_certificates: Sequence[x509.Certificate] | None,
        allow_unsigned: bool,
    ) -> TrustedListSource:
        from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415 - pyHanko is heavy

        lotl_list: TrustedList | None = None
        pointers: dict[str, tuple[x509.Certificate, ...]] = {}
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
        """What the lists say about ``chain[0]`` at ``moment`` (ETSI TS 119 615, by esig's rules).

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
        found = answer(raw, moment, asked, self._lists, self.lotl)
        if not self._refused:
            return found
        notes = [
            f"Warning: the trusted list {refusal.territory or '?'} ({refusal.path}) was "
            f"refused and not consulted: {refusal.message.rstrip('.')}."
            for refusal in self._refused
        ]
        return found.model_copy(update={"explanation": " ".join([found.explanation, *notes])})

    def timestamp_qualification_at(
        self,
        chain: Sequence[x509.Certificate],
        generation_time: dt.datetime,
        *,
        poe_time: dt.datetime | None = None,
    ) -> TimestampListQualification:
        """Whether a timestamp is a qualified electronic time stamp (QTSA, TSA or N/A).

        Args:
            chain: The TSA's certificate first, then its issuers as far as known.
            generation_time: The time the token states (genTime; naive = UTC).
            poe_time: The token's earliest proof of existence: the time of the oldest
                timestamp over it, else the validation moment (default: now, as DSS
                takes it when nothing later covers the token).

        .. versionadded:: 0.2.0

        """
        if not chain:
            raise InputError("timestamp_qualification_at needs at least the TSA's certificate")
        from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415

        generation_time = as_aware(generation_time)
        poe = as_aware(poe_time) if poe_time is not None else dt.datetime.now(dt.UTC)
        raw = adapter.assess_timestamp(self._handle, chain, generation_time, poe)
        return timestamp_answer(raw, generation_time, poe)


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


def _checked_size(data: bytes, name: str) -> bytes:
    if len(data) > _MAX_LIST_SIZE:
        raise TrustedListError(
            f"The trusted list is too large ({len(data)} bytes; the limit is {_MAX_LIST_SIZE})",
            path=name,
        )
    return data


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
