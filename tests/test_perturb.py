"""Query perturbations: registry, determinism, batch independence, rates, RNG hygiene, errors."""

import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from harness.errors import HarnessError, UsageError
from harness.studies.robustness.perturb import PERTURBATIONS, perturb, perturbation_record

SENTENCES = [
    "Welsh AMs worried about 'looking like muppets'",
    "climate change effects on coral reefs",
    "who won the 2018 world cup final",
    "Ebola outbreak in West Africa",
    "price of maize in Kenya this year",
    "new tax on mobile money transfers",
    "elections in Tanzania postponed again",
    "how to treat malaria in young children",
    "solar power for rural schools",
    "football transfer news today",
    "drought threatens harvest in Somalia",
    "president opens new railway line",
    "teachers strike over unpaid salaries",
    "floods displace thousands of families",
    "central bank raises interest rates",
    "wildlife poaching cases decline sharply",
    "farmers adopt drought-resistant crops",
    "hospital receives new cancer equipment",
    "refugees cross the border at night",
    "students protest rising university fees",
]
NLPAUG = [name for name, p in PERTURBATIONS.items() if p.library.startswith("nlpaug")]
CHARACTER_LEVEL = ["keyboard", "char-swap", "char-delete"]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute; each costs 1)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def max_character_edits(text: str) -> int:
    """Upper bound on characters changed: ceil(0.3 n) words of 2+ characters, ceil(0.1 len) each."""
    words = text.split()
    per_word = sorted((math.ceil(0.1 * len(w)) for w in words if len(w) >= 2), reverse=True)
    return sum(per_word[: math.ceil(0.3 * len(words))])


def test_registry_names_and_records():
    assert list(PERTURBATIONS) == [
        "keyboard", "char-swap", "char-delete", "word-delete", "word-swap", "lowercase", "no-punctuation"
    ]
    for name, p in PERTURBATIONS.items():
        assert p.name == name and "\n" not in p.description
        assert "%" in p.description or "rate 1.0" in p.description  # the description states the rate
        record = perturbation_record(name)
        assert record["name"] == name and record["library"] == p.library
        assert record["parameters"] == dict(p.params)
    assert perturbation_record("keyboard")["library"].startswith("nlpaug 1.1.")
    assert perturbation_record("char-swap")["parameters"]["action"] == "swap"
    assert perturbation_record("lowercase")["library"] == "python"


@pytest.mark.parametrize("name", NLPAUG)
def test_same_seed_same_output_different_seed_differs(name):
    first = perturb(name, SENTENCES, seed=0)
    assert perturb(name, SENTENCES, seed=0) == first
    assert perturb(name, SENTENCES, seed=1) != first
    assert len(first) == len(SENTENCES) and all(isinstance(t, str) for t in first)


@pytest.mark.parametrize("name", NLPAUG)
def test_batch_independence(name):
    """Keyed on (name, seed, text): the same output alone, in a batch, reversed or repeated."""
    batch = perturb(name, SENTENCES, seed=7)
    for k in (0, 5, 19):
        assert perturb(name, [SENTENCES[k]], seed=7) == [batch[k]]
    assert perturb(name, SENTENCES[::-1], seed=7) == batch[::-1]
    assert perturb(name, [SENTENCES[3]] * 3, seed=7) == [batch[3]] * 3


def test_same_output_in_another_process():
    """No dependence on hash randomization or anything else process-specific."""
    code = "from harness.studies.robustness.perturb import perturb; print(repr(perturb('keyboard', %r, 3)))" % (SENTENCES[:5],)
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == repr(perturb("keyboard", SENTENCES[:5], 3))


def test_lowercase_and_no_punctuation():
    texts = [
        "Welsh AMs worried about 'looking like muppets'", "Ça VA, Zürich?", "U.S.-China trade «talks»  resume!"
    ]
    assert perturb("lowercase", texts, 0) == [
        "welsh ams worried about 'looking like muppets'", "ça va, zürich?", "u.s.-china trade «talks»  resume!"
    ]
    assert perturb("no-punctuation", texts, 0) == [
        "Welsh AMs worried about looking like muppets", "Ça VA Zürich", "USChina trade talks resume"
    ]
    # Unicode punctuation (P*) goes, symbols (S*) such as $ and + stay; whitespace collapses.
    assert perturb("no-punctuation", ["  ¿Qué? — 5$ + «x» … \u2019s  "], 0) == ["Qué 5$ + x s"]


@pytest.mark.parametrize("name", CHARACTER_LEVEL)
@pytest.mark.parametrize("seed", [0, 1])
def test_character_level_changes_some_but_not_all_characters(name, seed):
    """Edits in (0, bound], bound = max_character_edits < half the text; length: keyboard +[0, bound]
    (nlpaug maps "u" to " t"), swap unchanged, delete -[1, bound]. Swap may swap a pair back, rarely."""
    outputs = perturb(name, SENTENCES, seed)
    changed = 0
    for text, out in zip(SENTENCES, outputs):
        bound = max_character_edits(text)
        assert 0 < bound < len(text) / 2
        distance = edit_distance(text, out)
        changed += distance > 0
        assert distance <= (2 * bound if name == "char-swap" else bound), (text, out)
        growth = len(out) - len(text)
        if name == "keyboard":
            assert 0 <= growth <= bound
        elif name == "char-swap":
            assert growth == 0 and sorted(out.lower()) == sorted(text.lower())  # case stays with the position
        else:
            assert -bound <= growth <= -1
    assert changed >= (18 if name == "char-swap" else 20)


@pytest.mark.parametrize("name", CHARACTER_LEVEL)
def test_one_word_query_is_perturbed(name):
    assert perturb(name, ["malaria"], 0) != ["malaria"]


def test_word_delete_drops_words_but_keeps_one():
    sentence = "heavy rains cause floods and landslides across the coastal region"
    assert len(sentence.split()) == 10
    for seed in range(10):
        (out,) = perturb("word-delete", [sentence], seed)
        words = out.split()
        # ceil(0.2 * 10) = 2 deleted, except that nlpaug puts word 1 back when it deletes words 0 and 1.
        assert len(words) == 8 or (len(words) == 9 and words[0] == "rains"), out
        remaining = iter(sentence.split())
        assert all(word in remaining for word in words)  # an ordered subsequence
    assert perturb("word-delete", ["malaria"], 0) == ["malaria"]
    assert all(len(out.split()) == 1 for out in perturb("word-delete", ["malaria vaccine"] * 2, 0))


def test_word_swap_keeps_the_words():
    outputs = perturb("word-swap", SENTENCES, 0)
    assert sum(out != text for text, out in zip(SENTENCES, outputs)) >= 15
    for text, out in zip(SENTENCES, outputs):
        assert sorted(out.lower().split()) == sorted(text.lower().split())


@pytest.mark.parametrize("name", list(PERTURBATIONS))
def test_global_random_states_unchanged(name):
    random.seed(123)
    np.random.seed(456)
    python_state, numpy_state = random.getstate(), np.random.get_state()
    perturb(name, SENTENCES[:4], seed=9)
    assert random.getstate() == python_state
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1]) and after[2:] == numpy_state[2:]


def test_unknown_name_lists_valid_names():
    with pytest.raises(UsageError, match="unknown perturbation 'typos'.*keyboard.*no-punctuation"):
        perturb("typos", SENTENCES, 0)
    with pytest.raises(UsageError):
        perturbation_record("typos")


@pytest.mark.parametrize("bad", ["", "   ", "\t\n"])
def test_empty_text_names_its_index(bad):
    with pytest.raises(HarnessError, match="text 2"):
        perturb("keyboard", ["one", "two", bad], 0)


def test_text_left_empty_is_an_error():
    with pytest.raises(HarnessError, match="leaves text 1 empty"):
        perturb("no-punctuation", ["fine", "?!…"], 0)


def test_one_string_instead_of_a_list_is_rejected():
    with pytest.raises(TypeError):
        perturb("lowercase", "hello", 0)
