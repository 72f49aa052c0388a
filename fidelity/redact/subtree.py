"""Protecting a probe's data where the probe makes it, a subtree at a time.

A probe that builds its data piece by piece (each table's columns, each file) can protect each piece
with `protect_subtree` (or a `SubtreeProtector` for many), in the same walk as its own work: the
result is marked, and the snapshot's walk (`tree.protect`) keeps a marked subtree made with the same
keeper, at the same place, as it is instead of walking it again. Given a `Survey` of a tree fresh
from a JSON parser, a tree the walk would not change is kept as it is instead of copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from fidelity.redact.argv import may_flag
from fidelity.redact.keeper import SecretKeeper
from fidelity.redact.shapes import none_has_a_secret
from fidelity.redact.survey import Survey, survey_json
from fidelity.redact.text import no_secret_name
from fidelity.redact.tree import (
    MAX_DEPTH,
    _Marked,
    _ProtectedDict,
    _ProtectedList,
    _state_at,
    _Walk,
    assigns_a_secret,
)

__all__ = ["SubtreeProtector", "protect_subtree"]

#: Trees `SubtreeProtector.protect_many` surveys together: one that the walk changes costs the
#: others of its batch a survey each.
_BATCH = 64


def protect_subtree(tree: Any, keeper: SecretKeeper, at: Sequence[str] = (), *,
                    whole_below: Sequence[str] | None = None, max_depth: int = MAX_DEPTH,
                    survey: Survey | None = None) -> Any:
    """`tree` protected as `protect` protects what a probe's data holds at the path `at` (the keys
    from the data's root down), for a probe to call where it makes its data: the snapshot's walk,
    with the same keeper, keeps the result as it is instead of walking it again.

    With `whole_below` (extra key-name globs, possibly none), every leaf below a key of `tree` whose
    name looks secret or matches a glob becomes the fingerprint of its JSON-native form (None stays
    None), whatever it looks like. Raises `TreeTooDeep` when `tree` is nested deeper than `max_depth`.

    With `survey` (`survey_json(tree)`, for a tree fresh from a JSON parser that the caller hands
    over), a tree the walk would not change is kept as it is instead of copied: the result then
    shares its containers with `tree`.
    """
    return SubtreeProtector(keeper, whole_below=whole_below, max_depth=max_depth).protect(tree, at, survey)


class SubtreeProtector:
    """`protect_subtree` for many subtrees of one probe's data (e.g. each table's columns), with
    the decisions about keys and strings remembered from one subtree to the next."""

    def __init__(self, keeper: SecretKeeper, *, whole_below: Sequence[str] | None = None,
                 max_depth: int = MAX_DEPTH) -> None:
        self.keeper = keeper
        self.max_depth = max_depth
        self._path = _Walk(keeper, MAX_DEPTH)
        self._walk = _Walk(keeper, max_depth, whole_below)

    def protect(self, tree: Any, at: Sequence[str] = (), survey: Survey | None = None) -> Any:
        """`tree` protected as `protect_subtree(tree, keeper, at, ..., survey=survey)` protects it."""
        fresh = [segment for segment in at if segment not in self._path.keys[0]]
        if fresh:
            self._path.keeps_keys(fresh)  # decided together, as `protect_many` decides its places' names
        _, state = _state_at(at, self._path)
        if survey is not None and state == 0 and self.unchanged(survey):
            self._walk.plain = self._walk.plain and survey.plain  # as the walk would have found
            return self._marked(tree, state)
        return self._marked(self._walk.value(tree, 0, state), state)

    def protect_many(self, places: Sequence[tuple[Any, Sequence[str]]]) -> list[Any]:
        """`[self.protect(tree, at) for tree, at in places]`, in few lean passes where it can be: the
        trees at places where the walk starts from its root state are surveyed together, a batch
        at a time (their parsers' types only), and a batch is kept as it is when the walk would
        change none of its trees; in a batch where one would change (a column named password),
        each tree is surveyed on its own and only those it changes are walked. For many small
        trees of one probe (e.g. every table's columns)."""
        decided = self._path.keys[0]
        fresh = list({segment: None for _, at in places for segment in at if segment not in decided})
        if fresh:
            self._path.keeps_keys(fresh)  # the places' names decided together where they can be
        states = [_state_at(at, self._path)[1] for _, at in places]
        kept = [False] * len(places)
        rooted = [index for index, state in enumerate(states) if state == 0]
        for start in range(0, len(rooted), _BATCH):
            batch = rooted[start:start + _BATCH]
            if self._unchanged_together([places[index][0] for index in batch]):
                for index in batch:
                    kept[index] = True
        return [self._marked(tree, 0) if keep
                else self.protect(tree, at, survey_json(tree) if state == 0 else None)
                for (tree, at), state, keep in zip(places, states, kept, strict=True)]

    def _unchanged_together(self, trees: list[Any]) -> bool:
        """Whether the walk would change none of `trees` (from the root state); if so, their `plain`
        is the walk's now. Each tree is one level below the surveyed list."""
        survey = survey_json(trees)
        if survey is None or not self.unchanged(replace(survey, deepest=max(0, survey.deepest - 1))):
            return False
        self._walk.plain = self._walk.plain and survey.plain
        return True

    def _marked(self, out: Any, state: int) -> Any:
        marked: _Marked
        if type(out) is dict:
            marked = _ProtectedDict(out)
        elif type(out) is list:
            marked = _ProtectedList(out)
        else:
            return out
        marked.keeper, marked.state, marked.depth = self.keeper, state, self.max_depth
        marked.plain = self._walk.plain  # of every subtree so far: False from the first that is not
        return marked

    def unchanged(self, survey: Survey) -> bool:
        """True when the walk, from the root state, would return a copy equal to the surveyed tree.

        The walk changes a JSON-native tree only where: a non-empty container is too deep (it
        raises); a key's protected text differs from it, or its name puts the values below it in
        another state (secret-looking, a fingerprint, a `whole_below` glob); a string leaf's
        protected text differs from it; a float is not finite (the survey refuses those). The first
        three are asked of the walk itself, once per distinct key and string: below a key that keeps
        the root state every decision is the root state's, so the answer holds at every depth.
        """
        walk = self._walk
        if survey.deepest >= self.max_depth:
            return False
        decided = walk.keys[0]
        fresh: list[str] = []
        for key in survey.keys:
            decision = decided.get(key)
            if decision is None:
                fresh.append(key)
            elif decision != (key, 0):
                return False
        if fresh and not walk.keeps_keys(fresh):
            for key in fresh:
                if walk.key(key, 0) != (key, 0):
                    return False
        declared = walk.whole_below is not None or bool(self.keeper.extra_names)  # names no word list knows
        if ("value" in survey.keys and (declared or not no_secret_name(survey.strings))) \
                or any(assigns_a_secret(text, self.keeper) for text in survey.strings if "=" in text):
            return False  # `{name: DB_PASSWORD, value: …}` or `DB_PASSWORD=…`: the walk decides
        if none_has_a_secret(survey.strings):  # then `text` keeps each string as it is (state 0), and no
            return True  # string is a flag alone (the prefilter's `lone_flag`)
        if any(text[:1] == "-" and may_flag(text) for text in survey.strings):
            return False  # a command line's secret argument (`--db-password X`): the walk decides
        texts = walk.texts[0]  # what the walk decided already (an earlier subtree), as the walk looks it up
        for text in survey.strings:
            known = texts.get(text)
            if (known if known is not None else walk.text(text, 0)) != text:
                return False
        return True
