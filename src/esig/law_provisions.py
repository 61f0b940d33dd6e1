"""Every provision of the BES decree, and what answers it: an esig check or the organisation.

The decree (:class:`esig.law.BES`) has 45 provisions at the finest level esig cites:
art. 1(a)–(d); 2(1)(a)(1°)–(3°), 2(1)(b), 2(2); 3(a)–(g); 4(1)–(6); 5(a)–(n);
6(1)(a)–(h), 6(2). :data:`PROVISIONS` holds one :class:`Provision` for each:

* :attr:`ProvisionKind.CHECK` — esig implements it. The entry names the check (a dotted
  reference into ``esig``, e.g. ``esig.verification.CheckId.INTEGRITY``) and two tests of
  esig's own suite: one where the provision is met, one where it is not.
* :attr:`ProvisionKind.ORGANISATIONAL` — it binds a person or body (the certification
  service provider, the Minister), not software. The entry says why, and may name the
  part esig plays (a check and its tests) without claiming that esig fulfils the duty.
* :attr:`ProvisionKind.PENDING` — neither yet: the work is under way elsewhere. Its reason
  starts with ``pending:``.

``docs/legal.md`` is generated from this registry by :func:`render_markdown`
(``python scripts/gen_legal.py``); a test keeps the two equal and checks that every test
named here exists::

    >>> from esig.law import BES
    >>> from esig.law_provisions import provision
    >>> provision(BES.ART_3_B).check
    'esig.verification.CheckId.INTEGRITY'
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from esig._model import EsigModel
from esig.law import BES, Citation

__all__ = [
    "BES_PROVISIONS",
    "PROVISIONS",
    "Provision",
    "ProvisionKind",
    "pending",
    "provision",
    "render_markdown",
]

PENDING_PREFIX = "pending:"


class ProvisionKind(StrEnum):
    """How a provision of the decree is answered."""

    CHECK = "check"
    """An esig check implements it; two tests show it met and not met."""
    ORGANISATIONAL = "organisational"
    """It binds an organisation or person, not software."""
    PENDING = "pending"
    """Not answered yet; the reason says where the work is done."""


class Provision(EsigModel):
    """One provision of the decree and what answers it."""

    citation: Citation
    """The provision, e.g. ``BES art. 3(b)``."""
    kind: ProvisionKind
    """Check, organisational or pending."""
    check: str | None = None
    """Dotted reference to the esig check (required for a check; for an organisational
    provision, the part esig plays, if any)."""
    passing_test: str | None = None
    """Node id of a test where the provision is met, ``tests/test_x.py::test_name``."""
    failing_test: str | None = None
    """Node id of a test where it is not met (or, see :attr:`note`, the other outcome)."""
    binds: str | None = None
    """Who the provision binds, for an organisational one."""
    reason: str | None = None
    """Why it binds that organisation, not software; or, when pending, where the work is."""
    note: str | None = None
    """What the tests show, where the columns alone could mislead."""

    @model_validator(mode="after")
    def _consistent(self) -> Provision:
        if self.kind is ProvisionKind.CHECK:
            if not (self.check and self.passing_test and self.failing_test):
                raise ValueError(f"{self.citation}: a check needs its check and both tests")
            if self.reason or self.binds:
                raise ValueError(f"{self.citation}: a check gives no organisational reason")
        elif self.kind is ProvisionKind.ORGANISATIONAL:
            if not (self.reason and self.binds):
                raise ValueError(f"{self.citation}: say whom it binds and why")
            if (self.passing_test or self.failing_test) and not self.check:
                raise ValueError(f"{self.citation}: tests belong to a named check")
        else:
            if not (self.reason or "").startswith(PENDING_PREFIX):
                raise ValueError(f"{self.citation}: a pending reason starts with 'pending:'")
            if self.check or self.passing_test or self.failing_test:
                raise ValueError(f"{self.citation}: a pending provision names no check")
        return self

    @property
    def summary(self) -> str:
        """What the provision asks (the citation's summary)."""
        return self.citation.summary


BES_PROVISIONS: tuple[Citation, ...] = (
    *(BES.ART_1_A, BES.ART_1_B, BES.ART_1_C, BES.ART_1_D),
    *(BES.ART_2_1_A_1, BES.ART_2_1_A_2, BES.ART_2_1_A_3, BES.ART_2_1_B, BES.ART_2_2),
    *(BES.ART_3_A, BES.ART_3_B, BES.ART_3_C, BES.ART_3_D, BES.ART_3_E, BES.ART_3_F),
    BES.ART_3_G,
    *(BES.ART_4_1, BES.ART_4_2, BES.ART_4_3, BES.ART_4_4, BES.ART_4_5, BES.ART_4_6),
    *(BES.ART_5_A, BES.ART_5_B, BES.ART_5_C, BES.ART_5_D, BES.ART_5_E, BES.ART_5_F),
    *(BES.ART_5_G, BES.ART_5_H, BES.ART_5_I, BES.ART_5_J, BES.ART_5_K, BES.ART_5_L),
    *(BES.ART_5_M, BES.ART_5_N),
    *(BES.ART_6_1_A, BES.ART_6_1_B, BES.ART_6_1_C, BES.ART_6_1_D, BES.ART_6_1_E),
    *(BES.ART_6_1_F, BES.ART_6_1_G, BES.ART_6_1_H, BES.ART_6_2),
)
"""The decree's 45 provisions, in the order of the decree."""

_CSP = "the certification service provider"
_LEVELS = "tests/test_levels.py::"
_SESSION = "tests/test_session.py::"
_VERIFY = "tests/test_sign_verify.py::"
_REGISTER = "tests/test_register.py::"
_PROFILES = "tests/test_profiles.py::"
_CA = "tests/test_provider_ca.py::"
_AUDIT = "tests/test_provider_audit.py::"
_SERVICE = "tests/test_provider_service.py::"
_CEREMONY = "tests/test_provider_ceremony.py::"
_REQ = "esig.levels.RequirementId."
_CHECK = "esig.verification.CheckId."
_ART6 = "esig.profiles.Art6Field."


def _check(
    citation: Citation, check: str, passing: str, failing: str, note: str | None = None
) -> Provision:
    return Provision(
        citation=citation,
        kind=ProvisionKind.CHECK,
        check=check,
        passing_test=passing,
        failing_test=failing,
        note=note,
    )


def _org(
    citation: Citation,
    reason: str,
    *,
    binds: str = _CSP,
    check: str | None = None,
    passing: str | None = None,
    failing: str | None = None,
) -> Provision:
    return Provision(
        citation=citation,
        kind=ProvisionKind.ORGANISATIONAL,
        binds=binds,
        reason=reason,
        check=check,
        passing_test=passing,
        failing_test=failing,
    )


def _pending(citation: Citation, reason: str) -> Provision:
    return Provision(citation=citation, kind=ProvisionKind.PENDING, reason=reason)


_ART2_NOT_SHOWN = (
    "The failing test is a software key: the evidence does not show the requirement "
    "(NOT_SHOWN), which keeps the signature from QES."
)

PROVISIONS: tuple[Provision, ...] = (
    # --- art. 1: the requirements of an (advanced) electronic signature
    _check(
        BES.ART_1_A,
        f"{_REQ}UNIQUELY_LINKED",
        f"{_LEVELS}test_full_evidence_reaches_qes",
        f"{_LEVELS}test_each_requirement_can_fail",
    ),
    _check(
        BES.ART_1_B,
        f"{_REQ}VERIFIABLE_AT_ANY_TIME",
        f"{_LEVELS}test_long_term_material_makes_it_verifiable_at_any_time",
        f"{_LEVELS}test_a_b_b_signature_is_not_shown_verifiable_at_any_time",
        "Met only with a trusted signature timestamp and embedded revocation data (B-LT); "
        "verifiable today without them is indeterminate.",
    ),
    _check(
        BES.ART_1_C,
        f"{_REQ}SOLE_CONTROL",
        f"{_LEVELS}test_full_evidence_reaches_qes",
        f"{_LEVELS}test_each_requirement_can_fail",
    ),
    _check(
        BES.ART_1_D,
        f"{_REQ}LINKED_TO_DATA",
        f"{_LEVELS}test_full_evidence_reaches_qes",
        f"{_LEVELS}test_each_requirement_can_fail",
    ),
    # --- art. 2: secure signature creation
    _check(
        BES.ART_2_1_A_1,
        "esig.signing.SessionEvidence.assessment",
        f"{_SESSION}test_secure_device_evidence_meets_art_2_1_a",
        f"{_SESSION}test_software_key_evidence_is_never_a_qscd",
        _ART2_NOT_SHOWN,
    ),
    _check(
        BES.ART_2_1_A_2,
        f"{_CHECK}ALGORITHMS",
        "tests/test_algorithms.py::test_strong_algorithms_pass",
        "tests/test_algorithms.py::test_small_rsa_key_made_now_is_indeterminate",
    ),
    _check(
        BES.ART_2_1_A_3,
        "esig.signing.SessionEvidence.assessment",
        f"{_SESSION}test_secure_device_evidence_meets_art_2_1_a",
        f"{_SESSION}test_software_key_evidence_is_never_a_qscd",
        _ART2_NOT_SHOWN,
    ),
    _check(
        BES.ART_2_1_B,
        "esig.signing.SigningSession.sign",
        f"{_SESSION}test_read_session_evidence_returns_what_was_presented_and_acknowledged",
        f"{_SESSION}test_document_changed_after_presentation_is_refused",
        "A document changed after it was presented is refused before it is signed.",
    ),
    _check(
        BES.ART_2_2,
        "esig.signing.SigningSession.acknowledge",
        f"{_SESSION}test_read_session_evidence_returns_what_was_presented_and_acknowledged",
        f"{_SESSION}test_sign_without_acknowledgement_is_refused",
        "Without an acknowledged risk disclosure the session refuses to sign.",
    ),
    # --- art. 3: secure verification
    _check(
        BES.ART_3_A,
        f"{_CHECK}SIGNED_DATA",
        f"{_VERIFY}test_signed_pdf_verifies_and_reaches_aes",
        "tests/test_bad_input.py::test_broken_byte_ranges_fail",
    ),
    _check(
        BES.ART_3_B,
        f"{_CHECK}INTEGRITY",
        f"{_VERIFY}test_signed_pdf_verifies_and_reaches_aes",
        f"{_VERIFY}test_byte_flipped_in_signature_value_breaks_integrity",
    ),
    _check(
        BES.ART_3_C,
        f"{_CHECK}SIGNED_CONTENT",
        f"{_VERIFY}test_signed_revision_is_handed_back",
        "tests/test_bad_input.py::test_broken_byte_ranges_fail",
    ),
    _check(
        BES.ART_3_D,
        f"{_CHECK}CERTIFICATE",
        f"{_VERIFY}test_signed_pdf_verifies_and_reaches_aes",
        f"{_VERIFY}test_impostor_root_with_the_same_name_is_not_trusted",
    ),
    _check(
        BES.ART_3_E,
        f"{_CHECK}IDENTITY",
        f"{_VERIFY}test_signed_pdf_verifies_and_reaches_aes",
        "tests/test_bad_input.py::test_cms_that_does_not_parse",
    ),
    _check(
        BES.ART_3_F,
        f"{_CHECK}PSEUDONYM",
        "tests/test_issuance.py::test_pseudonym_is_flagged_in_text_and_json",
        f"{_PROFILES}test_real_name_is_not_marked_as_pseudonym",
        "Art. 3(f) judges esig's own display, so no input makes it fail; the second test "
        "is the other outcome: a real name is not marked as a pseudonym.",
    ),
    _check(
        BES.ART_3_G,
        f"{_CHECK}MODIFICATIONS",
        "tests/test_attacks.py::test_signature_added_to_a_form_fillable_certified_document",
        "tests/test_attacks.py::test_annotation_added_to_a_certified_document",
    ),
    # --- art. 4: recognition of providers, the register
    _check(
        BES.ART_4_1,
        f"{_REQ}RECOGNISED_PROVIDER",
        f"{_REGISTER}test_qualified_certificate_from_a_recognised_provider_is_qes",
        f"{_REGISTER}test_unknown_issuer_is_not_registered",
    ),
    _check(
        BES.ART_4_2,
        "esig.trust.register.RegisteredProvider",
        f"{_REGISTER}test_grantor_and_basis_round_trip_and_appear_in_the_explanation",
        f"{_REGISTER}test_grantor_must_be_stated_and_another_grantor_is_flagged",
        "The register records who granted the recognition (recognised_by); a grantor other "
        "than the Minister of Economic Affairs is flagged.",
    ),
    _check(
        BES.ART_4_3,
        "esig.trust.register.RegisteredProvider",
        f"{_REGISTER}test_grantor_and_basis_round_trip_and_appear_in_the_explanation",
        f"{_REGISTER}test_grantor_must_be_stated_and_another_grantor_is_flagged",
        "The register records on which basis (recognition_basis, art. 5 met); an empty "
        "basis is refused.",
    ),
    _check(
        BES.ART_4_4,
        "esig.trust.register.CspRegister.status_at",
        f"{_REGISTER}test_withdrawal_on_request_has_no_grace_period",
        f"{_REGISTER}test_withdrawn_provider_is_not_qes_and_says_why",
        "The first test: recognised until a withdrawal on request takes effect; the second: "
        "withdrawn because art. 5 is no longer met, so not QES.",
    ),
    _check(
        BES.ART_4_5,
        "esig.trust.register.Withdrawal",
        f"{_REGISTER}test_compliance_period_of_two_weeks_is_accepted_fifteen_days_refused",
        f"{_REGISTER}test_withdrawal_before_the_period_ends_is_refused",
        "The decree limits the period to comply again (at most two weeks), not the time "
        "from the notice to the withdrawal.",
    ),
    _check(
        BES.ART_4_6,
        "esig.trust.register.CspRegister.authenticated",
        f"{_REGISTER}test_register_signed_by_the_authority_is_authenticated",
        f"{_REGISTER}test_tampered_register_fails_authentication",
        "A register counts only when authenticated (a detached CAdES by the register "
        "authority, or a digest published out of band); keeping it public is the "
        "Minister's duty.",
    ),
    # --- art. 5: requirements for providers
    _org(
        BES.ART_5_A,
        "Reliability is shown by the provider to the Minister as the ground for recognition "
        "(art. 4(3)); it is a quality of the organisation, which no certificate or signature "
        "carries. esig.provider's audit (intact records, roles, signed store) is evidence the "
        "provider may bring; docs/provider.md.",
        check="esig.provider.CertificateAuthority.audit",
        passing=f"{_AUDIT}test_untouched_records_are_intact",
        failing=f"{_AUDIT}test_a_deleted_record_is_named",
    ),
    _org(
        BES.ART_5_B,
        "Issuing and revoking quickly and securely is the provider's service, which it must "
        "operate around the clock. esig's part (esig.provider): a revocation is in the very "
        "next OCSP answer and CRL of esig ca serve; a revocation undone outside esig stops "
        "the CRL instead of hiding it.",
        check="esig.provider.OperatorSession.revoke",
        passing=f"{_SERVICE}test_openssl_sees_good_then_revoked_at_once",
        failing=f"{_AUDIT}test_an_undone_revocation_is_found_and_no_status_is_answered",
    ),
    _org(
        BES.ART_5_C,
        "The duty to put the art. 6 content into certificates is the provider's. esig.provider "
        "issues the art. 6 qualified profile from the identity record; esig checks any "
        "certificate under art. 6(1)(a)-(h).",
        check="esig.profiles.CertificateProfile",
        passing=f"{_CA}test_a_certificate_after_identity_and_terms_has_the_art6_profile",
        failing=f"{_PROFILES}test_a_missing_without_issuer_organization_or_country",
    ),
    _org(
        BES.ART_5_D,
        "Recording when a certificate was issued and revoked is the provider's duty (and its "
        "clock's accuracy its own). esig.provider takes both times from one clock, in UTC to "
        "the second, into the certificate, the store, the log, the CRL and OCSP; esig's "
        "verifier compares a stated revocation time with the signing time a timestamp proves.",
        check="esig.provider.Clock",
        passing=f"{_CA}test_one_clock_to_the_second_in_certificate_store_and_log",
        failing=f"{_CA}test_a_clock_without_a_time_zone_is_refused",
    ),
    _org(
        BES.ART_5_E,
        "The applicant's identity is verified by the provider's registration officers, in "
        "person or by an equivalent means; software cannot see the document. esig.provider "
        "records who checked, which document and how, and refuses to issue without that "
        "record. A one-time code is no such verification, so it never makes a signature "
        "qualified.",
        check="esig.provider.OperatorSession.record_identity",
        passing=f"{_CA}test_the_issuance_record_points_to_the_identity_check_and_the_acknowledgement",
        failing=f"{_CA}test_no_identity_record_no_certificate",
    ),
    _org(
        BES.ART_5_F,
        "Staff, their knowledge and qualifications are the provider's; software cannot show "
        "them. esig.provider records which named operator, with which role, did each act.",
    ),
    _org(
        BES.ART_5_G,
        "Administrative and management procedures are the provider's, audited against "
        "recognised standards, not read from a signature. esig.provider's roles and log "
        "support separation of duties; the procedures themselves are the provider's.",
    ),
    _org(
        BES.ART_5_H,
        "The provider's own systems and products (its CA, its key storage) must be "
        "trustworthy; that is a property of the provider's installation and certified "
        "hardware. esig.provider's key ceremony generates the CA key on a PKCS#11 token, "
        "sensitive and never extractable (checked after generation), logs it as the first "
        "record, refuses a second ceremony, and the CA refuses a device that is not the "
        "recorded CA.",
        check="esig.provider.key_ceremony",
        passing=f"{_CEREMONY}test_the_ceremony_makes_a_root_on_the_token_and_logs_it",
        failing=f"{_CEREMONY}test_a_second_ceremony_on_the_same_store_or_key_label_is_refused",
    ),
    _org(
        BES.ART_5_I,
        "Measures against forgery, and confidential key generation where the provider "
        "generates keys, happen at the provider. esig's part: a CSR must prove possession "
        "of its key, and esig verifies the issuer's signature on each certificate "
        "(art. 6(1)(g)).",
        check=f"{_ART6}G",
        passing=f"{_CA}test_a_certificate_after_identity_and_terms_has_the_art6_profile",
        failing=f"{_CA}test_a_csr_whose_signature_fails_proves_no_possession",
    ),
    _org(
        BES.ART_5_J,
        "Financial means to bear liability are the provider's; no software can show them.",
    ),
    _org(
        BES.ART_5_K,
        "Keeping the records of each certificate, for as long as the law asks, is the "
        "provider's duty. esig.provider keeps them in an append-only, hash-chained, signed "
        "log (on SQLite and PostgreSQL) that esig ca audit verifies and esig ca export "
        "hands over signed; esig ca verify-bundle checks such a bundle, and re-audits its "
        "log, without the database.",
        check="esig.provider.CertificateAuthority.audit",
        passing=f"{_AUDIT}test_untouched_records_are_intact",
        failing=f"{_AUDIT}test_an_altered_record_is_named",
    ),
    _org(
        BES.ART_5_L,
        "The duty not to store or copy a customer's signature creation data binds the "
        "provider. esig.provider cannot take one: it issues only from a CSR and refuses a "
        "private key offered in its place.",
        check="esig.provider.OperatorSession.issue",
        passing=f"{_CA}test_the_store_holds_no_subscriber_key_after_issuance",
        failing=f"{_CA}test_a_private_key_is_never_taken_in_place_of_a_csr",
    ),
    _org(
        BES.ART_5_M,
        "Telling the customer the conditions of use before the contract is the provider's "
        "duty. esig.provider versions the terms, records the subscriber's acknowledgement "
        "by content hash before issuance, and puts the terms' URL in QcPDS; esig reads "
        "QcPDS from any certificate.",
        check="esig.provider.OperatorSession.acknowledge_terms",
        passing=f"{_CA}test_new_terms_go_into_the_qcpds_of_later_certificates",
        failing=f"{_CA}test_no_acknowledgement_of_the_current_terms_no_certificate",
    ),
    _org(
        BES.ART_5_N,
        "Storing certificates in a trustworthy repository is the provider's system. "
        "esig.provider's store: only authenticated operators with the role write, each "
        "record is signed by the CA, a certificate is published only with consent, and a "
        "weakened store is reported by the audit.",
        check="esig.provider.CertificateAuthority.published_certificates",
        passing=f"{_CA}test_only_certificates_with_consent_are_published",
        failing=f"{_CA}test_consent_set_in_the_database_does_not_publish",
    ),
    # --- art. 6: content of a certificate
    _check(
        BES.ART_6_1_A,
        f"{_ART6}A",
        f"{_PROFILES}test_complete_profile_with_verified_issuer_signature",
        f"{_PROFILES}test_a_missing_without_issuer_organization_or_country",
    ),
    _check(
        BES.ART_6_1_B,
        f"{_ART6}B",
        f"{_PROFILES}test_complete_profile_with_verified_issuer_signature",
        f"{_PROFILES}test_b_missing_when_subject_names_no_one",
    ),
    _check(
        BES.ART_6_1_C,
        f"{_ART6}C",
        f"{_PROFILES}test_c_present_with_organisation_attributes",
        f"{_PROFILES}test_c_absent_is_not_applicable_not_missing",
        "Art. 6(1)(c) asks for room for an attribute where relevant, so an absent one is "
        "not applicable, never missing: the second test shows that other outcome.",
    ),
    _check(
        BES.ART_6_1_D,
        f"{_ART6}D",
        f"{_PROFILES}test_complete_profile_with_verified_issuer_signature",
        f"{_PROFILES}test_d_invalid_when_public_key_cannot_be_decoded",
    ),
    _check(
        BES.ART_6_1_E,
        f"{_ART6}E",
        f"{_PROFILES}test_complete_profile_with_verified_issuer_signature",
        f"{_PROFILES}test_e_invalid_when_validity_ends_before_it_starts",
    ),
    _check(
        BES.ART_6_1_F,
        f"{_ART6}F",
        f"{_PROFILES}test_complete_profile_with_verified_issuer_signature",
        f"{_PROFILES}test_f_invalid_with_non_positive_serial",
    ),
    _check(
        BES.ART_6_1_G,
        f"{_ART6}G",
        f"{_PROFILES}test_complete_profile_with_verified_issuer_signature",
        f"{_PROFILES}test_g_invalid_with_wrong_issuer_key",
    ),
    _check(
        BES.ART_6_1_H,
        f"{_ART6}H",
        f"{_PROFILES}test_h_limits_read_back",
        f"{_PROFILES}test_h_invalid_when_limit_statement_is_malformed",
    ),
    _check(
        BES.ART_6_2,
        "esig.profiles.FieldStatus.EXEMPTED",
        f"{_PROFILES}test_exemption_turns_missing_into_exempted",
        f"{_PROFILES}test_exemption_does_not_excuse_an_invalid_field",
    ),
)
"""One entry per provision of :data:`BES_PROVISIONS`, in the same order."""


def provision(citation: Citation) -> Provision:
    """The registry entry for ``citation``.

    Raises:
        KeyError: ``citation`` is not one of the decree's 45 provisions.

    """
    for entry in PROVISIONS:
        if entry.citation == citation:
            return entry
    raise KeyError(str(citation))


def pending() -> tuple[Provision, ...]:
    """The provisions not answered yet (kind :attr:`ProvisionKind.PENDING`)."""
    return tuple(p for p in PROVISIONS if p.kind is ProvisionKind.PENDING)


def _cell(text: str | None) -> str:
    return text.replace("|", "\\|") if text else "—"


def _code(text: str | None) -> str:
    return f"`{text}`" if text else "—"


def _answer(entry: Provision) -> str:
    if entry.kind is ProvisionKind.PENDING:
        return f"**PENDING** — {_cell(entry.reason)}"
    if entry.kind is ProvisionKind.ORGANISATIONAL:
        text = f"**Organisational** (binds {entry.binds}): {_cell(entry.reason)}"
        if entry.check:
            text += f" esig's part: `{entry.check}`."
        return text
    text = f"`{entry.check}`"
    if entry.note:
        text += f" — {_cell(entry.note)}"
    return text


def render_markdown() -> str:
    """The text of ``docs/legal.md``: one table row per provision of the decree."""
    counts = {kind: sum(p.kind is kind for p in PROVISIONS) for kind in ProvisionKind}
    lines = [
        "<!-- Generated from esig.law_provisions by scripts/gen_legal.py: do not edit. -->",
        "",
        "# Every provision, tested",
        "",
        f"The BES decree has {len(PROVISIONS)} provisions at the level esig cites. For each, "
        "the table names the esig check that implements it, with a test of esig's own suite "
        "where the provision is met and one where it is not; or it says why the provision "
        "binds an organisation (the certification service provider, the Minister) rather "
        "than software. Pending rows are not answered yet.",
        "",
        f"Checks: {counts[ProvisionKind.CHECK]}. "
        f"Organisational: {counts[ProvisionKind.ORGANISATIONAL]}. "
        f"Pending: {counts[ProvisionKind.PENDING]}.",
        "",
        "The summaries are esig's English translation; the Dutch text is authoritative. The "
        "registry is `esig.law_provisions`, its entries "
        "[`Provision`][esig.law_provisions.Provision] values; a test keeps this page equal "
        "to it and checks that every test named here exists.",
        "",
        "| provision | what it asks | implemented by | test: met | test: not met |",
        "|---|---|---|---|---|",
    ]
    for entry in PROVISIONS:
        cells = (
            f"`{entry.citation.label}`",
            _cell(entry.summary),
            _answer(entry),
            _code(entry.passing_test),
            _code(entry.failing_test),
        )
        lines.append("| " + " | ".join(cells) + " |")
    waiting = pending()
    if waiting:
        lines += ["", "## Pending", ""]
        lines += [f"- `{p.citation.label}`: {p.reason}" for p in waiting]
    return "\n".join(lines) + "\n"
