"""Outgoing mail behind one small protocol; the default writes each message to a file.

``MAILER`` selects the implementation: ``file`` (default: one ``.eml`` per message in
``MAIL_DIR``, ``instance/mail``, mode 0600) or ``log`` (the message goes to the log, for
development). A deployment plugs in SMTP or a mail API by registering another :class:`Mailer`
with :func:`register_mailer`.
"""

from __future__ import annotations

import logging
import os
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

__all__ = ["FileMailer", "LogMailer", "Mailer", "get_mailer", "register_mailer"]

log = logging.getLogger(__name__)


class Mailer(Protocol):
    """Sends one plain-text message."""

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one plain-text message.

        Parameters
        ----------
        to : str
            Recipient address.
        subject : str
            Subject line.
        body : str
            Plain-text body.
        """


class FileMailer:
    """Writes each message as an ``.eml`` file (0600) into a folder (0700)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def send(self, to: str, subject: str, body: str) -> None:
        """Write the message as ``<random hex>.eml`` (mode 0600) into the folder (mode 0700).

        Parameters
        ----------
        to : str
            Recipient address.
        subject : str
            Subject line.
        body : str
            Plain-text body.
        """
        msg = EmailMessage()
        msg["To"], msg["From"], msg["Subject"] = (
            to,
            "Shoe Street <no-reply@shoestreet.invalid>",
            subject,
        )
        msg.set_content(body)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(msg))


class LogMailer:
    """Logs each message (development)."""

    def send(self, to: str, subject: str, body: str) -> None:
        """Log the message at WARNING level (development only: the body may hold a reset token).

        Parameters
        ----------
        to : str
            Recipient address.
        subject : str
            Subject line.
        body : str
            Plain-text body.
        """
        log.warning("mail to %s: %s\n%s", to, subject, body)


_REGISTRY: dict[str, Mailer] = {}


def register_mailer(name: str, mailer: Mailer) -> None:
    """Make ``mailer`` selectable with ``MAILER = name``."""
    _REGISTRY[name] = mailer


def get_mailer(app: Flask | None = None) -> Mailer:
    """The configured mailer."""
    app = app or current_app
    name = app.config.get("MAILER", "file")
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name == "log":
        return LogMailer()
    folder = app.config.get("MAIL_DIR") or Path(app.instance_path) / "mail"
    return FileMailer(folder)
