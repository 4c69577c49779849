"""A throwaway PostgreSQL server for an MLflow backend store: install, start, stop.

    python scripts/postgres.py install                  # Debian's `postgresql` package, if missing
    python scripts/postgres.py start DIR --port 5433    # a new cluster in DIR, role and db `mlflow`
    python scripts/postgres.py stop DIR                 # that cluster only (pg_ctl on its data dir)

`start` runs ``initdb`` (from /usr/lib/postgresql/*/bin) in ``DIR/data``, starts the server with
``pg_ctl`` listening on 127.0.0.1 only (its socket in ``DIR/sock``), creates a login role and a
database owned by it (``CREATE ROLE mlflow LOGIN PASSWORD ...; CREATE DATABASE mlflow OWNER mlflow``),
and prints the backend-store URI. TCP connections need the password (scram-sha-256); the superuser
connects through the socket only. ``initdb`` refuses to run as root: as root the cluster is made and
run by the ``postgres`` user the Debian package creates (``runuser -u postgres``), and DIR is handed
to it. The tests (tests/tracking/postgres.py) and .ci/run use this script; a team runs its own server.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROLE = "mlflow"
DATABASE = "mlflow"
RUN_AS = "postgres"  # the Debian package's system user, for a root caller


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps them off PATH), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def install() -> None:
    """Install Debian's `postgresql` package unless a server is already there (sudo when not root)."""
    if bin_dir() is not None:
        return
    sudo = ["sudo"] if os.geteuid() != 0 and shutil.which("sudo") else []
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)


def _as_server_user(cmd: list[str]) -> list[str]:
    """`cmd` run as the ``postgres`` user when we are root (initdb and postgres refuse root)."""
    return ["runuser", "-u", RUN_AS, "--", *cmd] if os.geteuid() == 0 else cmd


def _sql_literal(text: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def backend_uri(port: int, password: str, host: str = "127.0.0.1") -> str:
    """The SQLAlchemy URI of the cluster's MLflow database (psycopg2, MLflow's default driver)."""
    return f"postgresql://{ROLE}:{password}@{host}:{port}/{DATABASE}"


def start(folder: Path, port: int, password: str) -> str:
    """Create a cluster in ``folder/data``, start it on 127.0.0.1:`port`, create the role and db.

    Returns:
        The backend-store URI (with the password).
    """
    pg = bin_dir()
    if pg is None:
        raise SystemExit("PostgreSQL is not installed: run `python scripts/postgres.py install`")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # the server user owns the cluster; a 0700 temp folder is handed over whole
        shutil.chown(folder, RUN_AS, RUN_AS)
    data, sock, log = folder / "data", folder / "sock", folder / "server.log"
    subprocess.run(_as_server_user(["mkdir", "-p", str(sock)]), check=True)
    subprocess.run(
        _as_server_user(
            [str(pg / "initdb"), "-D", str(data), "-U", "postgres", "-A", "scram-sha-256",
             "--auth-local=trust", "-E", "UTF8", "--no-instructions"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1"
    subprocess.run(
        _as_server_user([str(pg / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    psql = [
        str(pg / "psql"),
        "-h",
        str(sock),
        "-p",
        str(port),
        "-U",
        "postgres",
        "-v",
        "ON_ERROR_STOP=1",
        "-q",
    ]
    subprocess.run(
        _as_server_user(
            [*psql, "-c", f"CREATE ROLE {ROLE} LOGIN PASSWORD {_sql_literal(password)}",
             "-c", f"CREATE DATABASE {DATABASE} OWNER {ROLE}"]
        ),
        check=True,
    )  # fmt: skip
    return backend_uri(port, password)


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder/data`` (``pg_ctl stop -m fast``: this cluster only), if running."""
    pg = bin_dir()
    data = folder / "data"
    if pg is None or not (data / "postmaster.pid").is_file():
        return
    subprocess.run(
        _as_server_user([str(pg / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    """The command line: ``install``, ``start DIR --port P [--password PW]``, ``stop DIR``."""
    parser = argparse.ArgumentParser(prog="python scripts/postgres.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="install Debian's postgresql package if missing")
    s = sub.add_parser("start", help="create and start a cluster in DIR; print its MLflow URI")
    s.add_argument("dir", type=Path)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--password", default=os.environ.get("MLFLOW_DB_PASSWORD", "mlflow-test"))
    t = sub.add_parser("stop", help="stop the cluster in DIR")
    t.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "install":
        install()
    elif args.command == "start":
        print(start(args.dir.resolve(), args.port, args.password))
    else:
        stop(args.dir.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
