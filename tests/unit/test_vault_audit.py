"""The vault keeps a captured token durably and privately; the audit log never holds one."""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

import pytest

from clawtui.audit import AuditLog
from clawtui.secret import Token
from clawtui.vault import Vault, VaultError


def make_token() -> Token:
    return Token("sk-ant-oat01-" + secrets.token_urlsafe(72))


def test_store_load_delete(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault")
    token = make_token()
    path = vault.store("acme-prod", token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    entry = vault.load("acme-prod")
    assert entry is not None and entry.token == token
    assert vault.boxes() == ["acme-prod"]
    # Nothing but the vault file was written: no temporary file left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    vault.delete("acme-prod")
    assert vault.load("acme-prod") is None and vault.boxes() == []


def test_a_second_capture_replaces_the_first(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.store("a", make_token())
    newer = make_token()
    vault.store("a", newer)
    entry = vault.load("a")
    assert entry is not None and entry.token == newer


def test_store_failure_says_what_to_do_without_the_token(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    token = make_token()
    with pytest.raises(VaultError) as caught:
        Vault(blocker / "vault").store("a", token)
    assert "Do not close clawtui" in str(caught.value)
    assert token.reveal() not in str(caught.value)


def test_a_damaged_vault_file_is_reported_not_deleted(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.path("a").write_text("{not json")
    with pytest.raises(VaultError) as caught:
        vault.load("a")
    assert "damaged" in str(caught.value)
    assert vault.path("a").exists()


def test_audit_lines_carry_the_fingerprint_never_the_token(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", operator="ana")
    token = make_token()
    log.record("acme-prod", "token captured", "ok", token_fingerprint=token.fingerprint)
    # A reason that quotes a token (a program's message, say) is redacted.
    log.record("acme-prod", "failed", "failed", reason=f"openclaw said {token.reveal()} was bad")
    text = (tmp_path / "audit.jsonl").read_text()
    assert token.reveal() not in text
    assert token.reveal()[13:30] not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["operator"] == "ana" and first["box"] == "acme-prod"
    assert first["token_fingerprint"] == token.fingerprint and len(token.fingerprint) == 12
    assert first["time"].endswith("+00:00")
    assert "sk-ant-oat01-" in second["reason"]  # masked form kept, so the line stays readable
    assert stat.S_IMODE(os.stat(tmp_path / "audit.jsonl").st_mode) == 0o600


def test_last_results_per_box(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", operator="ana")
    log.record("a", "connect", "ok")
    log.record("a", "verified", "ok")
    log.record("b", "token pasted", "failed", reason="Cancelled")
    with (tmp_path / "audit.jsonl").open("a") as stream:
        stream.write('{"torn line\n')
    results = log.last_results()
    assert results["a"].step == "verified"
    assert results["b"].outcome == "failed"
