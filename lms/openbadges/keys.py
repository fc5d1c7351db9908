"""The issuer's signing keys, kept in one JSON file in the instance folder (mode 0600).

The file is created the first time a key is needed (never in code or in the repository) and looks
like ``{"keys": [{"kid", "created_at", "retired_at", "jwk"}]}``, oldest first. The newest key that
is not retired signs; every key still in the file is published in the JWKS, so credentials signed
before a rotation keep verifying until their key is removed on purpose.

Writes go to a temporary file that replaces the old one atomically; creation uses ``O_EXCL``, so
two workers starting at once end up with the same single key.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc.jwk import ECKey, KeySet

from lms.people.models import utcnow

ALGORITHM = "ES256"
CURVE = "P-256"
FILE_MODE = 0o600


class KeyStoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class IssuerKey:
    kid: str
    created_at: str
    retired_at: str | None
    jwk: dict[str, Any]  # private

    @property
    def private_key(self) -> ECKey:
        key = ECKey.import_key(self.jwk)
        return key

    def public_jwk(self) -> dict[str, Any]:
        public = dict(ECKey.import_key(self.jwk).as_dict(private=False))
        public.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})
        return public

    def as_dict(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "created_at": self.created_at,
            "retired_at": self.retired_at,
            "jwk": self.jwk,
        }


def key_file() -> Path:
    """``OPENBADGES_KEY_FILE`` if configured, else ``<instance>/openbadges-keys.json``."""
    configured = current_app.config.get("OPENBADGES_KEY_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / "openbadges-keys.json"


def _timestamp(moment: datetime | None = None) -> str:
    return (moment or utcnow()).replace(microsecond=0).isoformat() + "Z"


def new_key() -> IssuerKey:
    key = ECKey.generate_key(CURVE)
    return IssuerKey(
        kid=key.thumbprint(), created_at=_timestamp(), retired_at=None,
        jwk=dict(key.as_dict(private=True)),
    )


def _parse(text: str, path: Path) -> list[IssuerKey]:
    try:
        document = json.loads(text)
        return [
            IssuerKey(
                kid=str(item["kid"]),
                created_at=str(item["created_at"]),
                retired_at=item.get("retired_at"),
                jwk=dict(item["jwk"]),
            )
            for item in document["keys"]
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise KeyStoreError(f"{path}: not a valid issuer key file") from error


def _serialise(keys: list[IssuerKey]) -> str:
    return json.dumps({"keys": [key.as_dict() for key in keys]}, indent=2) + "\n"


def load_keys(path: Path | None = None, *, create: bool = True) -> list[IssuerKey]:
    """Every stored key, oldest first; the first call creates the file with one key."""
    path = path or key_file()
    if not path.exists():
        if not create:
            return []
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            pass  # another process created it a moment ago: read theirs
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(_serialise([new_key()]))
                handle.flush()
                os.fsync(handle.fileno())
    keys = _parse(path.read_text(encoding="utf-8"), path)
    if not keys:
        raise KeyStoreError(f"{path}: holds no key")
    return keys


def save_keys(keys: list[IssuerKey], path: Path | None = None) -> None:
    """Replace the key file atomically (a temporary file with mode 0600, then ``os.replace``)."""
    path = path or key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(_serialise(keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def signing_key(keys: list[IssuerKey] | None = None) -> IssuerKey:
    """The key new credentials are signed with: the newest one that is not retired."""
    keys = keys if keys is not None else load_keys()
    active = [key for key in keys if key.retired_at is None]
    if not active:
        raise KeyStoreError("every issuer key is retired: run `flask lms badges rotate-key`")
    return active[-1]


def public_keyset(keys: list[IssuerKey] | None = None) -> KeySet:
    """The public keys; no file yet means no key (reading never creates one)."""
    keys = keys if keys is not None else load_keys(create=False)
    return KeySet([ECKey.import_key(key.public_jwk()) for key in keys])


def jwks(keys: list[IssuerKey] | None = None) -> dict[str, Any]:
    """The public JWKS document: every key still kept, signer and retired alike. Empty until
    the first credential is signed (reading never creates a key)."""
    keys = keys if keys is not None else load_keys(create=False)
    return {"keys": [key.public_jwk() for key in keys]}


@dataclass(frozen=True)
class Rotation:
    new: IssuerKey
    retired: list[str]
    removed: list[str]


def rotate(*, remove_retired: bool = False, path: Path | None = None) -> Rotation:
    """Retire the current signer and add a new one. ``remove_retired`` drops every other key from
    the file (and so from the JWKS): credentials they signed stop verifying."""
    path = path or key_file()
    keys = load_keys(path)
    now = _timestamp()
    retired = [key.kid for key in keys if key.retired_at is None]
    kept = [
        IssuerKey(key.kid, key.created_at, key.retired_at or now, key.jwk) for key in keys
    ]
    removed: list[str] = []
    if remove_retired:
        removed = [key.kid for key in kept]
        kept = []
    new = new_key()
    save_keys([*kept, new], path)
    return Rotation(new=new, retired=retired, removed=removed)
