"""The dashboard in a real browser (Playwright driving Debian's Chromium), against the real
stack: Rasa + action server (the `stack` fixture), the dashboard under uvicorn, and a fake
Telegram Bot API for staff replies. Takes the screenshots linked from docs/dashboard.md:
into a temporary folder, so that `make test` leaves the working tree as it was; `make
screenshots` runs this module with PASSERELLE_SCREENSHOTS_DIR=docs/screenshots to refresh them.

The tests of this module share one dashboard and run in file order.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.fake_telegram import DEFAULT_TOKEN
from tests.leads.helpers import lead_input
from tools.stack import PY, ROOT, Stack, free_port, wait_for_http

pytestmark = pytest.mark.timeout(900)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BOT_USERNAME = "passerelle_test_bot"  # what the fake Telegram's getMe answers
ADMIN = ("admissions@passerelle.test", "browser-admin-pass")
STAFF = ("outreach@passerelle.test", "browser-staff-pass")
XSS_NAME = "<script>window.pwned=1</script>Zoë"
XSS_MOTIVATION = '<img src=x onerror="window.pwned=1"> I want to build apps'

if not CHROMIUM.exists():
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError("/usr/bin/chromium is missing: .ci/run installs it (apt-get)")
    pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots under `make screenshots`; a temporary folder otherwise."""
    configured = os.environ.get("PASSERELLE_SCREENSHOTS_DIR")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Dashboard:
    url: str
    stack: Stack
    telegram_url: str

    def telegram_messages(self, chat_id: int) -> list[dict]:
        return httpx.get(
            f"{self.telegram_url}/_fake/messages", params={"chat_id": chat_id}, timeout=5
        ).json()


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_telegram(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    log = open(tmp_path_factory.mktemp("telegram") / "fake_telegram.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(PY), "-m", "tests.fake_telegram", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/_fake/messages?chat_id=0", 30, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture(scope="module")
def lead_store(stack: Stack) -> Iterator[None]:
    """This process talks to the stack's lead store (to seed leads and check results)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DATABASE_URL", "TRACKER_DATABASE_URL", "PASSERELLE_SPOOL_DIR", "FUNNEL_SALT"):
            patch.setenv(name, stack.env[name])
        patch.setenv("PASSERELLE_SPOOL_FLUSHER", "off")
        from leads.funnel import reset_salt_cache

        reset_salt_cache()
        yield
        reset_salt_cache()


@pytest.fixture(scope="module")
def dashboard(
    stack: Stack, fake_telegram: str, lead_store, tmp_path_factory
) -> Iterator[Dashboard]:
    env = {
        **stack.env,
        "ADMIN_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_BASE_URL": f"{fake_telegram}/bot",
        "PASSERELLE_SPOOL_FLUSHER": "off",
    }
    env.pop("TELEGRAM_BOT_USERNAME", None)  # the username comes from getMe
    for (email, password), role in ((ADMIN, "admin"), (STAFF, "staff")):
        subprocess.run(
            [
                str(PY),
                "-m",
                "admin",
                "create-user",
                "--email",
                email,
                "--password",
                password,
                "--role",
                role,
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    port = free_port()
    log = open(tmp_path_factory.mktemp("dashboard") / "uvicorn.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        # --ws none: rasa-sdk pins an old `websockets` that uvicorn's auto-detection trips on.
        [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "admin.app:app",
            "--ws",
            "none",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_http(f"{url}/health", 60, process)
        except (RuntimeError, TimeoutError) as error:
            log.flush()
            pytest.fail(
                f"the dashboard did not start: {error}\n"
                + Path(log.name).read_text(errors="replace")[-3000:]
            )
        yield Dashboard(url, stack, fake_telegram)
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, dashboard: Dashboard) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=dashboard.url, viewport={"width": 1280, "height": 860}, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


def log_in(page: Page, account: tuple[str, str]) -> None:
    page.goto("/login")
    page.fill("input[name=email]", account[0])
    page.fill("input[name=password]", account[1])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/leads$"))


def watch_for_script_injection(page: Page) -> list[str]:
    """Any dialog, or `window.pwned`, means a stored script ran."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


# --- a real conversation makes a lead -----------------------------------------------------

MOTIVATION = (
    "Ik zit al een jaar thuis en ik wil een echte job in de IT. Ik ben altijd al "
    "gefascineerd geweest door computers en wil mijn familie trots maken."
)
CHECK_IN_DUTCH = [
    "ik wil me aanmelden",
    "ik ben Lotte",
    "negentien",
    "Gent",
    "ik zoek werk",
    "ja hoor",
    "een beetje HTML op school",
    MOTIVATION,
    "ja, dat lukt",
    "0470 12 34 56",
    "ja, dat mag",
    "klopt",
]


@dataclass(frozen=True)
class Conversation:
    chat_id: int
    sender: str
    lead_id: int


@pytest.fixture(scope="module")
def conversation(dashboard: Dashboard) -> Conversation:
    """Lotte does the motivation check in Dutch on Telegram (through the stack)."""
    from leads.lead_queue import get_lead_by_sender

    chat_id = 700_000_000 + uuid.uuid4().int % 10**8
    sender = f"tg-{chat_id}"
    # The person exists in the fake Telegram (so the bot can write to their chat).
    httpx.post(
        f"{dashboard.telegram_url}/_fake/send_text",
        json={"chat_id": chat_id, "text": "/start", "language_code": "nl"},
        timeout=5,
    )
    metadata = {
        "language_code": "nl",
        "telegram_user_id": chat_id,
        "channel": "telegram",
        "campaign": "gent-lan-7f3k",
    }
    replies = []
    for text in CHECK_IN_DUTCH:
        replies.append(dashboard.stack.send(sender, text, metadata))
    lead = get_lead_by_sender(sender)
    assert lead is not None, f"no lead after the check: {replies}"
    assert (lead.first_name, lead.campus, lead.language) == ("Lotte", "ghent", "nl")
    return Conversation(chat_id, sender, lead.id)


@pytest.fixture(scope="module")
def other_leads(lead_store) -> dict[str, int]:
    """A queue that looks like a real one, with a hostile name and motivation in it."""
    from leads.lead_store import request_handoff, save_lead

    leads = {
        "amina": lead_input(
            "tg-910001",
            first_name="Amina",
            campus="brussels",
            language="fr",
            score=85,
            contact="amina@example.org",
            campaign="bxl-poster-4k2m",
        ),
        "jonas": lead_input(
            "tg-910002",
            first_name="Jonas",
            campus="antwerp",
            language="nl",
            score=65,
            contact="+32478112233",
            contact_kind="phone",
            campaign=None,
        ),
        "sam": lead_input(
            "tg-910003",
            first_name="Sam",
            campus="ghent",
            language="en",
            score=72,
            contact="sam@example.org",
        ),
        "xss": lead_input(
            "tg-910004",
            first_name=XSS_NAME,
            motivation=XSS_MOTIVATION,
            campus="liege",
            language="fr",
            score=58,
            contact='=HYPERLINK("http://evil.example")',
        ),
        "nurture": lead_input(
            "tg-910005",
            first_name="Yasmine",
            campus="charleroi",
            language="fr",
            score=35,
            qualified=False,
            status="nurture",
        ),
    }
    ids = {key: save_lead(data).lead_id for key, data in leads.items()}
    request_handoff(
        "tg-910006",
        language="nl",
        campaign="gent-lan-7f3k",
        first_name="Noor",
        contact="noor@example.org",
        contact_kind="email",
    )
    return ids


# --- the tests ----------------------------------------------------------------------------


def test_queue_filters_and_escaping(
    context: BrowserContext,
    conversation: Conversation,
    other_leads: dict[str, int],
    screenshots: Path,
) -> None:
    page = context.new_page()
    dialogs = watch_for_script_injection(page)
    log_in(page, ADMIN)
    table = page.locator("#lead-table")
    expect(table).to_contain_text("Lotte")
    expect(table).to_contain_text(XSS_NAME)  # shown as text, not run
    first_row = page.locator("#lead-table tbody tr").first
    expect(first_row).to_contain_text("Noor")  # the handoff request comes first
    expect(first_row).to_contain_text("wants a person")
    page.screenshot(path=str(screenshots / "queue.png"), full_page=True)

    page.select_option("select[name=campus]", "ghent")
    page.select_option("select[name=language]", "nl")
    page.click("#filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"campus=ghent"))
    names = page.locator("#lead-table .lead-link").all_inner_texts()
    assert "Lotte" in names
    assert not {"Amina", "Jonas", "Sam", "Noor"} & set(names)  # other campus or language
    page.select_option("select[name=language]", "fr")
    page.click("#filters button[type=submit]")
    expect(page.locator("#result-count")).to_contain_text("0 leads")

    page.goto(f"/leads/{other_leads['xss']}")
    expect(page.locator("#lead-name")).to_have_text(XSS_NAME)
    expect(page.locator("#lead-motivation")).to_have_text(XSS_MOTIVATION)
    assert page.evaluate("window.pwned") is None
    assert dialogs == []


def test_work_a_lead_and_the_conflicting_edit(
    browser: Browser,
    context: BrowserContext,
    dashboard: Dashboard,
    conversation: Conversation,
    screenshots: Path,
) -> None:
    from leads.lead_queue import get_lead

    page = context.new_page()
    log_in(page, ADMIN)
    page.fill("input[name=q]", "Lotte")
    page.click("#filters button[type=submit]")
    page.click("text=Lotte")
    expect(page).to_have_url(re.compile(rf"/leads/{conversation.lead_id}$"))
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("ik ben Lotte")  # the real conversation, from Rasa
    expect(transcript).to_contain_text("binnen 2 werkdagen")
    expect(page.locator("#lead-contact")).to_contain_text("+32470123456")

    # A colleague opens the same lead before the status changes.
    colleague_context = browser.new_context(base_url=dashboard.url)
    colleague = colleague_context.new_page()
    log_in(colleague, STAFF)
    colleague.goto(f"/leads/{conversation.lead_id}")

    page.select_option("#status-select", "contacted")
    page.click("#status-save")
    expect(page.locator(".flash-ok")).to_contain_text("Status changed")
    expect(page.locator("#lead-status")).to_have_text("Contacted")
    page.fill("#note-form textarea", "Phoned Lotte: she comes to the info session on Monday.")
    page.click("#note-form button")
    expect(page.locator("#notes")).to_contain_text("info session on Monday")

    colleague.select_option("#status-select", "not_suitable")
    colleague.click("#status-save")
    conflict = colleague.locator("#conflict")
    expect(conflict).to_contain_text(f"changed by {ADMIN[0]} meanwhile")
    expect(conflict).to_contain_text("Reload")
    colleague_context.close()
    assert get_lead(conversation.lead_id).status == "contacted"

    # Reply through the bot: queued in the outbox, sent by the bot's sender (here one pass of
    # the cron command), it reaches the Telegram chat and shows in the transcript.
    before = len(dashboard.telegram_messages(conversation.chat_id))
    page.fill("#reply-form textarea", "Hoi Lotte! Ik ben Sarah van de school. Tot maandag!")
    page.click("#reply-form button")
    expect(page.locator(".flash-ok")).to_contain_text("Reply queued")
    sender = subprocess.run(
        [str(PY), "-m", "bot.outbox", "--send-due"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **dashboard.stack.env,
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": f"{dashboard.telegram_url}/bot",
        },
    )
    assert "sent=1" in sender.stdout, sender.stderr
    sent = dashboard.telegram_messages(conversation.chat_id)[before:]
    assert [m["text"] for m in sent] == ["Hoi Lotte! Ik ben Sarah van de school. Tot maandag!"]
    expect(page.locator("#transcript .msg-staff")).to_contain_text("Tot maandag!")
    page.locator("#actions").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "lead.png"), full_page=True)


def test_campaign_and_its_qr_code(
    context: BrowserContext, tmp_path: Path, screenshots: Path
) -> None:
    page = context.new_page()
    log_in(page, ADMIN)
    page.goto("/campaigns")
    page.click("#new-campaign")
    page.fill("input[name=name]", "LAN party Kinepolis")
    page.select_option("select[name=kind]", "tournament")
    page.fill("input[name=location]", "Gent")
    page.click("#campaign-form button[type=submit]")
    code = page.locator("#campaign-code").inner_text()
    assert re.fullmatch(r"gent-lan-party-kinepolis-[2-9a-z]{4}", code), code
    link = f"https://t.me/{BOT_USERNAME}?start={code}"
    expect(page.locator("#deep-link")).to_have_text(link)

    with page.expect_download() as download:
        page.click("#download-png")
    png = tmp_path / download.value.suggested_filename
    download.value.save_as(png)
    assert png.name == f"qr-{code}.png"
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [link]
    with page.expect_download() as svg_download:
        page.click("#download-svg")
    svg = Path(svg_download.value.path()).read_text(encoding="utf-8")
    assert "LAN party Kinepolis</text>" in svg
    page.screenshot(path=str(screenshots / "campaign.png"), full_page=True)


def test_csv_export_of_the_filtered_queue(
    context: BrowserContext, tmp_path: Path, conversation: Conversation, other_leads: dict[str, int]
) -> None:
    page = context.new_page()
    log_in(page, ADMIN)
    page.select_option("select[name=language]", "fr")
    page.click("#filters button[type=submit]")
    shown = int(page.locator("#result-count").inner_text().split()[0])
    with page.expect_download() as download:
        page.click("#export-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == shown >= 3
    assert {row["language"] for row in rows} == {"fr"}
    by_sender = {row["sender_id"]: row for row in rows}
    assert by_sender["tg-910001"]["first_name"] == "Amina"
    hostile = by_sender["tg-910004"]
    assert hostile["contact"] == '\'=HYPERLINK("http://evil.example")'  # no formula
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


def test_funnel_page(
    context: BrowserContext, conversation: Conversation, screenshots: Path
) -> None:
    page = context.new_page()
    log_in(page, ADMIN)
    page.goto("/funnel")
    for step in ("check_started", "check_completed", "qualified", "contacted"):
        cell = page.locator(f"#funnel-table tr.dim-all td[data-step={step}]")
        assert int(re.match(r"\d+", cell.inner_text()).group()) >= 1, step  # Lotte's
    expect(page.locator("svg.chart").first).to_be_visible()
    page.screenshot(path=str(screenshots / "funnel.png"), full_page=True)


def test_review_inbox_from_the_keyboard(
    context: BrowserContext, dashboard: Dashboard, screenshots: Path
) -> None:
    """Messages the bot does not get, sent through Rasa, are in the inbox, grouped and masked;
    staff label them without the mouse."""
    for number, phone in enumerate(("0470 11 22 33", "+32 470 99 88 77")):
        dashboard.stack.send(
            f"tg-81000{number}",
            f"blorp zigzag {phone} wup",
            {"language_code": "fr", "channel": "telegram"},
        )
    page = context.new_page()
    dialogs = watch_for_script_injection(page)
    log_in(page, STAFF)
    page.goto("/review")
    group = page.locator(".review-group", has_text="blorp zigzag")
    expect(group.locator(".review-count")).to_have_text("×2")
    expect(group.locator(".review-text")).to_have_text("blorp zigzag [phone] wup")
    assert "0470" not in page.content() and "99 88 77" not in page.content()
    page.screenshot(path=str(screenshots / "review.png"), full_page=True)
    # the first group's label field has the focus: Esc, j/k to the group, l, type, Enter
    page.keyboard.press("Escape")
    groups = page.locator(".review-group")
    target = next(i for i in range(groups.count()) if "blorp" in groups.nth(i).inner_text())
    for _ in range(target):
        page.keyboard.press("j")
    expect(group).to_have_class(re.compile("current"))
    page.keyboard.press("l")
    page.keyboard.type("out_of_scope")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-ok")).to_contain_text("2 messages labelled “out_of_scope”")
    expect(page.locator(".review-group", has_text="blorp zigzag")).to_have_count(0)
    assert dialogs == [] and page.evaluate("window.pwned") is None


def test_understanding_page(context: BrowserContext, screenshots: Path) -> None:
    page = context.new_page()
    log_in(page, STAFF)
    page.goto("/understanding")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("#understanding-table tbody tr").first).to_be_visible()
    expect(page.locator("#dropoff-table tr[data-question=age]")).to_be_visible()
    page.screenshot(path=str(screenshots / "understanding.png"), full_page=True)
    page.goto("/review/learn")
    expect(page.locator("#learn-report")).to_contain_text("Last report")


def test_try_the_bot_in_french_then_log_out(context: BrowserContext, screenshots: Path) -> None:
    page = context.new_page()
    log_in(page, STAFF)
    page.goto("/try")
    page.select_option("#chat-language", "fr")
    page.click("#chat-restart")
    greeting = page.locator("#chat-log .msg-bot").first
    expect(greeting).to_contain_text("Salut")
    expect(page.locator("#chat-log .chat-button").first).to_be_visible()
    page.fill("#chat-text", "c'est combien la formation ?")
    page.click("#chat-send")
    expect(page.locator("#chat-log .msg-user")).to_have_text(["c'est combien la formation ?"])
    answer = page.locator("#chat-log .msg-bot").nth(1)
    expect(answer).to_contain_text("gratuit")
    # A button works like on Telegram: its title is shown, its payload (/start_check) sent.
    page.locator("#chat-log .msg-bot").last.get_by_role(
        "button", name="Faire le questionnaire"
    ).click()
    expect(page.locator("#chat-log .msg-user").last).to_have_text("Faire le questionnaire")
    expect(page.locator("#chat-log")).to_contain_text("10 petites questions")
    page.screenshot(path=str(screenshots / "try-the-bot.png"), full_page=True)

    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/leads")
    expect(page).to_have_url(re.compile(r"/login\?next=/leads$"))
