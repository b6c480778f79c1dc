"""The build time: from ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the clock.

Shown in Vietnam's time zone (UTC+7), which has no daylight saving.
"""

from __future__ import annotations

import datetime as dt
import os

VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


def build_time() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=VN_TZ)
    return dt.datetime.now(tz=VN_TZ).replace(microsecond=0)
