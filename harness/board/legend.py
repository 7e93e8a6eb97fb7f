"""The sentences under each table: what the marks mean, which test, which correction, which family.

Written once, in markdown (method names in backticks); the site renders them as
HTML, and the paper table (``paper_table.py``) says the same in one short line.
Family sizes are read from the comparisons, so the text always states the
family that was really corrected.
"""

from __future__ import annotations

from harness.compare import CROSS_PAIR_WEIGHTING, GROUPS
from harness.board.board import CollectionBoard
from harness.render.text import BASELINE_MARKS, NO_SCORE, ORACLE_LABEL, TIED_WITH_BEST, code_list, count_phrase
from harness.stats import CORRECTIONS, TESTS, TIE_TOLERANCE

NO_SCORE_NOTE = f"{NO_SCORE}: no score (a mean needs every pair of its group)."


def _present_baselines(board: CollectionBoard) -> list[str]:
    return [b for b in board.options.baselines if b not in board.comparisons.missing_baselines]


def family_phrase(board: CollectionBoard, measure: str, over_groups: bool) -> str:
    """E.g. "over a family of 15 comparisons: every method × pair in this table"."""
    options, results = board.options, board.comparisons
    column = "mean column" if over_groups else "pair"  # what the family spans besides methods
    who = "every method" if options.baseline_mode else "every pair of methods"
    references = _present_baselines(board) if options.baseline_mode else [None]
    separate = () if options.joint_family else board.own  # in families of their own (own_family_sentence)
    per_reference = {ref: results.family_sizes(measure, over_groups, ref, separate) for ref in references}
    if options.family == "all":
        size = sum(results.families[label] for label in set().union(*per_reference.values()))
        across = " × baseline" if options.baseline_mode and len(references) > 1 else ""
        span = f"{who} × {column} × measure{across} in this collection"
        return f"over one family of {count_phrase(size, 'comparison')}: {span}"
    if options.family == "table":
        if len(references) == 1:
            size = sum(per_reference[references[0]].values())
            return f"over a family of {count_phrase(size, 'comparison')}: {who} × {column} in this table"
        sizes = ", ".join(
            f"{sum(per_reference[ref].values())} against `{ref}`" for ref in references if per_reference[ref]
        )
        return f"over one family per baseline ({sizes}): every method × {column} in this table"
    sizes = [size for labels in per_reference.values() for size in labels.values()]
    span = f"{min(sizes)}" if min(sizes) == max(sizes) else f"{min(sizes)}–{max(sizes)}"
    per = "column and baseline" if options.baseline_mode and len(references) > 1 else "column"
    families = count_phrase(len(sizes), "family", "families")
    return f"within each column: {families}, one per {per}, each of {span} comparisons"


def cross_pair_sentence(board: CollectionBoard, measure: str) -> str:
    """How the mean columns are tested: a stratified permutation test, pairs weighted equally."""
    if not any(c.over_group for c in board.comparisons.of_measure(measure)):
        return ""
    options = board.options
    correction = CORRECTIONS[options.correction].label
    assert CROSS_PAIR_WEIGHTING == "stratum"  # the sentence below describes this weighting
    return (
        "Mean columns: two-sided stratified permutation test over all queries of the group's pairs, each query's two "
        "scores swapped only within its own pair and every pair weighted equally, as in the means, so it tests the "
        f"difference of the mean columns ({options.resamples} resamples, seed {options.seed}; {correction} correction "
        f"{family_phrase(board, measure, over_groups=True)}); tested where both methods have scores on every pair "
        "of the group."
    )


def _baseline_sentences(board: CollectionBoard, measure: str) -> list[str]:
    options, results = board.options, board.comparisons
    references = _present_baselines(board)
    test, correction = TESTS[options.test].label, CORRECTIONS[options.correction].label
    sentences = []
    if not any(not c.over_group for c in results.of_measure(measure)):
        who = "the baseline" if len(options.baselines) == 1 else "the baselines"
        sentences.append(
            f"No significance marks: no method other than {who} {code_list(options.baselines)} has scores on a pair "
            "where the baseline has them."
        )
    else:
        marks = ", ".join(
            f"{better}/{worse}: {'significantly better/worse than ' if i == 0 else 'than '}`{baseline}`"
            for i, ((better, worse), baseline) in enumerate(zip(BASELINE_MARKS, options.baselines))
            if baseline in references
        )
        separator = "" if len(references) == 1 else ","
        sentences.append(
            f"{marks}{separator} at α = {options.alpha} ({test} over queries, {correction} correction "
            f"{family_phrase(board, measure, over_groups=False)})."
        )
        sentences.append(cross_pair_sentence(board, measure))
    for i, baseline in enumerate(options.baselines):
        if baseline in results.missing_baselines:
            better, worse = BASELINE_MARKS[i]
            sentences.append(f"The baseline `{baseline}` has no scores in this collection: no {better}/{worse} marks.")
    sentences.append("Bold: best in the column.")
    return sentences


def _top_group_sentences(board: CollectionBoard, measure: str) -> list[str]:
    options, results = board.options, board.comparisons
    test, correction = TESTS[options.test].label, CORRECTIONS[options.correction].label
    if not any(not c.over_group for c in results.of_measure(measure)):
        return ["Bold: best in the column. No top groups: no two methods have scores on the same pair."]
    return [
        f"Bold: best in the column. {TIED_WITH_BEST}: not significantly different from the best "
        f"at α = {options.alpha} "
        f"({test} over queries between every pair of methods, {correction} correction "
        f"{family_phrase(board, measure, over_groups=False)}). The bold and {TIED_WITH_BEST} results of a column form "
        "its top group: the statistics cannot order them.",
        cross_pair_sentence(board, measure),
    ]


def table_legend(board: CollectionBoard, measure: str) -> str:
    if board.options.baseline_mode:
        sentences = _baseline_sentences(board, measure)
    else:
        sentences = _top_group_sentences(board, measure)
    unpaired = [u for u in board.comparisons.unpaired]
    if unpaired:
        listed = "; ".join(f"`{u.method}` vs `{u.reference}` on {u.pair}" for u in unpaired)
        sentences.append(f"Not tested, scored on different queries: {listed}.")
    sentences += board_columns_sentences(board)
    sentences.append(NO_SCORE_NOTE)
    return " ".join(s for s in sentences if s)


def board_columns_sentences(board: CollectionBoard) -> list[str]:
    """What the extra mean columns and the oracle rows are."""
    sentences = []
    for column, pairs in board.groups.items():
        if column not in GROUPS:
            sentences.append(
                f"{column}: mean over {', '.join(pairs)}, the low-resource pairs where the baselines have a score "
                "(a method that misses one of them has none here), tested like the other mean columns."
            )
    if board.own:
        sentences.append(own_family_sentence(board))
    if board.oracles:
        sentences.append(
            f"{code_list(sorted(board.oracles))} ({ORACLE_LABEL}): a ceiling that uses what no real system has "
            "(human query translations); left out of the bold best and of every significance family."
        )
    return sentences


def details_legend(board: CollectionBoard, files: list[str]) -> str:
    options = board.options
    test, correction = TESTS[options.test].label, CORRECTIONS[options.correction].label
    if options.baseline_mode:
        reference = "the baseline"
    else:
        reference = "the best of the column (all pairs of methods: every method against the best)"
    sentences = [
        f"Δ mean: method − {reference}; over a mean column, the difference of the mean columns.",
        f"{round(options.confidence * 100)}% CI: paired bootstrap percentile interval over queries "
        f"({options.resamples} resamples, seed {options.seed}); not computed for mean columns.",
        f"p: {test} over queries; for mean columns, the stratified permutation test above.",
        f"p ({correction}): corrected within its family.",
        "d_z: Cohen's d_z, the mean per-query difference over its standard deviation.",
        f"W/T/L: queries the method wins, ties (|difference| ≤ {TIE_TOLERANCE:g}) and loses.",
    ]
    if files:
        sentences.append("Every measure: " + ", ".join(f"[{name}]({name})" for name in files) + ".")
    return " ".join(sentences)


def own_family_sentence(board: CollectionBoard) -> str:
    """How the rows from outside the built-in registry are corrected (harness/compare/families.py)."""
    rows = code_list(sorted(board.own))
    if board.options.joint_family:
        return (f"{rows}: from outside the built-in registry; with --joint-family they share the families above, "
                "so adding or removing them can change every corrected p-value.")
    return (f"{rows}: from outside the built-in registry (a plugin or an imported run); each is corrected in a "
            "family of its own against each baseline, so adding it leaves every other row's marks unchanged "
            "(--joint-family: one family for all).")


# Below this share of judged documents in a method's top 10, its scores on a pooled collection are a
# lower bound: too much of what it ranks high was never judged (and counts as non-relevant).
JUDGED_WARNING = 0.5


def judged_note(board: CollectionBoard) -> str:
    """Judged@10 on this board: one warning line per method below ``JUDGED_WARNING`` on a pooled collection,
    or, where the judgements are complete by construction (NTREX), what the figure means there."""
    judged = board.judged()
    values = [v for per_pair in judged.values() for v in per_pair.values()]
    if not values:
        return ""
    what = ("Judged@10: the share of each query's top 10 that is judged (ir_measures `Judged@10`, averaged over "
            "queries; per cell in the CSV and JSON as `judged_at_10`).")
    if board.complete_judgements:
        return (f"{what} It ranges from {min(values):.2f} to {max(values):.2f} here. This collection's judgements are "
                "complete by construction, every document not judged is non-relevant rather than unknown, so a low "
                "Judged@10 is no warning: it only counts how few documents are relevant to each query.")
    lines = [what]
    for method, per_pair in judged.items():
        low = {pair: value for pair, value in per_pair.items() if value < JUDGED_WARNING}
        if low:
            cells = ", ".join(f"{pair} {value:.2f}" for pair, value in low.items())
            lines.append(f"⚠ `{method}`: Judged@10 below {JUDGED_WARNING} ({cells}): shallow pools make its scores "
                         "there a lower bound.")
    return "\n\n".join(lines)

