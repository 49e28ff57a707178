"""Outgoing mail (``storefront/accounts/mailer.py``): one message builder for both mailers.

The written file is read back with the standard library's e-mail parser and the logged text
compared with it, so both mailers are shown to send the same message; a header with a line
break is refused by both (no header can be smuggled in through an address or subject).
"""

from __future__ import annotations

import logging
import stat
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from storefront.accounts.mailer import SENDER, FileMailer, LogMailer

_BODY = "비밀번호 재설정 / Reset token: abc123\n\nIt works once, for 30 minutes.\n"


def test_file_and_log_mailers_send_the_same_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    FileMailer(tmp_path / "mail").send("kim@example.org", "비밀번호 / Reset", _BODY)
    (eml,) = (tmp_path / "mail").glob("*.eml")
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "mail").stat().st_mode) == 0o700
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert (msg["To"], msg["From"], msg["Subject"]) == (
        "kim@example.org",
        SENDER,
        "비밀번호 / Reset",
    )
    assert msg.get_content() == _BODY
    with caplog.at_level(logging.WARNING, logger="storefront.accounts.mailer"):
        LogMailer().send("kim@example.org", "비밀번호 / Reset", _BODY)
    (record,) = [r for r in caplog.records if r.name == "storefront.accounts.mailer"]
    assert record.getMessage() == f"mail to kim@example.org: 비밀번호 / Reset\n{_BODY}"


@pytest.mark.parametrize("mailer", ["file", "log"])
def test_a_header_with_a_line_break_is_refused_by_both_mailers(tmp_path: Path, mailer: str) -> None:
    m = FileMailer(tmp_path / "mail") if mailer == "file" else LogMailer()
    with pytest.raises(ValueError, match="linefeed|carriage return"):
        m.send("kim@example.org\nBcc: all@example.org", "Reset", "body\n")
    with pytest.raises(ValueError, match="linefeed|carriage return"):
        m.send("kim@example.org", "Reset\r\nBcc: all@example.org", "body\n")
    assert list(tmp_path.glob("mail/*.eml")) == []  # nothing half-written
