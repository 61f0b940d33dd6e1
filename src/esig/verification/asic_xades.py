"""XAdES signatures in ASiC containers (ETSI EN 319 162-1 §4.3.2, §4.4.3.2).

There is no ASiCManifest: each ``META-INF/*signatures*.xml`` (root
``asic:XAdESSignatures``) holds one or more detached XAdES ``ds:Signature`` elements,
whose references name the container's files by their relative, URL-encoded names, each
with its digest. Every signature is verified as :func:`~esig.verification.xades.verify_xml`
verifies one (signxml for the value and the digests, the same trust and level
assessment, XML signature wrapping named), its references resolved inside the
container: a file a reference names that is not there is ``SIGNED_DATA_NOT_FOUND``
(indeterminate); a file whose digest differs was changed after signing and is named in
a ``HASH_FAILURE`` (failed). The container's findings (unsigned files, ``mimetype``)
are added by :func:`~esig.verification.asic.verify_asic`. The long-term data a signature
carries (B-LT, B-LTA: embedded values, archive timestamps) is judged as for standalone
XAdES (:mod:`esig.verification.xades_long_term`), and names its baseline conformance.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace

from esig._pyhanko.raw_signature import RawSignature
from esig._xml.wrapping import ReferenceKind
from esig._xml.xades_validate import DIGEST_NAMES, XadesFacts, validate_xades
from esig.asic.container import XADES_SIGNATURE, AsicContainer
from esig.errors import InputError
from esig.law import BES, EIDAS
from esig.verification.asic_reading import (
    Coverage,
    ReadSignature,
    finding,
    listing,
)
from esig.verification.report import CheckId, Finding, Outcome, SubIndication
from esig.verification.verifier import Verifier, signature_report
from esig.verification.xades import timestamp_findings, xml_scope
from esig.verification.xades_long_term import with_long_term

__all__ = ["XadesAsicReader"]


def _coverage(container: AsicContainer, facts: XadesFacts) -> Coverage:
    result = Coverage()
    for ref in facts.references:
        if ref.kind is not ReferenceKind.DATA or ref.external is None:
            continue
        result.references += 1
        name = container.entry_for(ref.uri)
        if name is None:
            result.missing.append(ref.external)
            continue
        result.covered.add(name)
        if ref.transformed:
            continue  # signxml applies the transforms and checks the digest
        algorithm = DIGEST_NAMES.get(ref.digest_method or "")
        if algorithm is None:
            result.unknown_algorithm.append(name)
            continue
        try:
            expected = base64.b64decode(ref.digest_value or "", validate=True)
        except (ValueError, binascii.Error):
            result.changed.append(name)
            continue
        if container.digests(name, [algorithm])[algorithm] != expected:
            result.changed.append(name)
    return result


def _signed_data(name: str, coverage: Coverage) -> Finding:
    count = coverage.references
    if not count:
        return finding(
            CheckId.SIGNED_DATA,
            Outcome.FAILED,
            f"The signature in {name} names no file of the container: it signs nothing in it.",
            (BES.ART_3_A,),
            SubIndication.FORMAT_FAILURE,
        )
    if coverage.missing:
        return finding(
            CheckId.SIGNED_DATA,
            Outcome.INDETERMINATE,
            f"The signature in {name} covers {listing(coverage.missing)}, which the "
            "container does not hold: that signed data is not there.",
            (BES.ART_3_A,),
            SubIndication.SIGNED_DATA_NOT_FOUND,
        )
    if coverage.unknown_algorithm:
        return finding(
            CheckId.SIGNED_DATA,
            Outcome.INDETERMINATE,
            f"The digests of {listing(coverage.unknown_algorithm)} use an algorithm esig "
            "does not know; those files cannot be checked.",
            (BES.ART_3_A,),
            SubIndication.SIGNED_DATA_NOT_FOUND,
        )
    return finding(
        CheckId.SIGNED_DATA,
        Outcome.PASSED,
        f"The XAdES signature in {name} covers {count} file{'s' if count != 1 else ''} of "
        f"the container: {listing(coverage.covered)}; each reference resolves to one file "
        "and its digest was checked.",
        (BES.ART_3_A,),
    )


def _scope(name: str, facts: XadesFacts, coverage: Coverage) -> dict[CheckId, Finding]:
    if facts.wrapping:
        scope = xml_scope(facts, None)
    else:
        scope = {
            CheckId.SIGNED_DATA: _signed_data(name, coverage),
            CheckId.SIGNED_CONTENT: finding(
                CheckId.SIGNED_CONTENT,
                Outcome.PASSED,
                f"The signed content is the files {listing(coverage.covered)} as they are in "
                "the container (any ZIP tool extracts them).",
                (BES.ART_3_C,),
            ),
            CheckId.MODIFICATIONS: finding(
                CheckId.MODIFICATIONS,
                Outcome.PASSED,
                "Any change to a covered file breaks its reference's digest in the signature.",
                (BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D),
            ),
        }
    if coverage.changed:
        changed = listing(coverage.changed)
        scope[CheckId.INTEGRITY] = finding(
            CheckId.INTEGRITY,
            Outcome.FAILED,
            f"{changed} changed after signing: the digest differs from the one in the "
            f"signature's reference ({name}).",
            (BES.ART_3_B, BES.ART_1_D),
            SubIndication.HASH_FAILURE,
        )
        scope[CheckId.MODIFICATIONS] = finding(
            CheckId.MODIFICATIONS,
            Outcome.FAILED,
            f"{changed} changed after signing (the signature holds another digest).",
            (BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D),
            SubIndication.HASH_FAILURE,
        )
    return scope


def _unreadable(name: str, why: str, verifier: Verifier) -> ReadSignature:
    raw = RawSignature(field_name=name, error=why, error_sub_indication="FORMAT_FAILURE")
    scope = {
        CheckId.SIGNED_DATA: finding(
            CheckId.SIGNED_DATA,
            Outcome.FAILED,
            f"The signature file {name} cannot be read: {why}",
            (BES.ART_3_A,),
            SubIndication.FORMAT_FAILURE,
        )
    }
    return ReadSignature(signature_report(raw, verifier, scope=scope), frozenset())


class XadesAsicReader:
    """XAdES signatures (``META-INF/*signatures*.xml``) in ASiC-E and ASiC-S containers.

    .. versionadded:: 0.2.0
    """

    kind = XADES_SIGNATURE

    async def read(
        self, container: AsicContainer, name: str, verifier: Verifier
    ) -> tuple[ReadSignature, ...]:
        """Verify every ``ds:Signature`` of the signature file ``name`` of ``container``.

        Each report's ``field_name`` is ``name``, or ``name#Id`` when the file holds
        several signatures.
        """

        def resolve(uri: str) -> bytes | None:
            entry = container.entry_for(uri)
            return None if entry is None else container.read(entry)

        try:
            found = await validate_xades(
                container.read(name),
                verifier.validation_anchors,
                name=name,
                detached=None,
                allow_fetching=verifier.allow_fetching,
                moment=verifier.at,
                resolve=resolve,
            )
        except InputError as exc:
            return (_unreadable(name, str(exc), verifier),)
        if not found:
            return (_unreadable(name, "it holds no ds:Signature", verifier),)
        read = []
        for facts in found:
            field = name if len(found) == 1 else f"{name}#{facts.raw.field_name}"
            raw = replace(facts.raw, field_name=field)
            coverage = _coverage(container, facts)
            if coverage.changed and raw.digest_matches:
                raw = replace(raw, digest_matches=False)
            report = signature_report(raw, verifier, scope=_scope(name, facts, coverage))
            extra = timestamp_findings(facts)
            if extra:
                report = report.model_copy(update={"findings": (*report.findings, *extra)})
            report = with_long_term(report, facts, verifier.validation_anchors)
            read.append(ReadSignature(report, frozenset(coverage.covered)))
        return tuple(read)
