"""Planted secrets must not reach any snapshot or any report format."""

from __future__ import annotations

from pathlib import Path

from conftest import fidelity, two_env_config

SECRETS = {
    "production": ["Prod-Pa55word-QX81", "prod-token-ZZ93-abc", "pr0d-dsn-pw-77K", "prod-nested-K3Y-991"],
    "staging": ["Stag-Pa55word-QX82", "stag-token-ZZ94-abc", "st4g-dsn-pw-78K", "stag-nested-K3Y-992"],
}
CONFIG = two_env_config('["{env}/app.env", "{env}/settings.yaml", "{env}/config.json"]')


def plant(root: Path) -> Path:
    for env, (password, token, dsn_pw, nested) in SECRETS.items():
        folder = root / env
        folder.mkdir()
        (folder / "app.env").write_text(
            f"DB_PASSWORD={password}\nAPI_TOKEN='{token}'\n"
            f"DATABASE_URL=postgres://app:{dsn_pw}@db.{env}.internal:5432/app\nLEVEL={env}\n",
            encoding="utf-8")
        (folder / "settings.yaml").write_text(
            f"credentials:\n  user: svc\n  key: {nested}\nhosts: [a, b]\n", encoding="utf-8")
        (folder / "config.json").write_text(
            f'{{"client_secret": "{token}-json", "redis": "redis://:{password}@cache:6379/0"}}',
            encoding="utf-8")
    config = root / "fidelity.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def test_no_secret_in_snapshots_reports_or_logs(tmp_path: Path) -> None:
    config = plant(tmp_path)
    out = tmp_path / "out"
    args = ["audit", "-c", str(config), "-v", "--show-ignored"]
    for fmt, name in {"json": "r.json", "html": "r.html", "markdown": "r.md", "junit": "r.xml",
                      "terminal": "r.txt"}.items():
        args += ["--format", fmt, "-o", str(out / name)]
    audit = fidelity(*args)
    assert audit.returncode == 0, audit.stderr  # secrets differ (low) and hosts differ (medium)
    snaps = []
    for env in SECRETS:
        snap = out / f"{env}.json"
        result = fidelity("snapshot", "-c", str(config), "--env", env, "-o", str(snap), "-v")
        assert result.returncode == 0, result.stderr
        snaps.append(result.stderr)
    diff = fidelity("diff", str(out / "production.json"), str(out / "staging.json"), "--show-ignored")
    texts = [p.read_text(encoding="utf-8") for p in out.iterdir()]
    texts += [audit.stdout, audit.stderr, diff.stdout, diff.stderr, *snaps]
    blob = "\n".join(texts)
    for secret in (s for values in SECRETS.values() for s in values):
        assert secret not in blob
    assert "db.production.internal" in blob  # the rest of the DSN stays comparable
    assert "[secret:" in blob
