"""The shared helpers: names and hashes, quantities, selectors, durations and ages."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubeteach.objects import (
    ALPHANUMS,
    Randomness,
    compute_hash,
    generate_name,
    go_duration,
    human_age,
    int_value,
    labels_string,
    milli_value,
    parse_quantity,
    parse_selector,
    safe_encode_string,
    selector_is_empty,
    selector_matches,
    selector_string,
)

SAFE = "bcdfghjklmnpqrstvwxz2456789"
HASH_RE = r"[4-9bcdf]{9,10}"

TEMPLATE = {"metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]}}

# --- names and hashes ------------------------------------------------------------------------------------------


def test_alphabet_is_kubernetes_alphanums():
    assert ALPHANUMS == SAFE


def test_safe_encode_string_maps_digits_as_kubernetes_does():
    assert safe_encode_string("1234567890") == "56789bcdf4"


def test_compute_hash_alphabet_and_length():
    h = compute_hash(TEMPLATE, None)
    assert re.fullmatch(HASH_RE, h), h


def test_compute_hash_is_deterministic():
    import copy

    assert compute_hash(TEMPLATE, None) == compute_hash(copy.deepcopy(TEMPLATE), None)
    reordered = {"spec": TEMPLATE["spec"], "metadata": TEMPLATE["metadata"]}
    assert compute_hash(reordered, None) == compute_hash(TEMPLATE, None)


def test_compute_hash_changes_with_the_template():
    import copy

    changed = copy.deepcopy(TEMPLATE)
    changed["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert compute_hash(changed, None) != compute_hash(TEMPLATE, None)
    assert re.fullmatch(HASH_RE, compute_hash(changed, None))


def test_collision_count_none_and_zero_hash_differently():
    # ComputeHash only writes the collisionCount bytes when the pointer is non-nil
    assert compute_hash(TEMPLATE, None) != compute_hash(TEMPLATE, 0)
    assert compute_hash(TEMPLATE, 0) != compute_hash(TEMPLATE, 1)
    for cc in (0, 1, 2):
        assert re.fullmatch(HASH_RE, compute_hash(TEMPLATE, cc))


def test_random_string_alphabet_and_length():
    rnd = Randomness(0)
    for _ in range(200):
        assert re.fullmatch(rf"[{SAFE}]{{5}}", rnd.string(5))
    assert len(rnd.string(13)) == 13


def test_randomness_is_seeded():
    a, b = Randomness(7), Randomness(7)
    assert [a.string(5) for _ in range(5)] == [b.string(5) for _ in range(5)]
    assert a.uid() == b.uid()
    assert [Randomness(0).string(5) for _ in range(1)] != [Randomness(1).string(5) for _ in range(1)]


def test_uid_is_a_version_4_uuid():
    uid = Randomness(0).uid()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uid)


def test_generate_name_appends_five_characters_and_caps_at_63():
    rnd = Randomness(0)
    name = generate_name("nginx-7c5ddbdf54-", rnd)
    assert re.fullmatch(rf"nginx-7c5ddbdf54-[{SAFE}]{{5}}", name)
    long = generate_name("x" * 80, rnd)
    assert len(long) == 63 and long.startswith("x" * 58)


# --- quantities ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "millis"), [("250m", 250), ("1", 1000), ("0.5", 500), ("2", 2000),
                                              ("100m", 100), ("1.5", 1500), ("0.0001", 1), ("1e3", 1_000_000)])
def test_milli_value(text, millis):
    assert milli_value(text) == millis


@pytest.mark.parametrize(("text", "value"), [("128Mi", 128 * 2**20), ("1Gi", 2**30), ("1e3", 1000), ("1k", 1000),
                                             ("1Ki", 1024), ("1M", 10**6), ("1.5Gi", 3 * 2**29), ("110", 110),
                                             ("100m", 1), ("0", 0)])
def test_int_value(text, value):
    assert int_value(text) == value


def test_parse_quantity_is_exact():
    assert parse_quantity("250m") == Fraction(1, 4)
    assert parse_quantity("0.5") == Fraction(1, 2)
    assert parse_quantity(2) == 2


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "12 Mi", "1MB", "Mi", "--1", None, True])
def test_bad_quantities_raise_value_error(bad):
    with pytest.raises(ValueError):
        parse_quantity(bad)


def test_bad_quantity_message_is_the_api_servers():
    with pytest.raises(ValueError, match=r"quantities must match the regular expression"):
        milli_value("lots")


# --- selectors -------------------------------------------------------------------------------------------------


def test_match_labels():
    sel = {"matchLabels": {"app": "nginx"}}
    assert selector_matches(sel, {"app": "nginx", "pod-template-hash": "x"})
    assert not selector_matches(sel, {"app": "web"})
    assert not selector_matches(sel, {})


def test_nil_selector_matches_nothing_and_empty_matches_everything():
    assert not selector_matches(None, {"app": "nginx"})
    assert not selector_matches(None, {})
    assert selector_matches({}, {"app": "nginx"})
    assert selector_matches({"matchLabels": {}, "matchExpressions": []}, {})
    assert selector_is_empty({}) and not selector_is_empty(None)
    assert not selector_is_empty({"matchLabels": {"a": "b"}})


@pytest.mark.parametrize(("expr", "labels", "ok"), [
    ({"key": "tier", "operator": "In", "values": ["web", "api"]}, {"tier": "api"}, True),
    ({"key": "tier", "operator": "In", "values": ["web", "api"]}, {"tier": "db"}, False),
    ({"key": "tier", "operator": "In", "values": ["web"]}, {}, False),
    ({"key": "tier", "operator": "NotIn", "values": ["db"]}, {"tier": "web"}, True),
    ({"key": "tier", "operator": "NotIn", "values": ["db"]}, {"tier": "db"}, False),
    ({"key": "tier", "operator": "NotIn", "values": ["db"]}, {}, True),       # NotIn holds for a missing key
    ({"key": "canary", "operator": "Exists"}, {"canary": ""}, True),
    ({"key": "canary", "operator": "Exists"}, {}, False),
    ({"key": "canary", "operator": "DoesNotExist"}, {}, True),
    ({"key": "canary", "operator": "DoesNotExist"}, {"canary": "yes"}, False),
])
def test_match_expressions(expr, labels, ok):
    assert selector_matches({"matchExpressions": [expr]}, labels) is ok


def test_match_labels_and_expressions_are_anded():
    sel = {"matchLabels": {"app": "nginx"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}
    assert selector_matches(sel, {"app": "nginx", "tier": "web"})
    assert not selector_matches(sel, {"app": "nginx", "tier": "db"})
    assert not selector_matches(sel, {"app": "other", "tier": "web"})


def test_parse_selector_all_operators():
    sel = parse_selector("a=b,c!=d,e in (x,y),!f")
    assert sel == {"matchLabels": {"a": "b"},
                   "matchExpressions": [{"key": "c", "operator": "NotIn", "values": ["d"]},
                                        {"key": "e", "operator": "In", "values": ["x", "y"]},
                                        {"key": "f", "operator": "DoesNotExist"}]}
    assert selector_matches(sel, {"a": "b", "e": "x"})
    assert selector_matches(sel, {"a": "b", "c": "z", "e": "y"})
    assert not selector_matches(sel, {"a": "b", "c": "d", "e": "x"})
    assert not selector_matches(sel, {"a": "b", "e": "z"})
    assert not selector_matches(sel, {"a": "b", "e": "x", "f": "1"})
    assert not selector_matches(sel, {"e": "x"})


def test_parse_selector_other_forms():
    assert parse_selector("app==nginx") == {"matchLabels": {"app": "nginx"}, "matchExpressions": []}
    assert parse_selector("canary")["matchExpressions"] == [{"key": "canary", "operator": "Exists"}]
    assert parse_selector("env notin (prod)")["matchExpressions"] == [
        {"key": "env", "operator": "NotIn", "values": ["prod"]}]
    assert parse_selector("app.kubernetes.io/name=web")["matchLabels"] == {"app.kubernetes.io/name": "web"}


@pytest.mark.parametrize("bad", ["=b", "a=b=c", "a in x", "a in (x"])
def test_parse_selector_rejects_garbage(bad):
    with pytest.raises(ValueError):
        parse_selector(bad)


def test_selector_and_labels_strings_sort_keys():
    assert selector_string({"matchLabels": {"b": "2", "a": "1"}}) == "a=1,b=2"
    assert selector_string({"matchExpressions": [{"key": "t", "operator": "In", "values": ["y", "x"]}]}) \
        == "t in (x,y)"
    assert selector_string(None) == "<none>"
    assert labels_string({"b": "2", "a": "1"}) == "a=1,b=2"
    assert labels_string({}) == "<none>"


# --- durations and ages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "text"), [(0.823, "823ms"), (1.5, "1.5s"), (62.5, "1m2.5s"), (2.41, "2.41s"),
                                               (0, "0s"), (60, "1m0s"), (7200, "2h0m0s"), (3661, "1h1m1s"),
                                               (0.0000015, "1.5µs"), (0.000000005, "5ns"), (0.83, "830ms")])
def test_go_duration(seconds, text):
    assert go_duration(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (150, "2m30s"), (599, "9m59s"), (600, "10m"),
    (179 * 60 + 59, "179m"), (3 * 3600, "3h"), (3 * 3600 + 300, "3h5m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
    (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"), (729 * 86400, "729d"),
    (730 * 86400, "2y"), (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y"),
])
def test_human_age_matches_duration_human_duration(seconds, text):
    assert human_age(seconds) == text


def test_human_age_tolerates_a_second_of_clock_skew():
    # HumanDuration: below -1s is "<invalid>", a deviation of up to a second is "0s"
    assert human_age(-1) == "0s"
    assert human_age(-5) == "<invalid>"


# --- properties ------------------------------------------------------------------------------------------------

_label = st.from_regex(r"[a-z]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@given(st.integers(min_value=0, max_value=10**7))
def test_suffixed_quantities_round_trip(n):
    assert milli_value(f"{n}m") == n
    assert int_value(f"{n}Mi") == n * 2**20
    assert int_value(f"{n}k") == n * 1000


@given(st.dictionaries(_label, _label, min_size=1, max_size=4))
def test_labels_string_parses_back_to_a_matching_selector(labels):
    sel = parse_selector(labels_string(labels))
    assert sel["matchLabels"] == labels and selector_matches(sel, labels)
