"""The seed documents' example workflows, runnable offline.

- `smart_door()`: seed 000's `ExistingSmartDoor`, a plain event-driven machine with
  an `on_enter` hook, extended with an AI monitoring state.
- `customer_analysis()`: seed 000's `CustomerAnalysisWorkflow`: setup, a multi-agent
  analysis with compensation, retry and timeout, then a synthesis and a review.
- `order_processing()`: seed 004's order flow: validate → inventory and payment in
  parallel → reserve → ship, with the payment refunded when the reservation fails.
"""

from fsmnb.examples.customer_analysis import customer_analysis
from fsmnb.examples.order_processing import Ledger, order_processing
from fsmnb.examples.smart_door import smart_door

__all__ = ("Ledger", "customer_analysis", "order_processing", "smart_door")
