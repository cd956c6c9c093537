"""The domain, read once from domain/*.yml, for actions Rasa calls without it.

endpoints.yml sets `enable_selective_domain`, so Rasa no longer serialises its whole domain
(130 KB, mostly responses in three languages) into every action call and the action server
no longer parses it: a tenth of Rasa's CPU per message (BENCHMARKS.md "Load"). The few
actions that need the domain (rasa-sdk's slot and form validation read the slots' mappings
and the forms' required slots) get this copy, from the same files Rasa trained on.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, cast

import yaml
from rasa_sdk.types import DomainDict

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


@functools.lru_cache(maxsize=1)
def cached_domain() -> DomainDict:
    """domain/*.yml merged as Rasa merges a domain folder: mappings joined, lists chained."""
    merged: dict[str, Any] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in part.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged.setdefault(key, value)
    return cast(DomainDict, merged)


def domain_or_cached(domain: DomainDict | dict[str, Any] | None) -> DomainDict:
    """The domain Rasa sent, or the cached one when it sent none (selective domain)."""
    return cast(DomainDict, domain) if domain else cached_domain()
