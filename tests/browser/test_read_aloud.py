"""Read aloud (DESIGN.md 9): the device's own voice reads the main content in the page's language,
stops on Stop and on leaving the page, and stays hidden where it cannot work.

The test browser may have no voices, so each test gives the page a stand-in `speechSynthesis`
that reports the voices it is told to, loads them a moment late (as Chrome does, with a
`voiceschanged` event) and records what it is asked to say in `window.__spoken`. Its cancel
count is kept in sessionStorage too, so that it survives leaving the page.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import CLIENT_ONE, axe_violations, on_each_screen_in, sign_in_client

VOICES = ["en-US", "es-ES", "pl-PL"]
LANGUAGES = ["en", "es", "pl"]
PUBLIC_PAGES = ["/", "/privacy-notice", "/sign-in", "/partner-agencies", "/complaint"]
CLIENT_PAGES = ["/my-page", "/my-record", "/my-requests", "/sharing", "/my-page/who-looked"]

FAKE_SPEECH = """
(config) => {
  const voices = config.voices.map((lang) => ({
    lang, name: "Stand-in " + lang, voiceURI: "stand-in-" + lang,
    localService: config.localService, default: false,
  }));
  const events = new EventTarget();
  let loaded = false;
  window.__spoken = [];
  window.__utterances = [];
  const cancels = () => Number(sessionStorage.getItem("speech-cancels") || 0);
  window.__cancels = cancels;
  const speech = {
    speaking: false, pending: false, paused: false, onvoiceschanged: null,
    getVoices() { return loaded ? voices.slice() : []; },
    speak(utterance) {
      window.__spoken.push({ text: utterance.text, lang: utterance.lang });
      window.__utterances.push(utterance);
      this.speaking = true;
    },
    cancel() {
      sessionStorage.setItem("speech-cancels", String(cancels() + 1));
      window.__utterances = [];
      this.speaking = false;
    },
    pause() {}, resume() {},
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    dispatchEvent: events.dispatchEvent.bind(events),
  };
  // The end of the last piece, as when the voice has said everything.
  window.__finishSpeaking = () => {
    const last = window.__utterances[window.__utterances.length - 1];
    speech.speaking = false;
    if (last && last.onend) { last.onend(new Event("end")); }
  };
  class Utterance {
    constructor(text) { this.text = text; this.lang = ""; this.voice = null; this.onend = null; }
  }
  if (config.missing) {
    Object.defineProperty(window, "speechSynthesis", { value: undefined, configurable: true });
    return;
  }
  const own = (value) => ({ value, configurable: true });
  Object.defineProperty(window, "speechSynthesis", own(speech));
  Object.defineProperty(window, "SpeechSynthesisUtterance", own(Utterance));
  setTimeout(() => {
    loaded = true;
    events.dispatchEvent(new Event("voiceschanged"));
    window.__voicesLoaded = true;
  }, 50);
}
"""


def _fake_speech(
    context: BrowserContext,
    voices: list[str] = VOICES,
    *,
    local: bool = True,
    missing: bool = False,
) -> None:
    config = {"voices": voices, "localService": local, "missing": missing}
    context.add_init_script(f"({FAKE_SPEECH})({json.dumps(config)})")


def _control(page: Page) -> Locator:
    return page.locator("#main-content [data-read-aloud]")


def _button(page: Page) -> Locator:
    return _control(page).get_by_role("button")


def _voices_loaded(page: Page) -> None:
    page.wait_for_function("() => window.__voicesLoaded === true")


def _spoken(page: Page) -> list[dict[str, str]]:
    return page.evaluate("window.__spoken")  # type: ignore[no-any-return]


def _cancels(page: Page) -> int:
    return int(page.evaluate("window.__cancels()"))


def _label(app: Flask, language: str, english: str) -> str:
    """The control's label as the catalog translates it."""
    with app.test_request_context(), force_locale(language):
        return gettext(english)


def _sign_in(page: Page, live_server: str, code: str) -> None:
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    page.get_by_role("button", name="I have read the notice").click()
    expect(page).to_have_url(f"{live_server}/my-page")


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_client_hears_the_main_content_in_order_and_can_stop(
    page: Page, context: BrowserContext, live_server: str, code: str
) -> None:
    _fake_speech(context)
    _sign_in(page, live_server, code)
    _voices_loaded(page)
    button = page.get_by_role("button", name="Read this page aloud")
    expect(button).to_be_visible()
    # A large target: 44px everywhere, bigger on the kiosk screen.
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= (56 if context.viewport_name == "kiosk" else 44)  # type: ignore[attr-defined]

    # By keyboard alone: the skip link, then the first thing in the main content is the control.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none"
    assert outline[1] >= 2  # a visible focus ring
    page.keyboard.press("Enter")

    stop = page.get_by_role("button", name="Stop reading")
    expect(stop).to_be_focused()  # the same button: focus stays put
    spoken = _spoken(page)
    expected = [
        _words(text)
        for text in page.locator(
            "#main-content h1, #main-content > p, #main-content li"
        ).all_inner_texts()
    ]
    assert [_words(piece["text"]) for piece in spoken] == expected
    assert spoken[0]["text"] == "Your page"
    assert spoken[1]["text"] == "You are signed in as Client One."
    assert {piece["lang"] for piece in spoken} == {"en-US"}
    said = " ".join(piece["text"] for piece in spoken)
    assert "Read this page aloud" not in said  # not the control itself
    assert "Help desk" not in said  # not the header or the footer

    before = _cancels(page)
    stop.click()
    assert _cancels(page) == before + 1
    expect(page.get_by_role("button", name="Read this page aloud")).to_be_focused()


def test_the_button_comes_back_when_the_voice_has_finished(
    browser: Browser, live_server: str, code: str
) -> None:
    context = browser.new_context()
    _fake_speech(context)
    page = context.new_page()
    page.goto(f"{live_server}/?lang=en")
    _voices_loaded(page)
    page.get_by_role("button", name="Read this page aloud").click()
    expect(page.get_by_role("button", name="Stop reading")).to_be_visible()
    page.evaluate("window.__finishSpeaking()")
    expect(page.get_by_role("button", name="Read this page aloud")).to_be_visible()
    before = _cancels(page)
    page.keyboard.press("Escape")  # nothing to stop: nothing is cancelled
    assert _cancels(page) == before
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_control_is_on_every_client_page_in_each_language(
    app: Flask, browser: Browser, live_server: str, code: str, language: str
) -> None:
    read, stop = (_label(app, language, e) for e in ("Read this page aloud", "Stop reading"))
    if language != "en":
        assert read != "Read this page aloud", "the label is not translated"
    context = browser.new_context()
    _fake_speech(context)
    page = context.new_page()
    for path in PUBLIC_PAGES:
        page.goto(f"{live_server}{path}?lang={language}")
        _voices_loaded(page)
        expect(_control(page), path).to_be_visible()
    _sign_in(page, live_server, code)
    for path in CLIENT_PAGES:
        page.goto(f"{live_server}{path}?lang={language}")
        assert page.locator("body").get_attribute("data-hx-history") == "false"
        assert page.locator("html").get_attribute("lang") == language
        _voices_loaded(page)
        expect(_control(page).get_by_role("button", name=read, exact=True), path).to_be_visible()
    # Reading speaks the page's language, the heading first.
    _button(page).click()
    expect(_button(page)).to_have_accessible_name(stop)
    spoken = _spoken(page)
    assert spoken
    assert {piece["lang"].split("-")[0] for piece in spoken} == {language}
    heading = page.locator("#main-content h1").inner_text()
    assert _words(spoken[0]["text"]) == _words(heading)
    context.close()


def test_staff_pages_have_no_read_aloud_control(browser: Browser, live_server: str) -> None:
    context = browser.new_context()
    _fake_speech(context)
    page = context.new_page()
    page.goto(f"{live_server}/staff/sign-in")
    _voices_loaded(page)
    expect(_control(page)).to_have_count(0)
    context.close()


def test_leaving_the_page_stops_the_reading(browser: Browser, live_server: str, code: str) -> None:
    context = browser.new_context()
    _fake_speech(context)
    page = context.new_page()
    _sign_in(page, live_server, code)
    _voices_loaded(page)
    _button(page).click()
    before = _cancels(page)
    page.get_by_role("link", name="See your record", exact=True).click()
    expect(page).to_have_url(f"{live_server}/my-record")
    assert _cancels(page) == before + 1  # counted in sessionStorage by the page that was left
    assert _spoken(page) == []  # the new page says nothing until asked
    context.close()


def test_an_htmx_request_stops_the_reading(
    browser: Browser, live_server: str, code: str, db_session: Session
) -> None:
    from portal.hmis.models import Client

    client = db_session.get(Client, CLIENT_ONE)
    assert client is not None
    client.ssn = "900451234"  # synthetic: no SSN starts with 9
    db_session.commit()
    context = browser.new_context()
    _fake_speech(context)
    page = context.new_page()
    _sign_in(page, live_server, code)
    page.goto(f"{live_server}/my-record")
    _voices_loaded(page)
    _button(page).click()
    before = _cancels(page)
    page.get_by_role("link", name="Show my full Social Security number").click()
    expect(page.locator("#identity")).to_contain_text("900-45-1234")
    assert _cancels(page) == before + 1
    expect(page.get_by_role("button", name="Read this page aloud")).to_be_visible()
    context.close()


@pytest.mark.parametrize(
    ("voices", "local", "missing", "why"),
    [
        (["en-US", "es-ES"], True, False, "no Polish voice"),
        (VOICES, False, False, "only network voices, which would send the page away"),
        ([], True, True, "no speechSynthesis"),
    ],
)
def test_the_control_stays_hidden_where_it_cannot_work(
    browser: Browser,
    live_server: str,
    code: str,
    voices: list[str],
    local: bool,
    missing: bool,
    why: str,
) -> None:
    context = browser.new_context()
    _fake_speech(context, voices, local=local, missing=missing)
    page = context.new_page()
    _sign_in(page, live_server, code)
    page.goto(f"{live_server}/my-page?lang=pl")
    if not missing:
        _voices_loaded(page)
    page.wait_for_load_state("load")
    expect(_control(page), why).to_be_hidden()
    expect(_control(page), why).to_have_attribute("hidden", "")
    context.close()


def test_without_javascript_the_control_is_not_shown(
    browser: Browser, live_server: str, code: str
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/?lang=en")
    expect(_control(page)).to_be_hidden()
    _sign_in(page, live_server, code)
    expect(_control(page)).to_have_count(1)
    expect(_control(page)).to_be_hidden()
    expect(page.get_by_role("button", name="Read this page aloud")).to_have_count(0)
    context.close()


@on_each_screen_in("en", "es")
def test_pages_stay_accessible_with_the_control_shown(
    page: Page,
    context: BrowserContext,
    live_server: str,
    axe_source: str,
    code: str,
    language: str,
) -> None:
    _fake_speech(context)
    page.goto(f"{live_server}/?lang={language}")
    _voices_loaded(page)
    expect(_control(page)).to_be_visible()
    assert axe_violations(page, axe_source) == []
    _sign_in(page, live_server, code)
    page.goto(f"{live_server}/my-record?lang={language}")
    _voices_loaded(page)
    expect(_control(page)).to_be_visible()
    assert axe_violations(page, axe_source) == []
    _button(page).click()  # while reading, the button says Stop
    expect(_control(page)).to_have_attribute("data-reading", re.compile(".*"))
    assert axe_violations(page, axe_source) == []
