"""Tests for esig.profiles (BES art. 6 certificate profile) and esig.oids."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pydantic import ValidationError
from pyhanko.sign.ades import qualified_asn1 as qa

from esig.errors import CertificateLoadError
from esig.law import BES
from esig.oids import (
    CertificateExtensionOID,
    NamedOID,
    PolicyOID,
    QcStatementOID,
    QcTypeOID,
    SemanticsIdOID,
    oid_name,
)
from esig.profiles import (
    Art6Field,
    Art6FieldResult,
    CertificateProfile,
    FieldStatus,
    KeyAlgorithm,
    KeyUsageFlag,
    PersonKind,
    ProfileFindingCode,
    QcType,
    QualifiedPolicy,
    certificate_profile,
)
from esig.testing import real_part_missing

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
PSEUDONYM = x509.ObjectIdentifier("2.5.4.65")
ORG_ID = x509.ObjectIdentifier("2.5.4.97")
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


# --------------------------------------------------------------------------- helpers


def name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


CA_NAME = name(
    (NameOID.COUNTRY_NAME, "BQ"),
    (NameOID.ORGANIZATION_NAME, "Test CSP B.V."),
    (ORG_ID, "NTRBQ-12345"),
    (NameOID.COMMON_NAME, "Test Qualified CA"),
)
PERSON = name(
    (NameOID.COUNTRY_NAME, "BQ"),
    (NameOID.GIVEN_NAME, "Anna"),
    (NameOID.SURNAME, "Janssen"),
    (NameOID.COMMON_NAME, "Anna Janssen"),
)


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_cert(
    subject: x509.Name,
    *,
    issuer_name: x509.Name = CA_NAME,
    issuer_key: Key | None = None,
    key: Key | None = None,
    extensions: Iterable[x509.ExtensionType | tuple[x509.ExtensionType, bool]] = (),
    serial: int = 0x1234ABCD,
) -> tuple[x509.Certificate, Key]:
    """Build a certificate; self-signed unless an issuer key is given."""
    key = key or ec_key()
    signer = issuer_key or key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=365))
    )
    for item in extensions:
        ext, critical = item if isinstance(item, tuple) else (item, False)
        builder = builder.add_extension(ext, critical=critical)
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(signer, algorithm), key


def make_ca(ca_name: x509.Name = CA_NAME) -> tuple[x509.Certificate, Key]:
    return make_cert(
        ca_name,
        issuer_name=ca_name,
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
    )


def issued(
    subject: x509.Name = PERSON,
    *,
    extensions: Iterable[x509.ExtensionType | tuple[x509.ExtensionType, bool]] = (),
    key: Key | None = None,
    ca: tuple[x509.Certificate, Key] | None = None,
) -> tuple[x509.Certificate, x509.Certificate]:
    """An end-entity certificate and the CA that issued it."""
    ca_cert, ca_key = ca or make_ca()
    cert, _ = make_cert(
        subject, issuer_name=ca_cert.subject, issuer_key=ca_key, key=key, extensions=extensions
    )
    return cert, ca_cert


def signing_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def policies(*oids: x509.ObjectIdentifier) -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(oid, None) for oid in oids])


def qc_extension(*statements: Any) -> x509.UnrecognizedExtension:
    """The qcStatements extension, encoded with pyHanko's ASN.1 definitions."""
    der = qa.QcStatements(list(statements)).dump()
    return x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"), der)


def statement(statement_id: str, info: Any = None) -> qa.QcStatement:
    value: dict[str, Any] = {"statement_id": statement_id}
    if info is not None:
        value["statement_info"] = info
    return qa.QcStatement(value)


class SemanticsInformation(core.Sequence):  # RFC 3739, for the test's own encoding
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("semantics_identifier", core.ObjectIdentifier, {"optional": True}),
        ("name_registration_authorities", asn1_x509.GeneralNames, {"optional": True}),
    ]


class RawStatement(core.Sequence):  # any statementInfo, to build malformed statements
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("statement_id", core.ObjectIdentifier),
        ("statement_info", core.Any, {"optional": True}),
    ]


def raw_qc_extension(der: bytes) -> x509.UnrecognizedExtension:
    return x509.UnrecognizedExtension(CertificateExtensionOID.QC_STATEMENTS, der)


def patched(cert: x509.Certificate, change: Any) -> x509.Certificate:
    """Re-encode ``cert`` after ``change`` edits its asn1crypto form (breaks the signature)."""
    parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    change(parsed["tbs_certificate"])
    return x509.load_der_x509_certificate(parsed.dump(force=True))


def status(profile: CertificateProfile, letter: Art6Field) -> FieldStatus:
    return profile.field(letter).status


def corpus_file(relative: str) -> Path:
    path = CORPUS / relative
    if not path.is_file():
        real_part_missing(f"external corpus file {path}")
    return path


# --------------------------------------------------------------------------- real corpus


def test_real_itsme_qualified_certificate() -> None:
    profile = certificate_profile(corpus_file("certs/be-itsme-qes.cer"))
    q = profile.qualified
    assert q.qc_compliance
    assert q.qc_sscd
    assert q.qc_types == (QcType.ESIGN,)
    assert q.pkix_qc_syntax_v2
    assert QualifiedPolicy.QCP_N_QSCD in q.qc_policies
    assert q.claims_qualified
    assert q.claims_qscd
    assert [s.name for s in q.statements] == [
        "pkixQCSyntax-v2",
        "QcCompliance",
        "QcSSCD",
        "QcType",
        "QcPDS",
    ]
    pds = profile.limits.disclosure_statements
    assert [(s.url, s.language) for s in pds] == [
        ("https://www.quovadisglobal.com/repository", "en")
    ]
    assert profile.person_kind is PersonKind.NATURAL_PERSON
    assert profile.subject.surname == "Valvekens"
    assert not profile.subject.is_pseudonym
    assert profile.issuer.country == "BE"
    assert profile.public_key.algorithm is KeyAlgorithm.RSA
    assert profile.public_key.key_size == 2048
    assert profile.complete
    assert not profile.is_ca
    assert profile.findings == ()


def test_real_timestamping_unit_without_qc_statements() -> None:
    profile = certificate_profile(corpus_file("certs/sk-tsu-no-qcstatements.cer"))
    q = profile.qualified
    assert not q.claims_qualified
    assert not q.claims_qscd
    assert not q.qc_compliance
    assert q.statements == ()
    assert q.qc_policies == ()
    assert [p.name for p in profile.limits.policies] == ["NCP+"]
    assert profile.person_kind is PersonKind.TIMESTAMPING_UNIT
    assert profile.public_key.curve == "secp256r1"
    assert "does not claim to be qualified" in profile.to_text()


# --------------------------------------------------------------------------- a whole profile


def test_complete_profile_with_verified_issuer_signature() -> None:
    cert, ca = issued(
        name(
            (NameOID.COUNTRY_NAME, "BQ"),
            (NameOID.GIVEN_NAME, "Anna"),
            (NameOID.SURNAME, "Janssen"),
            (NameOID.TITLE, "Notary"),
            (NameOID.ORGANIZATION_NAME, "Janssen Notarissen"),
        ),
        extensions=[(signing_key_usage(), True), policies(PolicyOID.QCP_N_QSCD)],
    )
    profile = CertificateProfile.from_certificate(cert, issuer=ca)
    assert [r.status for r in profile.fields] == [FieldStatus.PRESENT] * 8
    assert [r.citation for r in profile.fields] == [
        BES.ART_6_1_A,
        BES.ART_6_1_B,
        BES.ART_6_1_C,
        BES.ART_6_1_D,
        BES.ART_6_1_E,
        BES.ART_6_1_F,
        BES.ART_6_1_G,
        BES.ART_6_1_H,
    ]
    assert profile.complete
    assert profile.missing == ()
    assert profile.issuer_signature.verified is True
    assert "Test CSP B.V. (BQ)" in profile.field(Art6Field.A).detail
    assert "NTRBQ-12345" in profile.field(Art6Field.A).detail
    assert profile.field(Art6Field.A).location == "issuer DN: O, C, organizationIdentifier"
    assert "title Notary" in profile.field(Art6Field.C).detail


# --------------------------------------------------------------------------- a


@pytest.mark.parametrize(
    ("issuer_name", "absent"),
    [
        (name((NameOID.COUNTRY_NAME, "BQ"), (NameOID.COMMON_NAME, "CA")), "O"),
        (name((NameOID.ORGANIZATION_NAME, "CSP"), (NameOID.COMMON_NAME, "CA")), "C"),
    ],
)
def test_a_missing_without_issuer_organization_or_country(
    issuer_name: x509.Name, absent: str
) -> None:
    cert, _ = make_cert(PERSON, issuer_name=issuer_name)
    profile = CertificateProfile.from_certificate(cert)
    result = profile.field(Art6Field.A)
    assert result.status is FieldStatus.MISSING
    assert f"no {absent}" in result.detail
    assert profile.missing == (Art6Field.A,)
    assert not profile.complete


def test_exemption_turns_missing_into_exempted() -> None:
    cert, _ = make_cert(PERSON, issuer_name=name((NameOID.COMMON_NAME, "CA")))
    profile = CertificateProfile.from_certificate(cert, exemptions=frozenset({Art6Field.A}))
    result = profile.field(Art6Field.A)
    assert result.status is FieldStatus.EXEMPTED
    assert result.exempted_by == BES.ART_6_2
    assert result.citation == BES.ART_6_1_A
    assert "BES art. 6(2)" in result.detail
    assert profile.complete
    assert profile.exemptions == (Art6Field.A,)


def test_exemption_does_not_excuse_an_invalid_field() -> None:
    cert, _ = issued()
    _, other_ca = issued()
    profile = CertificateProfile.from_certificate(
        cert, issuer=other_ca, exemptions=frozenset({Art6Field.G})
    )
    assert status(profile, Art6Field.G) is FieldStatus.INVALID
    assert profile.missing == (Art6Field.G,)


# --------------------------------------------------------------------------- b, pseudonyms


@pytest.mark.parametrize(
    "subject",
    [
        x509.Name([]),
        name((NameOID.GIVEN_NAME, "Anna"), (NameOID.COUNTRY_NAME, "BQ")),
    ],
    ids=["empty", "given-name-only"],
)
def test_b_missing_when_subject_names_no_one(subject: x509.Name) -> None:
    cert, _ = issued(subject)
    profile = CertificateProfile.from_certificate(cert)
    assert status(profile, Art6Field.B) is FieldStatus.MISSING
    assert Art6Field.B in profile.missing


def test_b_present_for_organization_only() -> None:
    cert, _ = issued(name((NameOID.ORGANIZATION_NAME, "Bonaire Port Authority")))
    profile = CertificateProfile.from_certificate(cert)
    assert status(profile, Art6Field.B) is FieldStatus.PRESENT
    assert profile.person_kind is PersonKind.LEGAL_PERSON


def test_pseudonym_attribute_is_flagged_everywhere() -> None:
    cert, _ = issued(name((NameOID.COUNTRY_NAME, "BQ"), (PSEUDONYM, "Kite Runner")))
    profile = CertificateProfile.from_certificate(cert)
    assert profile.subject.is_pseudonym
    assert profile.subject.display == "Kite Runner (pseudonym)"
    result = profile.field(Art6Field.B)
    assert result.status is FieldStatus.PRESENT
    assert "pseudonym, identified as such (pseudonym attribute" in result.detail
    text = profile.to_text()
    assert "Kite Runner (pseudonym)" in text
    assert "PSEUDONYM" in text
    assert "BES art. 3(f)" in text
    assert profile.person_kind is PersonKind.NATURAL_PERSON


def test_pseudonym_common_name_suffix_is_flagged() -> None:
    cert, _ = issued(name((NameOID.COMMON_NAME, "Zeeschildpad:PN")))
    profile = CertificateProfile.from_certificate(cert)
    assert profile.subject.is_pseudonym
    assert profile.subject.pseudonym_marker is not None
    assert profile.subject.pseudonym_marker.source == "common name suffix"
    assert "common name suffix: :PN" in profile.field(Art6Field.B).detail
    assert "Zeeschildpad:PN (pseudonym)" in profile.to_text()


def test_real_name_is_not_marked_as_pseudonym() -> None:
    cert, _ = issued()
    text = CertificateProfile.from_certificate(cert).to_text()
    assert "Anna Janssen" in text
    assert "(pseudonym)" not in text
    assert "PSEUDONYM" not in text


# --------------------------------------------------------------------------- c


def test_c_present_with_organisation_attributes() -> None:
    cert, _ = issued(
        name(
            (NameOID.COMMON_NAME, "Anna Janssen"),
            (NameOID.TITLE, "Director"),
            (NameOID.ORGANIZATION_NAME, "Janssen B.V."),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, "Board"),
            (ORG_ID, "NTRBQ-777"),
        )
    )
    result = CertificateProfile.from_certificate(cert).field(Art6Field.C)
    assert result.status is FieldStatus.PRESENT
    for part in ("title Director", "O Janssen B.V.", "OU Board", "NTRBQ-777"):
        assert part in result.detail


def test_c_absent_is_not_applicable_not_missing() -> None:
    cert, _ = issued(name((NameOID.COMMON_NAME, "Anna Janssen")))
    profile = CertificateProfile.from_certificate(cert)
    assert status(profile, Art6Field.C) is FieldStatus.NOT_APPLICABLE
    assert Art6Field.C not in profile.missing


# --------------------------------------------------------------------------- d


@pytest.mark.parametrize(
    ("key", "algorithm", "size", "curve"),
    [
        (ec.generate_private_key(ec.SECP384R1()), KeyAlgorithm.EC, 384, "secp384r1"),
        (rsa.generate_private_key(65537, 2048), KeyAlgorithm.RSA, 2048, None),
        (ed25519.Ed25519PrivateKey.generate(), KeyAlgorithm.ED25519, 256, None),
    ],
    ids=["ec", "rsa", "ed25519"],
)
def test_d_public_key_described(
    key: Key, algorithm: KeyAlgorithm, size: int, curve: str | None
) -> None:
    cert, _ = issued(key=key)
    profile = CertificateProfile.from_certificate(cert)
    assert profile.public_key.algorithm is algorithm
    assert profile.public_key.key_size == size
    assert profile.public_key.curve == curve
    assert status(profile, Art6Field.D) is FieldStatus.PRESENT
    assert algorithm.value in profile.field(Art6Field.D).detail


def test_d_invalid_when_public_key_cannot_be_decoded() -> None:
    cert, _ = issued()

    def garble(tbs: Any) -> None:
        tbs["subject_public_key_info"]["public_key"] = b"\x04" + b"\x01" * 64

    profile = CertificateProfile.from_certificate(patched(cert, garble))
    assert status(profile, Art6Field.D) is FieldStatus.INVALID
    assert profile.public_key.algorithm is KeyAlgorithm.UNKNOWN
    assert profile.public_key.algorithm_oid.name == "id-ecPublicKey"
    assert [f.code for f in profile.findings] == [ProfileFindingCode.UNREADABLE_PUBLIC_KEY]


# --------------------------------------------------------------------------- e, f


def test_e_and_f_read_back() -> None:
    cert, _ = issued()
    profile = CertificateProfile.from_certificate(cert)
    assert profile.not_before == NOW
    assert profile.not_after == NOW + dt.timedelta(days=365)
    assert profile.not_before.tzinfo is not None
    assert profile.serial_number == "1234abcd"
    assert status(profile, Art6Field.E) is FieldStatus.PRESENT
    assert status(profile, Art6Field.F) is FieldStatus.PRESENT
    assert "1234abcd" in profile.field(Art6Field.F).detail


def test_e_invalid_when_validity_ends_before_it_starts() -> None:
    cert, _ = issued()

    def reverse(tbs: Any) -> None:
        tbs["validity"]["not_after"] = asn1_x509.Time({"utc_time": NOW - dt.timedelta(days=1)})

    profile = CertificateProfile.from_certificate(patched(cert, reverse))
    assert status(profile, Art6Field.E) is FieldStatus.INVALID
    assert "ends before it starts" in profile.field(Art6Field.E).detail


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_f_invalid_with_non_positive_serial() -> None:
    cert, _ = issued()

    def zero(tbs: Any) -> None:
        tbs["serial_number"] = 0

    profile = CertificateProfile.from_certificate(patched(cert, zero))
    assert status(profile, Art6Field.F) is FieldStatus.INVALID
    assert "not positive" in profile.field(Art6Field.F).detail


def test_f_invalid_with_empty_issuer_name() -> None:
    cert, _ = make_cert(PERSON, issuer_name=x509.Name([]))
    profile = CertificateProfile.from_certificate(cert)
    assert status(profile, Art6Field.F) is FieldStatus.INVALID
    assert status(profile, Art6Field.A) is FieldStatus.MISSING


# --------------------------------------------------------------------------- g


def test_g_not_checked_without_issuer() -> None:
    cert, _ = issued()
    profile = CertificateProfile.from_certificate(cert)
    assert profile.issuer_signature.verified is None
    assert "not checked" in profile.issuer_signature.reason
    assert profile.issuer_signature.algorithm.name == "ecdsa-with-SHA256"
    assert status(profile, Art6Field.G) is FieldStatus.PRESENT


def test_g_invalid_with_wrong_issuer_key() -> None:
    cert, _ = issued()
    impostor, _ = make_ca()  # same name, different key
    profile = CertificateProfile.from_certificate(cert, issuer=impostor)
    assert profile.issuer_signature.verified is False
    assert "does not verify" in profile.issuer_signature.reason
    assert status(profile, Art6Field.G) is FieldStatus.INVALID
    assert profile.missing == (Art6Field.G,)


def test_g_invalid_with_issuer_of_another_name() -> None:
    cert, _ = issued()
    other, _ = make_ca(name((NameOID.COMMON_NAME, "Other CA")))
    profile = CertificateProfile.from_certificate(cert, issuer=other)
    assert profile.issuer_signature.verified is False
    assert "not issued by" in profile.issuer_signature.reason
    assert status(profile, Art6Field.G) is FieldStatus.INVALID


def test_g_verified_with_rsa_issuer() -> None:
    ca_key = rsa.generate_private_key(65537, 2048)
    ca_cert, _ = make_cert(CA_NAME, issuer_name=CA_NAME, key=ca_key)
    cert, _ = issued(ca=(ca_cert, ca_key))
    profile = CertificateProfile.from_certificate(cert, issuer=ca_cert)
    assert profile.issuer_signature.verified is True
    assert profile.issuer_signature.algorithm.name == "sha256WithRSAEncryption"


# --------------------------------------------------------------------------- h


def test_h_limits_read_back() -> None:
    cert, _ = issued(
        extensions=[
            (signing_key_usage(), True),
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.2.3.4.5.6")]
            ),
            policies(PolicyOID.QCP_N, x509.ObjectIdentifier("1.3.6.1.4.1.99999.1")),
            qc_extension(
                statement(
                    "qc_limit_value",
                    qa.MonetaryValue(
                        {
                            "currency": qa.Iso4217CurrencyCode(name="alphabetic", value="EUR"),
                            "amount": 25,
                            "exponent": 3,
                        }
                    ),
                ),
                statement("qc_retention_period", core.Integer(15)),
                statement(
                    "qc_pki_disclosure_statements",
                    qa.PKIDisclosureStatements(
                        [
                            {"url": "https://csp.example/pds-en.pdf", "language": "en"},
                            {"url": "https://csp.example/pds-nl.pdf", "language": "nl"},
                        ]
                    ),
                ),
            ),
        ]
    )
    profile = CertificateProfile.from_certificate(cert)
    limits = profile.limits
    assert limits.key_usage == (KeyUsageFlag.DIGITAL_SIGNATURE, KeyUsageFlag.CONTENT_COMMITMENT)
    assert [str(p) for p in limits.extended_key_usage] == ["emailProtection", "1.2.3.4.5.6"]
    assert [p.known for p in limits.policies] == [True, False]
    assert limits.limit_value is not None
    assert limits.limit_value.currency == "EUR"
    assert (limits.limit_value.amount, limits.limit_value.exponent) == (25, 3)
    assert limits.limit_value.value == Decimal(25000)
    assert limits.retention_period_years == 15
    assert [(s.url, s.language) for s in limits.disclosure_statements] == [
        ("https://csp.example/pds-en.pdf", "en"),
        ("https://csp.example/pds-nl.pdf", "nl"),
    ]
    result = profile.field(Art6Field.H)
    assert result.status is FieldStatus.PRESENT
    assert "QcLimitValue 25,000 EUR" in result.detail
    assert "QcRetentionPeriod 15 years" in result.detail
    assert "content_commitment" in result.detail


def test_h_numeric_currency() -> None:
    value = qa.MonetaryValue(
        {
            "currency": qa.Iso4217CurrencyCode(name="numeric", value=840),
            "amount": 5,
            "exponent": -1,
        }
    )
    cert, _ = issued(extensions=[qc_extension(statement("qc_limit_value", value))])
    limit = CertificateProfile.from_certificate(cert).limits.limit_value
    assert limit is not None
    assert limit.currency == "840"
    assert limit.value == Decimal("0.5")


def test_h_not_applicable_without_any_limit() -> None:
    cert, _ = issued()
    profile = CertificateProfile.from_certificate(cert)
    assert not profile.limits.has_limits
    assert profile.limits.key_usage is None
    assert status(profile, Art6Field.H) is FieldStatus.NOT_APPLICABLE
    assert profile.complete


def test_h_invalid_when_limit_statement_is_malformed() -> None:
    bad = RawStatement(
        {"statement_id": "0.4.0.1862.1.2", "statement_info": core.UTF8String("no limit")}
    )
    ext = raw_qc_extension(core.SequenceOf([bad], spec=RawStatement).dump())
    cert, _ = issued(extensions=[ext])
    profile = CertificateProfile.from_certificate(cert)
    assert status(profile, Art6Field.H) is FieldStatus.INVALID
    assert [f.code for f in profile.findings] == [ProfileFindingCode.MALFORMED_QC_STATEMENT]
    assert profile.findings[0].citation == BES.ART_6_1_H
    assert profile.limits.limit_value is None


# --------------------------------------------------------------------------- qcStatements


def test_malformed_qc_statements_become_a_finding() -> None:
    cert, _ = issued(extensions=[raw_qc_extension(b"\x30\x03\x02\x01\x05")])
    profile = CertificateProfile.from_certificate(cert)
    assert [f.code for f in profile.findings] == [ProfileFindingCode.MALFORMED_QC_STATEMENTS]
    assert not profile.qualified.claims_qualified
    assert status(profile, Art6Field.H) is FieldStatus.INVALID


def test_garbage_qc_statements_do_not_crash() -> None:
    cert, _ = issued(extensions=[raw_qc_extension(b"\xff\x00garbage")])
    profile = CertificateProfile.from_certificate(cert)
    assert profile.findings[0].code is ProfileFindingCode.MALFORMED_QC_STATEMENTS


def test_unknown_qc_statement_is_listed() -> None:
    cert, _ = issued(
        extensions=[
            qc_extension(
                statement("qc_compliance"),
                statement("1.2.3.4.5", core.UTF8String("something else")),
            )
        ]
    )
    profile = CertificateProfile.from_certificate(cert)
    q = profile.qualified
    assert [s.dotted for s in q.statements] == ["0.4.0.1862.1.1", "1.2.3.4.5"]
    assert q.unknown_statements == ("1.2.3.4.5",)
    assert q.statements[1].name is None
    assert q.qc_compliance
    assert [f.code for f in profile.findings] == [ProfileFindingCode.UNKNOWN_QC_STATEMENT]
    assert "1.2.3.4.5" in profile.findings[0].message


def test_qualified_markers_read_back() -> None:
    cert, _ = issued(
        extensions=[
            policies(PolicyOID.QCP_L_QSCD),
            qc_extension(
                statement("qc_compliance"),
                statement("qc_sscd"),
                statement("qc_type", qa.QcCertificateType(["qct_eseal", "0.4.0.1862.1.6.9"])),
                statement("qc_cc_legislation", qa.QcCCLegislationCountryCodes(["BQ", "NL"])),
                statement(
                    "1.3.6.1.5.5.7.11.2",
                    SemanticsInformation({"semantics_identifier": "0.4.0.194121.1.2"}),
                ),
            ),
        ]
    )
    q = CertificateProfile.from_certificate(cert).qualified
    assert q.qc_types == (QcType.ESEAL, "0.4.0.1862.1.6.9")
    assert q.qc_cc_legislation == ("BQ", "NL")
    assert q.qc_policies == (QualifiedPolicy.QCP_L_QSCD,)
    assert [s.dotted for s in q.semantics_identifiers] == ["0.4.0.194121.1.2"]
    assert q.semantics_identifiers[0].name == "semanticsId-Legal"
    assert q.pkix_qc_syntax_v2
    assert q.claims_qualified
    assert q.claims_qscd


@pytest.mark.parametrize(
    ("extensions", "qualified", "qscd"),
    [
        ([policies(PolicyOID.QCP_N)], True, False),
        ([policies(PolicyOID.QCP_L_QSCD)], True, True),
        ([qc_extension(statement("qc_compliance"))], True, False),
        ([qc_extension(statement("qc_sscd"))], False, True),
        ([policies(PolicyOID.NCP_PLUS)], False, False),
        ([], False, False),
    ],
    ids=["qcp-n", "qcp-l-qscd", "qc-compliance", "qc-sscd", "ncp+", "none"],
)
def test_qualified_and_qscd_claims(
    extensions: list[x509.ExtensionType], qualified: bool, qscd: bool
) -> None:
    cert, _ = issued(extensions=extensions)
    markers = CertificateProfile.from_certificate(cert).qualified
    assert markers.claims_qualified is qualified
    assert markers.claims_qscd is qscd


# --------------------------------------------------------------------------- person kind


ORG_ONLY = name((NameOID.ORGANIZATION_NAME, "Bonaire Port Authority"))


@pytest.mark.parametrize(
    ("subject", "extensions", "kind"),
    [
        (
            PERSON,
            [qc_extension(statement("qc_type", qa.QcCertificateType(["qct_eseal"])))],
            PersonKind.LEGAL_PERSON,
        ),
        (
            ORG_ONLY,
            [qc_extension(statement("qc_type", qa.QcCertificateType(["qct_esign"])))],
            PersonKind.NATURAL_PERSON,
        ),
        (
            ORG_ONLY,
            [qc_extension(statement("qc_type", qa.QcCertificateType(["qct_web"])))],
            PersonKind.WEBSITE,
        ),
        (PERSON, [policies(PolicyOID.QCP_L)], PersonKind.LEGAL_PERSON),
        (ORG_ONLY, [policies(PolicyOID.QCP_N_QSCD)], PersonKind.NATURAL_PERSON),
        (
            ORG_ONLY,
            [
                qc_extension(
                    statement(
                        "1.3.6.1.5.5.7.11.2",
                        SemanticsInformation({"semantics_identifier": "0.4.0.194121.1.3"}),
                    )
                )
            ],
            PersonKind.NATURAL_PERSON,
        ),
        (
            ORG_ONLY,
            [x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])],
            PersonKind.TIMESTAMPING_UNIT,
        ),
        (ORG_ONLY, [x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])], PersonKind.WEBSITE),
        (PERSON, [], PersonKind.NATURAL_PERSON),
        (ORG_ONLY, [], PersonKind.LEGAL_PERSON),
        (name((NameOID.COMMON_NAME, "device-17")), [], PersonKind.UNKNOWN),
        (
            name((NameOID.ORGANIZATION_NAME, "Test"), (NameOID.COMMON_NAME, "Lord Testerino")),
            [],
            PersonKind.UNKNOWN,
        ),
    ],
    ids=[
        "qctype-eseal",
        "qctype-esign",
        "qctype-web",
        "qcp-l",
        "qcp-n-qscd",
        "semantics-eidas-natural",
        "eku-timestamping",
        "eku-server",
        "subject-person",
        "subject-org",
        "unknown",
        "subject-org-and-common-name",
    ],
)
def test_person_kind(
    subject: x509.Name, extensions: list[x509.ExtensionType], kind: PersonKind
) -> None:
    cert, _ = issued(subject, extensions=extensions)
    profile = CertificateProfile.from_certificate(cert)
    assert profile.person_kind is kind
    assert profile.person_kind_reason


def test_is_ca_from_basic_constraints() -> None:
    cert, ca = issued()
    assert CertificateProfile.from_certificate(ca).is_ca
    assert not CertificateProfile.from_certificate(cert).is_ca


# --------------------------------------------------------------------------- extensions


def test_unknown_extensions_listed_and_critical_one_flagged() -> None:
    cert, _ = issued(
        extensions=[
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.99"), b"\x05\x00"),
            (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.100"), b"\x05\x00"), True),
            qc_extension(statement("qc_compliance")),
        ]
    )
    profile = CertificateProfile.from_certificate(cert)
    assert [(e.oid, e.critical) for e in profile.unknown_extensions] == [
        ("1.2.3.4.99", False),
        ("1.2.3.4.100", True),
    ]
    assert [f.code for f in profile.findings] == [ProfileFindingCode.UNKNOWN_CRITICAL_EXTENSION]
    assert "1.2.3.4.100" in profile.to_text()


# --------------------------------------------------------------------------- loading, JSON


def test_garbage_bytes_raise_certificate_load_error() -> None:
    with pytest.raises(CertificateLoadError):
        certificate_profile(b"this is not a certificate")


def test_certificate_profile_from_pem_and_path(tmp_path: Path) -> None:
    cert, _ = issued()
    pem = cert.public_bytes(serialization.Encoding.PEM)
    path = tmp_path / "signer.pem"
    path.write_bytes(pem)
    from_bytes = certificate_profile(pem)
    from_path = certificate_profile(path)
    assert from_bytes == from_path
    expected = cert.fingerprint(hashes.SHA256()).hex()
    assert from_path.sha256_fingerprint == expected


def test_model_dump_json() -> None:
    cert, _ = issued(
        name((PSEUDONYM, "Kite Runner")),
        extensions=[
            qc_extension(
                statement(
                    "qc_limit_value",
                    qa.MonetaryValue(
                        {
                            "currency": qa.Iso4217CurrencyCode(name="alphabetic", value="USD"),
                            "amount": 1,
                            "exponent": 6,
                        }
                    ),
                )
            )
        ],
    )
    data = json.loads(CertificateProfile.from_certificate(cert).model_dump_json())
    assert data["not_before"].startswith("2025-01-01T00:00:00")
    assert data["limits"]["limit_value"]["currency"] == "USD"
    assert Decimal(data["limits"]["limit_value"]["value"]) == Decimal(1_000_000)
    assert data["subject"]["is_pseudonym"] is True
    assert [f["status"] for f in data["fields"]][:2] == ["present", "present"]
    assert data["fields"][0]["citation"]["label"] == "BES art. 6(1)(a)"
    assert data["complete"] is True


def test_art6_field_result_refuses_wrong_citation_or_exemption() -> None:
    with pytest.raises(ValidationError):
        Art6FieldResult(
            field=Art6Field.A,
            citation=BES.ART_6_1_B,
            status=FieldStatus.PRESENT,
            location="issuer DN",
            detail="",
        )
    with pytest.raises(ValidationError):
        Art6FieldResult(
            field=Art6Field.A,
            citation=BES.ART_6_1_A,
            status=FieldStatus.EXEMPTED,
            location="issuer DN",
            detail="",
        )


def test_profile_refuses_fields_not_covering_a_to_h() -> None:
    cert, _ = issued()
    profile = CertificateProfile.from_certificate(cert)
    data = {key: getattr(profile, key) for key in CertificateProfile.model_fields}
    assert CertificateProfile.model_validate(data) == profile
    data["fields"] = profile.fields[:7]
    with pytest.raises(ValidationError, match="one result per letter"):
        CertificateProfile.model_validate(data)


# --------------------------------------------------------------------------- oids


def test_oid_names() -> None:
    assert QcStatementOID.QC_COMPLIANCE.dotted_string == "0.4.0.1862.1.1"
    assert QcStatementOID.PKIX_QC_SYNTAX_V2.dotted_string == "1.3.6.1.5.5.7.11.2"
    assert QcTypeOID.WEB.dotted_string == "0.4.0.1862.1.6.3"
    assert SemanticsIdOID.EIDAS_LEGAL.dotted_string == "0.4.0.194121.1.4"
    assert PolicyOID.QCP_L_QSCD.dotted_string == "0.4.0.194112.1.3"
    assert PolicyOID.LCP.dotted_string == "0.4.0.2042.1.3"
    assert oid_name(QcStatementOID.QC_SSCD) == "QcSSCD"
    assert oid_name("0.4.0.194112.1.2") == "QCP-n-qscd"
    assert oid_name("1.2.3.4") == "1.2.3.4"
    unknown = NamedOID.of("1.2.3.4")
    assert (unknown.name, unknown.known, str(unknown)) == (None, False, "1.2.3.4")
    known = NamedOID.of(PolicyOID.NCP_PLUS)
    assert (known.name, known.known, known.oid) == ("NCP+", True, PolicyOID.NCP_PLUS)
    with pytest.raises(ValueError):
        oid_name("not an oid")
