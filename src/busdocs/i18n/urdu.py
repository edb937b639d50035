"""Urdu formatting of values that come from data: digits, dates, amounts.

Urdu readers in Pakistan read both digit sets. Prices and dates are written with Urdu digits
(۰–۹, U+06F0–U+06F9) as printed Urdu does; phone numbers, codes, times of the app and URLs
stay as the phone shows them (Latin digits) and are isolated left-to-right by the pages.
"""

from __future__ import annotations

from datetime import date

URDU_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
MONTHS = ("جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر", "اکتوبر",
          "نومبر", "دسمبر")
"""Month names as Pakistani Urdu writes them (the Gregorian calendar)."""
THOUSANDS = "٬"
"""The Arabic thousands separator (U+066C)."""


def digits(value: object) -> str:
    """`2027` → `۲۰۲۷`; any Latin digit of the text becomes its Urdu digit."""
    return str(value).translate(URDU_DIGITS)


def number(value: int) -> str:
    """`18000` → `۱۸٬۰۰۰`."""
    return digits(f"{value:,}".replace(",", THOUSANDS))


def long_date(when: date) -> str:
    """`2027-01-25` → `۲۵ جنوری ۲۰۲۷`."""
    return f"{digits(when.day)} {MONTHS[when.month - 1]} {digits(when.year)}"


def money(amount: int) -> str:
    """`18000` → `۱۸٬۰۰۰ روپے` (Pakistani rupees, as a price tag in Urdu reads)."""
    return f"{number(amount)} روپے"
