"""Data validation of the cells a clerk types: dropdowns and number ranges, each with a prompt in Chinese.

An adapter piece shared by the .xlsm template and the native workbook. A bound the scheme sets is a
reference to its 参数 cell, so an edited parameter moves the validation with it; the prompt shows the
value the scheme had when the workbook was made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .params import PARAM_SHEET, Params, sheet_rows
from .rules.ruleset import Bound

OPEN_ENDED = 1e6  # a high bound this large only keeps out typing slips: the prompt says "不小于" the low one
PROMPT_TITLE = 32  # Excel's limits on a validation's prompt title and text
PROMPT_TEXT = 255


def param_cells(params: Params) -> dict[str, str]:
    """Each parameter's 值 cell on the 参数 sheet (params.sheet_rows order: 参数, 名称, 值, …)."""
    return {str(r[0]): f"'{PARAM_SHEET}'!$C${n}" for n, r in enumerate(sheet_rows(params), start=1) if n > 1}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _shown(params: Params, bound: str, percent: bool) -> str:
    """A bound as the prompt shows it: the number, or the parameter's present value."""
    value = float(bound) if _is_number(bound) else float(cast(float, params.leaves[bound].value))  # a number leaf
    return f"{value:.0%}" if percent else f"{value:,.10g}"


def number_rule(params: Params, header: str, bound: Bound, *, lenient: bool) -> DataValidation:
    """A number between the bound's low and high, with a prompt saying so.

    ``lenient`` (the .xlsm, whose engine reads "90分" or "９０"): a warning the clerk may pass by; else
    (the native workbook, whose formulas take numbers only) the entry is refused.
    """
    kind, lo, hi = bound
    cells = param_cells(params)
    low, high = (b if _is_number(b) else cells[b] for b in (lo, hi))
    percent = kind == "percent"
    what = "整数" if kind == "whole" else "百分比（如 95%）" if percent else "数字"
    if _is_number(hi) and float(hi) >= OPEN_ENDED:
        span = f"不小于{_shown(params, lo, percent)}"
    else:
        span = f"{_shown(params, lo, percent)}–{_shown(params, hi, percent)}"
    source = "" if _is_number(hi) else f"（上限见“{PARAM_SHEET}”表 {hi}）"
    prompt = f"填{span}的{what}{source}；不适用的留空。"
    if lenient:
        error = f"“{header}”应为{span}的{what}。确要这样填（如“90分”），点“是”保留：检查会按填写规则读取并提示。"
    else:
        error = f"“{header}”应为{span}的{what}：本工作簿的公式只认数字，见“{PARAM_SHEET}”表"
    return DataValidation(type="whole" if kind == "whole" else "decimal", operator="between", formula1=low,
                          formula2=high, allow_blank=True, showInputMessage=True,
                          promptTitle=header[:PROMPT_TITLE], prompt=prompt[:PROMPT_TEXT],
                          showErrorMessage=True, errorStyle="warning" if lenient else "stop",
                          errorTitle="输入不在范围内", error=error[:PROMPT_TEXT])


def choice_rule(header: str, options: Sequence[str]) -> DataValidation:
    """One of the document's words, from a dropdown."""
    listed = "、".join(options)
    return DataValidation(type="list", formula1=f'"{",".join(options)}"', allow_blank=True,
                          showInputMessage=True, promptTitle=header[:PROMPT_TITLE],
                          prompt=f"从下拉列表中选择：{listed}"[:PROMPT_TEXT],
                          showErrorMessage=True, errorTitle="请从下拉列表中选择",
                          error=f"“{header}”应为：{listed}"[:PROMPT_TEXT])


def names_rule(header: str, source: str, prompt: str) -> DataValidation:
    """A dropdown of names kept elsewhere in the workbook (``source``: a range, or a formula giving one).
    Typing another name is not refused: the check names any that matches no row."""
    return DataValidation(type="list", formula1=source, allow_blank=True, showInputMessage=True,
                          promptTitle=header[:PROMPT_TITLE], prompt=prompt[:PROMPT_TEXT], showErrorMessage=False)


def add(ws: Worksheet, rule: DataValidation, letter: str, last: int) -> None:
    """The rule over a column's typed rows (2…last)."""
    rule.add(f"{letter}2:{letter}{last}")
    ws.add_data_validation(rule)


def add_numbers(ws: Worksheet, params: Params, numbers: Mapping[str, Bound], letters: Mapping[str, str], last: int,
                *, lenient: bool) -> None:
    for header, bound in numbers.items():
        add(ws, number_rule(params, header, bound, lenient=lenient), letters[header], last)


def add_choices(ws: Worksheet, choices: Mapping[str, Sequence[str]], letters: Mapping[str, str], last: int) -> None:
    for header, options in choices.items():
        add(ws, choice_rule(header, options), letters[header], last)
