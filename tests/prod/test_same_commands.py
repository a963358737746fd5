"""What ships is what `make prod-check` runs: the Docker image, every docker-compose service
of the app and scripts/prod-check.sh start their processes through scripts/entrypoint.sh,
by the same role names (no container engine runs here, so this is checked on the files)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "scripts" / "entrypoint.sh"


def roles() -> set[str]:
    return set(re.findall(r"^    ([a-z-]+)\)$", ENTRYPOINT.read_text(), flags=re.M))


def test_the_image_starts_through_the_entrypoint():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/scripts/entrypoint.sh"]' in dockerfile
    assert re.search(r'^CMD \["web"\]$', dockerfile, flags=re.M)
    assert os.access(ENTRYPOINT, os.X_OK)


def test_every_app_service_of_compose_names_a_role_and_prod_check_runs_each():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app_services = {
        name: spec
        for name, spec in compose["services"].items()
        if spec.get("image") == "eor:latest"
    }
    assert set(app_services) == {"release", "web", "worker", "worker-integrations", "beat"}
    used = set()
    for name, spec in app_services.items():
        assert isinstance(spec["command"], list) and len(spec["command"]) == 1, name
        used.add(spec["command"][0])
    assert used <= roles()
    prod_check = (ROOT / "scripts" / "prod-check.sh").read_text()
    started = set(re.findall(r"scripts/entrypoint\.sh ([a-z-]+)", prod_check))
    assert used <= started, f"prod-check does not run {used - started}"
