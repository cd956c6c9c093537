"""The action server's own copy of the domain (Rasa sends none: enable_selective_domain)."""

from __future__ import annotations

import yaml

from actions.domain import DOMAIN_DIR, cached_domain, domain_or_cached
from tools.stack import ROOT


def test_selective_domain_is_on_so_the_copy_is_what_actions_see() -> None:
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["enable_selective_domain"] is True


def test_the_copy_has_every_file_s_slots_forms_and_responses() -> None:
    domain = cached_domain()
    for path in DOMAIN_DIR.glob("*.yml"):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("slots", "forms", "responses"):
            assert set(part.get(key) or {}) <= set(domain[key]), (path.name, key)
    assert domain["forms"]["check_form"]["required_slots"][0] == "first_name"
    assert domain["slots"]["language"]["mappings"][0]["type"] == "custom"


def test_a_domain_sent_by_rasa_wins() -> None:
    sent = {"slots": {}, "forms": {}}
    assert domain_or_cached(sent) is sent
    assert domain_or_cached({}) is cached_domain()
