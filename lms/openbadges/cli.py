"""``flask --app wsgi lms badges ...`` commands for Open Badges keys, credentials and
certificates (added to the ``badges`` group in :mod:`lms.cli`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.openbadges import keys
from lms.openbadges.service import verify_credential
from lms.openbadges.urls import BaseUrlMissing
from lms.people.models import utcnow


@click.command("rotate-key")
@with_appcontext
@click.option(
    "--remove-retired",
    is_flag=True,
    help="Also drop every older key from the JWKS: credentials they signed stop verifying.",
)
def rotate_key_command(remove_retired: bool) -> None:
    """Make a new issuer signing key. Older keys stay in the JWKS unless --remove-retired."""
    try:
        rotation = keys.rotate(remove_retired=remove_retired)
    except keys.KeyStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"New signing key: {rotation.new.kid}")
    for kid in rotation.retired:
        click.echo(f"Retired (still published, old credentials verify): {kid}")
    for kid in rotation.removed:
        click.echo(f"Removed from the JWKS: {kid}")
    click.echo(f"Key file: {keys.key_file()}")


@click.command("keys")
@with_appcontext
def list_keys_command() -> None:
    """List the issuer keys published in the JWKS (the signer is marked)."""
    try:
        stored = keys.load_keys()
        signer = keys.signing_key(stored).kid
    except keys.KeyStoreError as error:
        raise click.ClickException(str(error)) from error
    for key in stored:
        state = "signer" if key.kid == signer else f"retired {key.retired_at or ''}".strip()
        click.echo(f"{key.kid}  created {key.created_at}  {state}")


@click.command("verify")
@with_appcontext
@click.argument("credential_file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def verify_command(credential_file: Path) -> None:
    """Verify an Open Badges 3.0 credential (a VC-JWT file, or - for standard input).

    Checks the signature against the JWKS, the issuer, the validity period and revocation; prints
    the result as JSON and exits with 1 when the credential is not valid.
    """
    if str(credential_file) == "-":
        token = sys.stdin.read()
    else:
        try:
            token = credential_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise click.ClickException(f"{credential_file}: cannot read ({error})") from error
    try:
        result = verify_credential(db.session, token, utcnow())
    except BaseUrlMissing as error:
        raise click.ClickException(
            "LMS_BASE_URL is not set: credentials are verified against the issuer at that "
            "address (set it to the site's public address, e.g. https://lms.example.com)."
        ) from error
    click.echo(json.dumps(result.as_dict(), indent=2))
    if not result.valid:
        click.echo(f"NOT VALID: {result.reason}", err=True)
        sys.exit(1)
    click.echo(f"VALID: {result.name or result.id}", err=True)


@click.command("certificates")
@with_appcontext
def certificates_command() -> None:
    """Issue the certificates missing for completed courses (e.g. after an upgrade)."""
    from lms.recognition.certificates import issue_missing_certificates

    issued = issue_missing_certificates(db.session)
    db.session.commit()
    click.echo(f"Issued {issued} certificate(s).")


COMMANDS = [rotate_key_command, list_keys_command, verify_command, certificates_command]
