"""A tiny mailer: SMTP (``smtplib``) when ``LMS_MAIL_SERVER`` is set, otherwise every message is
written to the ``lms.mail`` logger (development, tests, demos).

Settings: ``LMS_MAIL_SERVER``, ``LMS_MAIL_PORT`` (25), ``LMS_MAIL_USE_TLS`` (STARTTLS, false),
``LMS_MAIL_USERNAME`` / ``LMS_MAIL_PASSWORD`` (optional), ``LMS_MAIL_SENDER``.

Every message is handed over on its own: one that cannot be built or that the server refuses
raises :class:`MailError` for that message only, and the connection stays usable for the next.
:class:`MailUnavailable` (a subclass) means no further message can go: the server cannot be
reached or dropped the connection. Header values made from data (a course title, a name) pass
through :func:`clean_header` first, so a newline in a title can neither break the message nor
add a header.
"""

from __future__ import annotations

import logging
import re
import smtplib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.errors import MessageError
from email.message import EmailMessage
from typing import Any, Protocol

mail_log = logging.getLogger("lms.mail")

DEFAULT_SENDER = "AI Literacy LMS <no-reply@localhost>"
# SMTP's "service not available, closing transmission channel": no later message will go either.
SERVICE_CLOSING = 421
_SPACES = re.compile(r"\s+")


class MailError(Exception):
    """One message was not handed over (an invalid address, a refused recipient...)."""


class MailUnavailable(MailError):
    """The mail server cannot be reached or dropped the connection: nothing more can be sent."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    logged_only: bool = False
    failures: list[tuple[Mail, str]] = field(default_factory=list)


def clean_header(value: str) -> str:
    """``value`` as one line of text: control characters (CR, LF, tab, NUL...) and Unicode line
    and paragraph separators become spaces, runs of white space one space."""
    visible = "".join(
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in value
    )
    return _SPACES.sub(" ", visible).strip()


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """The message for ``mail``; :class:`MailError` if it cannot be built (e.g. a control
    character in the address, which is refused rather than changed into another address)."""
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = mail.to
        message["Subject"] = clean_header(mail.subject)
        message.set_content(mail.body)
    except (ValueError, TypeError, MessageError) as error:
        raise MailError(f"cannot build the message to {mail.to!r}: {error}") from error
    return message


class Mailer(Protocol):
    logged_only: bool

    def send(self, mail: Mail) -> None:
        """Hand ``mail`` over, or raise :class:`MailError` / :class:`MailUnavailable`."""


class LogMailer:
    """No mail server configured: every message goes to the ``lms.mail`` logger."""

    logged_only = True

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, mail: Mail) -> None:
        message = build_message(mail, self.sender)  # the same checks as over SMTP
        mail_log.info("mail to=%s subject=%s\n%s", mail.to, message["Subject"], mail.body)


class SMTPMailer:
    """One open SMTP connection; each :meth:`send` is one message, isolated from the others."""

    logged_only = False

    def __init__(self, smtp: smtplib.SMTP, sender: str) -> None:
        self.smtp = smtp
        self.sender = sender

    def send(self, mail: Mail) -> None:
        message = build_message(mail, self.sender)
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as error:
            raise MailUnavailable(f"the mail server closed the connection: {error}") from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == SERVICE_CLOSING:
                raise MailUnavailable(f"the mail server stopped: {error}") from error
            raise MailError(f"the mail server refused the message to {mail.to}: {error}") from error
        except smtplib.SMTPException as error:  # recipients refused, SMTPUTF8 not supported...
            raise MailError(f"the mail server refused the message to {mail.to}: {error}") from error
        except UnicodeError as error:
            raise MailError(f"cannot send to {mail.to!r}: {error}") from error
        except OSError as error:  # a socket error or timeout: the connection is not usable
            raise MailUnavailable(f"the mail server connection failed: {error}") from error


def sender_of(config: Mapping[str, Any]) -> str:
    return str(config.get("MAIL_SENDER") or DEFAULT_SENDER)


@contextmanager
def open_mailer(config: Mapping[str, Any]) -> Iterator[Mailer]:
    """A mailer for a run of messages: one SMTP connection (opened here; :class:`MailUnavailable`
    if that fails), or the logger when no ``MAIL_SERVER`` is set."""
    sender = sender_of(config)
    server = config.get("MAIL_SERVER")
    if not server:
        yield LogMailer(sender)
        return
    port = int(config.get("MAIL_PORT") or 25)
    try:
        smtp = smtplib.SMTP(str(server), port, timeout=30)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
    except (OSError, smtplib.SMTPException) as error:
        mail_log.error("mail server %s:%s unavailable: %s", server, port, error)
        raise MailUnavailable(f"mail server {server}:{port} unavailable: {error}") from error
    try:
        yield SMTPMailer(smtp, sender)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()  # the connection is gone already; nothing was left unsent by this


def send(config: Mapping[str, Any], mails: Iterable[Mail]) -> SendReport:
    """Send ``mails`` over one SMTP connection (or log them). Never raises: a message that fails
    is counted, logged and listed, and the others still go; if the server goes away, every
    message not yet handed over is counted as failed."""
    mails = list(mails)
    report = SendReport(logged_only=not config.get("MAIL_SERVER"))
    if not mails:
        return report
    try:
        with open_mailer(config) as mailer:
            for mail in mails:
                try:
                    mailer.send(mail)
                except MailUnavailable:
                    raise
                except MailError as error:
                    _fail(report, mail, str(error))
                else:
                    report.sent += 1
    except MailUnavailable as error:
        done = report.sent + report.failed
        for mail in mails[done:]:
            _fail(report, mail, str(error))
    return report


def _fail(report: SendReport, mail: Mail, reason: str) -> None:
    report.failed += 1
    report.failures.append((mail, reason))
    mail_log.warning("mail to=%s failed: %s", mail.to, reason)
