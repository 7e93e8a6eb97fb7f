"""The committed site in a real browser: headless Chromium opens results/site/ from disk, and the rendered
DOM is checked -- the board's tables, a known cell's value (from the scores file), sorting, a query page
reached by its link with its text and top 10 lists, a skip's long reason (on a copy of the board with one cell skipped) -- with a screenshot of each
page and no JavaScript console error anywhere.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and selenium (the
``test`` extra); skipped, with the install command as the reason, where they are missing.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from harness.data.collections import COLLECTIONS, load_topics
from harness.data.pairs import PAIRS
from harness.evaluation.scores import load_scores
from harness.site.build import write_site
from test_site import committed_copy

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "results" / "site"
INSTALL = "apt-get install -y --no-install-recommends chromium chromium-driver && pip install -e '.[test]'"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--window-size=1400,1000")
# HARNESS_SITE_SCREENSHOTS=docs/screenshots keeps the two screenshots the README shows.
KEEP = os.environ.get("HARNESS_SITE_SCREENSHOTS")

try:
    import selenium  # noqa: F401
except ImportError:
    selenium = None

pytestmark = pytest.mark.skipif(CHROMIUM is None or DRIVER is None or selenium is None,
                                reason=f"no headless Chromium and driver here: {INSTALL}")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def open_page(driver, page: str):
    driver.get((SITE / page.split("#")[0]).as_uri() + ("#" + page.split("#", 1)[1] if "#" in page else ""))


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000
    if KEEP and name in ("board", "query"):
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(KEEP) / path.name)
    return path


def first_method(table) -> str:
    from selenium.webdriver.common.by import By

    return table.find_elements(By.CSS_SELECTOR, "tbody tr")[0].get_attribute("data-method")


def test_the_board_page_shows_the_scores_and_sorts(browser, tmp_path):
    from selenium.webdriver.common.by import By

    entries = load_scores(ROOT / "results" / "scores" / "ntrex.json")
    open_page(browser, "index.html")
    screenshot(browser, tmp_path, "board")  # as a reader first sees it
    tables = browser.find_elements(By.CSS_SELECTOR, "table.board-table")
    assert [t.get_attribute("data-measure") for t in tables][:2] == ["AP", "nDCG@10"] and len(tables) >= 2
    ap = tables[0]
    cell = ap.find_element(By.CSS_SELECTOR, 'td[data-cell="en-sw/optical"] .value')
    assert cell.text == f"{np.mean(entries[('en-sw', 'optical')].scores['AP']):.4f}"
    means = {m: np.mean(e.scores["AP"]) for (p, m), e in entries.items() if p == "en-sw" and e.status == "ok"}
    assert first_method(ap) == "bm25-nmt"  # board order
    header = ap.find_elements(By.CSS_SELECTOR, "thead th")[1 + list(PAIRS).index("en-sw")]
    header.click()
    assert first_method(ap) == max(means, key=means.get)  # best first
    header.click()
    assert first_method(ap) == min(means, key=means.get)
    screenshot(browser, tmp_path, "board-sorted")
    assert console_errors(browser) == []


SHORT = "no machine translation into Yoruba here"
DETAIL = "no translator for en-yo: tried the OPUS-MT model and the mirror's outputs; fix: pip install ..."


def test_a_skipped_cell_shows_its_short_reason_and_the_long_one_on_demand(browser, tmp_path):
    # The committed board has every cell scored, so one cell of a copy of it is turned into a skip,
    # as a run without a translator for en-yo writes it, and the site is built from that copy.
    from selenium.webdriver.common.by import By

    out = committed_copy(ROOT / "results", tmp_path / "results")
    scores = json.loads((out / "scores" / "ntrex.json").read_text(encoding="utf-8"))
    for entry in scores["entries"]:
        if (entry["pair"], entry["method"]) == ("en-yo", "bm25-nmt"):
            entry.update(status="skipped", reason=SHORT, query_ids=[], scores={}, run_sha256=None)
    (out / "scores" / "ntrex.json").write_text(json.dumps(scores), encoding="utf-8")
    provenance = json.loads((out / "provenance" / "ntrex.json").read_text(encoding="utf-8"))
    for cell in provenance["cells"]:
        if (cell["pair"], cell["method"]) == ("en-yo", "bm25-nmt"):
            cell["sidecar"].update(status="skipped", reason=SHORT, reason_detail=DETAIL)
    (out / "provenance" / "ntrex.json").write_text(json.dumps(provenance), encoding="utf-8")
    write_site(out)
    browser.get((out / "site" / "index.html").as_uri())
    ap = browser.find_elements(By.CSS_SELECTOR, "table.board-table")[0]
    skipped = ap.find_element(By.CSS_SELECTOR, 'td[data-cell="en-yo/bm25-nmt"]')
    assert skipped.find_element(By.CSS_SELECTOR, "summary").text == SHORT
    reason = skipped.find_element(By.CSS_SELECTOR, "details p")
    assert not reason.is_displayed()
    skipped.find_element(By.CSS_SELECTOR, "summary").click()
    assert reason.is_displayed() and reason.text == DETAIL  # the long reason, on demand
    assert console_errors(browser) == []


def test_a_query_page_is_reached_by_its_link_and_shows_its_top_documents(browser, tmp_path):
    from selenium.webdriver.common.by import By

    open_page(browser, "index.html")
    browser.find_element(By.CSS_SELECTOR, 'a.pair-link[href="pair.html#ntrex/en-sw"]').click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#pair-page table.queries tbody tr")
    topics = load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"])
    assert len(rows) == len(topics.queries)
    link = rows[0].find_element(By.CSS_SELECTOR, "a")
    query = link.text
    link.click()
    heading = browser.find_element(By.CSS_SELECTOR, "#query-page h1")
    assert heading.text == topics.queries[query]
    lists = browser.find_elements(By.CSS_SELECTOR, "#query-page .tops details.top")
    assert len(lists) == 8 and all(len(d.find_elements(By.CSS_SELECTOR, "li")) == 10 for d in lists)
    first = lists[0].find_element(By.CSS_SELECTOR, "li")
    passage = first.find_element(By.CSS_SELECTOR, "p.passage")
    assert not passage.is_displayed()
    first.find_element(By.CSS_SELECTOR, "summary").click()
    doc = first.find_element(By.CSS_SELECTOR, "code").text
    assert passage.is_displayed() and passage.text == dict(topics.docs())[doc].strip()
    relevance = first.find_element(By.CSS_SELECTOR, ".label").text
    assert relevance == (f"relevance {topics.qrels[query][doc]}" if doc in topics.qrels.get(query, {}) else "not judged (0)")
    screenshot(browser, tmp_path, "query")
    assert console_errors(browser) == []


def test_every_other_page_renders_without_a_script_error(browser):
    from selenium.webdriver.common.by import By

    pages = ["cells-ntrex.html#en-yo/bm25-nmt", "pair.html#ntrex/en-yo", "claims.html"]
    pages += [str(p.relative_to(SITE)) for p in sorted(SITE.glob("compare-*.html"))]
    pages += [str(p.relative_to(SITE)) for p in sorted((SITE / "studies").glob("*.html"))]
    for page in pages:
        open_page(browser, page)
        assert browser.find_elements(By.CSS_SELECTOR, "main h1, main h2"), page
        assert console_errors(browser) == [], page
    open_page(browser, "query.html#ntrex/en-sw/no-such-query")
    assert "No query no-such-query" in browser.find_element(By.ID, "query-page").text
    assert console_errors(browser) == []
