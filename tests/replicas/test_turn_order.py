"""The replica ledger's order check (tests/replicas/cluster.py, ``turn_order``)."""

from __future__ import annotations

from tests.replicas.cluster import turn_order


def test_turns_in_the_order_sent_are_in_order():
    assert turn_order(["m1", "m2", "m3"], ["m1", "m2", "m3"]) == ("in order", 0)


def test_ids_scoped_by_the_channel_match_the_ids_sent():
    assert turn_order(["m1", "m2"], ["session:m1", "session:m2"]) == ("in order", 0)


def test_a_turn_processed_again_right_after_itself_is_counted_not_failed():
    assert turn_order(["m1", "m2"], ["m1", "m1", "m2"]) == ("in order", 1)


def test_swapped_turns_are_out_of_order():
    assert turn_order(["m1", "m2", "m3"], ["m1", "m3", "m2"]) == ("out of order", 0)


def test_a_turn_processed_again_after_a_later_one_is_out_of_order():
    assert turn_order(["m1", "m2"], ["m1", "m2", "m1"]) == ("out of order", 0)


def test_a_turn_that_never_reached_rasa_is_missing():
    assert turn_order(["m1", "m2", "m3"], ["m1", "m3"]) == ("missing turn", 0)


def test_a_turn_rasa_never_got_from_this_resident_is_out_of_order():
    assert turn_order(["m1"], ["m1", "other"]) == ("out of order", 0)
