"""esig's TS 119 615 procedure, rule by rule, on plain facts.

The cases are those of ``docs/design/qualification.md`` §4: 1–27 re-run the DSS
fixtures (``dss-validation/src/test/resources/diag-data/sig-qualification``) as facts,
28–43 the rules DSS's code has and no fixture shows. Unless a case says otherwise the
certificate is issued 2018-12-20, the signature is proven 2020-12-20, and one CA/QC
service is granted since 2018-01-10 "for e-signatures". Most cases come in pairs whose
one difference flips the result, so each rule is seen both ways.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from esig.level_ladder import AdesLabel
from esig.ts119615 import CertFacts, CertQualification, ServiceEntry, qualify
from esig.ts119615.facts import (
    QC_COMPLIANCE,
    QC_SSCD,
    QC_TYPE,
    QCP,
    QCP_PLUS,
    QCT_ESEAL,
    QCT_ESIGN,
    QCT_WEB,
    Asi,
    Criteria,
    QcStatementCriterion,
    QualificationElement,
)
from esig.ts119615.labels import signature_label

Q = CertQualification
L = AdesLabel
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
CA_PKC = "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC"
STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
TYPES = {"esign": QCT_ESIGN, "eseal": QCT_ESEAL, "web": QCT_WEB}
ESIG = frozenset({Asi.FOR_ESIGNATURES})
POLICY = "1.3.6.1.4.1.99999.1"
ANY = Criteria()
"""An empty "all" criteria list: it matches every certificate."""


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


SIGNED = day("2020-12-20")


def cert(
    issued: str = "2018-12-20",
    *,
    qcc: bool = True,
    sscd: bool = False,
    types: tuple[str, ...] = ("esign",),
    legislation: tuple[str, ...] = (),
    policies: tuple[str, ...] = (),
) -> CertFacts:
    statements = {QC_COMPLIANCE} if qcc else set()
    statements |= {QC_SSCD} if sscd else set()
    statements |= {QC_TYPE} if types else set()
    return CertFacts(
        not_before=day(issued),
        qc_compliance=qcc,
        qc_sscd=sscd,
        qc_types=tuple(TYPES[t] for t in types),
        qc_legislation=legislation,
        qc_statements=frozenset(statements),
        policies=frozenset(policies),
        key_usage=frozenset({"nonRepudiation"}),
    )


def entry(
    *qualifiers: str,
    status: str = "granted",
    start: str = "2018-01-10",
    end: str | None = None,
    asi: frozenset[Asi] = ESIG,
    sti: str = CA_QC,
    service: str = "CA",
    criteria: Criteria = ANY,
) -> ServiceEntry:
    elements = (QualificationElement(qualifiers, criteria),) if qualifiers else ()
    return ServiceEntry(
        territory="BQ",
        list_sequence=1,
        provider="TSP",
        service=service,
        service_type=sti,
        status=STATUS + status,
        start=day(start),
        end=day(end) if end else None,
        asi=asi,
        elements=elements,
    )


def result(facts: CertFacts, *entries: ServiceEntry, moment: dt.datetime = SIGNED) -> Q:
    return qualify(facts, entries, moment).final


def label(facts: CertFacts, *entries: ServiceEntry, moment: dt.datetime = SIGNED) -> L:
    return signature_label("passed", result(facts, *entries, moment=moment))


QSCD_CERT = cert(sscd=True)
SEALS = frozenset({Asi.FOR_ESEALS})
BOTH = frozenset({Asi.FOR_ESIGNATURES, Asi.FOR_ESEALS})


CASES = [
    # id, certificate, entries, moment, expected certificate result, label
    ("1 granted", QSCD_CERT, [entry()], SIGNED, Q.QC_ESIG_QSCD, L.QESIG),
    (
        "2 withdrawn at issuance, granted at signing",
        QSCD_CERT,
        [entry(status="withdrawn", end="2019-01-01"), entry(start="2019-01-01")],
        SIGNED,
        Q.CERT_ESIG,
        L.ADESIG,
    ),
    (
        "3 granted at issuance, withdrawn at signing",
        QSCD_CERT,
        [entry(end="2019-06-01"), entry(status="withdrawn", start="2019-06-01")],
        SIGNED,
        Q.CERT_ESIG,
        L.ADESIG,
    ),
    (
        "4 QSCD status as in cert",
        QSCD_CERT,
        [entry("QCQSCDStatusAsInCert")],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "5 unknown qualifier",
        QSCD_CERT,
        [entry("http://example.org/Unheard")],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    ("6 QSCD overrule", cert(), [entry("QCWithQSCD")], SIGNED, Q.QC_ESIG_QSCD, L.QESIG),
    ("7 SSCD overrule after eIDAS", cert(), [entry("QCWithSSCD")], SIGNED, Q.QC_ESIG, L.ADESIG_QC),
    (
        "8 SSCD and QSCD overrule",
        cert(),
        [entry("QCWithSSCD", "QCWithQSCD")],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    ("9 no SSCD after eIDAS", QSCD_CERT, [entry("QCNoSSCD")], SIGNED, Q.QC_ESIG, L.ADESIG_QC),
    (
        "10 QSCD and no QSCD",
        QSCD_CERT,
        [entry("QCWithQSCD", "QCNoQSCD")],
        SIGNED,
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
    (
        "11 managed on behalf and QSCD",
        cert(),
        [entry("QCQSCDManagedOnBehalf", "QCWithQSCD")],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "12 managed on behalf and no QSCD",
        QSCD_CERT,
        [entry("QCQSCDManagedOnBehalf", "QCNoQSCD")],
        SIGNED,
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
    (
        "13 as in cert and QSCD",
        QSCD_CERT,
        [entry("QCQSCDStatusAsInCert", "QCWithQSCD")],
        SIGNED,
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
    (
        "14 no QSCD at issuance, QSCD at signing",
        cert("2016-12-01"),
        [
            entry("QCNoQSCD", start="2016-07-01", end="2018-01-01"),
            entry("QCWithQSCD", start="2018-01-01"),
        ],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "15 QSCD at issuance, no QSCD at signing",
        cert("2016-12-01"),
        [
            entry("QCWithQSCD", start="2016-07-01", end="2018-01-01"),
            entry("QCNoQSCD", start="2018-01-01"),
        ],
        SIGNED,
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
    (
        "16 esig at issuance, eseal at signing",
        cert(sscd=True, types=("esign", "eseal")),
        [entry(end="2019-01-01"), entry(start="2019-01-01", asi=SEALS)],
        SIGNED,
        Q.QC_UNKNOWN_QSCD,
        L.UNKNOWN_QC_QSCD,
    ),
    (
        "17 two QcTypes",
        cert(types=("esign", "eseal")),
        [entry(asi=BOTH)],
        SIGNED,
        Q.QC_UNKNOWN,
        L.UNKNOWN_QC,
    ),
    (
        "18 two QcTypes, not QC",
        cert(qcc=False, types=("esign", "eseal")),
        [entry()],
        SIGNED,
        Q.CERT_UNKNOWN,
        L.UNKNOWN,
    ),
    (
        "19 QCStatement, no qcStatements",
        cert(qcc=False, types=()),
        [entry("QCStatement")],
        SIGNED,
        Q.QC_UNKNOWN,
        L.UNKNOWN_QC,
    ),
    (
        "20 QCStatement, QcCompliance",
        cert(types=()),
        [entry("QCStatement")],
        SIGNED,
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
    (
        "20b QCStatement, QcCompliance and QcSSCD",
        cert(types=(), sscd=True),
        [entry("QCStatement")],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "21 QCStatement, QcSSCD only",
        cert(qcc=False, types=(), sscd=True),
        [entry("QCStatement")],
        SIGNED,
        Q.QC_UNKNOWN_QSCD,
        L.UNKNOWN_QC_QSCD,
    ),
    (
        "22 QCForESeal without its ASI",
        QSCD_CERT,
        [entry("QCForESeal", asi=frozenset({Asi.FOR_ESIGNATURES, Asi.FOR_WEB_AUTHENTICATION}))],
        SIGNED,
        Q.QC_UNKNOWN_QSCD,
        L.UNKNOWN_QC_QSCD,
    ),
    (
        "23 seal certificate, both ASI",
        cert(types=("eseal",)),
        [entry(asi=BOTH)],
        SIGNED,
        Q.QC_ESEAL,
        L.ADESEAL_QC,
    ),
    (
        "24 two QcTypes, both ASI",
        cert(types=("esign", "eseal")),
        [entry(asi=BOTH)],
        SIGNED,
        Q.QC_UNKNOWN,
        L.UNKNOWN_QC,
    ),
    (
        "25 website certificate",
        cert(sscd=True, types=("web",)),
        [entry(asi=frozenset({Asi.FOR_WEB_AUTHENTICATION}))],
        SIGNED,
        Q.QC_WSA,
        L.NOT_ADES,
    ),
    (
        "26 pre-eIDAS, accredited with QCNoSSCD",
        cert("2015-03-01", types=()),
        [
            entry(
                "QCNoSSCD",
                status="accredited",
                start="2010-01-01",
                end="2016-07-01",
                asi=frozenset(),
            ),
            entry(start="2016-07-01"),
        ],
        day("2016-04-01"),
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
    (
        "27 not a CA/QC service",
        cert(qcc=False, types=()),
        [entry(sti=CA_PKC)],
        SIGNED,
        Q.CERT_UNKNOWN,
        L.UNKNOWN,
    ),
    (
        "28 pre-eIDAS QCP+",
        cert("2015-03-01", qcc=False, types=(), policies=(QCP_PLUS,)),
        [
            entry(status="accredited", start="2010-01-01", end="2016-07-01", asi=frozenset()),
            entry(start="2016-07-01"),
        ],
        day("2016-04-01"),
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "29 pre-eIDAS QCP",
        cert("2015-03-01", qcc=False, types=(), policies=(QCP,)),
        [
            entry(status="accredited", start="2010-01-01", end="2016-07-01", asi=frozenset()),
            entry(start="2016-07-01"),
        ],
        day("2016-04-01"),
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
    (
        "30 QCP-n-qscd policy alone after eIDAS",
        cert(qcc=False, types=(), policies=("0.4.0.194112.1.2",)),
        [entry()],
        SIGNED,
        Q.CERT_UNKNOWN,
        L.UNKNOWN,
    ),
    ("31 QcCClegislation", cert(legislation=("CH",)), [entry()], SIGNED, Q.CERT_ESIG, L.ADESIG),
    (
        "32 legal person overrule to seals",
        cert(types=(), sscd=True),
        [entry("QCForLegalPerson", "QCForESeal", asi=SEALS)],
        SIGNED,
        Q.QC_ESEAL_QSCD,
        L.QESEAL,
    ),
    (
        "33 legal person cancels ForeSignatures",
        cert(types=()),
        [entry("QCForLegalPerson")],
        SIGNED,
        Q.CERT_ESIG,
        L.ADESIG,
    ),
    (
        "34a NotQualified for a policy the certificate has",
        cert(sscd=True, policies=(POLICY,)),
        [entry("NotQualified", criteria=Criteria(policy_sets=(frozenset({POLICY}),)))],
        SIGNED,
        Q.CERT_ESIG,
        L.ADESIG,
    ),
    (
        "34b NotQualified for a policy the certificate lacks",
        cert(sscd=True),
        [entry("NotQualified", criteria=Criteria(policy_sets=(frozenset({POLICY}),)))],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "35 QCStatement and NotQualified",
        QSCD_CERT,
        [entry("QCStatement", "NotQualified")],
        SIGNED,
        Q.CERT_ESIG,
        L.ADESIG,
    ),
    (
        "36 two granted services disagree",
        QSCD_CERT,
        [entry(service="A"), entry("QCNoQSCD", service="B")],
        SIGNED,
        Q.NA,
        L.NA,
    ),
    (
        "36b two granted services agree",
        QSCD_CERT,
        [entry(service="A"), entry(service="B")],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "37 a granted and a withdrawn service",
        QSCD_CERT,
        [entry(service="A"), entry(service="B", status="withdrawn")],
        SIGNED,
        Q.NA,
        L.NA,
    ),
    (
        "38 pre-eIDAS 'granted' is not a pre-eIDAS status",
        cert("2015-03-01", types=()),
        [entry(start="2014-01-01", asi=frozenset())],
        day("2016-04-01"),
        Q.CERT_ESIG,
        L.ADESIG,
    ),
    (
        "39 pre-eIDAS service for seals only",
        cert("2015-03-01", types=()),
        [entry(status="accredited", start="2010-01-01", asi=SEALS)],
        day("2016-04-01"),
        Q.QC_UNKNOWN,
        L.UNKNOWN_QC,
    ),
    (
        "40 QcStatementSet criterion",
        cert(sscd=True, types=("eseal",)),
        [
            entry(
                "QCForESeal",
                asi=SEALS,
                criteria=Criteria(
                    qc_statement_sets=((QcStatementCriterion(QC_TYPE, qc_type=QCT_ESEAL),),)
                ),
            )
        ],
        SIGNED,
        Q.QC_ESEAL_QSCD,
        L.QESEAL,
    ),
    (
        "40b QcStatementSet criterion not met",
        cert(sscd=True, types=("eseal",)),
        [
            entry(
                "NotQualified",
                asi=SEALS,
                criteria=Criteria(
                    qc_statement_sets=((QcStatementCriterion(QC_TYPE, qc_type=QCT_ESIGN),),)
                ),
            )
        ],
        SIGNED,
        Q.QC_ESEAL_QSCD,
        L.QESEAL,
    ),
    (
        "44 QCForWSA overrules the type to websites",
        QSCD_CERT,
        [entry("QCForWSA", asi=frozenset({Asi.FOR_ESIGNATURES, Asi.FOR_WEB_AUTHENTICATION}))],
        SIGNED,
        Q.QC_WSA,
        L.NOT_ADES,
    ),
    (
        "44b without QCForWSA the same service keeps the e-signature type",
        QSCD_CERT,
        [entry(asi=frozenset({Asi.FOR_ESIGNATURES, Asi.FOR_WEB_AUTHENTICATION}))],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "45 QCForESig overrules a seal certificate's type",
        cert(sscd=True, types=("eseal",)),
        [entry("QCForESig", asi=BOTH)],
        SIGNED,
        Q.QC_ESIG_QSCD,
        L.QESIG,
    ),
    (
        "45b QCForESig with QCForLegalPerson is inconsistent: type unknown",
        cert(sscd=True, types=("eseal",)),
        [entry("QCForESig", "QCForLegalPerson", asi=BOTH)],
        SIGNED,
        Q.QC_UNKNOWN_QSCD,
        L.UNKNOWN_QC_QSCD,
    ),
    (
        "43 at a status boundary both periods hold",
        QSCD_CERT,
        [entry("QCNoQSCD", start="2020-12-20"), entry(end="2020-12-20")],
        SIGNED,
        Q.NA,
        L.NA,
    ),
    (
        "43b just after the boundary",
        QSCD_CERT,
        [entry("QCNoQSCD", start="2020-12-20"), entry(end="2020-12-20")],
        SIGNED + dt.timedelta(seconds=1),
        Q.QC_ESIG,
        L.ADESIG_QC,
    ),
]


@pytest.mark.parametrize(
    ("facts", "entries", "moment", "expected", "expected_label"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_the_procedure_gives_dss_result(
    facts: CertFacts,
    entries: list[ServiceEntry],
    moment: dt.datetime,
    expected: Q,
    expected_label: L,
) -> None:
    outcome = qualify(facts, entries, moment)
    assert outcome.final is expected
    assert signature_label("passed", outcome.final) is expected_label
    assert outcome.at_signing is not None and outcome.at_signing.steps


def test_every_step_names_its_rule_and_the_entries() -> None:
    outcome = qualify(cert(), [entry("QCWithSSCD")], SIGNED)
    rules = [s.rule for s in outcome.all_steps]
    assert rules.count("TrustServiceAtTime") == 2  # issuance and signing
    warning = next(s for s in outcome.all_steps if s.rule == "ServiceConsistency")
    assert warning.outcome == "warn" and "QSCDPostEIDAS" in warning.detail
    assert warning.entries == ("BQ #1, 'TSP', service 'CA', granted from 2018-01-10 00:00 UTC",)
    qscd = [s for s in outcome.all_steps if s.rule == "QSCDCheck"]
    assert [s.outcome for s in qscd] == ["warn", "warn"]


def test_a_conflict_names_the_entries_that_disagree() -> None:
    outcome = qualify(QSCD_CERT, [entry(service="A"), entry("QCNoQSCD", service="B")], SIGNED)
    assert outcome.at_signing is not None
    assert {e.service for e in outcome.at_signing.conflicting} == {"A", "B"}


def test_no_service_and_no_acceptable_list_are_not_applicable() -> None:
    assert qualify(QSCD_CERT, [], SIGNED).final is Q.NA
    refused = replace(entry(), list_acceptable=False, list_problem="TSL version 4")
    outcome = qualify(QSCD_CERT, [refused], SIGNED)
    assert outcome.final is Q.NA
    assert [s.rule for s in outcome.steps] == [
        "AcceptableTrustedList",
        "AcceptableTrustedListPresence",
    ]
    assert qualify(QSCD_CERT, [entry()], SIGNED).final is Q.QC_ESIG_QSCD


def test_an_uninterpretable_period_is_not_guessed() -> None:
    broken = replace(entry("QCWithQSCD"), unreadable="an unknown criterion")
    assert qualify(QSCD_CERT, [broken], SIGNED).final is Q.NA


def test_an_undated_signature_is_judged_at_the_moment_given() -> None:
    # before the service was listed: not qualified then, qualified at issuance → not QC
    early = qualify(QSCD_CERT, [entry(end="2019-01-01")], day("2019-06-01"))
    assert early.final is Q.CERT_ESIG
    assert early.at_issuance is not None and early.at_issuance.result is Q.QC_ESIG_QSCD


@pytest.mark.parametrize(
    ("ades", "qualification", "expected"),
    [
        ("indeterminate", Q.QC_ESIG_QSCD, L.INDETERMINATE_QESIG),
        ("indeterminate", Q.QC_ESEAL, L.INDETERMINATE_ADESEAL_QC),
        ("indeterminate", Q.CERT_UNKNOWN, L.INDETERMINATE_UNKNOWN),
        ("indeterminate", Q.NA, L.NA),
        ("failed", Q.QC_ESIG_QSCD, L.NOT_ADES_QC_QSCD),
        ("failed", Q.QC_UNKNOWN, L.NOT_ADES_QC),
        ("failed", Q.CERT_ESIG, L.NOT_ADES),
        ("failed", Q.NA, L.NOT_ADES),
        ("passed", Q.QC_WSA, L.NOT_ADES),
        ("indeterminate", Q.QC_WSA, L.NOT_ADES),
    ],
)
def test_the_signature_label_follows_the_matrix(ades: str, qualification: Q, expected: L) -> None:
    assert signature_label(ades, qualification) is expected  # type: ignore[arg-type]


def test_criteria_combine_as_the_specification_says() -> None:
    from esig.ts119615.facts import KeyUsageCriterion
    from esig.ts119615.rules import criteria_match

    facts = cert(policies=(POLICY,))
    has_policy = Criteria(policy_sets=(frozenset({POLICY}),))
    lacks = Criteria(policy_sets=(frozenset({"1.2.3"}),))
    assert criteria_match(Criteria(), facts)  # empty "all" matches
    assert not criteria_match(Criteria(assertion="atLeastOne"), facts)
    assert criteria_match(Criteria(assertion="none"), facts)
    assert criteria_match(Criteria(assertion="atLeastOne", nested=(lacks, has_policy)), facts)
    assert not criteria_match(Criteria(nested=(lacks, has_policy)), facts)
    assert not criteria_match(Criteria(assertion="none", nested=(has_policy,)), facts)
    non_rep = KeyUsageCriterion(set_bits=frozenset({"nonRepudiation"}))
    no_sign = KeyUsageCriterion(clear_bits=frozenset({"nonRepudiation"}))
    assert criteria_match(Criteria(key_usage=(non_rep,)), facts)
    assert not criteria_match(Criteria(key_usage=(no_sign,)), facts)
    legislation = QcStatementCriterion("0.4.0.1862.1.7", legislation="CH")
    assert not criteria_match(Criteria(qc_statement_sets=((legislation,),)), facts)
