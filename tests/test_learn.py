"""`make learn` (tools/learn.py): the split and the Rasa files, and the install-only-if-better
rule on a tiny project (two real, small Rasa trainings: marked `trains`, it runs once)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete

from leads import review, review_inbox
from leads.db import dispose_engines, session_scope
from leads.funnel import reset_salt_cache
from leads.labels import label_names
from leads.migrate import upgrade
from leads.models import ReviewItem
from tools import learn, learn_data
from tools import model as models

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """recipe: default.v1
assistant_id: learn_test
language: xx
pipeline:
  - name: WhitespaceTokenizer
  - name: rasa_components.linear_intent_classifier.LinearIntentClassifier
policies:
  - name: RulePolicy
"""
DOMAIN = """version: "3.1"
intents: [greet, goodbye, thanks]
responses:
  utter_greet:
  - text: hi
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""
RULES = """version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
"""
TRAINING = {
    "greet": [
        "hi",
        "hello",
        "hey",
        "good morning",
        "hi there",
        "hello friend",
        "hey you",
        "good evening",
        "hiya",
        "howdy",
    ],
    "goodbye": [
        "bye",
        "goodbye",
        "see you",
        "see you later",
        "bye bye",
        "good night",
        "take care",
        "catch you later",
        "farewell",
        "later",
    ],
    "thanks": [
        "thanks",
        "thank you",
        "thx",
        "many thanks",
        "thanks a lot",
        "cheers",
        "thank you so much",
        "ty",
        "much appreciated",
        "thanks mate",
    ],
}
HELDOUT = [
    ("hello there", "greet"),
    ("hi everyone", "greet"),
    ("hey buddy", "greet"),
    ("hello again", "greet"),
    ("bye now", "goodbye"),
    ("see you soon", "goodbye"),
    ("goodbye friend", "goodbye"),
    ("thanks buddy", "thanks"),
    ("thank you again", "thanks"),
    ("thx a lot", "thanks"),
]
# Greetings labelled as goodbyes: a reviewer's slip that must never reach the bot.
BAD = [
    "hello!",
    "hi :)",
    "hey hey",
    "hello hello",
    "hi hi",
    "hey there friend",
    "helloo",
    "hiya there",
    "hello mate",
    "hi friend",
    "hey all",
    "hello you",
]


def nlu_file(examples: dict[str, list[str]]) -> str:
    blocks = {
        "version": "3.1",
        "nlu": [
            {"intent": label, "examples": "".join(f"- {t}\n" for t in texts)}
            for label, texts in examples.items()
        ],
    }
    return yaml.safe_dump(blocks, allow_unicode=True, sort_keys=False)


@pytest.fixture
def lead_store(tmp_path, monkeypatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PASSERELLE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FUNNEL_SALT", "test-salt")
    monkeypatch.setenv("RASA_URL", "")
    reset_salt_cache()
    upgrade(url)
    yield url
    dispose_engines()


def tiny_project(root: Path) -> learn_data.Project:
    (root / "domain").mkdir(parents=True)
    (root / "nlu").mkdir()
    (root / "stories").mkdir()
    (root / "tests" / "data").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "config.yml").write_text(CONFIG)
    (root / "domain" / "core.yml").write_text(DOMAIN)
    (root / "stories" / "rules.yml").write_text(RULES)
    (root / "nlu" / "en.yml").write_text(nlu_file(TRAINING))
    (root / "tests" / "data" / "nlu_heldout_en.jsonl").write_text(
        "".join(
            json.dumps({"text": t, "label": label, "lang": "en"}) + "\n" for t, label in HELDOUT
        )
    )
    return learn_data.Project(root)


def label(texts: list[str], label_name: str, language: str = "en") -> None:
    for number, text in enumerate(texts):
        review.record(
            review.ReviewMessage(
                sender_id=f"tg-{label_name}-{number}",
                message_id="m",
                text=text,
                language=language,
                trigger="fallback",
            )
        )
    ids = [item_id for group in review_inbox.groups() for item_id in group.item_ids]
    review_inbox.decide(ids, "label", label=label_name)


def examples(pairs: list[tuple[str, str, str]]) -> list[review_inbox.ReviewedExample]:
    return [
        review_inbox.ReviewedExample(id=n, text=text, language=lang, label=lab)
        for n, (text, lang, lab) in enumerate(pairs, 1)
    ]


def test_every_fifth_new_example_goes_to_the_held_out_set_and_the_rest_is_deduplicated(
    tmp_path,
) -> None:
    project = tiny_project(tmp_path / "p")
    pairs = [(f"how much is it {n}", "en", "faq/cost") for n in range(9)]
    pairs += [
        ("How much is it 0", "en", "faq/cost"),  # a duplicate (case, spacing)
        ("hello", "en", "greet"),  # already in nlu/
        ("c combien", "fr", "not_a_label"),
    ]
    steps = learn_data.plan(project, examples(pairs), label_names())
    assert [c["text"] for c in steps.new_heldout] == ["how much is it 4"]
    assert steps.new_train == {"en": 8}
    written = learn_data.write_reviewed(project.nlu, steps.train)
    assert [p.name for p in written] == ["reviewed_en.yml"]
    found = learn_data.read_nlu_examples(written[0])
    assert len(found) == 8 and {lab for lab, _t in found} == {"faq/cost"}
    # learnt before: the next run does not take them again
    again = learn_data.plan(project, examples(pairs), label_names())
    assert again.new_train == {} and len(again.train["en"]) == 8


def test_masks_never_read_as_rasa_entities() -> None:
    assert learn_data.clean("bel [phone](gsm)\nok") == "bel [phone] (gsm) ok"


@pytest.mark.trains
def test_a_bad_reviewed_file_is_refused_and_a_good_one_installed(tmp_path, lead_store) -> None:
    if not (ROOT / ".venv-rasa" / "bin" / "rasa").exists():
        pytest.skip("needs .venv-rasa")
    project = tiny_project(tmp_path / "p")
    current = learn.train_model(project.root, project.models)
    assert current.name == f"passerelle-{models.data_hash(project.root)}.tar.gz"

    label(BAD, "goodbye")
    report = learn.learn(project, learn.Report())
    assert report.status == "refused", report
    assert "en macro-F1 would drop" in report.reason
    assert report.scores["en"]["candidate"] < report.scores["en"]["current"]
    assert not list(project.nlu.glob("reviewed_*.yml"))
    assert sorted(p.name for p in project.models.glob("*.tar.gz")) == [current.name]
    assert len(learn_data.read_jsonl(project.real_heldout)) == 2  # every fifth of 12, kept

    with session_scope(write=True) as session:  # start again with right labels
        session.execute(delete(ReviewItem))
    project.real_heldout.unlink()
    label(["thanks so much", "thank u", "many many thanks", "thanks a bunch", "ta"], "thanks")
    report = learn.learn(project, learn.Report())
    assert report.status == "installed", report
    installed = project.models / report.model
    assert installed.exists() and installed.name == (
        f"passerelle-{models.data_hash(project.root)}.tar.gz"
    )
    assert [p.name for p in project.nlu.glob("reviewed_*.yml")] == ["reviewed_en.yml"]
    assert len(learn_data.read_nlu_examples(project.reviewed_file("en"))) == 4


def test_make_learn_without_a_model_says_what_to_do(tmp_path, lead_store) -> None:
    project = tiny_project(tmp_path / "p")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "learn.py"), "--root", str(project.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip().splitlines()[-1] == "learn=failed"
    assert "run `make train` first" in result.stdout
    report = json.loads((tmp_path / "var" / "learn" / "report.json").read_text())
    assert report["status"] == "failed"
