"""Exact money: a Decimal amount with its ISO 4217 currency.

Arithmetic between different currencies raises; finml never converts currencies silently.
Sums use :func:`total`, which starts from an exact zero in the right currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

HOURS_PER_MONTH = Decimal("730")
"""Hours in an average month (8760 / 12), the convention AWS, Azure and GCP pricing pages use."""

_CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Convert an int, str or Decimal to Decimal exactly; floats go through ``repr`` (no binary noise)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("bool is not money")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    raise TypeError(f"cannot convert {type(value).__name__} to Decimal")


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount))
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")
        object.__setattr__(self, "currency", self.currency.upper())

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise TypeError("cannot multiply Money by Money")
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> Money:
        return Money(self.amount / to_decimal(divisor), self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def rounded(self, places: int = 2) -> Money:
        """Banker's rounding to ``places`` decimals (for display and reports)."""
        q = _CENT if places == 2 else Decimal(1).scaleb(-places)
        return Money(self.amount.quantize(q, rounding=ROUND_HALF_EVEN), self.currency)

    def per_month_from_hourly(self) -> Money:
        return self * HOURS_PER_MONTH

    def to_json(self) -> dict[str, str]:
        """JSON form: the exact amount as a string, never a float."""
        return {"amount": str(self.amount), "currency": self.currency}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Money:
        return cls(to_decimal(data["amount"]), data["currency"])

    def __str__(self) -> str:
        r = self.rounded().amount
        return f"{r:,.2f} {self.currency}"


def total(items: Iterable[Money], currency: str) -> Money:
    """Exact sum of ``items``; raises on any item in another currency."""
    acc = Money.zero(currency)
    for m in items:
        acc = acc + m
    return acc
