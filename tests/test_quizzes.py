"""Questions that teach (#18): no quiz option gives the answer away by its length or its wording, and no stored
output of a lesson shows a right answer. The quizzes are read from the notebooks with ast (tests/lesson_quizzes.py).
"""

from __future__ import annotations

import math
import re

import pytest
from lesson_quizzes import LESSONS, LessonQuiz, outputs, quizzes, squash

ALL = [q for path in LESSONS for q in quizzes(path)]
CHOICES = [q for q in ALL if q.options is not None]


def chance_limit(group: list[LessonQuiz], sds: float) -> int:
    """How many of `group` may have a property that a random placement gives each k-option quiz with chance 1/k.

    The count of such quizzes under chance is a sum of Bernoulli(1/k) draws: mean sum(1/k), variance
    sum(1/k * (1 - 1/k)). We allow the mean plus `sds` standard deviations: a lesson author cannot place the answer
    at random, but a count above that is what writing the answer more carefully than the distractors produces.
    """
    p = [1 / len(q.options) for q in group]
    return math.floor(sum(p) + sds * math.sqrt(sum(x * (1 - x) for x in p)))


def unique_longest(q: LessonQuiz) -> bool:
    """The right option is longer (in characters) than every wrong one: a learner can pick it without reading."""
    return len(q.right) > max(len(w) for w in q.wrong)


def test_every_lesson_has_checked_multiple_choice_quizzes():
    assert len(LESSONS) >= 10
    for path in LESSONS:
        mine = [q for q in CHOICES if q.lesson == path.stem]
        assert len(mine) >= 3, f"{path.stem} has {len(mine)} multiple-choice quizzes"
        for q in mine:
            assert len(q.options) >= 3 and len(set(q.options)) == len(q.options), q.where


def test_the_right_option_is_the_longest_no_more_often_than_chance_overall():
    # Over all lessons: the mean plus one standard deviation (about 13 + 3 for ~50 four-option quizzes). The issue
    # found 27 of 42; chance gives about a quarter.
    longest = [q.where for q in CHOICES if unique_longest(q)]
    assert len(longest) <= chance_limit(CHOICES, 1), "\n".join(longest)


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_the_right_option_is_the_longest_no_more_often_than_chance_per_lesson(path):
    # Per lesson, with four or five quizzes, the mean plus two standard deviations (2 of 4, 3 of 5, 4 of 9): a
    # random placement exceeds it in about one lesson in twenty.
    mine = [q for q in CHOICES if q.lesson == path.stem]
    longest = [q.where for q in mine if unique_longest(q)]
    assert len(longest) <= chance_limit(mine, 2), "\n".join(longest)


def length_rank(q: LessonQuiz) -> int:
    """1 + how many wrong options are longer than the right one (1: the longest or tied for it)."""
    return 1 + sum(len(w) > len(q.right) for w in q.wrong)


def test_no_length_rank_is_a_rule_for_the_right_option():
    # Writing every answer a little shorter than the longest distractor just moves the giveaway ("never the
    # longest, usually the second"). So at every rank r of the answer's length among its options, the count is held
    # to chance as above (a quiz with k >= r options has rank r with chance 1/k), one standard deviation of slack.
    for r in range(1, max(len(q.options) for q in CHOICES) + 1):
        group = [q for q in CHOICES if len(q.options) >= r]
        at = [q.where for q in group if length_rank(q) == r]
        assert len(at) <= chance_limit(group, 1), f"rank {r}:\n" + "\n".join(at)


@pytest.mark.parametrize("q", CHOICES, ids=[f"{q.lesson[:2]}-c{q.cell}" for q in CHOICES])
def test_the_right_option_is_not_by_far_the_longest(q):
    # Even where it is the longest, the answer is at most half as long again as the longest distractor.
    assert len(q.right) <= 1.5 * max(len(w) for w in q.wrong), q.where


TERM = re.compile(r"[A-Za-z][\w.:/-]*")


def terms(text: str) -> set[str]:
    """The technical terms of a text: words of 4+ characters with a digit, `-`, `.`, `/`, `:` or an inner capital
    (kube-scheduler, spec.nodeName, ReplicaSet, 201), lower-cased and without trailing punctuation."""
    words = {w.rstrip(".:/-") for w in TERM.findall(text)}
    return {w.casefold() for w in words
            if len(w) >= 4 and (re.search(r"[\d.:/-]", w) or re.search(r"[a-z][A-Z]", w))}


def echoes(q: LessonQuiz) -> bool:
    """The right option is the only option that repeats a technical term of the question."""
    asked = terms(q.question)
    def shares(option: str) -> bool:
        return bool(asked & terms(option))
    return shares(q.right) and not any(shares(w) for w in q.wrong)


def test_few_right_options_are_the_only_ones_echoing_the_question():
    # A simple, honest check of wording: a term copied from the question (kube-scheduler, pod-template-hash, ...)
    # into the right option only. It does not judge plausibility; review does. Chance as above, one standard
    # deviation: echoing the question is sometimes simply right.
    echoing = [q.where for q in CHOICES if echoes(q)]
    assert len(echoing) <= chance_limit(CHOICES, 1), "\n".join(echoing)


def test_the_checks_can_fail():
    """The checks above on made-up quizzes: a giveaway is caught, a balanced quiz passes."""
    def quiz(question, options, answer):
        return LessonQuiz("xx", 0, "", question, options, answer, "why", None)
    long = quiz("Who binds a Pod?", ["the kubelet", "kube-scheduler, by posting a Binding", "etcd"],
                "kube-scheduler, by posting a Binding")
    fair = quiz("Who binds a Pod?", ["the kubelet, when it starts up", "kube-scheduler, with a Binding",
                                     "etcd, in a transaction"], "kube-scheduler, with a Binding")
    echo = quiz("What does pod-template-hash name?", ["the ReplicaSet, by pod-template-hash", "the Node",
                                                      "the Service"], "the ReplicaSet, by pod-template-hash")
    assert unique_longest(long) and not unique_longest(fair)
    assert echoes(echo) and not echoes(fair)
    assert chance_limit([long] * 4, 2) == 3 and chance_limit([long] * 30, 1) == 12


def revealing(q: LessonQuiz) -> list[str]:
    """Texts whose presence in a stored output gives away `q`: the feedback a checked quiz prints (its explanation,
    the "The answer: …" line), and the right option itself when it is a phrase of four words or more (a component
    name or a number shows up in trace records by nature, so short answers are not searched for)."""
    texts = [squash(q.explanation)[:60], f"The answer: {q.right or ''}"]
    if q.right and len(q.right.split()) >= 4:
        texts.append(squash(q.right))
    return texts


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_stored_output_reveals_a_right_answer(path):
    shown = [(cell, squash(text)) for cell, text in outputs(path)]
    leaks = [f"cell {cell} shows {needle!r} ({q.where})"
             for q in quizzes(path) for needle in revealing(q) for cell, text in shown if needle in text]
    assert not leaks, "\n".join(leaks)
