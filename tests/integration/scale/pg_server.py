"""A throwaway PostgreSQL server for tests and benchmarks: `initdb` in a temp dir, `pg_ctl`.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as
the unprivileged system user `fsmnbtest` (created here when missing). It listens
on 127.0.0.1 only, on a free port, with password authentication over TCP so
that a wrong password is refused as it would be in production.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ("PgServer", "find_pg_bin")

USER = "fsmnbtest"
PASSWORD = "s3cret-test-pw"


def find_pg_bin() -> Path:
    """The directory holding `initdb` and `pg_ctl` (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    if which:
        return Path(which).resolve().parent
    raise RuntimeError(
        "PostgreSQL's `initdb` was not found. Install Debian's `postgresql` package "
        "(`bash scripts/system-deps.sh` does it as root)."
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            check=True,
        )
        return pwd.getpwnam(USER)


class PgServer:
    """One PostgreSQL cluster in a temporary directory; `url` reaches it as the superuser."""

    def __init__(self, *, fsync: bool = False) -> None:
        self.bin = find_pg_bin()
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fsmnb-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_user: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = _ensure_user()
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self.as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_user:
            os.chown(pwfile, self.as_user["user"], self.as_user["group"])
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-instructions", "-N",
        )  # fmt: skip
        pwfile.unlink()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.dir}'",
            "fsync": "on" if fsync else "off",
            "max_connections": "100",
            "shared_buffers": "32MB",
        }
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        self.start()

    @property
    def url(self) -> str:
        """A connection URL for the superuser, with the password."""
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def url_for(self, dbname: str) -> str:
        """A connection URL for another database of this server."""
        return self.url.rsplit("/", 1)[0] + "/" + dbname

    def create_database(self, name: str) -> str:
        """Create the database `name` and return its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast` closes every session; `immediate` is a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        """Stop and start the server: every open connection is dropped."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server if it runs and delete its directory."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        try:
            subprocess.run(
                [str(self.bin / tool), *args],
                check=True,
                capture_output=True,
                text=True,
                cwd=self.dir,
                **self.as_user,
            )
        except subprocess.CalledProcessError as error:
            log = self.log.read_text() if self.log.exists() else ""
            error.add_note(f"{tool} failed:\n{error.stdout}\n{error.stderr}\n{log[-2000:]}")
            raise
