"""``python -m harness compare A B``: the per-query differences and their summary, as console text."""

from __future__ import annotations

from harness.compare import Comparison, ComparisonOptions, Duel, PairDifferences
from harness.compare.power import QueriesNeeded
from harness.render import text
from harness.stats import CORRECTIONS, TESTS


def summary_line(comparison: Comparison, options: ComparisonOptions, needed: QueriesNeeded | None = None) -> str:
    """Mean difference, interval, p (raw and corrected), d_z and W/T/L of one comparison; then, with
    ``needed``, the queries 80% power would take and, when it is not significant, how many would separate it."""
    correction = CORRECTIONS[options.correction].label
    a, b = comparison.method, comparison.reference
    if comparison.over_group:
        head = (
            f"{comparison.column} ({', '.join(comparison.pairs)}): "
            f"mean over pairs of {a} − {b} = {text.difference(comparison.mean_diff)}"
        )
        test = "stratified permutation test, queries permuted within their pair, pairs weighted equally"
        tail = ""
    else:
        head = (
            f"{comparison.column}: mean {a} − {b} = {text.difference(comparison.mean_diff)}, "
            f"{round(options.confidence * 100)}% CI {text.interval(comparison.ci_low, comparison.ci_high)}"
        )
        test = TESTS[comparison.test].label
        tail = f", d_z = {text.effect_size(comparison.effect_size_dz)}"
    line = (
        f"{head}, p = {text.p_value(comparison.p_value)} ({test}), "
        f"{correction} over {text.count_phrase(comparison.family_size, 'test')}: {text.p_value(comparison.p_corrected)}"
        f"{tail}, W/T/L = {text.wins_ties_losses(comparison.wins, comparison.ties, comparison.losses)} "
        f"of {comparison.queries} queries"
    )
    if needed is None:
        return line
    line += f"; {needed.text()} (paired t-test{', the t approximation over pairs' if needed.per_pair else ''})"
    if not comparison.significant(options.alpha):
        line += f". Not separable here: {needed.not_separable_sentence()}"
    return line


def differences_table(differences: PairDifferences) -> str:
    table = differences.table
    # floatfmt per column: query ids as they are, scores to 4 decimals, differences signed.
    return table.to_markdown(index=False, tablefmt="simple", floatfmt=("", ".4f", ".4f", "+.4f"))


def duel_report(duel: Duel, options: ComparisonOptions, plots: dict[str, str]) -> str:
    """Per pair: the sorted table, its summary and its plot; then the tests over several pairs."""
    parts = []
    for differences in duel.per_pair:
        parts += [
            f"{differences.pair}: {duel.method} vs {duel.reference} on {duel.measure}, "
            f"{len(differences.table)} queries, largest gain of {duel.method} first",
            differences_table(differences),
            summary_line(differences.comparison, options, duel.needed.get(differences.pair)),
        ]
        if differences.pair in plots:
            parts.append(f"plot: {plots[differences.pair]}")
    if duel.over_pairs:
        parts.append("Over several pairs:\n" + "\n".join(summary_line(c, options, duel.needed.get(c.column)) for c in duel.over_pairs))
    if duel.left_out:
        parts.append("Left out:\n" + "\n".join(f"- {reason}" for reason in duel.left_out))
    return "\n\n".join(parts)
