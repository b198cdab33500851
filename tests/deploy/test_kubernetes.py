"""deploy/k8s/: the Kustomize base and its two overlays, rendered to deploy/k8s/rendered/ (held
current here when kubectl is installed), every rendered object valid offline — Kubernetes'
own kinds by kubernetes-validate (strict), CloudNativePG's and KEDA's by check-jsonschema
against their vendored schemas — and saying what a provincial installation needs."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from typer.testing import CliRunner

from shared.cli import app
from shared.cli_deploy import valkey_values
from shared.messaging import topology
from shared.settings import SERVICE_PORTS
from tests.deploy.conftest import DEPLOY, ROOT, run_tool

K8S = DEPLOY / "k8s"
OVERLAYS = ("kabupaten", "provinsi")
KUBERNETES = "1.30.0"  # the oldest release the manifests are for (native sidecars, PDB v1)
CUSTOM = {
    "Cluster": "cnpg-cluster_v1.json",
    "ScaledObject": "keda-scaledobject_v1alpha1.json",
    "TriggerAuthentication": "keda-triggerauthentication_v1alpha1.json",
}
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def rendered(overlay: str) -> list[dict[str, Any]]:
    text = (K8S / "rendered" / f"{overlay}.yaml").read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [doc] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def invalid_core_objects(docs: list[dict[str, Any]]) -> list[str]:
    problems = []
    for doc in docs:
        if doc["kind"] in CUSTOM:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message}")
    return problems


def invalid_custom_objects(docs: list[dict[str, Any]], directory: Path) -> list[str]:
    problems = []
    for kind, schema in CUSTOM.items():
        files = []
        for number, doc in enumerate(d for d in docs if d["kind"] == kind):
            path = directory / f"{kind}-{number}.yaml"
            path.write_text(yaml.safe_dump(doc), encoding="utf-8")
            files.append(path)
        if files:
            result = run_tool("check-jsonschema", "--schemafile", K8S / "schemas" / schema, *files)
            if result.returncode != 0:
                problems.append(result.stdout + result.stderr)
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_rendered_manifests_are_those_kustomize_makes(overlay):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: deploy/k8s/rendered/ is not re-rendered here")
    made = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    kept = (K8S / "rendered" / f"{overlay}.yaml").read_text(encoding="utf-8")
    assert made == kept, f"render again: make k8s (deploy/k8s/rendered/{overlay}.yaml is stale)"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid(overlay, tmp_path):
    docs = rendered(overlay)
    assert invalid_core_objects(docs) == []
    assert invalid_custom_objects(docs, tmp_path) == []


def test_a_broken_manifest_fails_validation(tmp_path):
    docs = rendered("provinsi")
    deployment = named(docs, "Deployment", "kesos-cases")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}  # a typo
    cluster = named(docs, "Cluster", "kesos-cases-db")
    cluster["spec"]["instances"] = "three"
    assert invalid_core_objects(docs) == [
        "Deployment/kesos-cases: Additional properties are not allowed "
        "('readinesProbe' was unexpected)"
    ]
    [problem] = invalid_custom_objects(docs, tmp_path)
    assert "'three' is not of type 'integer'" in problem


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", list(SERVICE_PORTS))
def test_each_service_runs_as_the_design_says(overlay, name):
    docs = rendered(overlay)
    port = SERVICE_PORTS[name]
    pod = named(docs, "Deployment", f"kesos-{name}")["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"] == f"kesos:{VERSION}"
    assert container["command"] == ["python", "-m", f"services.{name}"]
    env = {item["name"]: item for item in container["env"]}
    assert env["KESOS_CONSUMER"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    pre_stop_s = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
    config = named(docs, "ConfigMap", container["envFrom"][0]["configMapRef"]["name"])
    graceful_s = float(config["data"]["KESOS_GRACEFUL_TIMEOUT_S"])
    assert pod["terminationGracePeriodSeconds"] >= pre_stop_s + graceful_s + 5
    assert {"requests", "limits"} <= set(container["resources"])
    assert pod["securityContext"]["runAsNonRoot"] and pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"]

    secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    assert secrets == {f"kesos-{name}-db-app", "kesos-redis-users", "kesos-jwt"}
    assert not [d for d in docs if d["kind"] == "Secret"]  # credentials never in the repository

    assert named(docs, "Service", f"kesos-{name}")["spec"]["ports"][0]["port"] == port
    job = named(docs, "Job", f"kesos-{name}-migrate-{VERSION.replace('.', '-')}")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["kesos", "migrate", name]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", list(SERVICE_PORTS))
def test_a_service_reaches_only_redis_its_own_store_and_dns(overlay, name):
    policy = named(rendered(overlay), "NetworkPolicy", f"kesos-{name}")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{"ports": [{"port": SERVICE_PORTS[name], "protocol": "TCP"}]}]
    reached = [(rule["to"][0].get("podSelector"), [p["port"] for p in rule["ports"]])
               for rule in policy["egress"]]  # fmt: skip
    assert reached == [
        ({"matchLabels": {"app.kubernetes.io/name": "valkey"}}, [6379]),
        ({"matchLabels": {"cnpg.io/cluster": f"kesos-{name}-db"}}, [5432]),
        ({"matchLabels": {"k8s-app": "kube-dns"}}, [53, 53]),
    ]


def test_the_province_is_replicated_and_scales_on_consumer_lag():
    docs = rendered("provinsi")
    for name in SERVICE_PORTS:
        assert named(docs, "Deployment", f"kesos-{name}")["spec"]["replicas"] >= 2
        assert named(docs, "PodDisruptionBudget", f"kesos-{name}")["spec"] == {
            "minAvailable": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/component": name}},
        }
        assert named(docs, "Cluster", f"kesos-{name}-db")["spec"]["instances"] == 3
        scaled = named(docs, "ScaledObject", f"kesos-{name}")["spec"]
        assert scaled["minReplicaCount"] >= 2
        triggers = [t["metadata"] for t in scaled["triggers"]]
        assert sorted(t["stream"] for t in triggers) == topology.streams_read("kesos", name)
        assert {(t["consumerGroup"], t["username"]) for t in triggers} == {(name, f"kesos-{name}")}
    one = rendered("kabupaten")
    assert [d["spec"]["replicas"] for d in one if d["kind"] == "Deployment"] == [1] * 4
    assert not [d for d in one if d["kind"] == "ScaledObject"]


def test_the_base_manifests_differ_only_in_the_services_name_and_port():
    cases = (K8S / "base" / "cases.yaml").read_text(encoding="utf-8").split("---", 1)[1]
    for name, port in SERVICE_PORTS.items():
        text = (K8S / "base" / f"{name}.yaml").read_text(encoding="utf-8").split("---", 1)[1]
        expected = cases.replace("cases", name).replace("CASES", name.upper())
        assert text == expected.replace("8003", str(port)), f"base/{name}.yaml drifted"


@pytest.mark.parametrize(("overlay", "replicas"), [("kabupaten", 0), ("provinsi", 2)])
def test_the_valkey_values_are_current_and_valid_for_the_chart(overlay, replicas):
    path = K8S / "valkey" / f"values-{overlay}.yaml"
    assert path.read_text(encoding="utf-8") == valkey_values("kesos", replicas), (
        f"write it again: kesos deploy valkey-values --replicas {replicas} > {path}"
    )
    schema = json.loads((K8S / "schemas" / "valkey-chart-values.schema.json").read_text())
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(values, schema)
    assert "appendonly yes" in values["valkeyConfig"]
    assert set(values["auth"]["aclUsers"]) >= {f"kesos-{name}" for name in SERVICE_PORTS}


def test_kesos_deploy_secrets_makes_every_key_the_kubernetes_secrets_need(tmp_path):
    assert CliRunner().invoke(app, ["deploy", "secrets", str(tmp_path)]).exit_code == 0
    # kubectl create secret generic kesos-redis-users --from-file=<dir>/redis: a key per file
    keys = {path.name for path in (tmp_path / "redis").iterdir()}
    users = yaml.safe_load(valkey_values("kesos", 2))["auth"]["aclUsers"]
    assert set(users) <= keys
    pods = [d for d in rendered("provinsi") if d["kind"] == "Deployment"]
    mounted = {item["key"] for pod in pods for volume in pod["spec"]["template"]["spec"]["volumes"]
               if volume.get("secret", {}).get("secretName") == "kesos-redis-users"
               for item in volume["secret"]["items"]}  # fmt: skip
    assert mounted <= keys
    assert (tmp_path / "jwt-secret").is_file()  # kesos-jwt, key jwt-secret


def test_agencies_granted_are_in_the_valkey_values_with_their_feeds(tmp_path):
    """Users made live by `kesos agency add` live on one node until a restart: the values carry
    them (and each service's right to write their feeds) to every node and every pod start."""
    values = yaml.safe_load(valkey_values("kesos", 2, {"bpjs": ["cases", "registry"]}))
    jsonschema.validate(
        values, json.loads((K8S / "schemas" / "valkey-chart-values.schema.json").read_text())
    )
    users = values["auth"]["aclUsers"]
    assert "~kesos.feed.bpjs" in users["kesos-agency-bpjs"]["permissions"]
    for service in ("registry", "cases"):
        assert "~kesos.feed.bpjs" in users[f"kesos-{service}"]["permissions"]
    for service in ("training", "notifications"):
        assert "feed" not in users[f"kesos-{service}"]["permissions"]
    refused = CliRunner().invoke(app, ["deploy", "valkey-values", "--grant", "bpjs=bank"])
    assert refused.exit_code == 2 and "--grant" in refused.output
