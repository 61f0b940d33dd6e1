"""Trusted lists through pyHanko's EU trusted-list code: verify, read, register, assess.

pyHanko (``pyhanko.sign.validation.qualified``) verifies a list's XAdES signature with
signxml, parses TS 119 612 XML into its generated xsdata classes, turns the qualified
services into a ``TSPRegistry`` and judges a certificate with ``QualificationAssessor``.
This module calls that code and hands back esig's models and plain data.

Some of the functions used are private in pyHanko 0.38 (``_raw_tl_parse``,
``_validate_and_extract_tl_data``, ``_interpret_service_info_for_tsps``,
``_get_qualifications`` …): the public entry points do the same work but do not say
which certificate verified a list, nor which service a definition came from. Two
corrections are applied to what pyHanko's reader produces, both with pyHanko's own
parsing functions:

* a history entry whose digital identity holds only ``X509SKI`` / ``X509SubjectName``
  (as in every real list) gets the service's certificate with that key, so that pyHanko
  can match it — otherwise a service withdrawn after the signing time would not count;
* a service with several ``Qualifications`` extensions gets the union of their
  qualifications — pyHanko keeps only the last one (the Belgian list splits them).

Which status entries become service definitions is decided here, as DSS decides it
(``GrantedServiceFilter``): an entry that starts on or after 1 July 2016 counts when it
is *granted*; an entry that starts before counts when it is *undersupervision*,
*supervisionincessation* or *accredited* (Directive 1999/93/EC). pyHanko alone reads
granted entries only, so every pre-eIDAS period would come out not qualified. Each entry
is interpreted with pyHanko's own interpreter; an entry it cannot interpret is
remembered, so that a certificate it would judge is reported as not assessable rather
than silently not qualified.

The work is split by what it does: :mod:`~esig._pyhanko.tl_signature` (the XML and its
signature), :mod:`~esig._pyhanko.tl_reading` (pyHanko's objects into esig's models),
:mod:`~esig._pyhanko.tl_definitions` (the service definitions pyHanko assesses with),
:mod:`~esig._pyhanko.tl_assess` (the registry and the assessment). This module loads
lists and LOTLs and re-exports what :mod:`esig.trust.trusted_lists` uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from pyhanko.sign.validation.qualified import eutl_parse
from pyhanko.sign.validation.qualified.tsp import TSPServiceParsingError

from esig._pyhanko.signer import from_asn1
from esig._pyhanko.tl_assess import (
    RawAssessment,
    RawTimestampAssessment,
    RegistryHandle,
    ServiceMatch,
    assess,
    assess_timestamp,
    build_registry,
)
from esig._pyhanko.tl_definitions import service_entries
from esig._pyhanko.tl_reading import (
    IndexedService,
    LoadedList,
    list_name,
    read_certificate,
    read_service,
    xml_time,
)
from esig._pyhanko.tl_signature import (
    check_signature,
    is_list_of_lists,
    list_text,
    parse_list,
    peek_territory,
    safe_tree,
)
from esig.model.trusted_lists import (
    SignatureStatus,
    TrustedList,
    TrustedListError,
    TrustService,
    TrustServiceProvider,
)

__all__ = [
    "LoadedList",
    "RawAssessment",
    "RawTimestampAssessment",
    "RegistryHandle",
    "ServiceMatch",
    "assess",
    "assess_timestamp",
    "build_registry",
    "is_list_of_lists",
    "load_list",
    "load_lotl",
    "peek_territory",
    "service_certificates",
]


def service_certificates(handle: RegistryHandle) -> tuple[tuple[int, x509.Certificate], ...]:
    """Every certificate of every service's digital identity, with its list's index.

    Services of every type and status, in list order, each certificate once per list.
    """
    found: list[tuple[int, x509.Certificate]] = []
    seen: set[tuple[int, x509.Certificate]] = set()
    for list_index, service in handle.services:
        for cert in service.certificates:
            if (list_index, cert) not in seen:
                seen.add((list_index, cert))
                found.append((list_index, cert))
    return tuple(found)


def load_list(
    data: bytes, *, source: str | None = None, candidates: Sequence[x509.Certificate] = ()
) -> LoadedList:
    """Verify, parse and interpret one trusted list; never refuses it for its signature."""
    return _load(data, source, candidates)[0]


def _load(
    data: bytes, source: str | None, candidates: Sequence[x509.Certificate]
) -> tuple[LoadedList, str]:
    root = safe_tree(data, source)
    text = list_text(data, source)
    signature, content = check_signature(text, root, candidates)
    parsed = parse_list(content, source)
    problems: list[str] = []
    providers: list[TrustServiceProvider] = []
    indexed: list[IndexedService] = []
    scheme = parsed.scheme_information
    territory = scheme.scheme_territory.value if scheme and scheme.scheme_territory else ""
    sequence = (scheme.tslsequence_number if scheme else None) or 0
    tsp_list = parsed.trust_service_provider_list
    for tsp in tsp_list.trust_service_provider if tsp_list else ():
        provider_name = list_name(tsp.tspinformation.tspname if tsp.tspinformation else None)
        services: list[TrustService] = []
        for xml_service in tsp.tspservices.tspservice if tsp.tspservices else ():
            try:
                service, certs = read_service(xml_service, problems)
            except (TSPServiceParsingError, ValueError, AttributeError, TypeError) as exc:
                problems.append(f"a service of {provider_name} cannot be read: {exc}")
                continue
            services.append(service)
            entries = service_entries(
                xml_service,
                service,
                provider=provider_name,
                territory=territory,
                sequence=sequence,
                problems=problems,
            )
            indexed.append(IndexedService(provider_name, service, certs, entries))
        trade = tsp.tspinformation.tsptrade_name if tsp.tspinformation else None
        providers.append(
            TrustServiceProvider(
                name=provider_name,
                trade_names=tuple(n.value for n in trade.name) if trade else (),
                services=tuple(services),
            )
        )
    if scheme is None:
        raise TrustedListError(
            "The trusted list has no SchemeInformation: it is empty or truncated, not a "
            "complete ETSI TS 119 612 list",
            path=source,
        )
    trusted_list = TrustedList(
        source=source,
        territory=scheme.scheme_territory.value if scheme.scheme_territory else "",
        sequence_number=scheme.tslsequence_number or 0,
        version=scheme.tslversion_identifier or 0,
        list_type=scheme.tsltype.value if scheme.tsltype else "",
        operator=list_name(scheme.scheme_operator_name),
        issued=xml_time(scheme.list_issue_date_time) or dt.datetime.min.replace(tzinfo=dt.UTC),
        next_update=xml_time(scheme.next_update.date_time if scheme.next_update else None),
        signature=signature,
        providers=tuple(providers),
        problems=tuple(problems),
    )
    return LoadedList(trusted_list, tuple(indexed)), content


def load_lotl(
    data: bytes,
    *,
    source: str | None = None,
    certificates: Sequence[x509.Certificate] | None = None,
    refuse: bool = True,
) -> tuple[TrustedList, dict[str, tuple[x509.Certificate, ...]]]:
    """Verify and read a list of trusted lists; return it and the TLSO certificates by territory.

    Without ``certificates``, the LOTL is checked against the EU LOTL signer
    certificates bundled with pyHanko. With ``refuse`` (the default) a LOTL that does not
    verify raises :class:`TrustedListError`.
    """
    candidates = list(certificates or ())
    if not candidates:
        candidates = [from_asn1(c) for c in eutl_parse.latest_known_lotl_tlso_certs()]
    loaded, content = _load(data, source, candidates)
    tl = loaded.trusted_list
    if refuse and tl.signature.status is not SignatureStatus.VERIFIED:
        hint = (
            ""
            if certificates
            else " (checked against the EU LOTL signer certificates bundled with pyHanko; "
            "for an older or a non-EU LOTL give its signer certificates explicitly)"
        )
        raise TrustedListError(
            f"The list of trusted lists is refused: {tl.signature.reason}{hint}",
            path=source,
            signature=tl.signature,
            territory=tl.territory,
        )
    # pointers are read here rather than by pyHanko's parse_lotl_unsafe, which skips a
    # pointer whose MimeType or territory carries surrounding whitespace
    scheme = parse_list(content, source).scheme_information
    listed = scheme.pointers_to_other_tsl if scheme is not None else None
    pointers: dict[str, list[x509.Certificate]] = {}
    problems = list(tl.problems)
    for pointer in listed.other_tslpointer if listed is not None else ():
        try:
            location, mime, territory, _ = eutl_parse._parse_tsl_info(pointer)
        except TSPServiceParsingError as exc:
            problems.append(f"a pointer cannot be read: {exc}")
            continue
        territory = (territory or "").strip().upper()
        if (mime or "").strip() != eutl_parse.ETSI_TSL_MIME_TYPE or not territory:
            continue  # the PDF edition of a list, or a pointer without a territory
        identities = pointer.service_digital_identities
        certs = pointers.setdefault(territory, [])
        for identity in identities.service_digital_identity if identities else ():
            for digital_id in identity.digital_id:
                if digital_id.x509_certificate:
                    read = read_certificate(digital_id.x509_certificate)
                    if read is None:
                        problems.append(
                            f"a certificate of the pointer to {location} cannot be read"
                        )
                    else:
                        certs.append(read[0])
    tl = tl.model_copy(update={"pointers": tuple(sorted(pointers)), "problems": tuple(problems)})
    return tl, {k: tuple(v) for k, v in pointers.items()}
