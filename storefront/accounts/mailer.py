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

__all__ = [
    "SENDER",
    "FileMailer",
    "LogMailer",
    "Mailer",
    "compose",
    "get_mailer",
    "register_mailer",
]

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


#: The sender of every message.
SENDER = "Shoe Street <no-reply@shoestreet.invalid>"


def compose(to: str, subject: str, body: str) -> EmailMessage:
    """The one plain-text message every built-in mailer sends (headers checked here).

    Parameters
    ----------
    to, subject, body : str
        As :meth:`Mailer.send`.

    Returns
    -------
    email.message.EmailMessage
        ``To``, ``From`` (:data:`SENDER`), ``Subject`` and the body.

    Raises
    ------
    ValueError
        A header holds a line break (no header can be smuggled into the message).
    """
    msg = EmailMessage()
    msg["To"], msg["From"], msg["Subject"] = to, SENDER, subject
    msg.set_content(body)
    return msg


class FileMailer:
    """Writes each message as ``<random hex>.eml`` (mode 0600) into a folder (mode 0700)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def send(self, to: str, subject: str, body: str) -> None:
        """Write :func:`compose`'s message to a new file (parameters as :meth:`Mailer.send`)."""
        data = bytes(compose(to, subject, body))
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)


class LogMailer:
    """Logs each message at WARNING level (development only: the body may hold a reset token)."""

    def send(self, to: str, subject: str, body: str) -> None:
        """Log :func:`compose`'s message (parameters as :meth:`Mailer.send`)."""
        msg = compose(to, subject, body)
        log.warning("mail to %s: %s\n%s", msg["To"], msg["Subject"], msg.get_content())


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
