"""The `fidelity` command line. Heavy modules are imported inside commands to keep start-up fast."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fidelity import __version__
from fidelity.config_schema import FAIL_ON_CHOICES
from fidelity.exit_codes import ExitCode, for_expected_error
from fidelity.report import ReportFormat

if TYPE_CHECKING:
    from fidelity.config import Config
    from fidelity.diff.compare import Policy
    from fidelity.model import AuditReport

FORMAT_CHOICES = tuple(f.value for f in ReportFormat)

config_option = click.option("-c", "--config", "config_path", metavar="CONFIG",
                             help="Config file (default: $FIDELITY_CONFIG, then ./fidelity.toml).")
format_option = click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_CHOICES),
                             help="Report format; repeat it, pairing each with an -o by position.")
output_option = click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
                             help="Where the matching --format goes ('-' for stdout).")
fail_on_option = click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES),
                              help="Lowest severity that fails the gate (overrides the config).")
max_score_option = click.option("--max-score", type=click.IntRange(min=0),
                                help="Fail when a comparison's drift score exceeds this.")
show_ignored_option = click.option("--show-ignored", is_flag=True,
                                   help="Show ignored findings in terminal and HTML reports.")
color_option = click.option("--color/--no-color", default=None,
                            help="Force colour on or off (default: only on a terminal, unless NO_COLOR).")
only_option = click.option("--only", multiple=True, metavar="PROBE",
                           help="Run only this probe (repeatable).")




def _set_verbosity(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value:
        level = logging.INFO if value == 1 else logging.DEBUG
        logging.getLogger().setLevel(min(level, logging.getLogger().level))
    return value


verbose_option = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity,
                              help="Show progress (-v) or debug detail (-vv) on stderr.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="fidelity")
@verbose_option
def cli() -> None:
    """Audit how faithfully staging mirrors production.

    Exit codes: 0 pass, 1 gate failed, 2 usage or config error, 3 audit incomplete.
    """


def _load_config(path: str | None, required: bool = True) -> Config:
    from fidelity import config as config_module

    found = config_module.find_config(path)
    if found is None:
        if not required:
            return config_module.default_config()
        raise click.UsageError("no config file: pass -c CONFIG, set FIDELITY_CONFIG, or create "
                               "./fidelity.toml (see config.example.toml)")
    return config_module.load(found)


def _with_overrides(config: Config, fail_on: str | None, max_score: int | None) -> Config:
    from dataclasses import replace

    from fidelity.model import Severity

    if fail_on is not None:
        config = replace(config, fail_on=None if fail_on == "never" else Severity(fail_on))
    if max_score is not None:
        config = replace(config, max_score=max_score)
    return config


def _check_only(config: Config, only: Sequence[str]) -> list[str] | None:
    names = [p.name for p in config.probes]
    for name in only:
        if name not in names:
            raise click.UsageError(f"--only {name}: no such probe (configured: {', '.join(names)})")
    return list(only) or None


report_dir_option = click.option("--report-dir", metavar="DIR",
                                 help="Keep this run in a dated folder under DIR and update DIR/index.html.")
baseline_option = click.option("--baseline", "baseline_path", metavar="FILE",
                               help="Findings recorded in FILE are `baselined`: shown, but out of the gate.")


def report_options(func: Callable[..., int]) -> Callable[..., int]:
    """The options every reporting command shares."""
    for option in reversed((format_option, output_option, fail_on_option, max_score_option,
                            show_ignored_option, color_option, report_dir_option, baseline_option)):
        func = option(func)
    return func


def _candidates(config: Config, envs: Sequence[str]) -> list[str]:
    for env in envs:
        if env not in config.environments:
            raise click.UsageError(f"--env {env}: not declared in {config.file} "
                                   f"(declared: {', '.join(config.environments)})")
    assert config.reference is not None
    candidates = [e for e in envs if e != config.reference] if envs else list(config.candidates)
    if not candidates:
        raise click.UsageError("no candidate environment to compare with the reference")
    return candidates


def _policy(config: Config, baseline_path: str | None) -> Policy:
    from fidelity import audit as audit_module
    from fidelity import baseline

    path = Path(baseline_path) if baseline_path else config.baseline
    return audit_module.policy_from(config, baseline.load(path) if path else None)


def _report(config: Config, envs: Sequence[str], only: Sequence[str], policy: Policy) -> AuditReport:
    from fidelity import audit as audit_module

    assert config.reference is not None
    candidates = _candidates(config, envs)
    snapshots = audit_module.take_all(config, [config.reference, *candidates], _check_only(config, only))
    return audit_module.build_report(snapshots[0], snapshots[1:], policy)


@cli.command()
@verbose_option
@config_option
@click.option("--env", "envs", multiple=True, metavar="NAME",
              help="Candidate environment to audit (repeatable; default: the config's candidates).")
@only_option
@report_options
def audit(config_path: str | None, envs: tuple[str, ...], only: tuple[str, ...], formats: tuple[str, ...],
          outputs: tuple[str, ...], fail_on: str | None, max_score: int | None, show_ignored: bool,
          color: bool | None, report_dir: str | None, baseline_path: str | None) -> int:
    """Snapshot every environment, diff each candidate against the reference, report."""
    from fidelity import exit_codes, publish

    config = _with_overrides(_load_config(config_path), fail_on, max_score)
    _candidates(config, envs)
    _check_only(config, only)
    plan = publish.prepare(config, formats, outputs, [p for p in [config.file] if p], report_dir,
                           show_ignored, color)
    report = publish.publish(_report(config, envs, only, _policy(config, baseline_path)), config, plan)
    return exit_codes.for_report(report)


@cli.command(name="baseline")
@verbose_option
@config_option
@click.option("--env", "envs", multiple=True, metavar="NAME", help="Candidate environment (repeatable).")
@only_option
@click.option("-o", "--output", "output_path", required=True, metavar="FILE",
              help="Baseline file to write, e.g. fidelity-baseline.json.")
@click.option("--reason", default=None, metavar="TEXT", help="Reason recorded for every new entry.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists (reasons of kept entries survive).")
def record_baseline(config_path: str | None, envs: tuple[str, ...], only: tuple[str, ...], output_path: str,
                    reason: str | None, force: bool) -> int:
    """Record today's open findings, so that only new drift fails the gate."""
    from fidelity import baseline, exit_codes
    from fidelity.secrets import KEY_ENV_VAR
    from fidelity.snapshot import write_atomic

    config = _load_config(config_path)
    target = Path(output_path)
    previous = None
    if target.exists():
        if not force:
            raise click.UsageError(f"{target} exists; pass --force to replace it (hand-written reasons "
                                   "of findings that are still there are kept)")
        previous = baseline.load(target)
    report = _report(config, envs, only, _policy(config, None))
    if report.errors:
        from fidelity.report.terminal import summary_line

        click.echo(summary_line(report), err=True)
        click.echo("fidelity: error: the audit is incomplete, so no baseline was written", err=True)
        return exit_codes.for_report(report)
    entries = baseline.entries_for(report, reason or baseline.DEFAULT_REASON, previous)
    target.parent.mkdir(parents=True, exist_ok=True)
    assert config.reference is not None
    write_atomic(target, baseline.render(entries, config.reference, report.secret_key_id))
    if not os.environ.get(KEY_ENV_VAR):
        logging.getLogger(__name__).warning(
            "FIDELITY_SECRET_KEY is not set: later runs cannot tell whether a baselined secret changed; "
            "set the same key for `baseline` and `audit`")
    click.echo(f"wrote {len(entries)} finding(s) to baseline {target}", err=True)
    return exit_codes.ExitCode.OK


@cli.command()
@verbose_option
@config_option
@click.option("--env", required=True, metavar="NAME", help="Environment to snapshot.")
@click.option("-o", "--output", "output_path", required=True, metavar="SNAPSHOT.json",
              help="File to write (atomically).")
@only_option
def snapshot(config_path: str | None, env: str, output_path: str, only: tuple[str, ...]) -> int:
    """Snapshot one environment into a file, for a later `fidelity diff`."""
    from fidelity import exit_codes
    from fidelity import snapshot as snapshot_module
    from fidelity.secrets import SecretKeeper

    config = _load_config(config_path)
    if env not in config.environments:
        raise click.UsageError(f"--env {env}: not declared in {config.file} "
                               f"(declared: {', '.join(config.environments)})")
    target = Path(output_path)
    if config.file is not None and target.resolve() == config.file.resolve():
        raise click.UsageError(f"-o {target} would overwrite the config file")
    if target.is_dir():
        raise click.UsageError(f"-o {target} is a directory; give a file name")
    keeper = SecretKeeper()
    if not keeper.from_environment:
        logging.getLogger(__name__).warning(
            "FIDELITY_SECRET_KEY is not set: secret values in this snapshot can only be compared "
            "with snapshots from the same run")
    taken = snapshot_module.take(config, env, keeper, _check_only(config, only))
    target.parent.mkdir(parents=True, exist_ok=True)
    snapshot_module.write(taken, target)
    failed = [n for n, p in taken.probes.items() if p.status != "ok" or p.gaps]
    for name in failed:
        probe = taken.probes[name]
        problems = [probe.error] if probe.error else [g.message for g in probe.gaps]
        for problem in problems:
            click.echo(f"fidelity: {env}/{name}: {problem}", err=True)
    click.echo(f"wrote snapshot of {env} ({len(taken.probes)} probe(s), {len(failed)} incomplete) "
               f"to {target}", err=True)
    return exit_codes.for_snapshot(bool(failed))


@cli.command()
@verbose_option
@click.argument("reference", type=click.Path(path_type=Path))
@click.argument("candidate", type=click.Path(path_type=Path))
@config_option
@report_options
def diff(reference: Path, candidate: Path, config_path: str | None, formats: tuple[str, ...],
         outputs: tuple[str, ...], fail_on: str | None, max_score: int | None, show_ignored: bool,
         color: bool | None, report_dir: str | None, baseline_path: str | None) -> int:
    """Compare two snapshot files (reference first) and report."""
    from fidelity import audit as audit_module
    from fidelity import exit_codes, publish
    from fidelity import snapshot as snapshot_module

    config = _with_overrides(_load_config(config_path, required=False), fail_on, max_score)
    inputs = [reference, candidate, *[p for p in [config.file] if p]]
    plan = publish.prepare(config, formats, outputs, inputs, report_dir, show_ignored, color)
    policy = _policy(config, baseline_path)
    ref, cand = snapshot_module.read(reference), snapshot_module.read(candidate)
    report = publish.publish(audit_module.build_report(ref, [cand], policy), config, plan)
    return exit_codes.for_report(report)


@cli.command(name="probes")
@verbose_option
def list_probes() -> int:
    """List the available probe types, their options and default severities."""
    from fidelity.probe_docs import describe_probe_types

    click.echo(describe_probe_types())
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code; expected failures print one line, never a traceback."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("fidelity: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        return _run(argv)
    finally:
        root.removeHandler(handler)


def _run(argv: Sequence[str] | None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="fidelity",
                          standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("fidelity: aborted", err=True)
        return ExitCode.USAGE
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"fidelity: error: {_one_line(exc.format_message())}", err=True)
        return ExitCode.USAGE
    except Exception as exc:
        code = for_expected_error(exc)
        if code is None:
            raise
        click.echo(f"fidelity: error: {_one_line(str(exc))}", err=True)
        return code
    return int(result) if isinstance(result, int) else ExitCode.OK


def _one_line(text: str) -> str:
    return " ".join(text.split())
