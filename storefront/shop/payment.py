"""Payment provider interface and the test provider (no real payments are ever taken)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from storefront.domain_errors import PaymentDeclined

__all__ = [
    "PaymentDeclined",
    "PaymentProvider",
    "PaymentResult",
    "TestPaymentProvider",
    "get_provider",
]


@dataclass(frozen=True)
class PaymentResult:
    """A successful charge."""

    reference: str
    amount_krw: int
    currency: str


class PaymentProvider(Protocol):
    """What checkout needs from a payment service."""

    name: str

    def charge(
        self, amount_krw: int, currency: str, details: dict[str, Any], idempotency_key: str
    ) -> PaymentResult:
        """Charge or raise :class:`PaymentDeclined`."""
        ...


class TestPaymentProvider:
    """Accepts every card except the documented decline numbers (Stripe's test-card convention)."""

    name = "test"
    #: Card numbers that are always declined, with the reason shown to the shopper.
    DECLINES = {"4000000000000002": "card declined", "4000000000009995": "insufficient funds"}

    def charge(
        self, amount_krw: int, currency: str, details: dict[str, Any], idempotency_key: str
    ) -> PaymentResult:
        """Accept or decline a test card (``details["card"]``); no money moves.

        Returns
        -------
        PaymentResult
            Reference derived from ``idempotency_key`` (a retry gets the same one).

        Raises
        ------
        PaymentDeclined
            The card or token was refused.
        """
        card = str(details.get("card", "4242424242424242")).replace(" ", "")
        if not card.isdigit() or not 12 <= len(card) <= 19:
            raise PaymentDeclined("card number must be 12 to 19 digits")
        if card in self.DECLINES:
            raise PaymentDeclined(self.DECLINES[card])
        if amount_krw <= 0:
            raise PaymentDeclined("nothing to charge")
        ref = "test_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]
        return PaymentResult(reference=ref, amount_krw=amount_krw, currency=currency)


_PROVIDERS: dict[str, PaymentProvider] = {"test": TestPaymentProvider()}


def get_provider(name: str) -> PaymentProvider:
    """A registered provider by name."""
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise PaymentDeclined(
            f"unknown payment provider {name!r}; available: {sorted(_PROVIDERS)}"
        ) from None
