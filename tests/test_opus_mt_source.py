"""OPUS-MT's NTREX outputs (pinned, in the mirror, all seven languages), the handling of an unpinned
row (a file whose bytes could not be pinned), and the reference translator.

Expected lines are read straight from the mirror files here (line i of the output translates
line i of NTREX's English), not through the code under test; expected sha256s come from the
mirror's MANIFEST.tsv.
"""

import csv
import hashlib
import io
import urllib.request
from pathlib import Path

import pytest

from harness.data import sources
from harness.data.ntrex import documents
from harness.data.pairs import PAIRS
from harness.errors import HarnessError
from harness.translate import choose_translator, parse_translator
from harness.translate import precomputed

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mirror"
OPUS = "Helsinki-NLP/OPUS-MT-leaderboard"
YO_PATH = "models/Tatoeba-MT-models/eng-yor/opus+bt-2021-04-10/ntrex128.eng-yor.output"
# The leaderboard's best Yoruba output, which could not be copied: pinned by URL only, as it once was here.
UNPINNED_PATH = (
    "models/Tatoeba-MT-models/deu+eng+fra+por+spa-mul/opusTCv20230926max50+bt+jhubc_transformer-big_2024-05-30/"
    "ntrex128.eng-yor.output"
)
UNPINNED_COMMIT = "c896da949661a9ebefffc63e467cbef1ccf110f4"
ENGLISH = MIRROR / "MicrosoftTranslator/NTREX/NTREX-128/newstest2019-src.eng.txt"


@pytest.fixture(autouse=True)
def fresh_caches():
    for cached in (sources._fetch, precomputed._table, precomputed.outputs):
        cached.cache_clear()
    yield
    for cached in (sources._fetch, precomputed._table, precomputed.outputs):
        cached.cache_clear()


def mirror_lines(lang_code: str) -> list[str]:
    [path] = (MIRROR / OPUS).rglob(f"ntrex128.eng-{lang_code}.output")
    return path.read_text(encoding="utf-8").split("\n")[:-1]


@pytest.fixture
def unpinned_yoruba(monkeypatch):
    """The manifest with the Yoruba row as an unpinned one (no size, no sha256; another path)."""
    pinned = dict(sources.manifest())
    del pinned[(OPUS, YO_PATH)]
    pinned[(OPUS, UNPINNED_PATH)] = sources.PinnedFile(OPUS, UNPINNED_COMMIT, UNPINNED_PATH, None, None)
    monkeypatch.setattr(sources, "manifest", lambda: pinned)
    precomputed.outputs.cache_clear()
    yield
    precomputed.outputs.cache_clear()


@pytest.mark.parametrize(
    "lang,code", [("sw", "swa"), ("so", "som"), ("yo", "yor"), ("mr", "mar"), ("fi", "fin"), ("de", "deu"), ("fr", "fra")]
)
def test_opus_mt_translates_each_headline_by_its_line(lang, code):
    english = ENGLISH.read_text(encoding="utf-8").replace("\r", "").split("\n")[:-1]
    output = mirror_lines(code)
    assert len(english) == len(output) == 1997
    translator = parse_translator("precomputed:opus-mt-ntrex")
    pair = PAIRS[f"en-{lang}"]
    headlines = [d.headline for d in documents(pair.ntrex)]
    assert translator.unavailable_reason(pair, headlines) is None
    first, last = headlines[0], headlines[-1]
    assert translator.translate([first, last], pair) == [output[english.index(first)], output[english.index(last)]]
    described = translator.describe(pair)
    assert described["sha256"] == hashlib.sha256((MIRROR / OPUS / described["file"].split("/", 6)[6]).read_bytes()).hexdigest()
    assert described["sha256_pinned"] is True and described["model"].startswith("OPUS-MT Tatoeba-MT-models/")


def test_first_swahili_line_is_the_known_one():
    translator = parse_translator("precomputed:opus-mt-ntrex")
    assert translator.translate(["Welsh AMs worried about 'looking like muppets'"], PAIRS["en-sw"]) == [
        'mashabiki wanachagua: "Sounds Like Muppets"'
    ]


def test_yoruba_is_the_pinned_bilingual_model_of_the_manifest():
    with open(MIRROR.parent / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle, delimiter="\t") if r["path"] == YO_PATH)
    pin = sources.pinned(OPUS, YO_PATH)
    assert (pin.commit, pin.size, pin.sha256) == (row["commit"], int(row["bytes"]), row["sha256"])
    described = parse_translator("precomputed:opus-mt-ntrex").describe(PAIRS["en-yo"])
    assert described["model"] == "OPUS-MT Tatoeba-MT-models/eng-yor/opus+bt-2021-04-10"
    assert described["sha256"] == row["sha256"] and described["sha256_pinned"] is True


def test_unpinned_file_offline_is_a_reason_not_a_substitute(unpinned_yoruba):
    yo = PAIRS["en-yo"]
    headlines = [d.headline for d in documents(yo.ntrex)]
    reason = parse_translator("precomputed:opus-mt-ntrex").unavailable_reason(yo, headlines)
    assert "no pinned sha256" in reason and UNPINNED_COMMIT in reason and "\n" not in reason
    choice = choose_translator(["precomputed:opus-mt-ntrex", "precomputed:nllb"], yo, headlines, "most-pairs")
    assert choice.translator is None  # nothing else is put in its place


def fake_mirror(tmp_path: Path, yoruba_lines: int) -> Path:
    (tmp_path / "MicrosoftTranslator").symlink_to(MIRROR / "MicrosoftTranslator")
    target = tmp_path / OPUS / UNPINNED_PATH
    target.parent.mkdir(parents=True)
    target.write_text("".join(f"yo {i}\n" for i in range(yoruba_lines)), encoding="utf-8")
    return target


def test_unpinned_file_from_a_mirror_records_the_sha256_it_read(tmp_path, monkeypatch, unpinned_yoruba):
    target = fake_mirror(tmp_path, 1997)
    monkeypatch.setenv("HARNESS_DATA_MIRROR", str(tmp_path))
    yo = PAIRS["en-yo"]
    translator = parse_translator("precomputed:opus-mt-ntrex")
    english = ENGLISH.read_text(encoding="utf-8").replace("\r", "").split("\n")
    assert translator.translate([english[0], english[5]], yo) == ["yo 0", "yo 5"]
    described = translator.describe(yo)
    assert described["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert described["sha256_pinned"] is False


def test_unpinned_file_with_a_missing_line_is_one_clear_error(tmp_path, monkeypatch, unpinned_yoruba):
    fake_mirror(tmp_path, 1996)
    monkeypatch.setenv("HARNESS_DATA_MIRROR", str(tmp_path))
    with pytest.raises(HarnessError, match=r"ntrex128\.eng-yor\.output: expected 1997 lines, found 1996"):
        parse_translator("precomputed:opus-mt-ntrex").unavailable_reason(PAIRS["en-yo"], ["x"])


def test_pinned_yoruba_copy_that_differs_is_rejected(tmp_path, monkeypatch):
    (tmp_path / "MicrosoftTranslator").symlink_to(MIRROR / "MicrosoftTranslator")
    target = tmp_path / OPUS / YO_PATH
    target.parent.mkdir(parents=True)
    target.write_text("".join(f"yo {i}\n" for i in range(1997)), encoding="utf-8")
    monkeypatch.setenv("HARNESS_DATA_MIRROR", str(tmp_path))
    with pytest.raises(HarnessError, match="does not match the pinned"):
        parse_translator("precomputed:opus-mt-ntrex").unavailable_reason(PAIRS["en-yo"], ["x"])


def test_unpinned_download_records_its_sha256_and_is_reused(tmp_path, monkeypatch, unpinned_yoruba):
    body = b"".join(b"line %d\n" % i for i in range(1997))
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        return io.BytesIO(body)

    monkeypatch.delenv("HARNESS_DATA_MIRROR")
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    downloads = tmp_path / "downloads"
    path, sha256 = sources._fetch(OPUS, UNPINNED_PATH, None, downloads)
    assert sha256 == hashlib.sha256(body).hexdigest() and path.read_bytes() == body
    assert path.with_name(path.name + ".sha256").read_text().strip() == sha256
    assert calls == [sources.pinned(OPUS, UNPINNED_PATH).url]
    sources._fetch.cache_clear()
    assert sources._fetch(OPUS, UNPINNED_PATH, None, downloads) == (path, sha256) and len(calls) == 1  # reused
    path.write_bytes(b"changed\n")  # a copy that no longer matches what was recorded is fetched again
    sources._fetch.cache_clear()
    assert sources._fetch(OPUS, UNPINNED_PATH, None, downloads)[1] == sha256 and len(calls) == 2


def test_reference_translator_returns_ntrex_human_translation():
    reference_file = MIRROR / "MicrosoftTranslator/NTREX/NTREX-128/newstest2019-ref.swa.txt"
    expected = reference_file.read_text(encoding="utf-8").split("\n")[0].rstrip("\r")
    translator = parse_translator("reference:ntrex")
    sw = PAIRS["en-sw"]
    assert translator.translate(["Welsh AMs worried about 'looking like muppets'"], sw) == [expected]
    headlines = [d.headline for d in documents(sw.ntrex)]
    assert translator.unavailable_reason(sw, headlines) is None
    reason = translator.unavailable_reason(sw, ["What is the capital of Kenya?"])
    assert "1 of 1 are not NTREX-128 lines" in reason and "only the built-in ntrex collection" in reason
    assert "there are: ntrex" in parse_translator("reference:flores").unavailable_reason(sw, headlines)


def test_most_pairs_rule_takes_the_system_serving_most_pairs():
    run = [(PAIRS[p], [d.headline for d in documents(PAIRS[p].ntrex)]) for p in ("en-fi", "en-de", "en-sw")]
    fi, fi_texts = run[0]
    first = choose_translator(["precomputed:nllb", "precomputed:opus-mt-ntrex"], fi, fi_texts, "first", run)
    assert first.translator.spec == "precomputed:nllb"
    most = choose_translator(["precomputed:nllb", "precomputed:opus-mt-ntrex"], fi, fi_texts, "most-pairs", run)
    assert most.translator.spec == "precomputed:opus-mt-ntrex"
    assert dict(most.served) == {"precomputed:nllb": ("en-fi",), "precomputed:opus-mt-ntrex": ("en-fi", "en-de", "en-sw")}
    # A tie goes to the earlier preference: on en-fi alone both serve one pair.
    alone = choose_translator(["precomputed:nllb", "precomputed:opus-mt-ntrex"], fi, fi_texts, "most-pairs", run[:1])
    assert alone.translator.spec == "precomputed:nllb"
    # A pair the winner cannot serve falls back to the next preference that can.
    de, de_texts = run[1]
    fallback = choose_translator(["precomputed:google", "precomputed:nllb"], de, de_texts, "most-pairs", run)
    assert fallback.translator.spec == "precomputed:google"
