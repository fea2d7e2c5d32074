"""The Kubernetes manifests (deploy/k8s): they render, they validate, and they keep the rules.

Rendered with ``kubectl kustomize`` and validated offline against the Kubernetes
JSON schemas of kubernetes-validate (strict: an unknown field is an error), on the
oldest and newest Kubernetes versions in KUBERNETES_VERSIONS.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.deploy.deployfiles import (
    K8S,
    KUBERNETES_VERSIONS,
    KUSTOMIZATIONS,
    env_example_names,
    kustomize,
    of_kind,
    path_matches,
    pod_spec,
    render,
)

# Never reachable from outside the cluster (docs/security.md, docs/deploy.md).
PRIVATE_PATHS = ("/metrics", "/healthz", "/internal/send", "/internal/dead-letters",
                 "/internal/healthz")
# Processes whose root filesystem stays writable, and why (rasa.yaml says it too).
WRITABLE_ROOT = {"rasa"}  # Rasa and TensorFlow write under the image's home at start
# Who may open a connection to whom (networkpolicies.yaml).
ALLOWED_CALLERS = {
    "rasa": {"channels"},
    "actions": {"rasa", "monitoring/prometheus"},
    "channels-internal": {"casestore", "notifier", "actions", "monitoring/prometheus"},
}


@pytest.fixture(scope="module", params=sorted(KUSTOMIZATIONS))
def rendered(request) -> tuple[str, list[dict]]:
    """(name, objects) of each kustomization."""
    return request.param, render(KUSTOMIZATIONS[request.param])


@pytest.fixture(scope="module")
def production() -> list[dict]:
    """The production overlay's objects."""
    return render(KUSTOMIZATIONS["production"])


def _validator():
    """kubernetes_validate, or a skip saying what to install."""
    return pytest.importorskip("kubernetes_validate",
                               reason="pip install kubernetes-validate==1.37.0")


def _validate(obj: dict, version: str) -> None:
    _validator().validate(obj, version, strict=True)


def test_each_kustomization_renders_every_kind_it_should(rendered):
    name, objects = rendered
    kinds = {obj["kind"] for obj in objects}
    assert kinds >= {"ConfigMap", "Deployment", "Service", "Ingress", "Job",
                     "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"}, name
    assert sorted(d["metadata"]["name"] for d in of_kind(objects, "Deployment")) == [
        "actions", "casestore", "channels", "channels-internal", "notifier", "rasa"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_rendered_object_is_valid_for_kubernetes(rendered, version):
    _name, objects = rendered
    for obj in objects:
        _validate(obj, version)


def test_the_secret_example_is_valid_and_holds_every_key_the_manifests_read(production):
    example = yaml.safe_load((K8S / "secret.example.yaml").read_text())
    _validate(example, KUBERNETES_VERSIONS[-1])
    read = {ref["key"] for ref in _secret_refs(production)}
    assert read == set(example["stringData"])
    assert {ref["name"] for ref in _secret_refs(production)} == {"atl311-secrets"}


def test_a_manifest_with_a_wrong_type_fails_validation(production):
    broken = copy.deepcopy(of_kind(production, "Deployment")[0])
    broken["spec"]["replicas"] = "two"
    with pytest.raises(_validator().ValidationError):
        _validate(broken, KUBERNETES_VERSIONS[-1])


def test_a_manifest_with_a_misspelt_field_fails_validation(production):
    broken = copy.deepcopy(of_kind(production, "Deployment")[0])
    container = pod_spec(broken)["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(_validator().ValidationError):
        _validate(broken, KUBERNETES_VERSIONS[-1])


def test_a_kustomization_naming_a_missing_file_fails_to_render(tmp_path: Path):
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    assert kustomize(tmp_path).returncode != 0


def _ingress_paths(objects: list[dict]) -> list[tuple[str, str, str, str]]:
    """(host, path, pathType, service) of every Ingress rule."""
    found = []
    for ingress in of_kind(objects, "Ingress"):
        assert "defaultBackend" not in ingress["spec"]
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                found.append((rule.get("host", "*"), path["path"], path["pathType"],
                              path["backend"]["service"]["name"]))
    return found


def test_no_ingress_path_reaches_metrics_healthz_or_the_internal_app(rendered):
    _name, objects = rendered
    for host, path, path_type, service in _ingress_paths(objects):
        for private in PRIVATE_PATHS:
            assert not path_matches(path, path_type, private), (host, path, private)
        assert service in {"channels", "casestore"}, (host, path, service)


def test_the_path_check_would_catch_a_catch_all_rule():
    assert path_matches("/", "Prefix", "/metrics")
    assert path_matches("/internal", "Prefix", "/internal/send")
    assert not path_matches("/", "Exact", "/metrics")
    assert not path_matches("/cases", "Prefix", "/casesmetrics")


def _replays(ingress: dict) -> list[str]:
    annotations = ingress["metadata"].get("annotations", {})
    return annotations.get("nginx.ingress.kubernetes.io/proxy-next-upstream", "").split()


def test_only_the_chat_host_replays_a_request_cut_by_a_crashing_pod(production):
    by_service = {}
    for ingress in of_kind(production, "Ingress"):
        services = {p["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]
                    for p in rule["http"]["paths"]}
        assert len(services) == 1, ingress["metadata"]["name"]
        assert ingress["spec"]["ingressClassName"] == "nginx"
        assert [t["hosts"] for t in ingress["spec"]["tls"]] == [
            [rule["host"] for rule in ingress["spec"]["rules"]]]
        by_service[services.pop()] = _replays(ingress)
    # A webhook is safe to send again (the inbox is unique on the provider's id) ...
    assert {"error", "non_idempotent"} <= set(by_service["channels"])
    # ... a case store POST that reached a pod may have been acted on.
    assert by_service["casestore"] == []


def test_the_ingress_exposes_the_public_doors(production):
    routes = {(service, path) for _host, path, _type, service in _ingress_paths(production)}
    assert routes == {
        ("channels", "/"), ("channels", "/static"), ("channels", "/webchat"),
        ("channels", "/sms"), ("channels", "/voice"), ("channels", "/telegram"),
        ("channels", "/messenger"),
        ("casestore", "/api/v1"), ("casestore", "/open311/v2"), ("casestore", "/cases"),
        ("casestore", "/report"), ("casestore", "/around"), ("casestore", "/account"),
        ("casestore", "/media"), ("casestore", "/static"), ("casestore", "/portal"),
    }


def test_every_deployment_has_readiness_and_liveness_probes(rendered):
    _name, objects = rendered
    for deployment in of_kind(objects, "Deployment"):
        for container in pod_spec(deployment)["containers"]:
            assert "readinessProbe" in container, deployment["metadata"]["name"]
            assert "livenessProbe" in container, deployment["metadata"]["name"]


def test_every_pod_runs_as_non_root_without_capabilities(rendered):
    _name, objects = rendered
    for obj in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
        name, spec = obj["metadata"]["name"], pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] > 0, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert context["readOnlyRootFilesystem"] is (name not in WRITABLE_ROOT), name
            assert {"requests", "limits"} <= set(container["resources"]), name


def test_every_service_is_cluster_internal(rendered):
    _name, objects = rendered
    for service in of_kind(objects, "Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]


def _callers(policy: dict) -> set[str]:
    names = set()
    for rule in policy["spec"].get("ingress", []):
        assert rule.get("from"), "an ingress rule without 'from' admits every pod"
        for peer in rule["from"]:
            pod = peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            if set(peer) == {"podSelector"}:
                names.add(pod)
            else:  # the scraper: one named pod in one named namespace, nothing wider
                assert set(peer) == {"namespaceSelector", "podSelector"}, peer
                namespace = peer["namespaceSelector"]["matchLabels"]
                names.add(f"{namespace['kubernetes.io/metadata.name']}/{pod}")
    return names


def test_rasa_actions_and_the_internal_app_admit_only_their_callers(rendered):
    _name, objects = rendered
    policies = {}
    for policy in of_kind(objects, "NetworkPolicy"):
        target = policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        assert "Ingress" in policy["spec"]["policyTypes"]
        policies[target] = _callers(policy)
    assert policies == ALLOWED_CALLERS
    services = {s["metadata"]["name"]: s for s in of_kind(objects, "Service")}
    for name in ALLOWED_CALLERS:
        assert services[name]["spec"]["selector"] == {"app.kubernetes.io/name": name}


def test_the_action_server_may_call_only_the_case_store_and_the_internal_app(production):
    policy = next(p for p in of_kind(production, "NetworkPolicy")
                  if p["metadata"]["name"] == "actions")
    pods = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            for rule in policy["spec"]["egress"] for peer in rule.get("to", [])}
    assert pods == {"casestore", "channels-internal"}


def test_production_runs_two_or_more_of_every_serving_process(production):
    for deployment in of_kind(production, "Deployment"):
        assert deployment["spec"]["replicas"] >= 2, deployment["metadata"]["name"]
    for hpa in of_kind(production, "HorizontalPodAutoscaler"):
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    covered = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
               for p in of_kind(production, "PodDisruptionBudget")}
    assert covered == {d["metadata"]["name"] for d in of_kind(production, "Deployment")}


def test_production_images_are_tagged(production):
    for obj in of_kind(production, "Deployment") + of_kind(production, "Job"):
        for container in pod_spec(obj)["containers"]:
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image


def test_migrations_run_as_a_job(production):
    (job,) = of_kind(production, "Job")
    assert pod_spec(job)["containers"][0]["command"] == ["flask", "--app", "casestore", "init"]


def _secret_refs(objects: list[dict]) -> list[dict]:
    refs = []
    for obj in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
        for container in pod_spec(obj)["containers"]:
            for env in container.get("env", []):
                if "secretKeyRef" in env.get("valueFrom", {}):
                    assert env["name"] == env["valueFrom"]["secretKeyRef"]["key"]
                    refs.append(env["valueFrom"]["secretKeyRef"])
    return refs


def test_every_variable_the_manifests_set_is_in_env_example(rendered):
    _name, objects = rendered
    names = set()
    for config in of_kind(objects, "ConfigMap"):
        names |= set(config["data"])
    for obj in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
        for container in pod_spec(obj)["containers"]:
            names |= {env["name"] for env in container.get("env", [])}
    assert names - env_example_names() == set()
