"""Every class of data problem is reported with file, line and field; all of them together."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from busdocs.data.loader import DATA_FILES, load_data
from busdocs.errors import Problem, ProblemsError

ROOT = Path(__file__).resolve().parent.parent


def data_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def mutate(root: Path, name: str, old: str, new: str) -> int:
    """Replace `old` by `new` once in data/<name>; return the 1-based line where `new` starts."""
    path = root / "data" / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {name}"
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old):], encoding="utf-8")
    return text[:index].count("\n") + 1


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(ProblemsError) as info:
        load_data(root)
    return info.value.problems


def test_real_data_is_valid() -> None:
    data = load_data(ROOT)
    assert data.environments.get("production") is not None
    assert data.environments.get("staging") is not None
    assert data.site.domains.help == "help.university-bus-tracker.com"


CASES = [
    # (file, old, new, field, message fragment)
    ("environments.yml", "    visibility: public\n", "    visibility: publik\n",
     "environments[0].variables[0].visibility", "'publik' is not one of 'public', 'internal'"),
    ("environments.yml", "    visibility: public\n", "    visibilty: public\n",
     "environments[0].variables[0].visibilty", "unknown field (did you mean 'visibility'?)"),
    ("environments.yml", "    aws_region: us-east-1\n", "    aws_region: [us-east-1]\n",
     "environments[0].aws_region", "valid string"),
    ("environments.yml", "      - name: LOG_LEVEL\n        value: info\n", "      - name: LOG_LEVEL\n",
     "environments[0].variables[3]", "give exactly one of 'value' or 'secret'"),
    ("environments.yml", "      - name: PORT\n", "      - name: NODE_ENV\n",
     "environments[0].variables[1].name", "duplicate variable 'NODE_ENV' in production"),
    ("environments.yml", "  - name: staging\n", "  - name: production\n",
     "environments[1].name", "duplicate environment 'production'"),
    ("environments.yml", "        secret: prod/jwt/secret\n", "        value: hunter2hunter2\n",
     "environments[0].variables[7].value", "JWT_SECRET holds a credential"),
    ("environments.yml", "        value: info\n", "        value: AKIAIOSFODNN7EXAMPLE\n",
     "environments[0].variables[3].value", "looks like an AWS access key id"),
    ("environments.yml", "postgresql://bus_tracker_app@prod", "postgresql://bus_tracker_app:s3cret@prod",
     "environments[0].variables[4].value", "looks like a password in a URL"),
    ("environments.yml", "default: production\n", "default: prod\n", "default", "no environment is named 'prod'"),
    ("environments.yml", "        secret: prod/jwt/secret\n        visibility: internal\n",
     "        secret: prod/jwt/secret\n        visibility: public\n",
     "environments[0].variables[7]", "set visibility: internal"),
    ("site.yml", "  help: help.university-bus-tracker.com\n", "",
     "domains.help", "required field is missing"),
    ("site.yml", "  official_launch: 2027-01-25\n", "  official_launch: 2027-02-30\n",
     "launch.official_launch", "not a valid value"),
    ("site.yml", "  - id: phone\n", "  - id: email\n",
     "support.channels[2].id", "duplicate channel id 'email'"),
    ("site.yml", "      kind: phone\n", "      kind: fax\n",
     "support.channels[2].kind", "'fax' is not one of"),
    ("passes.yml", "  - id: monthly\n", "  - id: semester\n", "types[1].id", "duplicate pass type 'semester'"),
    ("passes.yml", "    price: 4500\n", "    price: -4500\n", "types[1].price", "greater than 0"),
    ("infrastructure.yml", "      security_group: database\n", "      security_group: db\n",
     "environments.production.database.security_group", "unknown security group 'db'"),
    # documentation-only values pass only on a resource marked unverified
    ("infrastructure.yml", "account: { status: unverified, alias: bus-tracker-prod, id: null,",
     'account: { status: verified, alias: bus-tracker-prod, id: "123456789012",',
     "environments.production.account.id", "123456789012 is AWS's documentation account id"),
    ("environments.yml", "prod-db.rds.amazonaws.com:5432/bus_tracker\n        visibility: internal\n        status: unverified\n",
     "prod-db.rds.amazonaws.com:5432/bus_tracker\n        visibility: internal\n",
     "environments[0].variables[4].value", "prod-db.rds.amazonaws.com is a placeholder host"),
    # per-environment references of monitoring.yml resolve in every environment
    ("monitoring.yml", 'DBInstanceIdentifier: "{database.identifier}"', 'DBInstanceIdentifier: "{database.identifer}"',
     "alarms[6].dimensions.DBInstanceIdentifier", "{database.identifer} is not a value of production"),
    ("monitoring.yml", "    topic: bus-tracker-critical\n", "    topic: pager\n", "alarms[0].topic",
     "unknown topic 'pager'"),
    ("oncall.yml", "    lead: ayesha\n", "    lead: nobody\n", "teams[0].lead", "unknown person 'nobody'"),
    ("deploy.yml", "  .css: text/css; charset=utf-8\n", "  .css: text/css\n", "content_types..css",
     "needs '; charset=utf-8'"),
    ("deploy.yml", "    approver: kamran\n", "    approver: kamil\n", "access.request_access.approver",
     "no person 'kamil' in data/oncall.yml"),
    ("deploy.yml", "    team: platform\n", "    team: devops\n", "access.request_access.team",
     "no team 'devops' in data/oncall.yml"),
    ("deploy.yml", "    - cidr: 198.51.100.0/27\n", "    - cidr: 203.0.113.0/24\n", "access.staff_ranges[1].cidr",
     "duplicate range '203.0.113.0/24'"),
    ("deploy.yml", "    - cidr: 198.51.100.0/27\n", "    - cidr: 198.51.100.0/33\n", "access.staff_ranges[1].cidr",
     "does not have the expected form"),
    ("deploy.yml", "    verified: false\n", "    verified: maybe\n", "access.staff_ranges[0].verified",
     "valid boolean"),
]


@pytest.mark.parametrize(("name", "old", "new", "field", "fragment"), CASES,
                         ids=[f"{c[0]}:{c[3]}" for c in CASES])
def test_problem_names_file_line_and_field(tmp_path: Path, name: str, old: str, new: str, field: str,
                                           fragment: str) -> None:
    root = data_copy(tmp_path)
    line = mutate(root, name, old, new)
    problems = problems_of(root)
    matching = [p for p in problems if p.field == field and (fragment or "") in p.message]
    assert matching, "\n".join(map(str, problems))
    problem = matching[0]
    assert problem.file == Path("data") / name
    # The problem points at the changed lines, or at the parent entry of a missing/whole-item field.
    assert problem.line is not None and abs(problem.line - line) <= 2, (problem, line)


def test_malformed_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    root = data_copy(tmp_path)
    line = mutate(root, "site.yml", "  city: Islamabad\n", "  city: [Islamabad\n")
    problems = problems_of(root)
    assert any(p.file == Path("data/site.yml") and "invalid YAML" in p.message and p.line
               and p.line >= line for p in problems)


def test_all_problems_of_a_run_are_reported_together(tmp_path: Path) -> None:
    root = data_copy(tmp_path)
    mutate(root, "environments.yml", "    visibility: public\n", "    visibility: publik\n")
    mutate(root, "site.yml", "      kind: phone\n", "      kind: fax\n")
    mutate(root, "passes.yml", "    price: 4500\n", "    price: 0\n")
    files = {p.file.name for p in problems_of(root)}
    assert files == {"environments.yml", "site.yml", "passes.yml"}


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    root = data_copy(tmp_path)
    (root / "data" / "passes.yml").unlink()
    problems = problems_of(root)
    assert [str(p) for p in problems] == ["data/passes.yml: file not found"]


def test_every_data_file_has_a_model() -> None:
    names = {p.stem for p in (ROOT / "data").glob("*.yml")}
    assert names == {spec.name for spec in DATA_FILES}


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
        ("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", "a SendGrid API key"),
        ("postgresql://app:hunter2@db.example.com/x", "a password in a URL"),
        ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
        ("#/components/schemas/UserNotificationSettingsUpdate", None),
        ("postgresql://bus_tracker_app@prod-db.rds.amazonaws.com:5432/bus_tracker", None),
        ("prod/jwt/secret", None),
    ],
)
def test_credential_patterns(text: str, label: str | None) -> None:
    from busdocs.data.secrets import find_credential

    assert find_credential(text) == label


BYTE_CASES = [
    # (what, bytes put before the line holding `price: 4500`, message fragment, expected line or None = that line)
    ("invalid-utf8", b"\xff\xfe", "not UTF-8 text: byte 0xff", None),
    ("nul-byte", b"\x00", "NUL byte", None),
    ("control-character", b"\x01", "U+0001 is not allowed", None),
    ("bom", None, "byte order mark", 1),
]


@pytest.mark.parametrize(("what", "inserted", "fragment", "expected_line"), BYTE_CASES, ids=[c[0] for c in BYTE_CASES])
def test_byte_level_problems_name_file_and_line(tmp_path: Path, what: str, inserted: bytes | None, fragment: str,
                                                expected_line: int | None) -> None:
    root = data_copy(tmp_path)
    path = root / "data" / "passes.yml"
    raw = path.read_bytes()
    at = raw.index(b"    price: 4500")
    line = raw.count(b"\n", 0, at) + 1
    raw = b"\xef\xbb\xbf" + raw if inserted is None else raw[:at] + inserted + raw[at:]
    path.write_bytes(raw)
    problems = problems_of(root)
    matching = [p for p in problems if fragment in p.message]
    assert matching, "\n".join(map(str, problems))
    assert matching[0].file == Path("data/passes.yml")
    assert matching[0].line == (expected_line or line), matching[0]


def test_a_verified_resource_cannot_hold_a_documentation_value(tmp_path: Path) -> None:
    """The example range of the bastion's VPN rule is accepted while marked unverified, refused once
    the security group claims to be verified; the same for a verified placeholder host."""
    root = data_copy(tmp_path)
    text = (root / "data" / "infrastructure.yml").read_text()
    bastion = text.index("id: sg-02f8b1d6e9a4c7351")
    status = text.rindex("status: unverified", 0, bastion)
    database = text.index("identifier: bus-tracker-prod-db")
    db_status = text.rindex("status: unverified", 0, database)
    for at in sorted([status, db_status], reverse=True):
        text = text[:at] + "status: verified  " + text[at + len("status: unverified"):]
    (root / "data" / "infrastructure.yml").write_text(text)
    problems = {p.field: p for p in problems_of(root)}
    rule = problems["environments.production.security_groups[4].ingress[0].source"]
    assert "203.0.113.0/24 is in the documentation range 203.0.113.0/24 (RFC 5737)" in rule.message
    assert rule.line == text[:text.index("source: 203.0.113.0/24")].count("\n") + 1
    assert "placeholder host" in problems["environments.production.database.endpoint"].message
    assert "environments.staging.database.endpoint" not in problems  # staging's is still marked


@pytest.mark.parametrize(("value", "why"), [
    ("192.0.2.10", "192.0.2.0/24"), ("198.51.100.0/24", "198.51.100.0/24"), ("203.0.113.0/28", "203.0.113.0/24"),
    ("2001:db8::5", "2001:db8::/32"), ("arn:aws:sns:us-east-1:123456789012:x", "documentation account"),
    ("https://ops.example.net/x", "documentation domain"), ("prod-redis.cache.amazonaws.com", "placeholder host"),
    ("10.0.1.0/24", None), ("0.0.0.0/0", None), ("bus-tracker-prod-db.c8x2k1.us-east-1.rds.amazonaws.com", None),
    ("1234567890123", None), ("counterexample.com", None),
])
def test_documentation_values_are_recognised(value: str, why: str | None) -> None:
    from busdocs.data.placeholders import documentation_value

    found = documentation_value(value)
    assert (found is None) if why is None else (found is not None and why in found), found


# ---------------------------------------------------------------- parses kept in the process


def test_a_changed_data_file_is_seen_even_with_the_same_size_and_time(cold_project: Path) -> None:
    """Parses are kept by the bytes read, not by size and mtime: an edit within the same
    nanosecond timestamp and of the same length still reaches the next load."""
    import os

    from busdocs.data.visibility import internal_values

    root = cold_project
    first = load_data(root)
    assert "ayesha.siddiqui@margalla.edu.pk" in internal_values(first)
    path = root / "data" / "oncall.yml"
    before = path.stat()
    mutate(root, "oncall.yml", "ayesha.siddiqui@", "ayesha.siddiquX@")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    second = load_data(root)
    assert second.oncall.people[0].email == "ayesha.siddiquX@margalla.edu.pk"
    needles = internal_values(second)
    assert "ayesha.siddiquX@margalla.edu.pk" in needles and "ayesha.siddiqui@margalla.edu.pk" not in needles
    line = mutate(root, "oncall.yml", "phone: \"+92 300 555 0141\"", "phone: [")  # then bad YAML
    problems = problems_of(root)
    assert problems and problems[0].file == Path("data/oncall.yml") and problems[0].line is not None
    assert problems[0].line >= line and "invalid YAML" in problems[0].message


def test_what_a_caller_does_to_loaded_data_does_not_reach_the_next_load(cold_project: Path) -> None:
    root = cold_project
    first = load_data(root)
    pristine = load_data(root).sources["oncall"]
    first.sources["oncall"].data["people"][0]["name"] = "Somebody Else"
    first.sources["oncall"].data["people"].append({"id": "x"})
    first.sources["oncall"].lines.lines[("people",)] = 999
    first.sources["oncall"].problems.append(Problem(Path("x"), 1, "", "planted"))
    again = load_data(root).sources["oncall"]
    assert again.data == pristine.data and again.data["people"][0]["name"] == "Ayesha Siddiqui"
    assert again.lines.lines == pristine.lines.lines and again.problems == []


def test_needles_of_a_changed_copy_of_the_data_are_its_own(cold_project: Path) -> None:
    """`internal_values` keeps its answer for data straight from the files only: a changed copy
    (`dataclasses.replace`) or a view is worked out afresh."""
    import dataclasses

    from busdocs.data.loader import content_key
    from busdocs.data.visibility import internal_values, public_view

    root = cold_project
    data = load_data(root)
    assert content_key(data) is not None and content_key(public_view(data)) is None
    people = list(data.oncall.people)
    people[0] = people[0].model_copy(update={"email": "someone.new@margalla.edu.pk"})
    changed = dataclasses.replace(data, oncall=data.oncall.model_copy(update={"people": people}))
    assert content_key(changed) is None
    assert "someone.new@margalla.edu.pk" in internal_values(changed)
    assert "someone.new@margalla.edu.pk" not in internal_values(data)
