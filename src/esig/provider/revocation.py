"""Revocation status from the store: a CRL (RFC 5280) and OCSP responses (RFC 6960).

Both read the certificates table at the moment of the request, so a revocation is in
the next OCSP answer and the next CRL. The times they carry are the stored ones: the
revocation time recorded by the provider's clock, to the second (BES art. 5(b), (d)).
The CA signs both itself (an OCSP responder by the CA, RFC 6960 §4.2.2.2).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from sqlalchemy import select
from sqlalchemy.orm import Session

from esig.provider.ca_signing import CaSigner
from esig.provider.errors import ProviderError
from esig.provider.models import RevocationReason
from esig.provider.records import certificate_text
from esig.provider.store import CertificateRow, CrlStateRow, parse_time

__all__ = ["CRL_VALIDITY", "OCSP_VALIDITY", "build_crl", "ocsp_response", "x509_reason"]

CRL_VALIDITY: Final = dt.timedelta(hours=24)
"""How long a CRL is valid (nextUpdate − thisUpdate); a new one is issued on each change."""
OCSP_VALIDITY: Final = dt.timedelta(hours=1)
"""How long an OCSP answer may be cached (nextUpdate − thisUpdate)."""

_CRL_STATE_ID: Final = 1
_REASONS: Final = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.PRIVILEGE_WITHDRAWN: x509.ReasonFlags.privilege_withdrawn,
}


def x509_reason(reason: RevocationReason) -> x509.ReasonFlags:
    """The RFC 5280 reason flag of a reason."""
    return _REASONS[reason]


def _revoked_rows(session: Session, signer: CaSigner) -> list[CertificateRow]:
    """The revoked certificates; refused when any record is not the CA's signed one.

    A record changed outside esig (a revocation undone in the database) must not give a
    CRL that leaves it out.
    """
    rows = session.scalars(select(CertificateRow)).all()
    altered = [
        row.serial for row in rows if not signer.verify_text(certificate_text(row), row.signature)
    ]
    if altered:
        raise ProviderError(
            f"No CRL issued: the records of certificates {', '.join(altered)} were changed "
            "outside esig; run esig ca audit"
        )
    return [row for row in rows if row.status == "revoked"]


def build_crl(
    session: Session, signer: CaSigner, now: dt.datetime
) -> x509.CertificateRevocationList:
    """A new CRL listing every revoked certificate; its cRLNumber is one more than the last."""
    state = session.scalars(
        select(CrlStateRow).where(CrlStateRow.id == _CRL_STATE_ID).with_for_update()
    ).one_or_none()
    if state is None:
        state = CrlStateRow(id=_CRL_STATE_ID, number=0)
        session.add(state)
    state.number += 1
    ca = signer.certificate
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(state.number), critical=False)
    )
    try:
        ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    except x509.ExtensionNotFound:
        pass
    for row in _revoked_rows(session, signer):
        assert row.revoked_at is not None
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(row.serial, 16))
            .revocation_date(parse_time(row.revoked_at))
        )
        reason = RevocationReason(row.reason or RevocationReason.UNSPECIFIED)
        if reason is not RevocationReason.UNSPECIFIED:
            entry = entry.add_extension(x509.CRLReason(x509_reason(reason)), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    session.flush()
    return signer.sign_crl(builder)


def _issuer_hashes(ca: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """The CertID hashes of the CA's name and key (RFC 6960 §4.1.1), as asn1crypto computes them."""
    parsed = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    subject, key = parsed.subject, parsed.public_key
    if isinstance(algorithm, hashes.SHA1):
        return subject.sha1, key.sha1
    return subject.sha256, key.sha256


def ocsp_response(
    session: Session, signer: CaSigner, request_der: bytes, now: dt.datetime
) -> bytes:
    """The DER OCSP response to a DER request: good, revoked or unknown, from the store.

    A request that does not parse gets ``malformedRequest``; one about another issuer's
    certificates ``unauthorized``; one about a certificate whose stored record was
    changed outside esig ``internalError``.
    """
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    ca = signer.certificate
    algorithm = request.hash_algorithm
    if not isinstance(algorithm, hashes.SHA1 | hashes.SHA256):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    name_hash, key_hash = _issuer_hashes(ca, algorithm)
    if request.issuer_name_hash != name_hash or request.issuer_key_hash != key_hash:
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    row = session.get(CertificateRow, format(request.serial_number, "x"))
    revocation_time: dt.datetime | None = None
    reason: x509.ReasonFlags | None = None
    if row is not None and not signer.verify_text(certificate_text(row), row.signature):
        # Changed outside esig: say nothing rather than something false (esig ca audit).
        return _unsuccessful(ocsp.OCSPResponseStatus.INTERNAL_ERROR)
    if row is None:
        status = ocsp.OCSPCertStatus.UNKNOWN
    elif row.status == "revoked" and row.revoked_at is not None:
        status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = parse_time(row.revoked_at)
        stored = RevocationReason(row.reason or RevocationReason.UNSPECIFIED)
        reason = None if stored is RevocationReason.UNSPECIFIED else x509_reason(stored)
    else:
        status = ocsp.OCSPCertStatus.GOOD
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=request.serial_number,
            algorithm=algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + OCSP_VALIDITY,
            revocation_time=revocation_time,
            revocation_reason=reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.NAME, signer.responder_stand_in())
    )
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce)
        builder = builder.add_extension(nonce.value, critical=False)
    except x509.ExtensionNotFound:
        pass
    return signer.sign_ocsp(builder)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
