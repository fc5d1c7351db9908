"""A tiny mailer: SMTP (``smtplib``) when ``LMS_MAIL_SERVER`` is set, otherwise every message is
written to the ``lms.mail`` logger (development, tests, demos).

Settings: ``LMS_MAIL_SERVER``, ``LMS_MAIL_PORT`` (25), ``LMS_MAIL_USE_TLS`` (STARTTLS, false),
``LMS_MAIL_USERNAME`` / ``LMS_MAIL_PASSWORD`` (optional), ``LMS_MAIL_SENDER``.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

mail_log = logging.getLogger("lms.mail")

DEFAULT_SENDER = "AI Literacy LMS <no-reply@localhost>"


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


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    return message


def send(config: Mapping[str, Any], mails: Iterable[Mail]) -> SendReport:
    """Send ``mails`` over one SMTP connection (or log them). Never raises for one bad address:
    failures are counted and logged."""
    mails = list(mails)
    report = SendReport()
    sender = str(config.get("MAIL_SENDER") or DEFAULT_SENDER)
    server = config.get("MAIL_SERVER")
    if not server:
        report.logged_only = True
        for mail in mails:
            mail_log.info("mail to=%s subject=%s\n%s", mail.to, mail.subject, mail.body)
            report.sent += 1
        return report
    if not mails:
        return report
    port = int(config.get("MAIL_PORT") or 25)
    try:
        with smtplib.SMTP(str(server), port, timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
            for mail in mails:
                try:
                    smtp.send_message(_message(mail, sender))
                    report.sent += 1
                except smtplib.SMTPException as error:
                    report.failed += 1
                    mail_log.warning("mail to=%s failed: %s", mail.to, error)
    except (OSError, smtplib.SMTPException) as error:
        report.failed += len(mails) - report.sent
        mail_log.error("mail server %s:%s unavailable: %s", server, port, error)
    return report
