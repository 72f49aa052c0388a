"""Fetch every endpoint of one environment and turn each answer into its subtree of the probe's data.

Per endpoint (docs/probes/http.md has the paths)::

    endpoints/<name>/status | redirects | headers/<header> | cookies/<cookie>/<attribute>
    endpoints/<name>/body | body_hash | json/<field>/... | tls/<fact>

An endpoint that cannot be fetched is a gap over `endpoints/<name>`; the others are still read.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fidelity.probe import Gap, ProbeWarning, SecretKeeper, mask_text
from probes.http import normalise, tls
from probes.http.fetch import Answer, FetchFailed, Limits, fetch, shown
from probes.http.options import Endpoint


@dataclass(frozen=True)
class Outcome:
    """What the probe read from one environment."""

    data: dict[str, Any]
    """The probe's data tree."""
    gaps: tuple[Gap, ...]
    """Endpoints that could not be fetched."""
    warnings: tuple[ProbeWarning, ...]
    """Answers whose parts were left uncompared."""


def tls_context(options: Mapping[str, Any]) -> ssl.SSLContext:
    """Verify against the system CAs (or `ca_bundle`) unless `tls_verify = false`."""
    if not options["tls_verify"]:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=options.get("ca_bundle") or None)


def _secret_values(endpoint: Endpoint) -> list[str]:
    return [value for _, value in endpoint.headers]


class Reader:
    """Reads the endpoints of one environment."""

    def __init__(self, options: Mapping[str, Any], keeper: SecretKeeper, environment: str) -> None:
        self.limits = Limits(float(options["timeout"]), int(options["max_redirects"]),
                             int(options["max_body_bytes"]))
        self.context = tls_context(options)
        self.keeper = keeper
        self.environment = environment
        self.json = normalise.JsonFields(keeper, options["secret_keys"], environment)

    def read(self, endpoints: tuple[Endpoint, ...]) -> Outcome:
        """Every endpoint's subtree; a failed fetch is a gap naming the endpoint and the cause."""
        data: dict[str, Any] = {}
        gaps: list[Gap] = []
        warnings: list[ProbeWarning] = []
        for endpoint in endpoints:
            where = f"endpoint {endpoint.name!r} ({endpoint.method} {shown(endpoint.url)})"
            try:
                answer = fetch(endpoint.url, endpoint.method, endpoint.headers, self.limits, self.context)
            except FetchFailed as exc:
                gaps.append(Gap(where, mask_text(str(exc), _secret_values(endpoint)),
                                ("endpoints", endpoint.name)))
                continue
            tree, gap, warning = self.endpoint(endpoint, answer)
            data[endpoint.name] = tree
            gaps += [Gap(where, gap, ("endpoints", endpoint.name, "json"))] if gap else []
            warnings += [ProbeWarning(where, warning)] if warning else []
        return Outcome({"endpoints": data}, tuple(gaps), tuple(warnings))

    def endpoint(self, endpoint: Endpoint, answer: Answer) -> tuple[dict[str, Any], str, str]:
        """One endpoint's subtree, a gap message (or "") and a warning (or "")."""
        env = self.environment
        tree: dict[str, Any] = {"status": answer.status}
        chain = [f"{status} {normalise.fold_url(url, env, endpoint.url)}" for status, url in answer.hops]
        if answer.stop:
            limit = self.limits.max_redirects
            chain.append("redirect loop" if answer.stop == "loop" else f"more than {limit} redirects")
        tree["redirects"] = chain
        if answer.tls is not None:
            tree["tls"] = tls.facts(answer.tls, env)
        if endpoint.expect_status and answer.status not in endpoint.expect_status:
            expected = ", ".join(map(str, endpoint.expect_status))
            return tree, "", (f"answered {answer.status}, expected {expected}: its headers and body are "
                              "not compared (the status is)")
        kept = normalise.headers(answer.headers, endpoint.headers_kept, env)
        tree["headers"] = {name: self.keeper.fingerprint(value) if self.keeper.is_secret_name(name) else value
                           for name, value in kept.items()}
        tree["cookies"] = normalise.cookies(answer.headers, env)
        if endpoint.method == "HEAD":
            return tree, "", ""
        content_type = next((v for k, v in answer.headers if k == "content-type"), "").lower()
        gap = ""
        if not answer.body:
            tree["body"] = "empty"
        elif "json" in content_type.split(";")[0]:
            if answer.truncated:
                tree["body"] = "JSON"
                gap = (f"JSON body longer than max_body_bytes ({self.limits.max_body_bytes}): its fields "
                       "were not compared; raise max_body_bytes")
            else:
                try:
                    document = normalise.parse_json(answer.body)
                    tree["body"] = "JSON"
                    tree["json"] = self.json.keep(document, endpoint.json_paths)
                except ValueError:
                    tree["body"] = "invalid JSON"
        else:
            tree["body"] = "not JSON"
        if endpoint.body_hash and answer.body and "json" not in tree:
            tree["body_hash"] = self.keeper.derived("http body").fingerprint(
                answer.body.decode("utf-8", "surrogateescape"))
        return tree, gap, ""
