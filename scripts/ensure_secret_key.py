"""Write this installation's secret key (var/secret-key) once; later runs leave it as it is.

The settings read it when SECRET_KEY is not in the environment. Every tracking, follow,
confirmation and unsubscribe link is derived from it, so it must never change by itself: a
new key would orphan every link in circulation (see README, "Rotating the secret").
"""

import os
import secrets
import sys
from pathlib import Path


def secret_key_ensure(path: Path) -> bool:
    """Create the file with a fresh random key, readable by its owner only. Returns whether
    it was created. Two bootstraps at once (`make run` and `make test`) agree on one key: the
    key is written to a file of its own and linked into place, which fails if one is there."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(scratch, path)
        except FileExistsError:
            return False
    finally:
        scratch.unlink(missing_ok=True)
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/secret-key")
    if secret_key_ensure(target):
        print(f"wrote a new secret key to {target}")
