"""Seed 004's order processing flow, with compensation.

validate → (check inventory ∥ process payment) → reserve inventory → create shipment
→ send confirmation. When the reservation fails, the payment is refunded (a saga).
The outside world is a `Ledger` that records every charge, refund and reservation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fsmnb.effects import (
    Effect,
    call,
    emit,
    parallel,
    put_data,
    retry,
    saga,
    sequence,
    step,
    timeout,
)
from fsmnb.errors import EffectError
from fsmnb.workflow import Workflow


@dataclass
class Ledger:
    """A stand-in for the payment provider and the warehouse; records what happened."""

    stock: dict[str, int] = field(default_factory=lambda: {"widget": 5, "gadget": 0})
    entries: list[tuple[str, str, Any]] = field(default_factory=list)
    fail_reservation: bool = False

    def check_inventory(self, sku: str, qty: int) -> bool:
        return self.stock.get(sku, 0) >= qty

    def charge(self, order_id: str, amount: float) -> str:
        self.entries.append(("charge", order_id, amount))
        return f"pay-{order_id}"

    def refund(self, order_id: str, amount: float) -> None:
        self.entries.append(("refund", order_id, amount))

    def reserve(self, order_id: str, sku: str, qty: int) -> str:
        if self.fail_reservation or self.stock.get(sku, 0) < qty:
            raise RuntimeError(f"cannot reserve {qty} × {sku}")
        self.stock[sku] -= qty
        self.entries.append(("reserve", order_id, qty))
        return f"res-{order_id}"

    def release(self, order_id: str, sku: str, qty: int) -> None:
        self.stock[sku] += qty
        self.entries.append(("release", order_id, qty))

    def ship(self, order_id: str) -> str:
        self.entries.append(("ship", order_id, None))
        return f"trk-{order_id}"


def order_processing(ledger: Ledger) -> Workflow:
    """Build the order flow against `ledger`."""
    wf = Workflow(
        "order_processing",
        description="Complete order processing from validation to fulfillment",
        tags=("ecommerce", "orders", "saga"),
    )

    @wf.validator
    def has_order_fields(data: dict[str, Any]) -> str | None:
        missing = [k for k in ("order_id", "sku", "qty", "amount") if k not in data]
        return f"missing {', '.join(missing)}" if missing else None

    @wf.state(initial=True, on={"valid": "checking", "invalid": "rejected"})
    def validate_order(ctx: Any) -> str:
        """Validate the order."""
        ok = ctx.data["qty"] > 0 and ctx.data["amount"] > 0
        return "valid" if ok else "invalid"

    @wf.state(on={"checked": "reserving", "out_of_stock": "rejected", "error": "failed"})
    def checking(ctx: Any) -> Any:
        """Check inventory and process the payment in parallel."""
        d = ctx.data
        in_stock, payment = yield parallel(
            timeout(call(ledger.check_inventory, d["sku"], d["qty"]), 10),
            retry(timeout(call(ledger.charge, d["order_id"], d["amount"]), 15), attempts=3),
        )
        ctx.data["payment_id"] = payment
        if not in_stock:
            yield call(ledger.refund, d["order_id"], d["amount"])
            return "out_of_stock"
        return "checked"

    @wf.state(on={"reserved": "shipping", "refunded": "failed"})
    def reserving(ctx: Any) -> Any:
        """Reserve the stock; when that fails, refund the payment."""
        d = ctx.data
        try:
            reservation = yield saga(
                step(
                    call(lambda: d["payment_id"]),
                    compensate=call(ledger.refund, d["order_id"], d["amount"]),
                ),
                step(call(ledger.reserve, d["order_id"], d["sku"], d["qty"])),
            )
        except EffectError as error:
            ctx.data["failure"] = str(error.__cause__ or error)
            return "refunded"
        ctx.data["reservation_id"] = reservation[1]
        return "reserved"

    @wf.state(on={"shipped": "confirming"})
    def shipping(ctx: Any) -> Effect:
        """Create the shipment."""
        return sequence(
            put_data("tracking", ledger.ship(ctx.data["order_id"])),
            emit("shipped"),
        )

    @wf.state(on={"confirmed": "completed"})
    def confirming(ctx: Any) -> str:
        """Send the confirmation (non-critical)."""
        ctx.data["confirmation"] = f"Order {ctx.data['order_id']} ships as {ctx.data['tracking']}"
        return "confirmed"

    wf.final("completed", "rejected", "failed")
    return wf
