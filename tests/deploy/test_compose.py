"""compose.yaml and its files (deploy/compose): valid Compose, and the install's rules.

Validated offline against the Compose Specification's JSON schema (vendored in
schema/, see schema/NOTICE); HAProxy's configuration with ``haproxy -c`` when
HAProxy is installed.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.deploy.deployfiles import (
    COMPOSE_SCHEMA,
    KUSTOMIZATIONS,
    REPO,
    compose,
    env_example_names,
    of_kind,
    render,
)

COMPOSE_DIR = REPO / "deploy" / "compose"
HAPROXY_CFG = COMPOSE_DIR / "haproxy.cfg"
# Variables of the images and services around the apps, not of the apps themselves.
INFRASTRUCTURE_VARIABLES = {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD_FILE",
                            "HAPROXY_TLS_CERT", "CHAT_HOST", "CASESTORE_HOST"}
# Services that run to completion instead of serving.
ONE_SHOT = {"migrate"}


def _errors(document: dict) -> list[str]:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification():
    assert _errors(compose()) == []


def test_a_compose_file_with_a_misspelt_key_fails_the_schema():
    broken = copy.deepcopy(compose())
    broken["services"]["casestore"]["healthchek"] = broken["services"]["casestore"].pop(
        "healthcheck")
    assert _errors(broken) != []


def test_every_image_is_pinned_by_tag():
    for name, service in compose()["services"].items():
        image = re.sub(r"\$\{\w+:-([^}]+)\}", r"\1", service["image"])
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), (name, image)
        assert not image.endswith(":latest"), (name, image)


def test_only_the_load_balancer_publishes_ports():
    services = compose()["services"]
    assert {name for name, service in services.items() if "ports" in service} == {"proxy"}
    assert not any("network_mode" in service for service in services.values())


def test_rasa_and_the_action_server_are_on_internal_networks_only():
    document = compose()
    for name in ("rasa", "actions", "postgres", "redis"):
        for network in document["services"][name]["networks"]:
            assert document["networks"][network].get("internal") is True, (name, network)


def test_every_serving_service_has_a_healthcheck():
    for name, service in compose()["services"].items():
        if name not in ONE_SHOT:
            assert service["healthcheck"]["test"], name


def test_dependencies_wait_for_health_or_completion():
    services = compose()["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            wanted = ("service_completed_successfully" if dependency in ONE_SHOT
                      else "service_healthy")
            assert condition == {"condition": wanted}, (name, dependency)
    assert "migrate" in services["casestore"]["depends_on"]


def test_secrets_are_files_and_never_literal_environment_values():
    document = compose()
    secret_names = set()
    for name, service in document["services"].items():
        for secret in service.get("secrets", []):
            source = secret if isinstance(secret, str) else secret["source"]
            assert source in document["secrets"], (name, source)
            if isinstance(secret, dict):
                secret_names.add(secret["target"])
    for definition in document["secrets"].values():
        assert set(definition) == {"file"}
        assert definition["file"].startswith("deploy/compose/secrets/")
    for name, service in document["services"].items():
        environment = set(service.get("environment", {}))
        assert environment & secret_names == set(), name
        for variable in environment:
            assert not any(word in variable for word in ("TOKEN", "PASSWORD", "SECRET_KEY")) \
                or variable.endswith("_FILE"), (name, variable)


def test_secret_files_and_the_site_settings_are_not_committed():
    ignored = (COMPOSE_DIR / ".gitignore").read_text().split()
    assert {"/atl311.env", "/secrets/"} <= set(ignored)


def test_make_secrets_makes_every_secret_file_but_the_certificate(tmp_path: Path):
    shutil.copy(COMPOSE_DIR / "make-secrets", tmp_path / "make-secrets")
    subprocess.run(["sh", str(tmp_path / "make-secrets")], check=True, capture_output=True,
                   timeout=60)
    made = {path.name for path in (tmp_path / "secrets").iterdir()}
    wanted = {Path(d["file"]).name for d in compose()["secrets"].values()}
    assert made == wanted - {"tls.pem"}
    password = (tmp_path / "secrets" / "postgres_password").read_text().strip()
    assert (tmp_path / "secrets" / "database_url").read_text().strip() == (
        f"postgresql://atl311:{password}@postgres:5432/casestore")
    assert oct((tmp_path / "secrets").stat().st_mode & 0o777) == "0o700"


def test_every_variable_compose_sets_is_in_env_example():
    document = compose()
    names = set()
    for service in document["services"].values():
        names |= set(service.get("environment", {}))
        names |= {s["target"] for s in service.get("secrets", []) if isinstance(s, dict)
                  and s["target"].isupper()}
    example = (COMPOSE_DIR / "atl311.env.example").read_text().splitlines()
    names |= {line.split("=", 1)[0] for line in example if line and not line.startswith("#")}
    assert names - INFRASTRUCTURE_VARIABLES - env_example_names() == set()


def _haproxy_check(config: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        pytest.skip("haproxy not installed (apt-get install haproxy)")
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed: no certificate for the TLS bind")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=311.example.gov", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    bundle = tmp_path / "tls.pem"
    bundle.write_text(cert.read_text() + key.read_text())
    environment = dict(os.environ, HAPROXY_TLS_CERT=str(bundle),
                       CHAT_HOST="chat.311.example.gov", CASESTORE_HOST="311.example.gov")
    return subprocess.run([haproxy, "-c", "-f", str(config)], env=environment,
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_haproxy_configuration_passes_haproxy_check(tmp_path: Path):
    result = _haproxy_check(HAPROXY_CFG, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # Only compose's service names are unknown here; nothing else is worth a warning.
    warnings = [line for line in (result.stdout + result.stderr).splitlines()
                if "[WARNING]" in line and "could not resolve address" not in line]
    assert warnings == []


def test_a_broken_haproxy_configuration_fails_the_check(tmp_path: Path):
    broken = tmp_path / "broken.cfg"
    broken.write_text(HAPROXY_CFG.read_text().replace("use_backend casestore",
                                                      "use_backend casestoer"))
    assert _haproxy_check(broken, tmp_path).returncode != 0


def test_haproxy_never_forwards_metrics_healthz_or_internal_paths():
    text = HAPROXY_CFG.read_text()
    assert "acl private_path path /metrics /healthz" in text
    assert "acl private_path path_beg /metrics/ /internal" in text
    assert "http-request deny deny_status 404 if private_path" in text
    # The deny comes before any use_backend line.
    assert text.index("if private_path") < text.index("use_backend")
    assert "channels-internal" not in text and "rasa" not in text and "actions" not in text


def _haproxy_routes() -> set[tuple[str, str]]:
    """(backend, path) HAProxy forwards, each path written as the Ingress writes it."""
    acls: dict[str, set[str]] = {}
    for line in HAPROXY_CFG.read_text().splitlines():
        words = line.split()
        if len(words) > 3 and words[0] == "acl" and words[2] in ("path", "path_beg"):
            acls.setdefault(words[1], set()).update(
                word.rstrip("/") or "/" for word in words[3:])
    return ({("channels", path) for path in acls["chat_path"]}
            | {("casestore", path) for path in acls["casestore_path"]})


def test_haproxy_and_the_ingress_expose_the_same_paths():
    ingress_routes = set()
    for ingress in of_kind(render(KUSTOMIZATIONS["production"]), "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                ingress_routes.add((path["backend"]["service"]["name"], path["path"]))
    assert _haproxy_routes() == ingress_routes
