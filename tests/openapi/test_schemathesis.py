"""The OpenAPI document against the running binary: schemathesis (from PyPI) generates requests
from /api-docs/openapi.json and checks every answer against the document.

Two runs on one fresh server. The first covers every operation but the deletion of an API key:
schemathesis finds the key it authenticates with in `GET /api/user/get_api_key` and would revoke
it, leaving the rest of the run with nothing but 401s. The second run, last, tests that deletion.
"""

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import jsonschema_rs  # schemathesis's own validator

# schemathesis presents wrong keys on purpose, hundreds of times a minute: not the guessing the
# server throttles (tests/api/hardening.rs tests that), so the throttle is set out of its way.
SERVER_ARGS = ("--max-key-failures", "1000000")

# Generated cases per operation and phase; the two runs take about a minute on two cores.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50"))

# Every check that judges the server against the document. Not run:
# - positive_data_acceptance: a schema-valid request may still break a rule no schema can say
#   (the last owner stays, expires_at in the future, a name not taken) and get its 400 or 409;
# - unsupported_method and allow_header_conformance: `PUT /api/chunk/tracking_id/update` is
#   served by the `/api/chunk/tracking_id/{tracking_id}` resource (a chunk's tracking id may be
#   "update"), so a PUT to another tracking id answers 400 or 404 rather than 405, and `Allow`
#   on .../update lists GET and DELETE too;
# - object_level_authorization: needs a second identity; tests/authorization_matrix.rs covers it.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
]


def get_json(server, path: str, **headers: str):
    request = urllib.request.Request(
        server.base + path, headers={"Authorization": server.owner_key, **headers}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def schemathesis(server, dataset_id: str, report_dir: Path, *selection: str) -> None:
    beside_python = Path(sys.executable).with_name("st")
    command = [
        str(beside_python) if beside_python.exists() else "st",
        "run",
        f"{server.base}/api-docs/openapi.json",
        "--header",
        f"Authorization: {server.owner_key}",
        "--header",
        f"TR-Dataset: {dataset_id}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20260131",
        "--workers",
        "2",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit,har",
        "--report-dir",
        str(report_dir),
        *selection,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=report_dir
    )
    # Keep the key out of pytest's report (schemathesis masks it in its own output).
    output = (result.stdout + result.stderr).replace(server.owner_key, "tr-<owner key>")
    assert result.returncode == 0, f"schemathesis found disagreements:\n{output}"
    assert " passed" in output, output


def assert_formats_hold(document: dict, report_dir: Path) -> int:
    """Schemathesis validates response bodies without `format` (uuid, date-time): check every
    2xx JSON body it received again, formats included. Returns how many were checked."""
    operations = [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path, item)
        for path, item in document["paths"].items()
    ]
    # A fixed path (/api/chunk/update) wins over a template that also matches it.
    operations.sort(key=lambda operation: operation[1].count("{"))
    validators, checked, wrong = {}, 0, []
    for har in report_dir.glob("har-*.json"):
        for entry in json.loads(har.read_text())["log"]["entries"]:
            request, response = entry["request"], entry["response"]
            if not 200 <= response["status"] < 300:
                continue
            path = re.sub(r"^[a-z]+://[^/]+", "", request["url"]).split("?")[0]
            method = request["method"].lower()
            template = next(
                (template for rx, template, item in operations if rx.match(path) and method in item),
                None,
            )
            if template is None:
                continue
            key = (method, template, str(response["status"]))
            if key not in validators:
                documented = document["paths"][template][method]["responses"].get(key[2], {})
                content = documented.get("content", {}).get("application/json")
                validators[key] = content and jsonschema_rs.validator_for(
                    {**content["schema"], "components": document["components"]},
                    validate_formats=True,
                )
            validator = validators[key]
            if not validator:
                continue
            body = json.loads(response["content"]["text"])
            checked += 1
            for error in validator.iter_errors(body):
                wrong.append(f"{request['method']} {path}: {error}")
    assert not wrong, "responses that break the document's formats:\n" + "\n".join(wrong[:20])
    return checked


def test_the_server_answers_as_its_openapi_document_says(server, tmp_path):
    organization_id = get_json(server, "/api/auth/me")["orgs"][0]["id"]
    datasets = get_json(
        server,
        f"/api/dataset/organization/{organization_id}",
        **{"TR-Organization": organization_id},
    )
    dataset_id = datasets[0]["dataset"]["id"]

    document = get_json(server, "/api-docs/openapi.json")

    everything_else = tmp_path / "everything-else"
    everything_else.mkdir()
    # Left out: what is not offered (OIDC sign-in, billing, invitations) answers a documented
    # 501 whatever it is sent, which `not_a_server_error` would count as a failure; the client
    # tests (tests/client/test_not_offered.py) and the authorization matrix check those.
    schemathesis(
        server,
        dataset_id,
        everything_else,
        "--exclude-operation-id",
        "delete_api_key",
        "--exclude-operation-id",
        "delete_dataset",
        "--exclude-operation-id",
        "login",
        "--exclude-operation-id",
        "callback",
        "--exclude-tag",
        "stripe",
        "--exclude-tag",
        "invitation",
    )
    assert assert_formats_hold(document, everything_else) > 100

    # Apart from the rest: deleting datasets, the run's own among them (before the keys go).
    dataset_deletion = tmp_path / "dataset-deletion"
    dataset_deletion.mkdir()
    schemathesis(
        server,
        dataset_id,
        dataset_deletion,
        "--include-operation-id",
        "delete_dataset",
        "--include-operation-id",
        "create_dataset",
        "--include-operation-id",
        "list_datasets",
    )
    assert_formats_hold(document, dataset_deletion)

    key_deletion = tmp_path / "key-deletion"
    key_deletion.mkdir()
    schemathesis(
        server,
        dataset_id,
        key_deletion,
        "--include-operation-id",
        "delete_api_key",
        "--include-operation-id",
        "get_api_keys",
        "--include-operation-id",
        "set_api_key",
    )
    assert_formats_hold(document, key_deletion)

