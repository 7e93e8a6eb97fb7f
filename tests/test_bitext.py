"""Bitext loaders and the default training bitext: counts and records pinned, NTREX kept out."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Read the pinned files from the offline mirror beside the project, never the network.
os.environ.setdefault("HARNESS_DATA_MIRROR", str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mirror"))

from harness import bitext  # noqa: E402
from harness.bitext import BitextPair, SourceTally  # noqa: E402
from harness.data.sources import fetch  # noqa: E402
from harness.errors import HarnessError  # noqa: E402

# (source, language, pairs loaded, first (English, target), last (English, target)):
# what each loader returns before NTREX exclusion and de-duplication.
LOADER_RECORDS = [
    (
        "flores",
        "fi",
        2009,
        (
            "On Monday, scientists from the Stanford University School of Medicine announced the invention of a new "
            "diagnostic tool that can sort cells by type: a tiny printable chip that can be manufactured using "
            "standard inkjet printers for possibly about one U.S. cent each.",
            "Stanfordin yliopiston lääketieteen laitoksen tutkijat ilmoittivat maanantaina uuden "
            "diagnostiikkatyökalun keksimisestä: solut tyypin mukaan lajitteleva pienenpieni tulostettava siru, "
            "joka voidaan valmistaa normaaleilla mustesuihkutulostimilla mahdollisesti noin yhden Yhdysvaltain "
            "sentin kappalehintaan.",
        ),
        (
            "Workers must often get their superiors' approval for any decisions they make, and are expected to obey "
            "their superiors' instructions without question.",
            "Työntekijöiden täytyy usein saada esimiehen hyväksyntä kaikille tekemilleen päätöksille, ja heidän "
            "odotetaan tottelevan esimiehen ohjeita muitta mutkitta.",
        ),
    ),
    (
        "sib200",
        "yo",
        1004,
        (
            "Turkey is encircled by seas on three sides: the Aegean Sea to the west, the Black Sea to the north and "
            "the Mediterranean Sea to the south.",
            "Orile ede Turkey je eyiti okun nla meta yi ka: okun Aegean ni apa iwo oorun, Okun Dudu ni ariwa ati "
            "Okun Medirettanean ni apa ila oorun.",
        ),
        (
            "Resting on the top of one of the mountains north of Mecca, the cave is completely isolated from the "
            "rest of the world.",
            "Ìsinmi lórí ọ̀kan lára àwọn òkè àríwá Mecca, ihò àpáta náà ni a yàsọ́tọ̀ sí ìyókù lágbàáyé.",
        ),
    ),
    (
        "tico19",
        "sw",
        3071,
        (
            "about how long have these symptoms been going on?",
            "je, dalili hizi zimekuwa zikiendelea kwa takriban muda gani sasa?",
        ),
        (
            "Li Wenliang, a doctor at Central Hospital of Wuhan, who later contracted and died of COVID-19 after "
            "raising awareness of the spread of the virus.",
            "Li Wenliang, daktrari katika Hospitali Kuu ya Wuhan, ambaye baadaye aliambukizwa na kuaga dunia kwa "
            "sababu ya COVID-19 baada ya kuelimisha umma kuhusu kuenea kwa virusi.",
        ),
    ),
    (
        "tatoeba",
        "de",
        1000,
        ("Mary said she didn't know where Tom was.", "Maria sagte, sie wisse nicht, wo Tom sei."),
        ("Can I pay by credit card?", "Kann ich mit Kreditkarte bezahlen?"),
    ),
]

# Pairs kept per language and source after NTREX exclusion and de-duplication.
EXPECTED_COUNTS = {
    "sw": {"sib200": 1004, "tico19": 3070, "tatoeba": 390},
    "so": {"sib200": 1004, "tico19": 3071},
    "yo": {"sib200": 1004},
    "mr": {"flores": 2009, "sib200": 0, "tico19": 3071, "tatoeba": 1000},
    "fi": {"flores": 2009, "sib200": 0, "tatoeba": 1000},
    "de": {"flores": 2009, "sib200": 0, "tatoeba": 1000},
    "fr": {"flores": 2009, "sib200": 0, "tico19": 3070, "tatoeba": 1000},
}

NTREX_CODES = {"sw": "swa", "so": "som", "yo": "yor", "mr": "mar", "fi": "fin", "de": "deu", "fr": "fra"}


def normalised(text: str) -> str:
    # Written out here rather than imported, so the NTREX test does not trust the code it checks.
    return re.sub(r"\s+", " ", text).strip()


def ntrex_lines(path: str) -> list[str]:
    text = fetch("MicrosoftTranslator/NTREX", path).read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == ""  # CRLF after the last line too
    return lines[:-1]


# --- loaders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "lang", "count", "first", "last"), LOADER_RECORDS, ids=[f"{r[0]}-{r[1]}" for r in LOADER_RECORDS]
)
def test_loader_count_and_first_last_records(source, lang, count, first, last):
    pairs = bitext.loader(source).load(lang)
    assert len(pairs) == count
    assert pairs[0] == BitextPair(*first, source)
    assert pairs[-1] == BitextPair(*last, source)
    assert all(pair.english and pair.target and pair.source == source for pair in pairs)


def test_language_coverage_per_source():
    assert {name: sorted(bitext.loader(name).LANGUAGES) for name in bitext.DEFAULT_SOURCES} == {
        "flores": ["de", "fi", "fr", "mr"],
        "sib200": ["de", "fi", "fr", "mr", "so", "sw", "yo"],
        "tico19": ["fr", "mr", "so", "sw"],
        "tatoeba": ["de", "fi", "fr", "mr", "sw"],
    }
    assert {lang: bitext.sources_for(lang) for lang in bitext.LANGUAGES} == {
        lang: list(counts) for lang, counts in EXPECTED_COUNTS.items()
    }


def test_language_not_covered_by_a_source_is_an_error():
    with pytest.raises(HarnessError, match="TICO-19 has no 'yo'"):
        bitext.loader("tico19").load("yo")
    with pytest.raises(HarnessError, match="unknown language 'xx'"):
        bitext.default_bitext("xx")
    with pytest.raises(HarnessError, match="unknown bitext source 'opus'"):
        bitext.loader("opus")


def test_flores_reads_only_human_references_never_mt_outputs():
    for lang, code in bitext.loader("flores").LANGUAGES.items():
        paths = [path for _repo, path in bitext.loader("flores").input_files(lang)]
        assert paths == [
            f"evaluation/en-{code}/flores-dev.en",
            f"evaluation/en-{code}/flores-dev.{code}",
            f"evaluation/en-{code}/flores-test.en",
            f"evaluation/en-{code}/flores-test.{code}",
        ]
    # The Google output of the same first sentence differs from the reference we load.
    google = fetch("mozilla/firefox-translations-models", "evaluation/en-fi/flores-dev.google.fi")
    first_google = google.read_text(encoding="utf-8").split("\n")[0]
    assert normalised(first_google) != bitext.loader("flores").load("fi")[0].target


# --- the default training bitext --------------------------------------------------------


def test_bitext_counts_per_language_and_source():
    assert bitext.bitext_counts() == EXPECTED_COUNTS
    # Yoruba has only SIB-200 in the mirror: about a thousand pairs is all there is.
    assert len(bitext.default_bitext("yo")) == 1004


def test_default_bitext_is_deduplicated_normalised_and_deterministic():
    for lang in bitext.LANGUAGES:
        pairs = bitext.default_bitext(lang)
        assert len(pairs) == sum(EXPECTED_COUNTS[lang].values())
        keys = [(pair.english, pair.target) for pair in pairs]
        assert len(set(keys)) == len(keys)
        assert all(normalised(english) == english and normalised(target) == target for english, target in keys)
        # Sources appear in priority order, each as one block.
        order = [pair.source for pair in pairs]
        assert sorted(order, key=bitext.DEFAULT_SOURCES.index) == order
    first = bitext.default_bitext("sw")
    bitext.default_bitext_set.cache_clear()
    assert bitext.default_bitext("sw") == first


def test_tico19_repeats_one_pair_in_sw_and_fr():
    repeated = "All samples received are being tested for influenza and COVID-19."
    for lang in ("sw", "fr"):
        tally = bitext.default_bitext_set(lang).tallies["tico19"]
        assert tally == SourceTally(loaded=3071, ntrex_overlap=0, duplicates=1, kept=3070)
        assert [pair.english for pair in bitext.loader("tico19").load(lang)].count(repeated) == 2


def test_sib200_counts_once_because_it_is_a_subset_of_flores():
    for lang in ("mr", "fi", "de", "fr"):
        flores = {(pair.english, pair.target) for pair in bitext.loader("flores").load(lang)}
        sib200 = {(pair.english, pair.target) for pair in bitext.loader("sib200").load(lang)}
        # Identical after whitespace normalisation (FLORES has trailing spaces and NBSPs SIB-200 lacks).
        assert sib200 <= flores and len(sib200) == 1004
        assert bitext.default_bitext_set(lang).tallies["sib200"] == SourceTally(1004, 0, 1004, 0)


def test_no_ntrex_sentence_in_any_default_training_set():
    english = {normalised(line) for line in ntrex_lines("NTREX-128/newstest2019-src.eng.txt")}
    assert len(english) > 1900
    for lang in bitext.LANGUAGES:
        target = {normalised(line) for line in ntrex_lines(f"NTREX-128/newstest2019-ref.{NTREX_CODES[lang]}.txt")}
        pairs = bitext.default_bitext(lang)
        assert not english & {normalised(pair.english) for pair in pairs}, lang
        assert not target & {normalised(pair.target) for pair in pairs}, lang
        # The raw sources hold no NTREX sentence either: nothing had to be filtered.
        assert all(tally.ntrex_overlap == 0 for tally in bitext.default_bitext_set(lang).tallies.values())


def test_pairs_touching_ntrex_are_removed_and_counted():
    ntrex_english = ntrex_lines("NTREX-128/newstest2019-src.eng.txt")[5]
    ntrex_swahili = ntrex_lines("NTREX-128/newstest2019-ref.swa.txt")[7]
    planted = [
        BitextPair("  " + ntrex_english.replace(" ", "   ") + " ", "si kitu", "planted"),
        BitextPair("nothing", ntrex_swahili + "\u00a0", "planted"),
        BitextPair("A clean sentence.", "Sentensi safi.", "planted"),
        BitextPair("A clean  sentence.", "Sentensi safi.", "planted"),
    ]
    result = bitext.assemble("sw", [("planted", planted)])
    assert result.pairs == (BitextPair("A clean sentence.", "Sentensi safi.", "planted"),)
    assert result.tallies == {"planted": SourceTally(loaded=4, ntrex_overlap=2, duplicates=1, kept=1)}


def test_whitespace_normalisation_keeps_case():
    assert bitext.normalise_whitespace("  Ein\u00a0 Haus\t\n am  See ") == "Ein Haus am See"


# --- the user's TSV ------------------------------------------------------------------------


def test_tsv_loads_pairs_in_order(tmp_path):
    path = tmp_path / "user.tsv"
    path.write_bytes('\ufeffHello  world\tHabari dunia\r\n"Quoted", he said.\t"Imenukuliwa," alisema.\n'.encode())
    assert bitext.loader("tsv").load(path) == [
        BitextPair("Hello world", "Habari dunia", "tsv"),
        BitextPair('"Quoted", he said.', '"Imenukuliwa," alisema.', "tsv"),
    ]


def test_tsv_bitext_applies_ntrex_exclusion_and_dedup(tmp_path):
    ntrex_english = ntrex_lines("NTREX-128/newstest2019-src.eng.txt")[0]
    path = tmp_path / "user.tsv"
    path.write_text(f"{ntrex_english}\tx\nGood morning\tHabari za asubuhi\nGood morning\tHabari za asubuhi\n")
    result = bitext.tsv_bitext(path, "sw")
    assert result.pairs == (BitextPair("Good morning", "Habari za asubuhi", "tsv"),)
    assert result.tallies["tsv"] == SourceTally(loaded=3, ntrex_overlap=1, duplicates=1, kept=1)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"one\tmoja\nno tab here\n", 2, "expected 2 tab-separated fields (english<TAB>target), got 1"),
        (b"one\tmoja\ttwo\n", 1, "got 3"),
        (b"one\tmoja\n\ntwo\tmbili\n", 2, "got 1"),
        (b"one\tmoja\ntwo\t  \n", 2, "empty target"),
        (b" \tmoja\n", 1, "empty english"),
        (b"one\tmoja\ntwo\tmb\xffili\n", 2, "not valid UTF-8"),
    ],
    ids=["no-tab", "two-tabs", "blank-line", "empty-target", "empty-english", "bad-utf8"],
)
def test_tsv_malformed_line_names_file_and_line(tmp_path, content, line, message):
    path = tmp_path / "broken.tsv"
    path.write_bytes(content)
    with pytest.raises(HarnessError, match=re.escape(f"{path}:{line}: ") + ".*" + re.escape(message)):
        bitext.loader("tsv").load(path)


def test_tsv_missing_file_is_an_error(tmp_path):
    with pytest.raises(HarnessError, match="not found"):
        bitext.loader("tsv").load(tmp_path / "absent.tsv")


def test_tallies_are_cached_under_a_key_of_inputs_and_code_and_a_damaged_cache_is_recounted():
    from harness.bitext import bitext_tallies, default_bitext_set
    from harness.files.paths import cache_dir

    first = bitext_tallies()
    files = list(cache_dir("bitext").glob("tallies-*.json"))
    assert len(files) == 1
    assert bitext_tallies() == first  # read back from the cache
    assert first["sw"]["tico19"].kept == len([p for p in default_bitext_set("sw").pairs if p.source == "tico19"])
    files[0].write_text("{not json")
    assert bitext_tallies() == first
