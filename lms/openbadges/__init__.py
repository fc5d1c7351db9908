"""Open Badges: 2.0 hosted assertions (JSON-LD, baked PNGs) and 3.0 signed credentials (VC-JWT).

- :mod:`lms.openbadges.baking` writes and reads the ``openbadges`` iTXt chunk of a PNG.
- :mod:`lms.openbadges.v2` builds the 2.0 Issuer, BadgeClass, Assertion and RevocationList.
- :mod:`lms.openbadges.keys` keeps the issuer's signing keys in the instance folder.
- :mod:`lms.openbadges.v3` builds, signs and verifies ``OpenBadgeCredential`` VC-JWTs.
- :mod:`lms.openbadges.views` serves all of it publicly under ``/ob``.
"""
