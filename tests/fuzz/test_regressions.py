"""Inputs the fuzz suite found escaping, rebuilt by hand: each now ends in an EsigError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from esig.certificates import load_certificates
from esig.errors import CertificateLoadError
from esig.issuance import TestPKI
from esig.model.trusted_lists import TrustedListError
from esig.testing.trusted_lists import (
    ProviderSpec,
    ServiceSpec,
    StatusSpec,
    TrustServiceStatus,
    build_trusted_list,
)
from esig.trust.trusted_lists import read_trusted_list


def test_a_certificate_whose_subject_is_malformed_is_refused_when_loaded() -> None:
    person = TestPKI().issue_person("Anna", "de Vries").certificate
    der = person.public_bytes(Encoding.DER)
    subject = person.subject.public_bytes()
    at = der.rindex(subject)  # the subject comes after the issuer
    # the first attribute's value (countryName, a PrintableString) retagged as a SET
    value = at + subject.index(b"\x13\x02BQ")
    broken = der[:value] + b"\x11" + der[value + 1 :]
    # cryptography accepts it and decodes the names later; esig reads them at once. (In
    # some full-suite runs cryptography refused it at load already; either way it is a
    # CertificateLoadError on load, never an error later inside a check.)
    with pytest.raises(
        CertificateLoadError,
        match=r"names of certificate 1 cannot be read|No certificate could be read",
    ):
        load_certificates(broken)


def test_a_trusted_list_date_that_is_no_date_time_is_refused(tmp_path: Path) -> None:
    pki = TestPKI()
    import datetime as dt

    granted = StatusSpec(TrustServiceStatus.GRANTED, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    xml = build_trusted_list(
        [ProviderSpec("Provider", [ServiceSpec("CA", pki.intermediate.certificate, (granted,))])]
    )
    broken = re.sub(
        rb"<tsl:ListIssueDateTime>[^<]*<", b"<tsl:ListIssueDateTime>2026-12-07T03:-1:50Z<", xml
    )
    assert broken != xml
    path = tmp_path / "tl.xml"
    path.write_bytes(broken)
    with pytest.raises(TrustedListError, match="schema does not allow"):
        read_trusted_list(path)
