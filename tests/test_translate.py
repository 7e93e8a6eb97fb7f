"""Translators: precomputed MT output, user TSVs, a tiny random seq2seq model, the store, the choice."""

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from harness.data import ntrex
from harness.data.pairs import PAIRS
from harness.errors import HarnessError, UsageError
from harness.translate import choose_translator, parse_translator
from harness.translate.precomputed import available_systems
from harness.translate.store import TranslationStore

FI, SW = PAIRS["en-fi"], PAIRS["en-sw"]


def headlines():
    return [d.headline for d in ntrex.documents("fin")]


def test_precomputed_nllb_translates_ntrex_headlines():
    translator = parse_translator("precomputed:nllb")
    texts = headlines()
    assert translator.unavailable_reason(FI, texts) is None
    translated = translator.translate(texts[:1], FI)
    assert translated == ["Walesin AM:t ovat huolissaan siitä, että he näyttävät muppetteilta."]
    assert translator.describe(FI)["file"].endswith("evaluation/en-fi/wmt19.nllb.fi")


def test_precomputed_systems_per_language():
    assert {"nllb", "opusmt", "bergamot-base-memory"} <= set(available_systems("fi"))
    assert "nllb" not in available_systems("de") and "bergamot-base-memory" in available_systems("de")
    assert available_systems("sw") == ["opus-mt-ntrex"]
    assert available_systems("yo") == ["opus-mt-ntrex"]  # registered, though not in the mirror
    assert "opus-mt-ntrex" in available_systems("fi") and "opus-mt-ntrex" in available_systems("de")


def test_precomputed_says_why_it_cannot_serve():
    assert "there are: opus-mt-ntrex" in parse_translator("precomputed:nllb").unavailable_reason(SW, headlines())
    reason = parse_translator("precomputed:nllb").unavailable_reason(FI, ["A sentence that is not in NTREX."])
    assert "1 of 1 texts" in reason


def test_preference_list_takes_first_that_serves_and_explains_the_rest():
    choice = choose_translator(["hf:/no/such/model", "precomputed:nllb", "precomputed:opusmt"], FI, headlines())
    assert choice.translator.spec == "precomputed:nllb"
    assert [spec for spec, _ in choice.rejected] == ["hf:/no/such/model"]
    nothing = choose_translator(["precomputed:nllb", "precomputed:opusmt"], SW, headlines())
    assert nothing.translator is None
    assert nothing.explain().startswith("precomputed:nllb, precomputed:opusmt: no such precomputed output for sw")


def test_bad_translator_spec_is_a_usage_error():
    with pytest.raises(UsageError, match="expected one of"):
        parse_translator("babel:fish")


def test_tsv_translator_and_its_errors(tmp_path):
    good = tmp_path / "sw.tsv"
    good.write_text("Hello world\tHabari dunia\nGood night\tUsiku mwema\n", encoding="utf-8")
    translator = parse_translator(f"tsv:{tmp_path}/{{lang}}.tsv")
    assert translator.unavailable_reason(SW, ["Hello world"]) is None
    assert translator.translate(["Good night", "Hello world"], SW) == ["Usiku mwema", "Habari dunia"]
    assert "lacks 1 of 2" in translator.unavailable_reason(SW, ["Hello world", "Unknown"])
    assert "does not exist" in translator.unavailable_reason(FI, ["Hello world"])
    bad = tmp_path / "so.tsv"
    bad.write_text("Hello world\tSalaan\nno tab here\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"so\.tsv:2: expected 2 tab-separated fields"):
        translator.unavailable_reason(PAIRS["en-so"], ["Hello world"])


def test_store_translates_once_and_reuses(tmp_path):
    store = TranslationStore(tmp_path / "t.sqlite")
    translator = parse_translator("precomputed:opusmt")
    texts = headlines()[:5] + headlines()[:2]
    first, made = store.translate(translator, FI, texts)
    assert made == 5 and len(first) == 7 and first[5] == first[0]
    again, made_again = store.translate(translator, FI, texts)
    assert again == first and made_again == 0
    store.close()


@pytest.fixture(scope="module")
def tiny_seq2seq(tmp_path_factory):
    """A random BART with a word-level tokenizer that knows NLLB language tokens."""
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-seq2seq")
    specials = ["<s>", "<pad>", "</s>", "<unk>", "eng_Latn", "swh_Latn"]
    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = ["hello world", "good night", "habari dunia", "usiku mwema", "the news today"]
    tokenizer.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=specials))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    fast.add_special_tokens({"additional_special_tokens": ["eng_Latn", "swh_Latn"]})
    fast.save_pretrained(folder)
    config = BartConfig(
        vocab_size=len(fast), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
        pad_token_id=fast.pad_token_id, bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
        decoder_start_token_id=fast.eos_token_id,
    )
    BartForConditionalGeneration(config).save_pretrained(folder)
    return folder


def test_seq2seq_backend_loads_and_generates_offline(tiny_seq2seq, tmp_path):
    translator = parse_translator(f"hf:{tiny_seq2seq}")
    translator.num_beams, translator.max_new_tokens = 2, 6
    assert translator.unavailable_reason(SW, ["hello world"]) is None
    texts = ["hello world", "good night today", "the news"]
    out = translator.translate(texts, SW)
    assert len(out) == 3 and all(isinstance(t, str) for t in out)
    assert translator.translate(list(reversed(texts)), SW) == list(reversed(out))  # batching keeps the order
    assert translator.describe(SW)["forced_target_token"] == "swh_Latn"
    assert translator.describe(FI)["forced_target_token"] is None  # no fin_Latn token in this vocabulary
    store = TranslationStore(tmp_path / "t.sqlite")
    assert store.translate(translator, SW, texts) == (out, 3)
    assert store.translate(translator, SW, texts) == (out, 0)


def test_seq2seq_unreachable_model_says_why(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    reason = parse_translator("hf:nobody/no-such-model").unavailable_reason(SW, ["x"])
    assert "HF_HUB_OFFLINE" in reason


CASES = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "cases"


def test_translation_tsv_rules_name_file_and_line(tmp_path):
    # translation-tsv-empty: line 2 has an empty translation.
    sw = parse_translator(f"tsv:{CASES}/translation-tsv-empty/{{lang}}.tsv")
    with pytest.raises(HarnessError, match=r"sw\.tsv:2: empty translation"):
        sw.unavailable_reason(SW, ["hello world"])
    # tsv-duplicate-sources: line 124 repeats line 1's source with another translation.
    fi = parse_translator(f"tsv:{CASES}/tsv-duplicate-sources/{{lang}}.tsv")
    with pytest.raises(HarnessError, match=r"fi\.tsv:124: source .* was already given on line 1 with another translation"):
        fi.unavailable_reason(FI, headlines())
    # tsv-not-utf8: bytes ff fe on line 10.
    bad = parse_translator(f"tsv:{CASES}/tsv-not-utf8/{{lang}}.tsv")
    with pytest.raises(HarnessError, match=r"fi\.tsv:10: not valid UTF-8"):
        bad.unavailable_reason(FI, headlines())
    same = tmp_path / "fi.tsv"
    same.write_text("a\tb\na\tb\n", encoding="utf-8")  # the same line twice is harmless
    assert parse_translator(f"tsv:{tmp_path}/{{lang}}.tsv").translate(["a"], FI) == ["b"]


def test_named_translation_file_missing_or_empty_is_a_usage_error(tmp_path, capsys):
    from harness.cli.main import main

    missing = ["run", "--methods", "bm25-nmt", "--pairs", "en-fi,en-sw", "--out", str(tmp_path / "o"),
               "--set", f'bm25-nmt.translator=["tsv:{tmp_path}/no-such-dir/{{lang}}.tsv"]']
    assert main(missing) == 2
    assert "no-such-dir/fi.tsv does not exist" in capsys.readouterr().err
    empty = ["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(tmp_path / "o"),
             "--set", f'bm25-nmt.translator=["tsv:{CASES}/tsv-missing-or-empty/{{lang}}.tsv"]']
    assert main(empty) == 2
    assert "fi.tsv is empty" in capsys.readouterr().err


def test_named_files_with_bad_lines_and_unknown_systems_exit_2_before_work(tmp_path, capsys):
    from harness.cli.main import main

    base = ["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(tmp_path / "o")]
    assert main([*base, "--set", f'bm25-nmt.translator=["tsv:{CASES}/tsv-not-utf8/{{lang}}.tsv"]']) == 2
    assert "fi.tsv:10: not valid UTF-8" in capsys.readouterr().err
    assert main([*base, "--set", f'bm25-nmt.translator=["tsv:{CASES}/tsv-duplicate-sources/{{lang}}.tsv"]']) == 2
    assert "fi.tsv:124:" in capsys.readouterr().err
    assert main([*base, "--set", "bm25-nmt.translator=precomputed:foo"]) == 2
    err = capsys.readouterr().err
    assert "no precomputed system 'foo'" in err and "opus-mt-ntrex" in err and err.count("\n") == 1
