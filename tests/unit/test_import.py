"""`clawtui import ssh-config|csv`: boxes from an OpenSSH config or a spreadsheet, as inventory
entries that clawtui's own loader reads back."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clawtui.__main__ import main
from clawtui.importer import Entry, to_toml
from clawtui.inventory import Box, load_inventory


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME of the test's own: relative Includes are taken from its .ssh folder."""
    folder = tmp_path / "home"
    (folder / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    return folder


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def load_printed(toml: str, tmp_path: Path) -> dict[str, Box]:
    inventory = tmp_path / "printed.toml"
    inventory.write_text(toml, encoding="utf-8")
    return {box.name: box for box in load_inventory(inventory)}


# ------------------------------------------------------------------------------ ssh config


def test_ssh_config_with_includes_and_patterns(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ssh = home / ".ssh"
    (ssh / "config").write_text(
        "# the operator's config\n"
        "Include conf.d/*.conf\n"  # relative: from ~/.ssh, glob in lexical order
        "Include ~/elsewhere/extra\n"
        "Host acme-prod\n"
        "    HostName 203.0.113.7\n"
        "    IdentityFile ~/.ssh/acme.pem\n"
        "    ProxyJump ops@bastion.example:2222\n"
        "Host web-? db* !db-old\n"
        "    Port 2200\n"
        "Host globex-web\n"
        "    HostName=10.0.0.5\n"
        "    Port = 2222\n"
        "    ProxyJump none\n"
        "Host *\n"
        "    User admin\n"
        "    ProxyJump gate\n"
        "Match host acme-prod\n"
        "    User matched\n"
    )
    (ssh / "conf.d").mkdir()
    (ssh / "conf.d" / "b.conf").write_text('Host "hooli"\n  HostName %h.example.com\n')
    (ssh / "conf.d" / "a.conf").write_text("Host initech\n  HostName 198.51.100.9\n  User ubuntu\n")
    (ssh / "conf.d" / "ignored.txt").write_text("Host not-included\n")
    (home / "elsewhere").mkdir()
    # A file that includes itself, nested: the import ends all the same.
    (home / "elsewhere" / "extra").write_text("Include ~/elsewhere/extra\nHost soylent\n")

    status, out, err = run(["import", "ssh-config"], capsys)
    assert status == 0
    boxes = load_printed(out, tmp_path)
    # Files in the order OpenSSH reads them; each host once.
    assert list(boxes) == ["initech", "hooli", "soylent", "acme-prod", "globex-web"]
    acme = boxes["acme-prod"]
    assert (acme.host, acme.user, acme.port) == ("203.0.113.7", "admin", None)
    assert acme.key == home / ".ssh" / "acme.pem"
    assert acme.jump == "ops@bastion.example:2222"  # its own, not Host *'s
    assert boxes["initech"].user == "ubuntu"  # the first value obtained wins
    assert boxes["hooli"].host == "hooli.example.com"  # %h is the alias
    assert boxes["hooli"].jump == "gate"
    globex = boxes["globex-web"]
    assert (globex.host, globex.port, globex.jump) == ("10.0.0.5", 2222, "")
    assert "not-included" not in out and "matched" not in out
    # Every pattern is named in a note, and so is the Match block.
    for pattern in ("'web-?'", "'db*'", "'!db-old'", "'*'"):
        assert f"Host {pattern} skipped: a pattern" in err
    assert "config:17: Match block ignored" in err


def test_an_include_inside_a_host_block_applies_only_to_that_host(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    config.write_text("Host db1 db2\n    Include extra\nHost plain\n")
    (home / ".ssh" / "extra").write_text(
        "Port 2201\n"  # before any Host line: for db1 and db2 only
        "Host db2\n"
        "    User dbadmin\n"
        "Host stray\n"  # OpenSSH never applies this one: `Host db1 db2` does not match it
    )
    status, out, err = run(["import", "ssh-config", str(config)], capsys)
    assert status == 0
    boxes = load_printed(out, tmp_path)
    assert list(boxes) == ["db1", "db2", "plain"]
    assert (boxes["db1"].port, boxes["db1"].user) == (2201, None)
    assert (boxes["db2"].port, boxes["db2"].user) == (2201, "dbadmin")
    assert boxes["plain"].port is None
    assert "Host 'stray' skipped" in err and "Include above the first Host line" in err


def test_a_host_clawtui_cannot_name_is_skipped_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    config.write_text("Host -bad\nHost ok\n  Port twenty\nHost fine\n")
    status, out, err = run(["import", "ssh-config", str(config)], capsys)
    assert status == 0
    assert list(load_printed(out, tmp_path)) == ["fine"]
    assert "Host '-bad' skipped: field 'name': must start with a letter or digit" in err
    assert "Host 'ok' skipped: Port 'twenty' is not a number" in err


def test_a_missing_ssh_config_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["import", "ssh-config", str(tmp_path / "nope")], capsys)
    assert (status, out) == (2, "")
    assert "no such file" in err


# ------------------------------------------------------------------------------ CSV


def test_csv_rows_become_boxes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "boxes.csv"
    # As a spreadsheet exports it: a BOM, CRLF, columns in its own order, capitals, blanks.
    sheet.write_bytes(
        "\ufeffCustomer,Name,Host,User,Port,Key\r\n"
        '"Acme, Inc",acme-prod,203.0.113.7,ubuntu,22,~/.ssh/acme.pem\r\n'
        "\r\n"
        "Globex,globex-web,10.0.0.5,,,\r\n".encode()
    )
    status, out, err = run(["import", "csv", str(sheet)], capsys)
    assert (status, err) == (0, "")
    boxes = load_printed(out, tmp_path)
    assert list(boxes) == ["acme-prod", "globex-web"]
    acme = boxes["acme-prod"]
    assert (acme.customer, acme.host, acme.user, acme.port) == (
        "Acme, Inc",
        "203.0.113.7",
        "ubuntu",
        22,
    )
    globex = boxes["globex-web"]
    assert (globex.user, globex.port, globex.key) == (None, None, None)


def test_csv_errors_are_all_reported_with_their_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "boxes.csv"
    sheet.write_text(
        "name,host,user,port,key,customer\n"
        "acme-prod,203.0.113.7,ubuntu,22,,Acme\n"  # 2: fine
        "bad name,10.0.0.1,,,,\n"  # 3
        "globex,,,,,Globex\n"  # 4
        "hooli,10.0.0.3,,99999,,\n"  # 5
        "acme-prod,10.0.0.4,,,,\n"  # 6
        "initech,10.0.0.5,,ssh,,\n"  # 7
        'umbrella,"10.0.0.6\n10.0.0.7",,,,\n'  # 8-9: a host over two lines
        "tyrell,10.0.0.8,,,,,extra\n"  # 10
    )
    status, out, err = run(["import", "csv", str(sheet)], capsys)
    assert (status, out) == (2, "")
    assert "nothing imported, 7 problems" in err
    problems = [line.strip() for line in err.splitlines()[1:]]
    assert [problem.split(":")[0] for problem in problems] == [
        "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 10",
    ]  # fmt: skip
    assert "field 'name'" in problems[0]
    assert "'host' is empty" in problems[1]
    assert "99999 is not a TCP port" in problems[2]
    assert "'acme-prod' is already used on line 2" in problems[3]
    assert "'ssh' is not a whole number" in problems[4]
    assert "field 'host': must not contain spaces" in problems[5]
    assert "7 values, but the header names 6 columns" in problems[6]


def test_csv_header_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "boxes.csv"
    sheet.write_text("nmae,host,port,host,notes\nacme,1.2.3.4,22,,\n")
    status, out, err = run(["import", "csv", str(sheet)], capsys)
    assert (status, out) == (2, "")
    assert "column 1 'nmae' is not a known column (did you mean 'name'?)" in err
    assert "column 'host' appears twice" in err
    assert "column 5 'notes' is not a known column" in err
    assert "the required column 'name' is missing" in err


def test_a_hostile_csv_cannot_inject_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "boxes.csv"
    customer = 'Evil"\nhost = "attacker.example"\n[[box]]\nname = "pwned" \\ \x7f \x1b[31m'
    quoted = customer.replace('"', '""')
    sheet.write_text(f'name,host,customer\nshop,10.0.0.9,"{quoted}"\n', encoding="utf-8")
    status, out, _ = run(["import", "csv", str(sheet)], capsys)
    assert status == 0
    assert "\x1b" not in out and "\x7f" not in out  # nothing raw reaches the terminal either
    boxes = load_printed(out, tmp_path)
    assert list(boxes) == ["shop"]
    assert boxes["shop"].host == "10.0.0.9"
    assert boxes["shop"].customer == customer.strip()


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_any_text_round_trips_through_toml(text: str) -> None:
    entry = Entry(name="box", host="h", customer=text, key=text or None)
    document = tomllib.loads(to_toml([entry]))
    assert document["box"] == [entry.table()]


# ------------------------------------------------------------------------------ --write


def test_write_appends_and_never_duplicates_a_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "boxes.toml"
    inventory.write_text('# mine\n[[box]]\nname = "acme-prod"\nhost = "203.0.113.7"  # keep\n')
    sheet = tmp_path / "boxes.csv"
    sheet.write_text("name,host,customer\nacme-prod,10.9.9.9,Other\nglobex,10.0.0.5,Globex\n")

    # A dry run by default: the inventory is not touched.
    status, out, _ = run(["import", "csv", str(sheet), "--inventory", str(inventory)], capsys)
    assert status == 0 and "globex" in out
    before = inventory.read_text()
    assert "globex" not in before

    argv = ["--inventory", str(inventory), "import", "csv", str(sheet), "--write"]
    status, out, err = run(argv, capsys)
    assert status == 0
    assert f"Added 1 box to {inventory}: globex" in out
    assert "'acme-prod' skipped: the inventory already has a box of that name" in err
    text = inventory.read_text()
    assert text.startswith(before)  # appended: the operator's own lines and comments stay
    boxes = {box.name: box for box in load_inventory(inventory)}
    assert list(boxes) == ["acme-prod", "globex"]
    assert boxes["acme-prod"].host == "203.0.113.7"  # not overwritten
    assert boxes["globex"].customer == "Globex"

    # Again: nothing new, nothing written.
    status, out, _ = run(argv, capsys)
    assert status == 0 and "Added 0 boxes" in out
    assert inventory.read_text() == text


def test_write_creates_a_missing_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "config" / "boxes.toml"
    sheet = tmp_path / "boxes.csv"
    sheet.write_text("name,host,port,jump\nacme,10.0.0.1,2222,ops@bastion:2200\n")
    argv = ["import", "csv", str(sheet), "--write", "--inventory", str(inventory)]
    status, _, _ = run(argv, capsys)
    assert status == 0
    [box] = load_inventory(inventory)
    assert (box.name, box.port, box.jump) == ("acme", 2222, "ops@bastion:2200")


def test_write_refuses_a_broken_inventory_and_leaves_it_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "boxes.toml"
    inventory.write_text("[[box]\nname = \n")
    sheet = tmp_path / "boxes.csv"
    sheet.write_text("name,host\nacme,10.0.0.1\n")
    argv = ["import", "csv", str(sheet), "--write", "--inventory", str(inventory)]
    status, out, err = run(argv, capsys)
    assert status == 2 and "TOML syntax error" in err
    assert inventory.read_text() == "[[box]\nname = \n"
