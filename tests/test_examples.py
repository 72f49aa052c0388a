"""The CI examples parse, keep production credentials in one job, and use only options fidelity has."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
import yaml
from conftest import DEMO

from fidelity.cli import cli

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

CI = Path(__file__).resolve().parents[1] / "examples" / "ci"
YAML_FILES = sorted(p for p in CI.iterdir() if p.suffix in {".yml", ".yaml"})
#: What the kubernetes probe reads by default (Deployment ... ServiceAccount), as RBAC (group, resource).
PROBED_RESOURCES = {
    ("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets"), ("batch", "cronjobs"),
    ("", "configmaps"), ("", "secrets"), ("", "services"), ("", "serviceaccounts"),
    ("networking.k8s.io", "ingresses"), ("networking.k8s.io", "networkpolicies"),
    ("autoscaling", "horizontalpodautoscalers"), ("policy", "poddisruptionbudgets"),
}
CLUSTER_RESOURCES = {("", "nodes"), ("apiextensions.k8s.io", "customresourcedefinitions")}
FIDELITY_COMMAND = re.compile(r"(?:^|[\s/])fidelity ((?:audit|snapshot|diff)\b[^\n;|&>]*)")


def load(name: str) -> list[dict[Any, Any]]:
    docs = [d for d in yaml.safe_load_all((CI / name).read_text(encoding="utf-8")) if d is not None]
    assert all(isinstance(d, dict) for d in docs)
    return docs


def strings(node: Any) -> Iterator[str]:
    """Every string value in a parsed YAML tree."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def fidelity_commands(text: str) -> list[list[str]]:
    """The `fidelity audit|snapshot|diff ...` invocations in shell text, as argument lists."""
    text = re.sub(r"\\\n\s*", " ", text)
    return [shlex.split(m.group(1)) for m in FIDELITY_COMMAND.finditer(text)]


def crontab_jobs() -> list[tuple[list[str], str]]:
    """(the five time fields, the command) for each job line of the crontab."""
    jobs = []
    for line in (CI / "crontab").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or re.match(r"\A[A-Z_]+=", line):
            continue
        fields = line.split(None, 5)
        jobs.append((fields[:5], fields[5]))
    return jobs


def every_command() -> list[tuple[str, list[str]]]:
    found = [(path.name, args) for path in YAML_FILES for doc in load(path.name)
             for text in strings(doc) for args in fidelity_commands(text)]
    found += [("crontab", args) for _, command in crontab_jobs() for args in fidelity_commands(command)]
    for doc in load("kubernetes-cronjob.yaml"):
        if doc["kind"] == "CronJob":
            container = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
            assert container["command"] == ["fidelity"]
            found.append(("kubernetes-cronjob.yaml", container["args"]))
    return found


def test_every_example_is_here_and_parses() -> None:
    assert {p.name for p in YAML_FILES} == {"github-actions.yml", "gitlab-ci.yml", "kubernetes-cronjob.yaml"}
    for path in YAML_FILES:
        assert load(path.name)
    assert (CI / "README.md").is_file()


COMMANDS = [pytest.param(source, args, id=f"{source}:{args[0]}") for source, args in every_command()]


@pytest.mark.parametrize(("source", "args"), COMMANDS)
def test_commands_use_only_options_fidelity_has(source: str, args: list[str]) -> None:
    command = cli.commands[args[0]]
    try:
        command.make_context(args[0], list(args[1:]))
    except click.UsageError as exc:
        pytest.fail(f"{source}: fidelity {shlex.join(args)}: {exc.format_message()}")
    if args[0] != "snapshot":
        assert args.count("--format") == args.count("-o") + args.count("--output"), "--format and -o pair up"


def test_every_kind_of_command_is_covered() -> None:
    used = {(source, args[0]) for source, args in every_command()}
    assert {("github-actions.yml", "snapshot"), ("github-actions.yml", "diff"), ("gitlab-ci.yml", "snapshot"),
            ("gitlab-ci.yml", "diff"), ("crontab", "audit"), ("kubernetes-cronjob.yaml", "audit")} <= used


def test_github_workflow_keeps_production_credentials_in_the_snapshot_job() -> None:
    (workflow,) = load("github-actions.yml")
    assert workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    jobs = workflow["jobs"]
    assert set(jobs) == {"snapshot-production", "drift"}
    production, drift = jobs["snapshot-production"], jobs["drift"]
    assert drift["needs"] in ("snapshot-production", ["snapshot-production"])
    production_text, drift_text = json.dumps(production), json.dumps(drift)
    assert "secrets.PRODUCTION_DATABASE_URL" in production_text
    assert "secrets.FIDELITY_SECRET_KEY" in production_text
    assert "PRODUCTION_" not in drift_text
    assert "STAGING_" not in production_text

    def uses(job: dict[str, Any], action: str) -> dict[str, Any]:
        steps: list[dict[str, Any]] = [s for s in job["steps"]
                                       if str(s.get("uses", "")).startswith(action + "@")]
        assert len(steps) == 1
        return steps[0]

    uploaded = uses(production, "actions/upload-artifact")["with"]
    downloaded = uses(drift, "actions/download-artifact")["with"]
    assert uploaded["path"] == "prod.json"
    assert downloaded["name"] == uploaded["name"]
    commands = {args[0]: args for step in drift["steps"] for args in fidelity_commands(step.get("run", ""))}
    assert commands["diff"][1:3] == ["prod.json", "staging.json"]
    assert "junit" in commands["diff"]
    # fidelity appends the Markdown summary itself; writing it there too would show it twice.
    assert "GITHUB_STEP_SUMMARY" not in drift_text
    report = uses(drift, "actions/upload-artifact")
    assert report["if"] == "always()"
    assert {"fidelity.html", "fidelity.json"} <= set(report["with"]["path"].split())


def test_gitlab_pipeline_passes_the_snapshot_and_reports_junit() -> None:
    (pipeline,) = load("gitlab-ci.yml")
    production, drift = pipeline["snapshot-production"], pipeline["drift"]
    assert pipeline["stages"].index(production["stage"]) < pipeline["stages"].index(drift["stage"])
    assert production["environment"]["name"] == "production"
    assert drift["environment"]["name"] == "staging"
    assert "prod.json" in production["artifacts"]["paths"]
    assert {"job": "snapshot-production", "artifacts": True} in drift["needs"]
    assert drift["artifacts"]["reports"]["junit"] == "fidelity.xml"
    assert drift["artifacts"]["when"] == "always"


def test_crontab_line_runs_a_nightly_history_audit() -> None:
    ((when, command),) = crontab_jobs()
    assert all(re.fullmatch(r"[\d*/,-]+", field) for field in when)
    assert command.startswith("cd ")
    assert "--report-dir" in command
    assert "FIDELITY_SECRET_KEY" not in command  # it comes from the env file, not the command line
    assert "%" not in command.replace("\\%", "")  # cron turns a bare % into a newline


def test_crontab_line_works_on_a_demo_checkout(tmp_path: Path) -> None:
    """Run the line as cron would (sh, a bare environment) against a copy of the demo."""
    ((_, command),) = crontab_jobs()
    home = tmp_path / "srv"
    shutil.copytree(DEMO, home)
    (home / "logs").mkdir()
    (home / ".venv" / "bin").mkdir(parents=True)
    wrapper = home / ".venv" / "bin" / "fidelity"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m fidelity "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    key = "nightly-key-0123456789abcdef"
    (home / "fidelity.env").write_text(f"FIDELITY_SECRET_KEY={key}\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    local = command.replace("/srv/fidelity", str(home))
    subprocess.run(["/bin/sh", "-c", local], env=env, check=True, timeout=120)

    log = (home / "logs" / "nightly.log").read_text(encoding="utf-8")
    assert "fidelity audit exited with 1 at" in log  # the demo drifts on purpose
    assert key not in log
    assert (home / "reports" / "index.html").is_file()
    (run,) = [p for p in (home / "reports").iterdir() if p.is_dir()]
    saved = json.loads((run / "report.json").read_text(encoding="utf-8"))
    # The key from fidelity.env was used: a run with the same key fingerprints secrets identically.
    again = subprocess.run([sys.executable, "-m", "fidelity", "audit", "--format", "json"], cwd=home,
                           env={**env, "FIDELITY_SECRET_KEY": key}, capture_output=True, text=True,
                           check=False, timeout=120)
    assert again.returncode == 1, again.stderr

    def secrets(report: dict[str, Any]) -> dict[str, str]:
        return {f["path"]: f["candidate"] for f in report["comparisons"][0]["findings"]
                if "[secret:" in str(f["candidate"])}

    assert secrets(saved)
    assert secrets(saved) == secrets(json.loads(again.stdout))


def test_kubernetes_manifest_is_read_only_and_never_overlaps() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in load("kubernetes-cronjob.yaml")}
    kinds = {kind for kind, _ in docs}
    assert {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
            "PersistentVolumeClaim", "ConfigMap", "CronJob"} <= kinds
    granted: dict[str, set[tuple[str, str]]] = {"ClusterRole": set(), "Role": set()}
    for (kind, _), doc in docs.items():
        if kind in granted:
            for rule in doc["rules"]:
                assert set(rule["verbs"]) <= {"get", "list"}, rule
                granted[kind] |= {(g, r) for g in rule["apiGroups"] for r in rule["resources"]}
    assert granted["Role"] == PROBED_RESOURCES
    assert granted["ClusterRole"] == CLUSTER_RESOURCES
    for (kind, _), doc in docs.items():
        if kind.endswith("Binding"):
            (subject,) = doc["subjects"]
            assert subject == {"kind": "ServiceAccount", "name": "fidelity", "namespace": "fidelity"}

    cronjob = next(d for (kind, _), d in docs.items() if kind == "CronJob")
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "fidelity"
    (container,) = pod["containers"]
    assert container["args"][:1] == ["audit"]
    assert container["args"][container["args"].index("--report-dir") + 1] == "/reports"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    claim = volumes[mounts["/reports"]]["persistentVolumeClaim"]["claimName"]
    assert ("PersistentVolumeClaim", claim) in docs
    for variable in container["env"]:
        if variable["name"] != "FIDELITY_CONFIG":
            assert "value" not in variable, f"{variable['name']} must come from a Secret"
            assert "secretKeyRef" in variable["valueFrom"]

    config_map = next(d for (kind, _), d in docs.items() if kind == "ConfigMap")
    config = tomllib.loads(config_map["data"]["fidelity.toml"])
    assert config["history"]["dir"] == "/reports"
    assert os.path.dirname(next(v for v in container["env"] if v["name"] == "FIDELITY_CONFIG")["value"]) \
        in mounts


def through_official_models(doc: dict[str, Any]) -> Any:
    """`doc` read into the kubernetes client's model of its kind and written back out."""
    from kubernetes import client

    api: Any = client.ApiClient()  # its signatures changed across versions
    text, model = json.dumps(doc), f"{doc['apiVersion'].split('/')[-1].capitalize()}{doc['kind']}"
    try:
        parsed = api.deserialize(text, model, "application/json")
    except TypeError:  # kubernetes < 33 takes a response object
        parsed = api.deserialize(SimpleNamespace(data=text), model)
    return api.sanitize_for_serialization(parsed)


@pytest.mark.parametrize("doc", [pytest.param(d, id=d["kind"]) for d in load("kubernetes-cronjob.yaml")])
def test_kubernetes_objects_have_no_misspelled_or_misplaced_field(doc: dict[str, Any]) -> None:
    assert through_official_models(doc) == doc  # the models drop any field they do not know
