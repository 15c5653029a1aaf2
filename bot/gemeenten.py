"""The gemeenten the assistant knows, one YAML file each in content/gemeenten/."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import ROOT

GEMEENTEN_DIR = ROOT / "content" / "gemeenten"


class Gemeenten:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    @classmethod
    def load(cls, directory: Path = GEMEENTEN_DIR) -> Gemeenten:
        names = {}
        for path in sorted(directory.glob("*.yml")):
            names[path.stem] = (yaml.safe_load(path.read_text(encoding="utf-8")) or {})["name"]
        return cls(names)

    def __contains__(self, slug: str) -> bool:
        return slug in self.names

    def name(self, slug: str | None) -> str | None:
        return self.names.get(slug) if slug else None
