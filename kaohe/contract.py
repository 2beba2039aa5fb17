"""The names the workbook contract fixes (WORKBOOK.md), shared by the rules and every adapter.

Clerks, district offices and other programs rely on these labels: sheets, key columns, the result
columns every scheme's area sheet has, the labels typed on 说明, and the rule names of the findings
that adapters count. A scheme's own sheets and columns are its rule set's (kaohe.rules.ruleset).
Imports nothing: the lowest layer.
"""

from __future__ import annotations

# --- sheets every workbook has (WORKBOOK.md "Every scheme's workbook has") ---------------------------
GUIDE_SHEET = "说明"
PARAM_SHEET = "参数"
REPORT_SHEET = "检查结果"
REPORT_HEADER = ("级别", "规则", "依据", "位置", "对象", "说明", "上限/要求", "实际")
SUMMARY_SHEET = "汇总"

# --- the submission copy (kaohe export) ------------------------------------------------------------
COVER_SHEET = "封面"
SOURCE_SHEET = "来源"

# --- typed on 说明 (a copy's 来源 carries them too); the district's roll-up reads them ---------------
UNIT_LABEL, YEAR_LABEL = "填报单位（街道/镇）", "考核年度"

# --- sheets a scheme may have: rating forms and entry sheets ----------------------------------------
FORM_SHEET = "测评表"
STREET_SHEET, ADJUST_SHEET, SURVEY_SHEET = "街道考评", "加减分", "满意度问卷"

# --- keys -------------------------------------------------------------------------------------------
AREA_KEY = "居民区"  # the area sheet's key, and every row's area
NAME_KEY = "姓名"  # a people sheet's key (居民区·姓名 for namesakes, results.keys_of)
ID_FIELD = "编号"  # optional on a people sheet: where filled, it is the person's key (DOMAIN §6)
ROW_KEY = "#"  # rows keyed by their place, "第n条": the entry sheets (加减分 …)

# --- result columns every scheme's area sheet has ----------------------------------------------------
TOTAL, RANK, PROPOSED, FINAL = "总分", "排名", "建议等次", "最终等次"
OVERRIDE = "领导小组调整"  # the leading group's grade, typed (DOMAIN §6)
OVERRIDE_REASON = "调整理由"  # and why, typed beside it

# --- rule names of findings that adapters count (the roll-up, the publicity list) --------------------
QUOTA_RULE = "等次名额"  # more of a capped grade than its cap (DOMAIN §6)
TIE_RULE = "并列超额"  # candidates tied across a cap: for the leading group to decide
BARRED_RULE = "较差居民区不设优秀"  # jingan 六(二)

# --- number formats of the workbook's columns: points, rates (fractions shown as %), yuan, counts, text
POINTS, RATE, YUAN, COUNT, TEXT = "0.0", "0.0%", "#,##0.00", "0", "@"
