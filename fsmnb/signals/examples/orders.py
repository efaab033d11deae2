"""Seed 004's OrderProcessingFlow: validate, check stock ‖ charge, reserve, ship (detached), confirm.

The actions keep their effects in `LEDGER` (a list of what happened, in
order), so a notebook or a test can see payments refunded and reservations
released when a later step fails. Failures are asked for in the order data:
``card="0000"`` declines the payment, ``qty`` beyond `STOCK` fails the
reservation, ``email=""`` makes the (non-critical) confirmation fail.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from pydantic import BaseModel, Field

from fsmnb.signals.actions import Action, ActionContext
from fsmnb.signals.flows import Flow, FlowStep

__all__ = (
    "LEDGER",
    "STOCK",
    "CheckInventory",
    "CreateShipment",
    "ProcessPayment",
    "RefundPayment",
    "ReleaseInventory",
    "ReserveInventory",
    "SendConfirmation",
    "ValidateOrder",
    "order_processing_flow",
)

#: What the actions did, in order (a stand-in for the payment provider and the warehouse).
LEDGER: list[tuple[str, str]] = []
#: Units in stock per SKU.
STOCK: dict[str, int] = {"book": 10, "lamp": 3, "desk": 1}
_ids = itertools.count(1)
IO_SECONDS = 0.001  # each call "waits on a service" this long


class Item(BaseModel):
    sku: str
    qty: int = Field(gt=0)
    price: float = Field(ge=0)


class ValidateOrder(Action):
    """Check the order's items and compute its total."""

    class Params(BaseModel):
        order_id: str = Field(min_length=1)
        items: list[Item] = Field(min_length=1)

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        total = round(sum(i.qty * i.price for i in params.items), 2)
        return {"order_id": params.order_id, "total": total}


class CheckInventory(Action):
    """Check that every item is in stock."""

    class Params(BaseModel):
        items: list[Item]

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        await asyncio.sleep(IO_SECONDS)
        short = [i.sku for i in params.items if STOCK.get(i.sku, 0) < i.qty]
        return {"in_stock": not short, "short": short}


class ProcessPayment(Action):
    """Charge the order's total to the card (card ``0000`` is declined)."""

    class Params(BaseModel):
        order_id: str
        total: float = Field(ge=0)
        card: str = "4242"

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        await asyncio.sleep(IO_SECONDS)
        if params.card == "0000":
            raise PermissionError(f"card declined for order {params.order_id}")
        payment_id = f"pay_{next(_ids)}"
        LEDGER.append(("charged", payment_id))
        return {"payment_id": payment_id, "charged": params.total}


class RefundPayment(Action):
    """Refund a payment (ProcessPayment's compensation)."""

    class Params(BaseModel):
        payment_id: str

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        await asyncio.sleep(IO_SECONDS)
        LEDGER.append(("refunded", params.payment_id))
        return {"refunded": params.payment_id}


class ReserveInventory(Action):
    """Reserve the items in the warehouse."""

    class Params(BaseModel):
        order_id: str
        items: list[Item]
        in_stock: bool = True

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        await asyncio.sleep(IO_SECONDS)
        if not params.in_stock or any(STOCK.get(i.sku, 0) < i.qty for i in params.items):
            raise LookupError(f"not enough stock for order {params.order_id}")
        for i in params.items:
            STOCK[i.sku] -= i.qty
        reservation_id = f"res_{next(_ids)}"
        LEDGER.append(("reserved", reservation_id))
        return {"reservation_id": reservation_id}


class ReleaseInventory(Action):
    """Put reserved items back (ReserveInventory's compensation)."""

    class Params(BaseModel):
        reservation_id: str
        items: list[Item]

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        for i in params.items:
            STOCK[i.sku] = STOCK.get(i.sku, 0) + i.qty
        LEDGER.append(("released", params.reservation_id))
        return {"released": params.reservation_id}


class CreateShipment(Action):
    """Book a courier for the order (runs detached: the flow does not wait)."""

    class Params(BaseModel):
        order_id: str

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        await asyncio.sleep(IO_SECONDS)
        LEDGER.append(("shipped", params.order_id))
        return {"shipment_id": f"ship_{params.order_id}"}


class SendConfirmation(Action):
    """E-mail the customer (non-critical: an empty address fails, the flow goes on)."""

    class Params(BaseModel):
        order_id: str
        email: str = "customer@example.com"

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        if not params.email:
            raise ValueError("no e-mail address")
        return {"sent_to": params.email}


def order_processing_flow(*, register: bool = True) -> Flow:
    """The seed's OrderProcessingFlow."""
    return Flow(
        "order_processing_flow",
        [
            FlowStep("validate_order", ValidateOrder, timeout=5, required=True, on_error="halt"),
            FlowStep(
                "check_inventory",
                CheckInventory,
                timeout=10,
                parallel_group="validation",
                on_error="retry",
            ),
            FlowStep(
                "process_payment",
                ProcessPayment,
                timeout=15,
                parallel_group="validation",
                compensation=RefundPayment,
                on_error="compensate",
            ),
            FlowStep(
                "reserve_inventory",
                ReserveInventory,
                timeout=5,
                depends_on=["check_inventory", "process_payment"],
                compensation=ReleaseInventory,
                on_error="compensate",
            ),
            FlowStep(
                "create_shipment",
                CreateShipment,
                depends_on=["reserve_inventory"],
                timeout=10,
                async_=True,
            ),
            FlowStep(
                "send_confirmation",
                SendConfirmation,
                depends_on=["process_payment"],
                timeout=5,
                on_error="continue",
            ),
        ],
        description="Complete order processing from validation to fulfillment.",
        register=register,
    )
