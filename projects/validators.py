"""Rules for the ledger's text: no control characters, and the 统一社会信用代码 (unified
social credit code, GB 32100-2015); and for dates of what has already happened."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Control characters other than tab and line breaks: invisible on a page, and a spreadsheet
# (an XLSX file is XML) cannot hold them. Text pasted from Word brings its manual line break
# (a vertical tab) and page break (a form feed).
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def validate_plain_text(value: str) -> None:
    """Refuse text with a control character other than tab and line breaks, saying where."""
    found = CONTROL_CHARACTER.search(value)
    if found:
        raise ValidationError(
            _(
                "第%(position)d个字符是看不见的控制字符（U+%(code)04X），常见于从Word等软件粘贴的文字，"
                "请删除该字符或重新输入。"
            ),
            code="control_character",
            params={"position": found.start() + 1, "code": ord(found.group())},
        )


# The code's alphabet: digits and capital letters without I, O, Z, S and V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """Return the 18th (check) character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Refuse anything that is not an 18-character credit code with a correct check character."""
    if len(value) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。"),
            code="credit_code_length",
            params={"length": len(value)},
        )
    bad = sorted({char for char in value if char not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "统一社会信用代码含有不允许的字符：%(chars)s（只允许数字和除I、O、Z、S、V以外的大写字母）。"
            ),
            code="credit_code_alphabet",
            params={"chars": "".join(bad)},
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第3至8位应为行政区划代码（数字）。"),
            code="credit_code_division",
        )
    if value[17] != credit_code_check_character(value[:17]):
        raise ValidationError(
            _("统一社会信用代码校验位不符，请逐位核对。"),
            code="credit_code_check",
        )


def validate_not_in_future(value: date) -> None:
    """Refuse a date after today, for what has already happened (an assessment, a decision)."""
    today = timezone.localdate()
    if value > today:
        raise ValidationError(
            _("不能晚于今天（%(today)s）。"),
            code="future_date",
            params={"today": today.isoformat()},
        )
