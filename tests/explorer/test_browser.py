"""In a real browser (Selenium driving Debian's headless chromium through chromedriver): the app as a user meets it.

The app is served as ``python -m explorer`` serves it — the shipped OT student as the default model, the default
collection from the shipped vectors, ONNX Runtime — and the test types a Chichewa question, checks the answer, its
relevance badge and the reasons line that follows ("why: … → …"), then clicks the top hit's "alignment →" link and
waits for the student's word plan and its link table in the Alignment tab. It saves a screenshot of each tab; with
``--screenshots docs/`` they are the README's images::

    python -m pytest tests/explorer/test_browser.py --screenshots docs/

(``docs/screenshot.png``: the Alignment tab, the README's lead image; ``docs/screenshot-search.png``: the Search
tab.) Skips, saying why, where chromium or chromedriver is missing (``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from explorer.examples import EXAMPLES

from .conftest import free_port

pytestmark = pytest.mark.slow

EXAMPLE = next(e for e in EXAMPLES if e.lang == "ny" and "bank" in e.english)
WINDOW = (1360, 1500)
SEARCH_HEIGHT = 1800


@pytest.fixture(scope="module")
def driver():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("the browser test needs Debian's chromium and chromedriver: "
                    "apt-get install -y chromium chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed: pip install -e '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={WINDOW[0]},{WINDOW[1]}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options, service=Service(chromedriver))  # no download: the given driver
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def student_app(tmp_path_factory):
    """The explorer with its defaults (student, default collection, ONNX) on a free localhost port."""
    from explorer.app import build_demo, launch
    from explorer.config import ExplorerConfig
    from explorer.models import default_registry
    from explorer.service import Explorer

    config = ExplorerConfig(port=free_port(), cache_dir=tmp_path_factory.mktemp("explorer-cache"), threads=1)
    app = Explorer(config, default_registry(config.student, config.backend, config.threads))
    app.open_default()
    app.registry.get("student")
    demo = build_demo(config, app)
    launch(demo, config, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{config.port}/"
    demo.close()


@pytest.fixture()
def shots(request, tmp_path) -> Path:
    folder = request.config.getoption("--screenshots", default=None)
    out = Path(folder) if folder else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    return out


def _wait(browser, condition, timeout=120):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.25).until(condition)


def _is_png(path: Path) -> bool:
    return path.stat().st_size > 20_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_question_finds_its_answer_and_the_student_plan_is_drawn(driver, student_app, shots, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get(student_app)
    box = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#oc-query textarea"))
    assert "OT student" in driver.find_element(By.CSS_SELECTOR, "input[type=radio]:checked").find_element(
        By.XPATH, "..").text  # the student is chosen before anything is clicked
    box.send_keys(EXAMPLE.query)
    driver.find_element(By.ID, "oc-search").click()
    first = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#oc-results .oc-hit code"))
    assert first.text in EXAMPLE.answers
    badge = driver.find_element(By.CSS_SELECTOR, "#oc-results .oc-hit .oc-rel")
    assert "strong match" in badge.text
    _wait(driver, lambda d: "OT student" in d.find_element(By.ID, "oc-search-status").text)
    reasons = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#oc-results .oc-hit .oc-reasons"))
    assert len(reasons) == 10 and reasons[0].text.startswith("why:") and "→" in reasons[0].text
    driver.set_window_size(WINDOW[0], SEARCH_HEIGHT)  # the question, the examples and 7+ hits with their reasons
    driver.execute_script("window.scrollTo(0, 0)")
    search_png = shots / "screenshot-search.png"
    driver.save_screenshot(str(search_png))
    driver.set_window_size(*WINDOW)

    driver.execute_script("window.scrollTo(0, 0)")
    driver.find_element(By.CSS_SELECTOR, "#oc-results .oc-hit .oc-align").click()  # the top hit's alignment
    _wait(driver, lambda d: d.find_element(By.XPATH, "//button[@role='tab'][normalize-space()='Alignment']")
          .get_attribute("aria-selected") == "true")
    rows = _wait(driver, lambda d: d.execute_script(
        "const p = document.querySelector('#oc-plan-student .js-plotly-plot');"
        "return p && p.data && p.data[0].type === 'heatmap' && p.querySelector('.hm')"
        " && p.querySelectorAll('.ytick').length;"))
    title = driver.execute_script("return document.querySelector('#oc-plan-student .js-plotly-plot').layout"
                                  ".title.text")
    assert rows >= 3 and title.startswith("OT student") and "→ base" not in title
    links = _wait(driver, lambda d: (t := d.find_element(By.ID, "oc-links-student").text).count("\n0.") >= 9 and t)
    assert "English word (MaxSim)" in links and "→ base" not in links  # 3+ query words: share, cosine, MaxSim
    driver.execute_script("window.scrollTo(0, 0)")
    align_png = shots / "screenshot.png"
    driver.save_screenshot(str(align_png))
    assert _is_png(search_png) and _is_png(align_png)

    driver.find_element(By.XPATH, "//button[@role='tab'][normalize-space()='Evaluation']").click()
    quality = _wait(driver, lambda d: (t := d.find_element(By.ID, "oc-quality").text) and "mean" in t and t)
    assert "student f1" in quality and "silver reference: eflomal" in driver.find_element(By.ID, "oc-quality-note").text
    driver.find_element(By.ID, "oc-quality").location_once_scrolled_into_view
    driver.save_screenshot(str(tmp_path / "evaluation.png"))  # not a README image: kept with the test's files


def test_a_swahili_question_says_the_student_answered_with_the_base(driver, student_app):
    from selenium.webdriver.common.by import By

    # typed, so the language comes from detection: the longer Swahili example (a two-word one can read as Chichewa,
    # reports/benchmarks/langid-served.md); the shipped student's card routes Swahili to the base
    swahili = max((e for e in EXAMPLES if e.lang == "sw"), key=lambda e: len(e.query.split()))
    driver.get(student_app)
    box = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#oc-query textarea"))
    box.send_keys(swahili.query)
    driver.find_element(By.ID, "oc-search").click()
    status = _wait(driver, lambda d: (t := d.find_element(By.ID, "oc-search-status").text) and "results" in t and t)
    assert "OT student → base model" in status
    notes = driver.find_elements(By.CSS_SELECTOR, "#oc-results .oc-warning")
    assert any("OT student → base model for Swahili" in n.text for n in notes)
    driver.find_element(By.XPATH, "//button[@role='tab'][normalize-space()='Alignment']").click()
    routed = "OT student → base model for Swahili"
    for panel in ("oc-plan-student", "oc-links-student"):  # the student's plot and table labels say so too
        _wait(driver, lambda d: routed in d.find_element(By.ID, panel).text)
    assert routed not in driver.find_element(By.ID, "oc-links-base").text
