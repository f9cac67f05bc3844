"""Print pip constraints pinning each of companion's dependencies to the lowest version
pyproject.toml allows, so CI can run the suite at the floors as well as at the newest."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
for spec in project["dependencies"]:
    requirement = Requirement(spec)
    floors = [s.version for s in requirement.specifier if s.operator in (">=", "==")]
    if floors:
        print(f"{requirement.name}=={floors[0]}")
