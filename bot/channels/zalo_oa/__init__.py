"""The Zalo Official Account channel: webhook events in, Open API messages out.

The API facts it relies on are in the README ("Chạy trên Zalo / Running on Zalo"); the ones
not yet tried on a real OA are marked there and kept in settings or in one place here.
"""

from __future__ import annotations

from typing import Final

CHANNEL: Final = "zalo_oa"
