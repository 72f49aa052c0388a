"""Build production.db and staging.db next to this script from the .sql files (replacing old ones)."""

import sqlite3
from pathlib import Path

HERE = Path(__file__).resolve().parent

for env in ("production", "staging"):
    db_file = HERE / f"{env}.db"
    db_file.unlink(missing_ok=True)
    with sqlite3.connect(db_file) as db:
        db.executescript((HERE / f"{env}.sql").read_text(encoding="utf-8"))
    db.close()
    print(f"wrote {db_file}")
