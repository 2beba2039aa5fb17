"""engine's helpers for the block UDFs: each row's 测评表 tally, and each input row's key in order."""

from __future__ import annotations

import pytest

from kaohe import engine

# 党员群众测评 of area A (jingan 五(二)(2)): two forms rating A and its 书记 甲, every score below the A
# tier (90, which the lone 书记's floor(20% × 1) = 0 A places would void): A (80 + 70)/2 = 75,
# 甲 (88 + 84)/2 = 86
FORMS = [{"测评": "党员群众测评", "居民区": "A", "表号": n, "对象": who, "评分": score}
         for n, who, score in ((1, "A", 80), (1, "甲", 88), (2, "A", 70), (2, "甲", 84))]


def test_form_means_give_the_tally_whatever_was_typed():
    s = engine.scheme("jingan")
    areas = [{"居民区": "A", "党员群众测评": 60}, {"居民区": "B"}]
    people = [{"姓名": "甲", "居民区": "A", "岗位": "书记"}]
    area_rows, people_rows = engine.form_means(s, {"居民区": areas, "工作人员": people, "测评表": FORMS})
    assert area_rows[0]["党员群众测评"] == pytest.approx(75)  # the typed 60 is what prepare keeps, not the tally
    assert area_rows[1]["党员群众测评"] is None  # no form rates B
    assert people_rows[0]["党员群众测评"] == pytest.approx(86)
    assert areas[0]["党员群众测评"] == 60  # the caller's rows are not changed


def test_a_result_table_keeps_each_input_rows_key_in_order():
    s = engine.scheme("jingan")
    rows = [{"居民区": " 春晖 "}, {"街道考评": 90}, {"居民区": "和平"}]
    table = engine.calculate(s, {"居民区": rows})["居民区"]
    assert table.order == ["春晖", "", "和平"]  # a row with data but no 居民区: no key
    assert engine.tally_label("内部互评") == "内部互评（测评表）"
