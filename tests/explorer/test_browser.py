"""In a real browser (Debian's headless chromium over the DevTools protocol): load, search, see the heatmap."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SET_AND_SEARCH = """(() => {
  const box = document.querySelector('#oc-query textarea');
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
  setter.call(box, %s);
  box.dispatchEvent(new Event('input', {bubbles: true}));
  document.querySelector('#oc-search').click();
  return true;
})()"""
SHOW_ALIGNMENT = """(() => {
  const tab = [...document.querySelectorAll('button[role=tab]')].find(b => b.textContent.trim() === 'Alignment');
  if (tab) tab.click();
  return !!tab;
})()"""


def run_query_and_capture(url: str, query: str, profile: Path, out: Path) -> dict:
    """Open ``url``, search ``query``, open the Alignment tab once the heatmap is drawn; save a screenshot."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("cdp", Path(__file__).with_name("cdp.py"))
    cdp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cdp)
    browser = cdp.Browser(profile)
    try:
        browser.navigate(url)
        browser.wait_for("!!document.querySelector('#oc-query textarea') && !!document.querySelector('#oc-search')")
        browser.evaluate(SET_AND_SEARCH % json.dumps(query))
        first = browser.wait_for("(() => { const h = document.querySelector('.oc-hit code');"
                                 " return h && h.textContent; })()", timeout=90)
        browser.evaluate(SHOW_ALIGNMENT)
        cells = browser.wait_for("(() => { const p = document.querySelector('#oc-plan-base .js-plotly-plot');"
                                 " return p && p.data && p.data[0].type === 'heatmap' && !!p.querySelector('.hm')"
                                 " && p.querySelectorAll('.ytick').length; })()",
                                 timeout=90)
        browser.evaluate("window.scrollTo(0, 0)")
        browser.screenshot(out)
        return {"first_hit": first, "heatmap_rows": cells}
    finally:
        browser.close()


@pytest.fixture()
def chromium():
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed; the browser test needs Debian's: apt-get install -y chromium")
    return path


def test_browser_search_shows_the_heatmap(chromium, served, tmp_path):
    out = Path(os.environ.get("OPTICAL_CLIR_SCREENSHOT") or tmp_path / "explorer.png")
    seen = run_query_and_capture(served["url"], served["query"], tmp_path / "profile", out)
    assert seen["first_hit"] and seen["heatmap_rows"] >= 3
    assert out.stat().st_size > 20_000 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
