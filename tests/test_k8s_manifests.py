"""deploy/k8s/base: every resource valid against the Kubernetes schemas (kubernetes-validate
ships them: nothing is fetched), and the shape the operations guide promises: a workload per
process kind of scripts/processes.py, probes on /health/, resources, settings from the ConfigMap
and the Secret, a migrations Job."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

from scripts.processes import table

BASE = Path(settings.BASE_DIR) / "deploy" / "k8s" / "base"
# The oldest Kubernetes minor still in upstream support when this was written.
VERSION = "1.33"


def _resources() -> list[dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    documents = []
    for name in kustomization["resources"]:
        documents += [d for d in yaml.safe_load_all((BASE / name).read_text()) if d]
    return documents


def _pods() -> dict[str, dict]:
    """Each workload's pod spec, by its component label."""
    pods = {}
    for resource in _resources():
        if resource["kind"] in ("Deployment", "Job"):
            template = resource["spec"]["template"]
            pods[template["metadata"]["labels"]["app.kubernetes.io/component"]] = template["spec"]
    return pods


def test_every_file_of_the_base_is_listed_in_the_kustomization():
    listed = set(yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize(
    "resource", _resources(), ids=lambda r: f"{r['kind']}/{r['metadata']['name']}"
)
def test_each_resource_is_valid_against_the_kubernetes_schema(resource):
    # strict: a field the schema does not know (a typo) fails too.
    kubernetes_validate.validate(resource, VERSION, strict=True)


def test_every_process_kind_has_a_workload_on_its_queues():
    pods = _pods()
    queues = {
        component: next(
            (
                e["value"]
                for e in pod["containers"][0].get("env", [])
                if e["name"] == "CELERY_QUEUES"
            ),
            None,
        )
        for component, pod in pods.items()
    }
    expected = {"web": "web", "beat": "beat", "migrate": "migrate"}
    for process in table({}):
        if process.queues():
            assert ",".join(process.queues()) in queues.values(), process.name
        else:
            assert expected[process.name] in pods, process.name
    assert pods["migrate"]["containers"][0]["args"] == ["migrate"]
    assert pods["beat"]["containers"][0]["args"] == ["beat"]


def test_probes_resources_and_settings_from_the_configmap_and_secret():
    for component, pod in _pods().items():
        for container in pod["containers"]:
            assert container["resources"]["requests"], component
            assert container["resources"]["limits"]["memory"], component
            sources = {
                next(iter(k for k in s if k.endswith("Ref"))): next(iter(s.values()))["name"]
                for s in container["envFrom"]
            }
            assert sources == {
                "configMapRef": "meldpunt-config",
                "secretRef": "meldpunt-secrets",
            }, component
    web = _pods()["web"]["containers"][0]
    allowed = yaml.safe_load((BASE / "configmap.yaml").read_text())["data"]["ALLOWED_HOSTS"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = web[probe]["httpGet"]
        assert get["path"] == "/health/"
        # Django answers 400 to a Host it does not allow: the probe must send an allowed one.
        assert get["httpHeaders"] == [{"name": "Host", "value": allowed.split(",")[0]}]
    beat = next(r for r in _resources() if r["metadata"]["name"] == "meldpunt-beat")
    assert beat["spec"]["replicas"] >= 2  # a standby: the leader lease makes it safe


def test_secrets_are_in_the_secret_and_never_in_the_configmap():
    config = yaml.safe_load((BASE / "configmap.yaml").read_text())["data"]
    secret = yaml.safe_load((BASE / "secret.yaml").read_text())["stringData"]
    for name in ("SECRET_KEY", "TRACKING_TOKEN_SECRET", "DATABASE_URL", "AWS_SECRET_ACCESS_KEY"):
        assert name in secret and name not in config
